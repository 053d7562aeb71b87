package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/linli/linli/bot"
)

// Out is a message to queue in the outbox.
type Out struct {
	Platform bot.PlatformID
	Chat     bot.ChatID
	Thread   string
	ReplyTo  bot.MessageID
	Text     string
	Buttons  [][]bot.Button
	// EditOf is an earlier outbox row whose message this one edits in place.
	// An edit of a card that a digest carries is not queued: the digest
	// cannot be edited for one ticket, and a new card for each change would
	// flood the group the digest spared (residents hear of changes as replies).
	EditOf int64
	// TicketID links the sent message to a ticket, so replies to it find the ticket.
	TicketID int64
	LinkRole string
	// FallbackChat and FallbackReply say where to answer instead when a
	// private chat cannot be opened (the person's group, replying to their message).
	FallbackChat  bot.ChatID
	FallbackReply bot.MessageID
	// Anonymous marks an anonymous suggestion's receipt: the row is erased
	// as soon as it has been delivered (or given up), leaving no trace of its chat.
	Anonymous bool
	// Delete asks to delete that message in Chat instead of sending Text.
	Delete bot.MessageID
	// Attachment is sent with the text (a photo with the text as caption).
	Attachment *OutAttachment
	// Pin asks to pin the message once sent (a bulletin board).
	Pin bool
	// Poll is sent as a native poll where the platform has them; Text is
	// what the others send instead.
	Poll *bot.Poll
	// NotBefore defers the message: it goes out at that time at the
	// earliest, while the chat's other messages go meanwhile (a digest that
	// later events are folded into, see RewritePending).
	NotBefore time.Time
	// Mentions are spans of Text naming people (a digest's residents).
	Mentions []bot.Mention
}

// OutAttachment is a photo or file to send: by the platform's reference, or
// read from a file when the row is sent.
type OutAttachment struct {
	Kind string // "photo" or "file"
	Ref  string
	Path string
	Name string
}

// linkAnonymous is the link_role of anonymous receipts.
const linkAnonymous = "anonymous"

