package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/linli/linli/bot"
)

// Digest link roles: a digest row carries the cards (role "card", the
// resident's) or the staff cards ("staff_card") of one chat and thread.
const (
	linkDigest    = "digest"
	RoleCard      = "card"
	RoleStaffCard = "staff_card"
)

// DigestEntry is one merged card as its digest shows it.
type DigestEntry struct {
	Row    int64  // the card's outbox row
	Role   string // RoleCard or RoleStaffCard
	Ticket int64
	Kind   string
	Text   string // the ticket's text
	// Reporter is the reporter's name, User their id on the digest's
	// platform ("" when they reported on another).
	Reporter string
	Username string
	User     bot.UserID
}

// Digest is one digest message: the first Entries of what it was given,
// and how it reads.
type Digest struct {
	Entries  int
	Text     string
	Buttons  [][]bot.Button
	Mentions []bot.Mention
}

// DigestRender writes the digests of entries (all of one role) for a chat of
// platform p whose community speaks lang ("" when the chat has none): it
// packs them, in order, into as few messages as fit the platform's length,
// each carrying at least one entry, and returns them in order. cmd/bot
// implements it with the i18n catalogue.
type DigestRender func(p bot.PlatformID, lang, role string, entries []DigestEntry) []Digest

// WithDigests returns the outbox with digests on: Coalesce merges a busy
// group's cards with render. Without it Coalesce merges nothing.
func (o Outbox) WithDigests(render DigestRender) Outbox {
	o.render = render
	return o
}

var _ bot.Coalescer = Outbox{}

// digestible is the predicate of the partial index outbox_digestible; a
// query must repeat it for SQLite to use the index.
const digestible = `o.status = 'pending' AND o.link_role IN ('card', 'staff_card', 'digest')`

// Coalesce implements bot.Coalescer. In a group whose pending cards and
// digests, with others, are more than budget, the cards that can be merged
// (text only: no photo, no edit) are folded into the chat's last digest not
// yet tried and into new digests, per thread and role, in one transaction.
// A lone card with no digest to join is left as it is.
func (o Outbox) Coalesce(ctx context.Context, p bot.PlatformID, chat bot.ChatID, budget, others int) (int, error) {
	if o.render == nil {
		return 0, nil
	}
	var over bool
	err := o.db.View(ctx, func(tx *Tx) error {
		var err error
		over, err = tx.digestOver(p, chat, budget-others)
		return err
	})
	if err != nil || !over {
		return 0, err
	}
	merged := 0
	err = o.db.Update(ctx, func(tx *Tx) error {
		merged = 0
		if over, err := tx.digestOver(p, chat, budget-others); err != nil || !over {
			return err
		}
		var lang string
		err := tx.queryRow(`SELECT coalesce(m.lang, '') FROM chats c LEFT JOIN communities m ON m.id = c.community_id
			WHERE c.platform = ? AND c.chat_key = ? AND c.kind = 'group'`, p, chat).Scan(&lang)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // a private chat, or one never seen: never merged
		} else if err != nil {
			return err
		}
		groups, err := tx.mergeableCards(p, chat)
		if err != nil {
			return err
		}
		for _, g := range groups {
			n, err := tx.fold(p, chat, lang, g, o.render)
			if err != nil {
				return err
			}
			merged += n
		}
		return nil
	})
	return merged, err
}

