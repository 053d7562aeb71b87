package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// pruneBatch is how many rows one pruning transaction deletes at most, so
// that messages arriving meanwhile wait for the writer only briefly.
const pruneBatch = 2000

// Pruned counts what Prune deleted.
type Pruned struct {
	Inbox, Outbox int
}

// Prune deletes what the bot no longer needs once it is older than before:
//
//   - inbox rows, the ids of handled messages (a platform delivers a message
//     again within hours, not weeks);
//   - outbox rows that were sent, except the ones something still refers to:
//     a ticket's cards (staff_card, resident_card: later changes edit them
//     in place through edit_of, which needs their message id), the message
//     a notice board is (boards.out_id) and every poll post (poll_posts).
//
// Nothing pending or failed is ever deleted, nor a sent row that a pending
// or failed one edits (a failed row may be sent again with /outbox retry).
// A kept sent row that edited a pruned one forgets the link (edit_of only
// matters until the edit is sent). Ticket links (ticket_links) are kept:
// they name messages, not outbox rows, and replies to old cards still find
// their tickets. Prune works in small transactions and may be stopped (ctx)
// between them.
func (db *DB) Prune(ctx context.Context, before time.Time) (Pruned, error) {
	var p Pruned
	cutoff := unix(before)
	// The inbox has no index on received_at (every message would pay for
	// one): walk it in key order, a page at a time, and delete each page's
	// old rows by key.
	type key struct{ platform, chat, msg string }
	var after key
	for {
		var old []key
		var last key
		n := 0
		err := db.View(ctx, func(tx *Tx) error {
			return tx.eachRow(func(rows *sql.Rows) error {
				var k key
				var at int64
				if err := rows.Scan(&k.platform, &k.chat, &k.msg, &at); err != nil {
					return err
				}
				n++
				last = k
				if at < cutoff {
					old = append(old, k)
				}
				return nil
			}, `SELECT platform, chat_key, msg_id, received_at FROM inbox
				WHERE (platform, chat_key, msg_id) > (?, ?, ?) ORDER BY platform, chat_key, msg_id LIMIT ?`,
				after.platform, after.chat, after.msg, 5*pruneBatch)
		})
		if err != nil {
			return p, fmt.Errorf("prune inbox: %w", err)
		}
		for len(old) > 0 {
			chunk := old[:min(len(old), pruneBatch)]
			old = old[len(chunk):]
			err := db.Update(ctx, func(tx *Tx) error {
				for _, k := range chunk {
					if _, err := tx.exec(`DELETE FROM inbox WHERE platform = ? AND chat_key = ? AND msg_id = ? AND received_at < ?`,
						k.platform, k.chat, k.msg, cutoff); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return p, fmt.Errorf("prune inbox: %w", err)
			}
			p.Inbox += len(chunk)
		}
		if n < 5*pruneBatch {
			break
		}
		after = last
	}

	// Outbox rows are created in id order, and a row is sent after it was
	// created: the old sent rows are all among the rows created before the
	// cutoff, which come first by id.
	var from int64
	for {
		var ids []int64
		var next int64
		done := false
		err := db.View(ctx, func(tx *Tx) error {
			var scanned int
			err := tx.eachRow(func(rows *sql.Rows) error {
				var id, created int64
				var prunable bool
				if err := rows.Scan(&id, &created, &prunable); err != nil {
					return err
				}
				scanned++
				next = id
				if created >= cutoff {
					done = true
					return nil
				}
				if prunable {
					ids = append(ids, id)
				}
				return nil
			}, `SELECT o.id, o.created_at,
					o.status = 'sent' AND coalesce(o.sent_at, 0) < ?2
					AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = o.ticket_id AND o.id IN (t.staff_card, t.resident_card))
					AND NOT EXISTS (SELECT 1 FROM boards b WHERE b.out_id = o.id)
					AND NOT EXISTS (SELECT 1 FROM poll_posts pp WHERE pp.outbox_id = o.id)
					AND NOT EXISTS (SELECT 1 FROM outbox e INDEXED BY outbox_edit_of WHERE e.edit_of = o.id AND e.status <> 'sent')
				FROM outbox o WHERE o.id > ?1 ORDER BY o.id LIMIT ?3`, from, cutoff, pruneBatch)
			if err == nil && scanned < pruneBatch {
				done = true
			}
			return err
		})
		if err != nil {
			return p, fmt.Errorf("prune outbox: %w", err)
		}
		if len(ids) > 0 {
			err := db.Update(ctx, func(tx *Tx) error {
				for _, id := range ids {
					// Sent rows that edited this one keep their message id of
					// their own; only pending and failed edits need the link,
					// and they kept this row.
					if _, err := tx.exec(`UPDATE outbox SET edit_of = NULL WHERE edit_of = ? AND status = 'sent'`, id); err != nil {
						return err
					}
					if _, err := tx.exec(`DELETE FROM outbox WHERE id = ? AND status = 'sent'`, id); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return p, fmt.Errorf("prune outbox: %w", err)
			}
			p.Outbox += len(ids)
		}
		if done {
			return p, nil
		}
		from = next
	}
}