// Enqueue queues a message. It is sent after the transaction commits.
func (tx *Tx) Enqueue(o Out) (int64, error) {
	if o.Platform == "" || o.Chat == "" {
		return 0, fmt.Errorf("enqueue: no destination")
	}
	var buttons string
	if len(o.Buttons) > 0 {
		b, err := json.Marshal(o.Buttons)
		if err != nil {
			return 0, err
		}
		buttons = string(b)
	}
	if o.Anonymous {
		o.LinkRole, o.TicketID = linkAnonymous, 0
	}
	var ak, ar, ap, an string
	if a := o.Attachment; a != nil {
		ak, ar, ap, an = a.Kind, a.Ref, a.Path, a.Name
	}
	var editOf, ticket any
	if o.EditOf != 0 {
		var digest sql.NullInt64
		if err := tx.queryRow(`SELECT digest_of FROM outbox WHERE id = ?`, o.EditOf).Scan(&digest); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("enqueue: %w", err)
		}
		if digest.Valid {
			return 0, nil
		}
		editOf = o.EditOf
	}
	mentions, err := encodeMentions(o.Mentions)
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	if o.TicketID != 0 {
		ticket = o.TicketID
	}
	next, nextMS := unix(tx.now), int64(0)
	if o.NotBefore.After(tx.now) {
		next, nextMS = unix(o.NotBefore), o.NotBefore.UnixMilli()
	}
	id, err := tx.insert(`INSERT INTO outbox (platform, chat_key, thread, reply_to, text, buttons, edit_of, ticket_id, link_role,
			fallback_chat, fallback_reply, delete_msg, attach_kind, attach_ref, attach_path, attach_name, next_attempt_at, next_attempt_ms, created_at, mentions)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.Platform, o.Chat, o.Thread, o.ReplyTo, o.Text, buttons, editOf, ticket, o.LinkRole,
		o.FallbackChat, o.FallbackReply, o.Delete, ak, ar, ap, an, next, nextMS, unix(tx.now), mentions)
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	if err := tx.setPinAndPoll(id, o); err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	tx.queued = true
	return id, nil
}

// Outbox is the durable queue the senders drain; it implements bot.Queue.
type Outbox struct {
	db     *DB
	render DigestRender // nil: no digests (WithDigests)
}

var _ bot.Queue = Outbox{}

// Outbox returns the outbox queue.
func (db *DB) Outbox() Outbox { return Outbox{db: db} }

// Fair share of the outbox: Due returns at most DuePerChat rows of one chat,
// so that one chat's backlog (150 private messages, a group held back by its
// 20 messages a minute) cannot fill the batch and keep other chats' rows
// unread, and looks at the dueScan oldest pending rows of a platform at most,
// so that a pass costs no more however long the backlog grows. (Before, the
// batch was simply the oldest rows: behind 150 rows to one person, a new
// ticket's card waited 44.8 s.)
const (
	DuePerChat = 10
	dueScan    = 10000
)

// Due implements bot.Queue. For each chat it returns the pending rows in
// order, at most DuePerChat of them, stopping at the first one that is not
// due yet, so a row waiting for a retry holds back the rows queued after it
// in the same chat. A row deferred when queued (Out.NotBefore: never tried,
// not due yet) is left out until its time but holds nothing back, and so is
// a row held for its recipient (Hold: it goes when they write again, while
// what can go meanwhile, such as a template message, goes). A row a digest
// carries is left out: the digest delivers it.
func (o Outbox) Due(ctx context.Context, p bot.PlatformID, limit int) ([]bot.Outgoing, error) {
	var out []bot.Outgoing
	err := o.db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(`
			WITH blocked AS MATERIALIZED (
				-- A chat's run stops at a row waiting for its retry time, or at an
				-- edit whose original is still unsent (it needs the original's id).
				-- Both are found through small partial indexes (migration 0008),
				-- and the rows in order through a third: this runs after every
				-- commit and every send, and reading all pending rows each time
				-- made a backlog cost more with every row added to it.
				SELECT chat_key, min(id) AS stop FROM (
					SELECT o.chat_key, o.id FROM outbox o INDEXED BY outbox_retry
					WHERE o.platform = ?1 AND o.status = 'pending' AND o.next_attempt_ms > ?2
						AND (o.attempts > 0 OR o.last_error <> '') AND o.held_at = 0 AND o.digest_of IS NULL
					UNION ALL
					SELECT o.chat_key, o.id FROM outbox o INDEXED BY outbox_edits JOIN outbox t ON t.id = o.edit_of
					WHERE o.status = 'pending' AND o.edit_of IS NOT NULL AND o.platform = ?1 AND t.status = 'pending'
				) GROUP BY chat_key
			),
			oldest AS (
				SELECT o.id, o.chat_key, o.next_attempt_ms FROM outbox o INDEXED BY outbox_due
				WHERE o.platform = ?1 AND o.status = 'pending' AND o.digest_of IS NULL ORDER BY o.id LIMIT ?4
			),
			runs AS (
				SELECT id, row_number() OVER (PARTITION BY chat_key ORDER BY id) AS n FROM oldest d
				WHERE d.next_attempt_ms <= ?2
					AND NOT EXISTS (SELECT 1 FROM blocked b WHERE b.chat_key = d.chat_key AND b.stop <= d.id)
			)
			SELECT o.id, o.chat_key, o.thread, o.reply_to, o.text, o.buttons, o.attempts,
				coalesce(e.platform_msg_id, ''), coalesce(e.status, ''), o.link_role, o.delete_msg,
				o.attach_kind, o.attach_ref, o.attach_path, o.attach_name, o.pin, o.poll,
				o.mentions, o.edit_of IS NOT NULL, coalesce(e.digest_of, 0)
			FROM runs r JOIN outbox o ON o.id = r.id
			LEFT JOIN outbox e ON e.id = o.edit_of
			WHERE r.n <= ?5
			ORDER BY o.id LIMIT ?3`, p, o.db.Now().UnixMilli(), limit, dueScan, DuePerChat)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g bot.Outgoing
			var buttons, editMsg, editStatus, role, ak, ar, ap, an, poll, mentions string
			var isEdit bool
			var editDigest int64
			if err := rows.Scan(&g.ID, &g.Chat, &g.Thread, &g.ReplyTo, &g.Text, &buttons, &g.Attempts, &editMsg, &editStatus, &role, &g.Delete,
				&ak, &ar, &ap, &an, &g.Pin, &poll, &mentions, &isEdit, &editDigest); err != nil {
				return err
			}
			if g.Mentions, err = decodeMentions(mentions); err != nil {
				return fmt.Errorf("outbox %d mentions: %w", g.ID, err)
			}
			g.Mergeable = (role == RoleCard || role == RoleStaffCard) && !isEdit && ak == "" && poll == "" && !g.Pin && g.Delete == ""
			if g.Poll, err = decodePoll(poll); err != nil {
				return fmt.Errorf("outbox %d poll: %w", g.ID, err)
			}
			if ak != "" {
				g.Attachment = &bot.Attachment{Kind: ak, Ref: ar, Name: an}
				if ap != "" {
					// Read at send time: the copy under the data directory.
					data, err := os.ReadFile(ap)
					if err != nil {
						g.Attachment = nil // gone; the text still goes out
					} else {
						g.Attachment.Data = data
					}
				}
			}
			g.Platform = p
			g.Anonymous = role == linkAnonymous
			if buttons != "" {
				if err := json.Unmarshal([]byte(buttons), &g.Buttons); err != nil {
					return fmt.Errorf("outbox %d buttons: %w", g.ID, err)
				}
			}
			// An edit of a message that never went out is sent as a new
			// message, and so is one of a card a digest carried (its message
			// is the digest's).
			if editStatus == "sent" && editMsg != "" && editDigest == 0 {
				g.Edit = bot.MessageID(editMsg)
			}
			out = append(out, g)
		}
		return rows.Err()
	})
	return out, err
}

// Sent implements bot.Queue. An edit keeps the original message's id, so the
// row records it; a ticket's message is linked to the ticket; an anonymous
// receipt is erased.
func (o Outbox) Sent(ctx context.Context, id int64, msg bot.MessageID) error {
	erased := false
	err := o.db.Update(ctx, func(tx *Tx) error {
		var p bot.PlatformID
		var chat bot.ChatID
		var ticket sql.NullInt64
		var role string
		err := tx.queryRow(`UPDATE outbox SET status = 'sent', platform_msg_id = ?, sent_at = ?, attempts = attempts + 1, last_error = ''
			WHERE id = ? RETURNING platform, chat_key, ticket_id, link_role`, msg, unix(tx.now), id).Scan(&p, &chat, &ticket, &role)
		if err != nil {
			return fmt.Errorf("mark sent %d: %w", id, err)
		}
		if role == linkAnonymous {
			erased = true
			return tx.eraseOutbox(id)
		}
		if role == linkDigest {
			return tx.sentDigest(p, chat, id, msg)
		}
		if ticket.Valid && msg != "" {
			return tx.LinkMessage(p, chat, msg, ticket.Int64, role)
		}
		return nil
	})
	if err == nil && erased {
		o.db.Scrub(ctx)
	}
	return err
}

// eraseOutbox deletes a row for good. With secure_delete on, its bytes are
// overwritten in the database file; Scrub then clears them from the WAL.
func (tx *Tx) eraseOutbox(id int64) error {
	_, err := tx.exec(`DELETE FROM outbox WHERE id = ?`, id)
	return err
}

// Scrub checkpoints the WAL into the database and truncates it, so that
// erased rows leave no old page images behind in the WAL file.
func (db *DB) Scrub(ctx context.Context) {
	_, _ = db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
}

// Retry implements bot.Queue.
func (o Outbox) Retry(ctx context.Context, id int64, at time.Time, reason string, counted bool) error {
	return o.db.Update(ctx, func(tx *Tx) error {
		inc := 0
		if counted {
			inc = 1
		}
		_, err := tx.exec(`UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, next_attempt_ms = ?, last_error = ? WHERE id = ?`,
			inc, at.Unix(), at.UnixMilli(), reason, id)
		return err
	})
}

// Fail implements bot.Queue: the row is parked, never deleted, except an
// anonymous receipt, which is erased rather than kept with its chat.
func (o Outbox) Fail(ctx context.Context, id int64, reason string) error {
	erased := false
	err := o.db.Update(ctx, func(tx *Tx) error {
		var role string
		if err := tx.queryRow(`SELECT link_role FROM outbox WHERE id = ?`, id).Scan(&role); err != nil {
			return err
		}
		if role == linkAnonymous {
			erased = true
			return tx.eraseOutbox(id)
		}
		_, err := tx.exec(`UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`, reason, id)
		return err
	})
	if err == nil && erased {
		o.db.Scrub(ctx)
	}
	return err
}

// ChatGone implements bot.Queue: the chat is marked inactive and its pending rows parked.
func (o Outbox) ChatGone(ctx context.Context, p bot.PlatformID, chat bot.ChatID, reason string) error {
	return o.db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`UPDATE chats SET active = 0, note = ? WHERE platform = ? AND chat_key = ?`, reason, p, chat); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM outbox WHERE platform = ? AND chat_key = ? AND status = 'pending' AND link_role = ?`,
			p, chat, linkAnonymous); err != nil {
			return err
		}
		_, err := tx.exec(`UPDATE outbox SET status = 'failed', last_error = ? WHERE platform = ? AND chat_key = ? AND status = 'pending'`,
			"chat gone: "+reason, p, chat)
		return err
	})
}

