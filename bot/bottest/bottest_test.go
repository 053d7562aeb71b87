package bottest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/bottest"
	"github.com/linli/linli/store"
)

// TestEnvDrainsWhatTheHandlerQueued: a handler's replies come back from Send
// once, marked sent, with the Env's platform, clock and new ids.
func TestEnvDrainsWhatTheHandlerQueued(t *testing.T) {
	start := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
	e := bottest.NewEnv(t, start)
	var seen []bot.Message
	e.Handler = func(ctx context.Context, m *bot.Message) error {
		seen = append(seen, *m)
		return e.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.Chat, Text: "收到：" + m.Text})
			return err
		})
	}
	li := bottest.Person{ID: "1", Name: "李阿姨"}
	out := e.Group(bottest.ResidentGroup, li, "你好")
	bottest.Has(t, bottest.One(t, out, bottest.ResidentGroup).Text, "收到：你好")
	e.Clock.Add(time.Hour)
	out = e.Private(li, "在吗")
	if len(bottest.To(out, bot.ChatID(li.ID))) != 1 || len(e.Drain()) != 0 {
		t.Errorf("private answer %+v; nothing should be left to drain", out)
	}
	if len(seen) != 2 || seen[0].ID == seen[1].ID || seen[1].Platform != bot.Telegram || !seen[1].Time.Equal(start.Add(time.Hour)) {
		t.Errorf("messages handed in: %+v", seen)
	}
	if n := e.Count(`SELECT count(*) FROM outbox WHERE status = 'sent'`); n != 2 {
		t.Errorf("%d rows sent, want 2", n)
	}
}

// TestLogWaitLine: a waiter wakes for a line written later by another
// goroutine, and a zero Log is ready to use.
func TestLogWaitLine(t *testing.T) {
	var l bottest.Log
	log := slog.New(slog.NewTextHandler(&l, nil))
	go func() {
		for i := range 3 {
			log.Info("step", "n", i)
		}
	}()
	l.WaitLine(t, 10*time.Second, "step", "n=2")
}

// TestPlatformRecordsAndFails: sends are recorded until Fail, and Status
// follows SetUp.
func TestPlatformRecordsAndFails(t *testing.T) {
	p := bottest.NewPlatform(bot.WeChat)
	if id, err := p.Send(context.Background(), bot.Outgoing{Chat: "g1", Text: "a"}); err != nil || id != "g1-sent" {
		t.Fatalf("send: %q, %v", id, err)
	}
	p.Fail(errors.New("logged out"))
	if _, err := p.Send(context.Background(), bot.Outgoing{Chat: "g1", Text: "b"}); err == nil {
		t.Error("a send went through while failing")
	}
	p.SetUp(false)
	if up, _ := p.Status(); up || len(p.Sent()) != 1 || p.ID() != bot.WeChat {
		t.Errorf("status up=%v, sent %s", up, fmt.Sprint(p.Sent()))
	}
}
