package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// BenchmarkRawInsert is the storage limit: one transaction per ticket with a
// ticket row, an event row and an outbox row, through the store's own DSN and
// pragmas (synchronous=FULL: each commit waits for the disk).
func BenchmarkRawInsert(b *testing.B) {
	db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "raw.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sq := db.SQL()
	if _, err := sq.Exec(`INSERT INTO communities (name, created_at) VALUES ('c', 0);
		INSERT INTO chats (platform, chat_key, kind, created_at) VALUES ('telegram', '-1', 'group', 0);
		INSERT INTO people (platform, user_key, created_at, last_seen_at) VALUES ('telegram', '1', 0, 0)`); err != nil {
		b.Fatal(err)
	}
	now := time.Now().Unix()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx, err := sq.Begin()
		if err != nil {
			b.Fatal(err)
		}
		var id int64
		if err := tx.QueryRow(`INSERT INTO tickets (community_id, kind, status, text, reporter_id, origin_chat_id, origin_msg_id,
			created_at, updated_at, first_response_due, resolve_due) VALUES (1, 'repair', 'open', '电梯坏了', 1, 1, ?, ?, ?, ?, ?) RETURNING id`,
			i, now, now, now, now).Scan(&id); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO ticket_events (ticket_id, actor_id, action, at) VALUES (?, 1, 'created', ?)`, id, now); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO outbox (platform, chat_key, text, next_attempt_at, created_at) VALUES ('telegram', '-1', 'card', ?, ?)`, now, now); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

var _ = bot.Telegram
