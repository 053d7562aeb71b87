package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/linli/linli/bot"
	gen "github.com/linli/linli/internal/fixture"
	"github.com/linli/linli/store"
)

// BenchmarkRawInsert is the storage limit: one transaction per ticket with a
// ticket row, an event row and an outbox row, through the store's own DSN and
// pragmas (synchronous=FULL: each commit waits for the disk).
func BenchmarkRawInsert(b *testing.B) {
	rate := gen.RawInserts(b, b.TempDir(), b.N)
	b.ReportMetric(rate, "tickets/s")
}

// BenchmarkIngestFloor is BenchmarkIngest (commands) with a handler that
// writes nothing but what filing a ticket cannot do without (floor): the
// same senders, group commit and savepoints, and the figures it reaches are
// the most the ingest benchmark could reach on this machine.
func BenchmarkIngestFloor(b *testing.B) {
	for _, senders := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			f := newFloor(b)
			gen.AgainstRaw(b, func() float64 {
				return gen.ClosedLoop(b, senders, f.file)
			})
		})
	}
}

// floor files tickets the least way: for each message, in a savepoint
// inside a group commit's savepoint as the handler's, the inbox row that
// deduplicates it, the ticket row with its "created" event (CreateTicket
// without the link to the message), and two cards in the outbox (the
// resident's and the staff group's, of a real card's length). The handler
// also reads the chat, the sender, the community and its staff groups, links
// the ticket to the message, counts the sender's recent tickets and looks for
// a duplicate.
type floor struct {
	db     *store.DB
	comm   *store.Community
	chat   *store.Chat
	people []*store.Person // the reporters, as many as BenchmarkIngest's
}

func newFloor(tb testing.TB) *floor {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "floor.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	f := &floor{db: db}
	if _, err := db.SQL().Exec(`INSERT INTO communities (name, created_at) VALUES ('阳光花园', 0);
		INSERT INTO chats (platform, chat_key, kind, community_id, role, created_at) VALUES ('telegram', '-100', 'group', 1, 'resident', 0);
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4999)
		INSERT INTO people (platform, user_key, display_name, created_at, last_seen_at) SELECT 'telegram', 10000 + i, '业主', 0, 0 FROM n`); err != nil {
		tb.Fatal(err)
	}
	err = db.View(ctx, func(tx *store.Tx) (err error) {
		if f.comm, err = tx.CommunityByID(1); err != nil {
			return err
		}
		if f.chat, err = tx.ChatByKey(bot.Telegram, "-100"); err != nil {
			return err
		}
		for id := range int64(5000) {
			p, err := tx.PersonByID(id + 1)
			if err != nil {
				return err
			}
			f.people = append(f.people, p)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// file files message i's ticket.
func (f *floor) file(i int) error {
	const text = "3号楼 2 单元水管漏水"
	msg := bot.MessageID(fmt.Sprint("m", i))
	return f.db.Batch(context.Background(), func(tx *store.Tx) error {
		return tx.Savepoint(func(tx *store.Tx) error {
			if first, err := tx.FirstDelivery(bot.Telegram, f.chat.Key, msg); err != nil || !first {
				return err
			}
			t, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: text, Reporter: f.people[i%len(f.people)], Chat: f.chat})
			if err != nil {
				return err
			}
			card := fmt.Sprintf("工单 #%d · 报修\n内容：%s\n状态：待处理\n首次回复：11月3日 09:00 前\n解决期限：11月9日 09:00 前\n已收到，我们会尽快处理。补充情况请直接回复本消息。", t.ID, text)
			if _, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: f.chat.Key, ReplyTo: msg, Text: card, TicketID: t.ID, LinkRole: "card"}); err != nil {
				return err
			}
			staff := fmt.Sprintf("新工单 #%d · 报修 · 阳光花园\n报告人：业主\n内容：%s\n状态：待处理\n首次回复：11月3日 09:00 前\n解决期限：11月9日 09:00 前\n回复本消息即可答复业主；/take %d 接单，/resolve %d 完成。", t.ID, text, t.ID, t.ID)
			_, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-200", Text: staff, TicketID: t.ID, LinkRole: "staff_card",
				Buttons: [][]bot.Button{{{Text: "接单", Data: fmt.Sprint("take:", t.ID)}, {Text: "完成", Data: fmt.Sprint("resolve:", t.ID)}}}})
			return err
		})
	})
}

// TestIngestFloor checks that the floor benchmark files what it says, once
// per message however often a message comes.
func TestIngestFloor(t *testing.T) {
	f := newFloor(t)
	for _, i := range []int{0, 1, 2, 1, 5003} {
		if err := f.file(i); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM inbox`:                                                       4,
		`SELECT count(*) FROM tickets`:                                                     4,
		`SELECT count(*) FROM ticket_events`:                                               4,
		`SELECT count(*) FROM outbox WHERE link_role = 'card' AND chat_key = '-100'`:       4,
		`SELECT count(*) FROM outbox WHERE link_role = 'staff_card' AND chat_key = '-200'`: 4,
		`SELECT count(DISTINCT ticket_id) FROM outbox`:                                     4,
	} {
		var n int
		if err := f.db.SQL().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
}
