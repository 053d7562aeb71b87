package store_test

import (
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestPruneKeepsWhatIsUnsentOrReferred(t *testing.T) {
	db, clk := MustOpen(t)
	f := setup(t, db)
	out := func(tx *store.Tx, o store.Out) int64 {
		t.Helper()
		if o.Platform == "" {
			o.Platform = bot.Telegram
		}
		if o.Chat == "" {
			o.Chat = f.staff.Key
		}
		id, err := tx.Enqueue(o)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	sent := func(id int64, msg bot.MessageID) {
		t.Helper()
		if err := db.Outbox().Sent(ctx(), id, msg); err != nil {
			t.Fatal(err)
		}
	}
	var (
		ticket                                            *store.Ticket
		card, cardEdit, relay, board0, board1, pollPost   int64
		original, pendingEdit, failed, pendingOld, recent int64
	)
	mustUpdate(t, db, func(tx *store.Tx) error {
		var err error
		if ticket, err = tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "电梯坏了", Reporter: f.li, Chat: f.resident, MsgID: "7"}); err != nil {
			return err
		}
		card = out(tx, store.Out{Text: "工单 #1", TicketID: ticket.ID, LinkRole: "staff_card"})
		if err := tx.SetCards(ticket.ID, 0, card); err != nil {
			return err
		}
		relay = out(tx, store.Out{Text: "李阿姨：谢谢", TicketID: ticket.ID, LinkRole: "relay"})
		board0 = out(tx, store.Out{Chat: f.resident.Key, Text: "公告栏 v1"})
		original = out(tx, store.Out{Text: "待编辑"})
		failed = out(tx, store.Out{Text: "发不出去"})
		pendingOld = out(tx, store.Out{Chat: "-999", Text: "一直没发出去"})
		poll, err := tx.AddPoll(store.Poll{CommunityID: f.comm.ID, Question: "装充电桩吗", Options: []string{"装", "不装"}})
		if err != nil {
			return err
		}
		pollPost = out(tx, store.Out{Chat: f.resident.Key, Text: "投票"})
		if err := tx.AddPollPost(poll.ID, pollPost, bot.Telegram, f.resident.Key); err != nil {
			return err
		}
		_, err = tx.FirstDelivery(bot.Telegram, f.resident.Key, "old-msg")
		return err
	})
	sent(card, "100")
	sent(relay, "101")
	sent(board0, "102")
	sent(original, "103")
	sent(pollPost, "104")
	if err := db.Outbox().Fail(ctx(), failed, "chat gone"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	mustUpdate(t, db, func(tx *store.Tx) error {
		cardEdit = out(tx, store.Out{Text: "工单 #1 已接单", EditOf: card, TicketID: ticket.ID})
		board1 = out(tx, store.Out{Chat: f.resident.Key, Text: "公告栏 v2", EditOf: board0})
		if err := tx.SaveBoard(bot.Telegram, f.resident.Key, f.comm.ID, board1, "v2"); err != nil {
			return err
		}
		pendingEdit = out(tx, store.Out{Text: "已编辑", EditOf: original})
		return nil
	})
	// pendingOld waits for a retry, far off; the pending edit is not sent.
	if err := db.Outbox().Retry(ctx(), pendingOld, clk.Now().Add(1000*time.Hour), "500", true); err != nil {
		t.Fatal(err)
	}
	sent(cardEdit, "100")
	sent(board1, "102")

	clk.Add(40 * 24 * time.Hour)
	mustUpdate(t, db, func(tx *store.Tx) error {
		recent = out(tx, store.Out{Text: "最近的"})
		_, err := tx.FirstDelivery(bot.Telegram, f.resident.Key, "new-msg")
		return err
	})
	sent(recent, "105")

	p, err := db.Prune(ctx(), clk.Now().Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if p.Inbox < 1 || p.Outbox != 3 {
		t.Errorf("pruned %+v, want the old inbox rows and 3 outbox rows (the relay, the card's edit, the board's old version)", p)
	}
	exists := func(id int64) bool {
		var n int
		db.SQL().QueryRowContext(ctx(), `SELECT count(*) FROM outbox WHERE id = ?`, id).Scan(&n)
		return n == 1
	}
	for name, id := range map[string]int64{"the ticket's card": card, "the board's message": board1, "the poll's post": pollPost,
		"an original a pending edit needs": original, "the pending edit": pendingEdit, "a failed row": failed,
		"an old unsent row": pendingOld, "a recent sent row": recent} {
		if !exists(id) {
			t.Errorf("%s (row %d) was pruned", name, id)
		}
	}
	for name, id := range map[string]int64{"the relay": relay, "the card's sent edit": cardEdit, "the board's old version": board0} {
		if exists(id) {
			t.Errorf("%s (row %d) was kept", name, id)
		}
	}
	var inbox []string
	rows, _ := db.SQL().QueryContext(ctx(), `SELECT msg_id FROM inbox WHERE chat_key = ?`, f.resident.Key)
	for rows.Next() {
		var m string
		rows.Scan(&m)
		inbox = append(inbox, m)
	}
	rows.Close()
	for _, m := range inbox {
		if m == "old-msg" {
			t.Error("an inbox row older than the retention was kept")
		}
	}
	if len(inbox) == 0 || inbox[len(inbox)-1] != "new-msg" {
		t.Errorf("inbox after pruning: %q, want the recent one kept", inbox)
	}

	// The next change of the ticket edits its card in place, and the
	// board's next version edits the board's message.
	mustUpdate(t, db, func(tx *store.Tx) error {
		out(tx, store.Out{Text: "工单 #1 已完成", EditOf: card, TicketID: ticket.ID})
		out(tx, store.Out{Chat: f.resident.Key, Text: "公告栏 v3", EditOf: board1})
		return nil
	})
	due, err := db.Outbox().Due(ctx(), bot.Telegram, 100)
	if err != nil {
		t.Fatal(err)
	}
	edits := map[string]bot.MessageID{}
	for _, r := range due {
		edits[r.Text] = r.Edit
	}
	if edits["工单 #1 已完成"] != "100" || edits["公告栏 v3"] != "102" {
		t.Errorf("edits after pruning: %v, want them to edit messages 100 and 102", edits)
	}
	if b, err := boardOf(db, f.resident.Key); err != nil || b.Msg != "102" {
		t.Errorf("board after pruning: %+v, %v", b, err)
	}
}

func boardOf(db *store.DB, chat bot.ChatID) (b *store.Board, err error) {
	err = db.View(ctx(), func(tx *store.Tx) error {
		b, err = tx.Board(bot.Telegram, chat)
		return err
	})
	return b, err
}