// digestOver reports whether chat's pending cards and digests are more than
// budget: only then is merging worth it.
func (tx *Tx) digestOver(p bot.PlatformID, chat bot.ChatID, budget int) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM (SELECT 1 FROM outbox o INDEXED BY outbox_digestible
		WHERE o.platform = ? AND o.chat_key = ? AND `+digestible+` AND o.digest_of IS NULL LIMIT ?)`,
		p, chat, max(budget, 0)+1).Scan(&n)
	return n > max(budget, 0), err
}

// cardGroup is the mergeable cards of one thread and role, oldest first.
type cardGroup struct {
	thread, role string
	cards        []DigestEntry
}

// mergeableCards returns chat's pending cards that a digest may carry.
func (tx *Tx) mergeableCards(p bot.PlatformID, chat bot.ChatID) ([]cardGroup, error) {
	rows, err := tx.query(`SELECT o.id, o.thread, o.link_role, t.id, t.kind, t.text, coalesce(pe.display_name, ''),
			coalesce(pe.username, ''), CASE WHEN pe.platform = o.platform THEN pe.user_key ELSE '' END
		FROM outbox o INDEXED BY outbox_digestible
		JOIN tickets t ON t.id = o.ticket_id
		LEFT JOIN people pe ON pe.id = t.reporter_id
		WHERE o.platform = ? AND o.chat_key = ? AND `+digestible+` AND o.link_role IN ('card', 'staff_card')
			AND o.digest_of IS NULL AND o.edit_of IS NULL AND o.attach_kind = '' AND o.poll = '' AND o.pin = 0 AND o.delete_msg = ''
		ORDER BY o.id`, p, chat)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var groups []cardGroup
	idx := map[[2]string]int{}
	for rows.Next() {
		var e DigestEntry
		var thread string
		if err := rows.Scan(&e.Row, &thread, &e.Role, &e.Ticket, &e.Kind, &e.Text, &e.Reporter, &e.Username, &e.User); err != nil {
			return nil, err
		}
		k := [2]string{thread, e.Role}
		i, ok := idx[k]
		if !ok {
			i = len(groups)
			idx[k] = i
			groups = append(groups, cardGroup{thread: thread, role: e.Role})
		}
		groups[i].cards = append(groups[i].cards, e)
	}
	return groups, rows.Err()
}

// fold merges g's cards into the chat's last untried digest of the same
// thread and role, if there is one, and into new digests after it, and
// returns how many cards it merged.
func (tx *Tx) fold(p bot.PlatformID, chat bot.ChatID, lang string, g cardGroup, render DigestRender) (int, error) {
	var last int64
	err := tx.queryRow(`SELECT o.id FROM outbox o INDEXED BY outbox_digestible
		WHERE o.platform = ? AND o.chat_key = ? AND `+digestible+` AND o.link_role = 'digest' AND o.digest_of IS NULL
			AND o.thread = ? AND o.attempts = 0 AND o.last_error = ''
			AND (SELECT m.link_role FROM outbox m INDEXED BY outbox_digest_of WHERE m.digest_of = o.id LIMIT 1) = ?
		ORDER BY o.id DESC LIMIT 1`, p, chat, g.thread, g.role).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	var carried []DigestEntry
	if last != 0 {
		if carried, err = tx.digestEntries(p, last); err != nil {
			return 0, err
		}
	}
	if len(carried) == 0 && len(g.cards) < 2 {
		return 0, nil // one card reads better as itself
	}
	all := append(carried, g.cards...)
	digests := render(p, lang, g.role, all)
	at := 0
	for i, d := range digests {
		if d.Entries < 1 || at+d.Entries > len(all) {
			return 0, fmt.Errorf("digest render: message %d carries %d of %d entries left", i, d.Entries, len(all)-at)
		}
		mentions, err := encodeMentions(d.Mentions)
		if err != nil {
			return 0, err
		}
		id := last
		if i == 0 && last != 0 {
			var buttons string
			if len(d.Buttons) > 0 {
				b, err := json.Marshal(d.Buttons)
				if err != nil {
					return 0, err
				}
				buttons = string(b)
			}
			if _, err := tx.exec(`UPDATE outbox SET text = ?, buttons = ?, mentions = ? WHERE id = ?`, d.Text, buttons, mentions, last); err != nil {
				return 0, fmt.Errorf("rewrite digest %d: %w", last, err)
			}
		} else {
			if id, err = tx.Enqueue(Out{Platform: p, Chat: chat, Thread: g.thread, Text: d.Text, Buttons: d.Buttons, LinkRole: linkDigest, Mentions: d.Mentions}); err != nil {
				return 0, err
			}
		}
		for _, e := range all[at : at+d.Entries] {
			if _, err := tx.exec(`UPDATE outbox SET digest_of = ? WHERE id = ?`, id, e.Row); err != nil {
				return 0, fmt.Errorf("merge outbox %d: %w", e.Row, err)
			}
		}
		at += d.Entries
	}
	if at != len(all) {
		return 0, fmt.Errorf("digest render: %d of %d entries left out", len(all)-at, len(all))
	}
	return len(g.cards), nil
}

// digestEntries returns the cards digest row id carries, in order.
func (tx *Tx) digestEntries(p bot.PlatformID, id int64) ([]DigestEntry, error) {
	rows, err := tx.query(`SELECT o.id, o.link_role, t.id, t.kind, t.text, coalesce(pe.display_name, ''),
			coalesce(pe.username, ''), CASE WHEN pe.platform = ? THEN pe.user_key ELSE '' END
		FROM outbox o INDEXED BY outbox_digest_of
		JOIN tickets t ON t.id = o.ticket_id
		LEFT JOIN people pe ON pe.id = t.reporter_id
		WHERE o.digest_of = ? ORDER BY o.id`, p, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DigestEntry
	for rows.Next() {
		var e DigestEntry
		if err := rows.Scan(&e.Row, &e.Role, &e.Ticket, &e.Kind, &e.Text, &e.Reporter, &e.Username, &e.User); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// sentDigest marks the rows digest row id carries sent with it, as message
// msg, and links the message to each of their tickets.
func (tx *Tx) sentDigest(p bot.PlatformID, chat bot.ChatID, id int64, msg bot.MessageID) error {
	rows, err := tx.query(`UPDATE outbox SET status = 'sent', platform_msg_id = ?, sent_at = ?, attempts = attempts + 1, last_error = ''
		WHERE digest_of = ? RETURNING ticket_id`, msg, unix(tx.now), id)
	if err != nil {
		return fmt.Errorf("mark digest %d sent: %w", id, err)
	}
	var tickets []int64
	for rows.Next() {
		var t sql.NullInt64
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		if t.Valid {
			tickets = append(tickets, t.Int64)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if msg == "" {
		return nil
	}
	for _, t := range tickets {
		if _, err := tx.exec(`INSERT INTO digest_links (platform, chat_key, msg_id, ticket_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			p, chat, msg, t); err != nil {
			return fmt.Errorf("link digest %d: %w", id, err)
		}
	}
	return nil
}

// DigestTickets returns the tickets a digest message carries, in order
// (none when msg is no digest).
func (tx *Tx) DigestTickets(p bot.PlatformID, chat bot.ChatID, msg bot.MessageID) ([]int64, error) {
	rows, err := tx.query(`SELECT ticket_id FROM digest_links WHERE platform = ? AND chat_key = ? AND msg_id = ? ORDER BY ticket_id`, p, chat, msg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func encodeMentions(ms []bot.Mention) (string, error) {
	if len(ms) == 0 {
		return "", nil
	}
	b, err := json.Marshal(ms)
	return string(b), err
}

func decodeMentions(s string) ([]bot.Mention, error) {
	if s == "" {
		return nil, nil
	}
	var ms []bot.Mention
	err := json.Unmarshal([]byte(s), &ms)
	return ms, err
}
