package bot_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// pacedPlatform is a fakePlatform whose limiter holds back the chats listed
// in wait, each for its own reason, and lets the rest go at once.
type pacedPlatform struct {
	fakePlatform
	mu   sync.Mutex
	wait map[bot.ChatID]time.Duration
	hits map[bot.ChatID]int // Wait calls per chat
}

func (p *pacedPlatform) Limiter() bot.Limiter { return p }

func (p *pacedPlatform) Wait(_ context.Context, chat bot.ChatID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hits[chat]++
	return nil
}

func (p *pacedPlatform) ChatWait(chat bot.ChatID) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wait[chat]
}

// A chat waiting for its own limit (a full group) does not hold a sending
// slot: with one slot, the next chat goes; the held chat goes once its wait
// is over, in order, and the sender is not idle meanwhile.
func TestSenderChatWaitingForItsLimitFreesTheSlot(t *testing.T) {
	db, clk := openDB(t)
	p := &pacedPlatform{wait: map[bot.ChatID]time.Duration{"-1": time.Hour}, hits: map[bot.ChatID]int{}}
	enqueue(t, db, store.Out{Platform: bot.Telegram, Chat: "-1", Text: "a1"}, store.Out{Platform: bot.Telegram, Chat: "-1", Text: "a2"},
		store.Out{Platform: bot.Telegram, Chat: "-2", Text: "b1"})
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{Now: clk.Now, Parallel: 1, Poll: 20 * time.Millisecond}, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; sent %v", what, p.texts())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("b1", func() bool { return len(p.texts()) == 1 })
	if got := p.texts(); got[0] != "-2:b1" {
		t.Fatalf("sent %v, want the waiting group passed over", got)
	}
	idle, cancelIdle := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelIdle()
	if err := s.WaitIdle(idle); err == nil {
		t.Error("the sender said it was idle with a chat waiting for its limit")
	}
	p.mu.Lock()
	p.wait["-1"] = 0
	p.mu.Unlock()
	s.Wake()
	waitFor("a1 and a2", func() bool { return len(p.texts()) == 3 })
	if got := p.texts(); got[1] != "-1:a1" || got[2] != "-1:a2" {
		t.Errorf("sent %v, want a1 then a2", got)
	}
}