// ChatMoved implements bot.Queue.
func (o Outbox) ChatMoved(ctx context.Context, p bot.PlatformID, from, to bot.ChatID) error {
	return o.db.Update(ctx, func(tx *Tx) error { return tx.MoveChat(p, from, to) })
}

// Fallback implements bot.Queue: a private message that cannot be delivered
// is re-addressed to the row's fallback (a reply in the person's group).
func (o Outbox) Fallback(ctx context.Context, id int64, reason string) (bool, error) {
	var ok bool
	err := o.db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE outbox SET chat_key = fallback_chat, reply_to = fallback_reply, thread = '',
				fallback_chat = '', fallback_reply = '', last_error = ?, next_attempt_at = ?, next_attempt_ms = 0
			WHERE id = ? AND fallback_chat <> ''`, "private chat unreachable: "+reason, unix(tx.now), id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		tx.queued = ok
		return err
	})
	return ok, err
}

// Hurry makes every pending row of a platform due now: the platform is back
// (a WeChat re-login) and rows waiting out a back-off need not wait longer.
func (o Outbox) Hurry(ctx context.Context, p bot.PlatformID) error {
	return o.db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE outbox SET next_attempt_ms = 0 WHERE platform = ? AND status = 'pending' AND next_attempt_ms > 0`, p)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		tx.queued = n > 0
		return nil
	})
}

