package commands

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// SuggestionsPerDay is how many anonymous suggestions one sender may leave a day.
const SuggestionsPerDay = 3

// suggestLimiter counts suggestions per sender in memory only: the sender is
// known only by a keyed hash whose key never leaves the process, so not even
// the counts can be tied to anyone after a restart.
type suggestLimiter struct {
	mu    sync.Mutex
	key   [32]byte
	day   string
	count map[string]int
}

func newSuggestLimiter() *suggestLimiter {
	l := &suggestLimiter{count: map[string]int{}}
	rand.Read(l.key[:])
	return l
}

// allow reports whether the sender may leave another suggestion today, and counts it.
func (l *suggestLimiter) allow(p bot.PlatformID, sender bot.UserID, now time.Time) bool {
	mac := hmac.New(sha256.New, l.key[:])
	mac.Write([]byte(string(p) + "\x00" + string(sender)))
	k := string(mac.Sum(nil))
	l.mu.Lock()
	defer l.mu.Unlock()
	if day := now.UTC().Format("2006-01-02"); day != l.day {
		l.day, l.count = day, map[string]int{}
	}
	if l.count[k] >= SuggestionsPerDay {
		return false
	}
	l.count[k]++
	return true
}

// newReceiptCode returns an unguessable code such as "K7QF-2M9X-TB4W" (60 bits).
func newReceiptCode() string {
	var b [8]byte
	rand.Read(b[:])
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])[:12]
	return s[:4] + "-" + s[4:8] + "-" + s[8:12]
}

// suggest files an anonymous suggestion from a private chat. It runs outside
// the usual request path on purpose: it records no inbox entry, no chat, no
// person and no log line about the sender. The receipt is queued to the
// sender's chat and erased from the outbox once delivered.
func (s *Service) suggest(ctx context.Context, m *bot.Message, text string) error {
	lang := s.cfg.Lang
	reply := func(tx *store.Tx, msg string) error {
		_, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.Chat, Text: msg, Anonymous: true})
		return err
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		// Reading the sender's community writes nothing that names them.
		// Someone who belongs to no community has no box to write in.
		var commID int64
		if p, err := tx.PersonByKey(m.Platform, m.Sender); err == nil {
			if p.Memberships, err = tx.Memberships(p.ID); err != nil {
				return err
			}
			if commID, err = s.privateCommunity(tx, p, nil); err != nil {
				return err
			}
		} else if store.ErrorCode(err) != store.ENOTFOUND {
			return err
		}
		if commID != 0 {
			if c, err := tx.CommunityByID(commID); err == nil {
				lang = c.Lang
			}
		}
		switch {
		case strings.TrimSpace(text) == "":
			return reply(tx, i18n.T(lang, i18n.SuggestUsage))
		case commID == 0:
			return reply(tx, i18n.T(lang, i18n.StrangerPrivate))
		}
		if err := store.CheckTicketText(text); err != nil {
			var ue *store.Error
			if e, ok := err.(*store.Error); ok {
				ue = e
			}
			if ue == nil {
				return err
			}
			k, _ := i18n.Err(ue.Key) // CheckTicketText's errors all have one
			return reply(tx, i18n.T(lang, k, ue.Args...))
		}
		if !s.suggestLimit.allow(m.Platform, m.Sender, tx.Now()) {
			return reply(tx, i18n.T(lang, i18n.SuggestLimit, SuggestionsPerDay))
		}
		code := newReceiptCode()
		sg, err := tx.AddSuggestion(commID, text, code)
		if err != nil {
			return err
		}
		return reply(tx, i18n.T(lang, i18n.SuggestReceived, sg.ID, code, code))
	})
}

// suggestInGroup refuses /suggest in a group and, where the platform allows,
// takes the message down so that it does not expose its writer.
func (r *req) suggestInGroup() error {
	if _, err := r.tx.Enqueue(store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Delete: r.m.ID, Text: "-"}); err != nil {
		return err
	}
	_, err := r.tx.Enqueue(store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Thread: r.m.Thread, Text: r.t(i18n.SuggestInGroup)})
	return err
}

// receipt shows the sender of a suggestion its answer: /receipt CODE. It
// works only in a private chat: in a group the answer would show everyone
// who wrote the suggestion, so there it is refused and, where the platform
// allows, the message (and its code) taken down.
func (r *req) receipt() error {
	if r.chat.Kind == bot.Group {
		if _, err := r.tx.Enqueue(store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Delete: r.m.ID, Text: "-"}); err != nil {
			return err
		}
		_, err := r.tx.Enqueue(store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Thread: r.m.Thread, Text: r.t(i18n.ReceiptInGroup)})
		return err
	}
	code := strings.TrimSpace(r.p.Args)
	if code == "" {
		return usage(i18n.UsageReceipt)
	}
	sg, err := r.tx.SuggestionByReceipt(code)
	if err != nil {
		return err
	}
	if sg.Answer == "" {
		return r.reply(r.t(i18n.ReceiptWaiting, sg.ID, truncate(sg.Text, 60)))
	}
	return r.reply(r.t(i18n.ReceiptAnswered, sg.ID, truncate(sg.Text, 60), sg.Answer))
}

// suggestions lists the suggestion box for staff and managers.
func (r *req) suggestions() error {
	var commID int64
	if r.comm != nil && !r.allCommunities() {
		commID = r.comm.ID
	}
	list, err := r.tx.Suggestions(commID, 30)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return r.reply(r.t(i18n.SuggestionsNone))
	}
	ls := []string{r.t(i18n.SuggestionsHeader, len(list))}
	for _, sg := range list {
		state := r.t(i18n.SuggestionsOpen)
		if sg.Answer != "" {
			state = r.t(i18n.SuggestionsAnswered)
		}
		ls = append(ls, r.t(i18n.SuggestionsLine, sg.ID, sg.Day, state, truncate(sg.Text, 80)))
	}
	ls = append(ls, r.t(i18n.SuggestionsHint))
	return r.reply(lines(ls...))
}

// answer replies to a suggestion: /answer ID TEXT, or /answer ID public TEXT
// to post it in the community's resident groups as well.
func (r *req) answer() error {
	id, rest, err := r.ticketArg(r.p.Args)
	if err != nil {
		return err
	}
	public := false
	if f := strings.Fields(rest); len(f) > 0 && (strings.EqualFold(f[0], "public") || f[0] == "公开") {
		public = true
		rest = strings.TrimSpace(strings.TrimPrefix(rest, f[0]))
	}
	if rest == "" {
		return usage(i18n.UsageAnswer)
	}
	sg, err := r.tx.Suggestion(id)
	if err != nil {
		return err
	}
	if !r.me.Memberships.Staff(sg.CommunityID) {
		return store.Errorf(store.ENOTFOUND, "no_suggestion", id)
	}
	if err := r.tx.AnswerSuggestion(sg.ID, rest, r.me, public); err != nil {
		return err
	}
	if public {
		chats, err := r.tx.CommunityChats(sg.CommunityID, store.RoleResidentChat)
		if err != nil {
			return err
		}
		comm, err := r.tx.CommunityByID(sg.CommunityID)
		if err != nil {
			return err
		}
		for _, c := range chats {
			text := i18n.T(comm.Lang, i18n.SuggestPublic, truncate(sg.Text, 200), rest)
			if _, err := r.tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: text}); err != nil {
				return err
			}
		}
	}
	return r.reply(r.t(i18n.AnswerDone, sg.ID))
}
