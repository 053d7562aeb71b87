package main

import (
	"fmt"
	"strings"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// digestLimit is what one digest message may hold on a platform: its length
// in UTF-16 units as shown (Telegram's measure: 4096, less a margin) or in
// characters (WeChat, which has no documented limit; long texts are cut by
// some clients), and how many entries, so that a staff digest's buttons stay
// within what Telegram takes (100) and a message's mentions within its
// entity limit.
type digestLimit struct {
	units      int
	cards      int // entries of a residents' digest
	staffCards int // entries of a staff digest (each has a button)
	buttonsRow int
}

func limitOf(p bot.PlatformID) digestLimit {
	switch p {
	case bot.Telegram:
		return digestLimit{units: 4000, cards: 60, staffCards: 48, buttonsRow: 4}
	case bot.WeChat:
		return digestLimit{units: 1800, cards: 40, staffCards: 40}
	}
	return digestLimit{units: 4000, cards: 60, staffCards: 60}
}

// digestText is how long a ticket's text may be in a digest entry, in characters.
const digestText = 40

// digestRender writes digests with the catalogue (store.DigestRender), in
// the community's language or else lang.
func digestRender(lang string) store.DigestRender {
	return func(p bot.PlatformID, chatLang, role string, entries []store.DigestEntry) []store.Digest {
		if chatLang != "" {
			lang = chatLang
		}
		return renderDigests(p, i18n.Normalize(lang), role, entries)
	}
}

// renderDigests packs entries greedily, in order, into digests that fit the
// platform; every digest carries at least one entry.
func renderDigests(p bot.PlatformID, lang, role string, entries []store.DigestEntry) []store.Digest {
	lim := limitOf(p)
	most := lim.cards
	if role == store.RoleStaffCard {
		most = lim.staffCards
	}
	var out []store.Digest
	for len(entries) > 0 {
		lines := make([]entryLine, 0, min(len(entries), most))
		size := 0
		for _, e := range entries {
			l := digestLine(p, lang, role, e)
			n := units(l.text) + 1
			if len(lines) > 0 && (len(lines) == most || frameUnits(lang, role, p, len(lines)+1, entries[0].Ticket)+size+n > lim.units) {
				break
			}
			lines = append(lines, l)
			size += n
		}
		out = append(out, buildDigest(p, lang, role, lines, lim))
		entries = entries[len(lines):]
	}
	return out
}

// entryLine is one entry's line: its text, and the byte span in it of the
// resident's name and their user id to mention ("" for none).
type entryLine struct {
	ticket     int64
	text       string
	nameAt     int
	nameLen    int
	mentionFor bot.UserID
}

// nameMark stands for the name while the line is formatted, so that the
// name's place is found whatever the word order of the language.
const nameMark = "\x00"

func digestLine(p bot.PlatformID, lang, role string, e store.DigestEntry) entryLine {
	name := store.CleanName(e.Reporter)
	switch {
	case p == bot.WeChat && name != "":
		name = "@" + name // WeChat has no mentions a bot can send; the name is called
	case name == "" && e.Username != "":
		name = "@" + e.Username // a Telegram @username is a mention in itself
	case name == "":
		name = i18n.T(lang, i18n.DigestNoName)
	}
	short := shortText(e.Text)
	var text string
	if role == store.RoleStaffCard {
		text = i18n.T(lang, i18n.DigestStaffLine, e.Ticket, i18n.T(lang, i18n.Kind(e.Kind)), nameMark, short)
	} else {
		text = i18n.T(lang, i18n.DigestCardsLine, nameMark, e.Ticket, short)
	}
	at := strings.Index(text, nameMark)
	l := entryLine{ticket: e.Ticket, text: strings.Replace(text, nameMark, name, 1), nameAt: at, nameLen: len(name)}
	if at < 0 {
		l.text, l.nameAt, l.nameLen = text, 0, 0
	}
	// Residents are mentioned, so Telegram tells each of them; staff read
	// the names only.
	if p == bot.Telegram && role == store.RoleCard && at >= 0 && e.User != "" && !strings.HasPrefix(name, "@") {
		l.mentionFor = e.User
	}
	return l
}

// shortText is the first line of a ticket's text, cut to digestText characters.
func shortText(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i]) + "…"
	}
	rs := []rune(s)
	if len(rs) > digestText {
		return string(rs[:digestText]) + "…"
	}
	return s
}

// title and foot frame a digest of n entries whose first ticket is first.
func title(lang, role string, n int) string {
	switch {
	case role == store.RoleStaffCard && n == 1:
		return i18n.T(lang, i18n.DigestStaffTitleOne)
	case role == store.RoleStaffCard:
		return i18n.T(lang, i18n.DigestStaffTitle, n)
	case n == 1:
		return i18n.T(lang, i18n.DigestCardsTitleOne)
	}
	return i18n.T(lang, i18n.DigestCardsTitle, n)
}

func foot(lang, role string, p bot.PlatformID, first int64) string {
	switch {
	case role == store.RoleStaffCard:
		return i18n.T(lang, i18n.DigestStaffFoot)
	case p == bot.WeChat:
		// WeChat's web protocol cannot read quotes: the number is the reference.
		return i18n.T(lang, i18n.DigestCardsFootRef, first)
	}
	return i18n.T(lang, i18n.DigestCardsFoot, first)
}

// frameUnits is the length of a digest's title, blank lines and foot.
func frameUnits(lang, role string, p bot.PlatformID, n int, first int64) int {
	return units(title(lang, role, n)) + 2 + units(foot(lang, role, p, first))
}

func buildDigest(p bot.PlatformID, lang, role string, lines []entryLine, lim digestLimit) store.Digest {
	var b strings.Builder
	d := store.Digest{Entries: len(lines)}
	b.WriteString(title(lang, role, len(lines)))
	for _, l := range lines {
		b.WriteByte('\n')
		if l.mentionFor != "" {
			d.Mentions = append(d.Mentions, bot.Mention{Offset: b.Len() + l.nameAt, Length: l.nameLen, User: l.mentionFor})
		}
		b.WriteString(l.text)
	}
	b.WriteString("\n\n")
	b.WriteString(foot(lang, role, p, lines[0].ticket))
	d.Text = b.String()
	if role == store.RoleStaffCard && lim.buttonsRow > 0 {
		var row []bot.Button
		for _, l := range lines {
			// The staff card's button ("t:N:take", commands.handleCallback).
			row = append(row, bot.Button{Text: i18n.T(lang, i18n.BtnTakeN, l.ticket), Data: fmt.Sprintf("t:%d:take", l.ticket)})
			if len(row) == lim.buttonsRow {
				d.Buttons = append(d.Buttons, row)
				row = nil
			}
		}
		if len(row) > 0 {
			d.Buttons = append(d.Buttons, row)
		}
	}
	return d
}

// units is the length of s in UTF-16 code units, Telegram's measure (for
// every platform: WeChat's limits are looser).
func units(s string) int { return telegram.Units(s) }