// RewritePending replaces the text of a row that has not gone out yet and
// reports whether it could (false: sent, failed or gone).
func (tx *Tx) RewritePending(id int64, text string) (bool, error) {
	res, err := tx.exec(`UPDATE outbox SET text = ? WHERE id = ? AND status = 'pending'`, text, id)
	if err != nil {
		return false, fmt.Errorf("rewrite outbox %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecentSend is a message that went out lately (RecentSends).
type RecentSend struct {
	Chat bot.ChatID
	At   time.Time // the second it was recorded as sent
	Text string
}

// recentScan bounds how far back RecentSends looks: a minute of Telegram's
// 30 messages a second is 1,800 rows, and a restart must not read the
// whole sent history.
const recentScan = 20000

// RecentSends returns the messages of platform marked sent since since, in
// the order they went out (a restarted sender seeds its rate limits with
// them). It reads only the newest rows.
func (o Outbox) RecentSends(ctx context.Context, p bot.PlatformID, since time.Time) ([]RecentSend, error) {
	var out []RecentSend
	err := o.db.View(ctx, func(tx *Tx) error {
		return tx.eachRow(func(rows *sql.Rows) error {
			var r RecentSend
			var at int64
			if err := rows.Scan(&r.Chat, &at, &r.Text); err != nil {
				return err
			}
			r.At = fromUnix(at)
			out = append(out, r)
			return nil
		}, `SELECT chat_key, sent_at, text FROM outbox
			WHERE id > (SELECT coalesce(max(id), 0) FROM outbox) - ? AND platform = ? AND status = 'sent' AND sent_at >= ?
				AND digest_of IS NULL
			ORDER BY sent_at, id`, recentScan, p, unix(since))
	})
	if err != nil {
		return nil, fmt.Errorf("recent sends: %w", err)
	}
	return out, nil
}

// OutboxStats counts outbox rows that need attention.
type OutboxStats struct {
	Pending, Failed int
	// Held counts the pending rows held for their recipient (Outbox.Hold),
	// which wait for them to write again and are not stuck.
	Held int
	// OldestPending is the creation time of the oldest pending row that
	// is not held.
	OldestPending time.Time
}

// OutboxStats returns counts of pending and failed rows. Both come from
// partial indexes, so the cost does not grow with the sent history.
func (tx *Tx) OutboxStats() (OutboxStats, error) {
	var s OutboxStats
	var oldest sql.NullInt64
	if err := tx.queryRow(`SELECT count(*), min(CASE WHEN held_at = 0 THEN created_at END), count(CASE WHEN held_at > 0 THEN 1 END)
		FROM outbox WHERE status = 'pending'`).Scan(&s.Pending, &oldest, &s.Held); err != nil {
		return s, err
	}
	s.OldestPending = nullTime(oldest)
	err := tx.queryRow(`SELECT count(*) FROM outbox WHERE status = 'failed'`).Scan(&s.Failed)
	return s, err
}

// OutboxRow is an outbox entry as managers see it.
type OutboxRow struct {
	ID        int64
	Platform  bot.PlatformID
	Chat      bot.ChatID
	Text      string
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	// HeldSince is when a held row was first held (HeldOutbox and HeldFor only).
	HeldSince time.Time
}

// FailedOutbox lists parked rows, newest first.
func (tx *Tx) FailedOutbox(limit int) ([]OutboxRow, error) {
	rows, err := tx.query(`SELECT id, platform, chat_key, text, status, attempts, last_error, created_at FROM outbox
		WHERE status = 'failed' ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var created int64
		if err := rows.Scan(&r.ID, &r.Platform, &r.Chat, &r.Text, &r.Status, &r.Attempts, &r.LastError, &created); err != nil {
			return nil, err
		}
		r.CreatedAt = fromUnix(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RequeueOutbox puts a failed row back in the queue.
func (tx *Tx) RequeueOutbox(id int64) error {
	res, err := tx.exec(`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, next_attempt_ms = 0 WHERE id = ? AND status = 'failed'`, unix(tx.now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(ENOTFOUND, "no_outbox_row", id)
	}
	tx.queued = true
	return nil
}

// OutboxRowByID returns one outbox row (tests and diagnostics).
func (tx *Tx) OutboxRowByID(id int64) (*OutboxRow, error) {
	var r OutboxRow
	var created int64
	err := tx.queryRow(`SELECT id, platform, chat_key, text, status, attempts, last_error, created_at FROM outbox WHERE id = ?`, id).
		Scan(&r.ID, &r.Platform, &r.Chat, &r.Text, &r.Status, &r.Attempts, &r.LastError, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_outbox_row", id)
	}
	r.CreatedAt = fromUnix(created)
	return &r, err
}
