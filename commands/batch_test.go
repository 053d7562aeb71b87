package commands_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// Group commit (store.DB.Group): messages handled at the same time share a
// transaction, each in its own savepoint. These tests hold the committer in
// a transaction so that the messages queued meanwhile form one group.

// holdCommitter keeps the committer busy until the returned func is called.
func (h *harness) holdCommitter() (release func()) {
	h.t.Helper()
	in, out := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- h.db.Batch(context.Background(), func(*store.Tx) error {
			close(in)
			<-out
			return nil
		})
	}()
	<-in
	return func() {
		close(out)
		if err := <-done; err != nil {
			h.t.Fatal(err)
		}
	}
}

// queue hands m to the Service in the background and waits until it is
// waiting for the committer; the result arrives on the returned channel.
func (h *harness) queue(m bot.Message) <-chan error {
	h.t.Helper()
	h.Stamp(&m)
	before := h.db.BatchStats().Waiting
	errc := make(chan error, 1)
	go func() { errc <- h.svc.Handle(context.Background(), &m) }()
	deadline := time.Now().Add(10 * time.Second)
	for h.db.BatchStats().Waiting <= before {
		if time.Now().After(deadline) {
			h.t.Fatalf("%q never reached the committer", m.Text)
		}
		time.Sleep(time.Millisecond)
	}
	return errc
}

func groupMsg(id string, p person, text string) bot.Message {
	return bot.Message{Chat: residentGroup, ChatKind: bot.Group, ID: bot.MessageID(id), Sender: p.ID, SenderName: p.Name, Text: text}
}

func TestGroupCommitFailingMessageRollsBackAlone(t *testing.T) {
	h := newHarness(t)
	// Filing a ticket whose text says BOOM fails after the ticket row is
	// written, when its first event is: a handler failing half-way.
	if _, err := h.db.SQL().Exec(`CREATE TRIGGER boom BEFORE INSERT ON ticket_events
		WHEN (SELECT text FROM tickets WHERE id = NEW.ticket_id) LIKE '%BOOM%' BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	before := h.tickets()
	groups := h.db.BatchStats().Batches
	release := h.holdCommitter()
	a := h.queue(groupMsg("g1", li, "#报修 3号楼电梯按钮坏了"))
	bad := h.queue(groupMsg("g2", tom, "#报修 BOOM 水管爆了"))
	b := h.queue(groupMsg("g3", person{ID: "7", Name: "赵先生"}, "#报修 5号楼楼道灯不亮"))
	release()
	for name, c := range map[string]<-chan error{"a": a, "bad": bad, "b": b} {
		if err := <-c; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := h.db.BatchStats().Batches - groups; got != 2 {
		t.Errorf("%d transactions, want the three messages in one after the held one", got)
	}
	if got := h.tickets() - before; got != 2 {
		t.Errorf("%d tickets filed, want 2", got)
	}
	if n := h.count(`SELECT count(*) FROM tickets WHERE text LIKE '%BOOM%'`); n != 0 {
		t.Error("the failed message's ticket row survived its rollback")
	}
	// Each message is recorded, so a redelivery does nothing.
	if n := h.count(`SELECT count(*) FROM inbox WHERE msg_id IN ('g1', 'g2', 'g3')`); n != 3 {
		t.Errorf("%d of 3 messages in the inbox", n)
	}
	out := h.drain()
	var answer bot.Outgoing
	cards := 0
	for _, o := range out {
		switch {
		case o.ReplyTo == "g2":
			answer = o
		case o.Chat == residentGroup && strings.Contains(o.Text, "#"):
			cards++
		}
	}
	if answer.Text == "" {
		t.Fatalf("the failed message got no answer; sent %+v", out)
	}
	if cards < 2 {
		t.Errorf("%d cards for the good messages, want 2", cards)
	}
	// A redelivery of the failed message stays quiet.
	if out := h.send(groupMsg("g2", tom, "#报修 BOOM 水管爆了")); len(out) != 0 {
		t.Errorf("redelivery answered again: %+v", out)
	}
}

func TestGroupCommitDeduplicatesWithinAGroup(t *testing.T) {
	h := newHarness(t)
	before := h.tickets()
	release := h.holdCommitter()
	first := h.queue(groupMsg("d1", li, "#报修 车库卷帘门卡住"))
	again := h.queue(groupMsg("d1", li, "#报修 车库卷帘门卡住")) // the platform delivered it twice
	other := h.queue(groupMsg("d2", tom, "#报修 单元门闭门器坏了"))
	release()
	for _, c := range []<-chan error{first, again, other} {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}
	if got := h.tickets() - before; got != 2 {
		t.Errorf("%d tickets, want 2: the repeated message once", got)
	}
	if n := h.count(`SELECT count(*) FROM tickets WHERE origin_msg_id = 'd1'`); n != 1 {
		t.Errorf("%d tickets from message d1", n)
	}
}

func TestGroupCommitKeepsEachChatsOrder(t *testing.T) {
	h := newHarness(t)
	chats := []bot.ChatID{"-101", "-102", "-103", "-104", "-105", "-106"}
	for _, c := range chats {
		h.group(c, manager, "/bind 阳光花园")
	}
	h.drain()
	r := bot.NewRouter(8, slog.New(slog.DiscardHandler))
	r.Handle(bot.Any, h.svc)
	r.Start()
	const per = 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	groups, calls := h.db.BatchStats().Batches, h.db.BatchStats().Calls
	for i := range per {
		for ci, c := range chats {
			wg.Add(1)
			sender := bot.UserID(fmt.Sprint(5000 + ci*100 + i)) // the throttle counts per person
			m := bot.Message{Platform: bot.Telegram, Chat: c, ChatKind: bot.Group, ID: bot.MessageID(fmt.Sprintf("%s-%02d", c, i)),
				Sender: sender, SenderName: "业主", Text: fmt.Sprintf("#报修 %s 第%d条", c, i), BotNames: []string{"Linli_bot"}}
			if err := r.Enqueue(context.Background(), m, func(err error) {
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				wg.Done()
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	r.Close()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, c := range chats {
		rows, err := h.db.SQL().Query(`SELECT t.origin_msg_id FROM tickets t JOIN chats c ON c.id = t.origin_chat_id WHERE c.chat_key = ? ORDER BY t.id`, c)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var id string
			rows.Scan(&id)
			got = append(got, id)
		}
		rows.Close()
		if len(got) != per {
			t.Fatalf("chat %s: %d tickets, want %d", c, len(got), per)
		}
		for i, id := range got {
			if want := fmt.Sprintf("%s-%02d", c, i); id != want {
				t.Fatalf("chat %s: tickets in message order %v", c, got)
			}
		}
	}
	st := h.db.BatchStats()
	t.Logf("%d messages in %d transactions", st.Calls-calls, st.Batches-groups)
}
