package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// fakePlatform records sends and fails them as told.
type fakePlatform struct {
	mu    sync.Mutex
	sent  []bot.Outgoing
	fail  func(out bot.Outgoing, attempt int) error
	tries map[int64]int
	n     int
}

func (f *fakePlatform) ID() bot.PlatformID                           { return bot.Telegram }
func (f *fakePlatform) Run(ctx context.Context, _ bot.Inbound) error { <-ctx.Done(); return nil }
func (f *fakePlatform) Send(_ context.Context, out bot.Outgoing) (bot.MessageID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tries == nil {
		f.tries = map[int64]int{}
	}
	f.tries[out.ID]++
	if f.fail != nil {
		if err := f.fail(out, f.tries[out.ID]); err != nil {
			return "", err
		}
	}
	f.n++
	f.sent = append(f.sent, out)
	return bot.MessageID(fmt.Sprint(1000 + f.n)), nil
}

func (f *fakePlatform) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.sent {
		out = append(out, string(s.Chat)+":"+s.Text)
	}
	return out
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func openDB(t *testing.T) (*store.DB, *clock) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{now: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	return db, c
}

func enqueue(t *testing.T, db *store.DB, outs ...store.Out) []int64 {
	t.Helper()
	var ids []int64
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		for _, o := range outs {
			id, err := tx.Enqueue(o)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func status(t *testing.T, db *store.DB, id int64) *store.OutboxRow {
	t.Helper()
	var r *store.OutboxRow
	db.View(context.Background(), func(tx *store.Tx) (err error) { r, err = tx.OutboxRowByID(id); return })
	return r
}

func TestSenderKeepsOrderPerChatThroughRetries(t *testing.T) {
	db, clk := openDB(t)
	p := &fakePlatform{fail: func(out bot.Outgoing, attempt int) error {
		if out.Text == "a1" && attempt == 1 {
			return errors.New("connection reset by peer")
		}
		return nil
	}}
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{Now: clk.Now, BaseBackoff: time.Second}, quiet)
	o := func(chat bot.ChatID, text string) store.Out {
		return store.Out{Platform: bot.Telegram, Chat: chat, Text: text}
	}
	enqueue(t, db, o("A", "a1"), o("B", "b1"), o("A", "a2"), o("B", "b2"))
	ctx := context.Background()
	if _, err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// a1 failed; a2 must wait behind it while chat B goes on.
	if got, want := fmt.Sprint(p.texts()), "[B:b1 B:b2]"; got != want {
		t.Fatalf("after first flush sent %v, want %v", got, want)
	}
	s.Flush(ctx)
	if got := len(p.texts()); got != 2 {
		t.Fatalf("row in backoff was retried early: %v", p.texts())
	}
	clk.Add(2 * time.Second) // past the capped, jittered first backoff (≤ 1s)
	s.Flush(ctx)
	if got, want := fmt.Sprint(p.texts()), "[B:b1 B:b2 A:a1 A:a2]"; got != want {
		t.Fatalf("sent %v, want %v", got, want)
	}
	if st := s.Stats(); st.Sent != 4 || st.Retried != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestSenderParksAfterMaxAttemptsAndPermanentErrors(t *testing.T) {
	db, clk := openDB(t)
	p := &fakePlatform{fail: func(out bot.Outgoing, attempt int) error {
		switch out.Text {
		case "flaky":
			return errors.New("503 service unavailable")
		case "bad":
			return fmt.Errorf("%w: message is too long", bot.ErrPermanent)
		}
		return nil
	}}
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{Now: clk.Now, MaxAttempts: 3, BaseBackoff: time.Second, MaxBackoff: 4 * time.Second}, quiet)
	ids := enqueue(t, db,
		store.Out{Platform: bot.Telegram, Chat: "A", Text: "bad"},
		store.Out{Platform: bot.Telegram, Chat: "A", Text: "after-bad"},
		store.Out{Platform: bot.Telegram, Chat: "B", Text: "flaky"})
	for range 5 {
		s.Flush(context.Background())
		clk.Add(10 * time.Second)
	}
	if r := status(t, db, ids[0]); r.Status != "failed" || r.LastError == "" {
		t.Errorf("permanent failure row = %+v", r)
	}
	if r := status(t, db, ids[1]); r.Status != "sent" {
		t.Errorf("row after a parked one = %+v, want sent", r)
	}
	if r := status(t, db, ids[2]); r.Status != "failed" || r.Attempts != 3 {
		t.Errorf("flaky row = %+v, want failed after 3 attempts", r)
	}
	var st store.OutboxStats
	db.View(context.Background(), func(tx *store.Tx) (err error) { st, err = tx.OutboxStats(); return })
	if st.Failed != 2 || st.Pending != 0 {
		t.Errorf("outbox stats = %+v", st)
	}
	// A manager re-queues a parked row and it goes out.
	p.fail = nil
	db.Update(context.Background(), func(tx *store.Tx) error { return tx.RequeueOutbox(ids[2]) })
	s.Flush(context.Background())
	if r := status(t, db, ids[2]); r.Status != "sent" {
		t.Errorf("requeued row = %+v", r)
	}
}

func TestSenderRetryAfterGoneMovedAndFallback(t *testing.T) {
	db, clk := openDB(t)
	p := &fakePlatform{}
	p.fail = func(out bot.Outgoing, attempt int) error {
		switch {
		case out.Chat == "limited" && attempt == 1:
			return &bot.RetryAfterError{After: 30 * time.Second}
		case out.Chat == "kicked":
			return &bot.ChatGoneError{Chat: out.Chat, Reason: "bot was kicked"}
		case out.Chat == "-1":
			return &bot.ChatMovedError{From: "-1", To: "-1001"}
		case out.Chat == "42":
			return &bot.UnreachableError{Chat: out.Chat, Reason: "bot can't initiate conversation"}
		}
		return nil
	}
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{Now: clk.Now}, quiet)
	ids := enqueue(t, db,
		store.Out{Platform: bot.Telegram, Chat: "limited", Text: "l"},
		store.Out{Platform: bot.Telegram, Chat: "kicked", Text: "k"},
		store.Out{Platform: bot.Telegram, Chat: "-1", Text: "m"},
		store.Out{Platform: bot.Telegram, Chat: "42", Text: "dm", FallbackChat: "G", FallbackReply: "7"})
	ctx := context.Background()
	s.Flush(ctx)
	s.Flush(ctx) // the moved row and the fallback go out on the next pass
	clk.Add(29 * time.Second)
	s.Flush(ctx)
	if r := status(t, db, ids[0]); r.Status != "pending" {
		t.Errorf("rate-limited row before retry_after = %+v", r)
	}
	clk.Add(2 * time.Second)
	s.Flush(ctx)
	for i, want := range []string{"sent", "failed", "sent", "sent"} {
		if r := status(t, db, ids[i]); r.Status != want {
			t.Errorf("row %d = %+v, want %s", i, r, want)
		}
	}
	if r := status(t, db, ids[2]); r.Chat != "-1001" {
		t.Errorf("moved row went to %s", r.Chat)
	}
	if r := status(t, db, ids[3]); r.Chat != "G" {
		t.Errorf("fallback row went to %s", r.Chat)
	}
	if st := s.Stats(); st.RateLimited != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestSenderEditsResolveToSentMessage(t *testing.T) {
	db, clk := openDB(t)
	p := &fakePlatform{}
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{Now: clk.Now}, quiet)
	ids := enqueue(t, db, store.Out{Platform: bot.Telegram, Chat: "A", Text: "card v1"})
	enqueue(t, db, store.Out{Platform: bot.Telegram, Chat: "A", Text: "card v2", EditOf: ids[0]})
	for {
		n, err := s.Flush(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sent) != 2 || p.sent[1].Edit != "1001" {
		t.Fatalf("sent = %+v, want the second to edit message 1001", p.sent)
	}
}

func TestSenderRunWakesAndStops(t *testing.T) {
	db, clk := openDB(t)
	p := &fakePlatform{}
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{Now: clk.Now, Poll: time.Hour}, quiet)
	db.OnOutbox(s.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	enqueue(t, db, store.Out{Platform: bot.Telegram, Chat: "A", Text: "hi"})
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	for len(p.texts()) == 0 {
		if err := s.WaitIdle(wctx); err != nil {
			t.Fatal("sender did not deliver after wake-up")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

var quiet = slog.New(slog.DiscardHandler)

func TestSenderWaitsDoNotCountAsAttempts(t *testing.T) {
	db, clk := openDB(t)
	waits := 0
	p := &fakePlatform{fail: func(out bot.Outgoing, attempt int) error {
		if attempt <= 10 {
			waits++
			return &bot.RetryAfterError{After: time.Second, Reason: "not logged in"}
		}
		return nil
	}}
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{Now: clk.Now, MaxAttempts: 3}, quiet)
	ids := enqueue(t, db, store.Out{Platform: bot.Telegram, Chat: "A", Text: "paced"})
	for range 12 {
		s.Flush(context.Background())
		clk.Add(2 * time.Second)
	}
	if r := status(t, db, ids[0]); r.Status != "sent" || waits != 10 {
		t.Errorf("row after 10 waits = %+v (waits %d), want sent", r, waits)
	}
}
