package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/linli/linli/bot"
)

// MPToken is a WeChat service account's saved access token. It is a
// secret: never log or show it.
type MPToken struct {
	AppID   string
	Value   string
	Expires time.Time
}

// MPWindow is what is saved of a follower's 48-hour window on the service
// account (see bot/wechatmp.Window).
type MPWindow struct {
	Chat       bot.ChatID
	Last       time.Time // zero: no interaction known
	Sent       int
	Refused    int
	Unfollowed bool
}

// MPToken returns the token saved for appID; a zero MPToken when there is none.
func (tx *Tx) MPToken(appID string) (MPToken, error) {
	t := MPToken{AppID: appID}
	var ms int64
	err := tx.queryRow(`SELECT value, expires_ms FROM wechatmp_tokens WHERE app_id = ?`, appID).Scan(&t.Value, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return MPToken{}, nil
	}
	if err != nil {
		return MPToken{}, err
	}
	t.Expires = time.UnixMilli(ms).UTC()
	return t, nil
}

// SaveMPToken saves an account's access token, replacing the last.
func (tx *Tx) SaveMPToken(t MPToken) error {
	_, err := tx.exec(`INSERT INTO wechatmp_tokens (app_id, value, expires_ms) VALUES (?, ?, ?)
		ON CONFLICT (app_id) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms`,
		t.AppID, t.Value, t.Expires.UnixMilli())
	return err
}

// MPWindow returns what is saved of a follower's window; a zero MPWindow
// (with Chat set) when nothing is.
func (tx *Tx) MPWindow(chat bot.ChatID) (MPWindow, error) {
	w := MPWindow{Chat: chat}
	var last int64
	var unfollowed int
	err := tx.queryRow(`SELECT last_at, sent, refused, unfollowed FROM wechatmp_windows WHERE chat_key = ?`, chat).
		Scan(&last, &w.Sent, &w.Refused, &unfollowed)
	if errors.Is(err, sql.ErrNoRows) {
		return w, nil
	}
	if err != nil {
		return MPWindow{}, err
	}
	if last != 0 {
		w.Last = fromUnix(last)
	}
	w.Unfollowed = unfollowed != 0
	return w, nil
}

// SaveMPWindow saves a follower's window.
func (tx *Tx) SaveMPWindow(w MPWindow) error {
	var last int64
	if !w.Last.IsZero() {
		last = unix(w.Last)
	}
	unfollowed := 0
	if w.Unfollowed {
		unfollowed = 1
	}
	_, err := tx.exec(`INSERT INTO wechatmp_windows (chat_key, last_at, sent, refused, unfollowed) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (chat_key) DO UPDATE SET last_at = excluded.last_at, sent = excluded.sent,
			refused = excluded.refused, unfollowed = excluded.unfollowed`,
		w.Chat, last, w.Sent, w.Refused, unfollowed)
	return err
}

// Hold marks a pending row as held for its recipient: the platform can
// deliver it only once they write again. It stays pending (the Sender keeps
// rechecking it, and Release makes it due at once); it is not failed, and
// /healthz does not count it as stuck. Holding a held row again keeps the
// time it was first held.
func (o Outbox) Hold(ctx context.Context, id int64) error {
	return o.db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE outbox SET held_at = ? WHERE id = ? AND status = 'pending' AND held_at = 0`, unix(tx.now), id)
		return err
	})
}

// Release makes the held rows of a chat due now (its recipient wrote
// again) and reports how many there were.
func (o Outbox) Release(ctx context.Context, p bot.PlatformID, chat bot.ChatID) (int, error) {
	var n int64
	err := o.db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE outbox SET held_at = 0, next_attempt_ms = 0
			WHERE platform = ? AND chat_key = ? AND status = 'pending' AND held_at > 0`, p, chat)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		tx.queued = n > 0
		return nil
	})
	return int(n), err
}

// OutboxTicket is what an outbox row says of its ticket (OutboxTicketOf).
type OutboxTicket struct {
	TicketID int64  // 0: the row is about no ticket
	Role     string // "card", "staff_card", "relay"…
	// Latest reports that no later row about the ticket went to the same
	// chat: the row is the ticket's latest news there.
	Latest bool
}

// OutboxTicketOf returns the ticket a row is about and the row's role.
func (tx *Tx) OutboxTicketOf(id int64) (OutboxTicket, error) {
	var ticket sql.NullInt64
	var ot OutboxTicket
	var p, chat string
	err := tx.queryRow(`SELECT ticket_id, link_role, platform, chat_key FROM outbox WHERE id = ?`, id).Scan(&ticket, &ot.Role, &p, &chat)
	if errors.Is(err, sql.ErrNoRows) {
		return OutboxTicket{}, Errorf(ENOTFOUND, "no_outbox_row", id)
	}
	if err != nil || !ticket.Valid {
		return OutboxTicket{Role: ot.Role}, err
	}
	ot.TicketID = ticket.Int64
	// Rows after id are the newest of the outbox: few, found by the key.
	var later bool
	err = tx.queryRow(`SELECT EXISTS (SELECT 1 FROM outbox WHERE id > ? AND platform = ? AND chat_key = ? AND ticket_id = ?)`,
		id, p, chat, ot.TicketID).Scan(&later)
	ot.Latest = !later
	return ot, err
}

// HeldFor lists, oldest first, the held rows about a ticket that wait for
// a person (Outbox.Hold): what went to their private chat on their
// platform (a service account's follower outside their 48-hour window)
// and will be delivered when they next write.
func (tx *Tx) HeldFor(ticketID int64, p *Person) ([]OutboxRow, error) {
	chats := []any{p.Key}
	if p.PrivateChat != "" && string(p.PrivateChat) != string(p.Key) {
		chats = append(chats, p.PrivateChat)
	}
	args := append([]any{p.Platform}, chats...)
	return queryAll(tx, scanHeld, `SELECT id, platform, chat_key, text, status, attempts, last_error, created_at, held_at FROM outbox INDEXED BY outbox_held
		WHERE platform = ? AND chat_key IN (`+placeholders(len(chats))+`) AND status = 'pending' AND held_at > 0 AND ticket_id = ?
		ORDER BY id`, append(args, ticketID)...)
}

func scanHeld(row interface{ Scan(...any) error }) (OutboxRow, error) {
	var r OutboxRow
	var created, held int64
	err := row.Scan(&r.ID, &r.Platform, &r.Chat, &r.Text, &r.Status, &r.Attempts, &r.LastError, &created, &held)
	r.CreatedAt, r.HeldSince = fromUnix(created), fromUnix(held)
	return r, err
}

// HeldOutbox lists held rows, oldest first.
func (tx *Tx) HeldOutbox(limit int) ([]OutboxRow, error) {
	return queryAll(tx, scanHeld, `SELECT id, platform, chat_key, text, status, attempts, last_error, created_at, held_at FROM outbox
		WHERE status = 'pending' AND held_at > 0 ORDER BY id LIMIT ?`, limit)
}
