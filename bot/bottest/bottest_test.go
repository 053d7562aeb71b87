package bottest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
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

// TestEnvSentIDsEditsAndFork: Drain's messages keep the ids they were sent
// as (an edit the id of what it edits), Edits lists the edits, LastID sets
// the ids to come, and a fork over a copy of the database carries the
// clock, the ids and the sent messages on without touching the original.
func TestEnvSentIDsEditsAndFork(t *testing.T) {
	e := bottest.NewEnv(t, time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	var lastRow int64 // the bot's first message, which a "!" edits
	e.Handler = func(ctx context.Context, m *bot.Message) error {
		return e.DB.Update(ctx, func(tx *store.Tx) error {
			o := store.Out{Platform: m.Platform, Chat: m.Chat, Text: m.Text, ReplyTo: m.ID}
			if m.Text == "!" {
				o.EditOf = lastRow
			}
			_, err := tx.Enqueue(o)
			return err
		})
	}
	li := bottest.Person{ID: "1", Name: "李阿姨"}
	e.LastID = 1000
	first := bottest.One(t, e.Group(bottest.ResidentGroup, li, "a"), bottest.ResidentGroup)
	if first.ReplyTo != "1001" {
		t.Errorf("after LastID 1000 the next id is %q, want 1001", first.ReplyTo)
	}
	lastRow = first.ID
	last := e.SentID(first)
	out := e.Group(bottest.ResidentGroup, li, "!")
	ed := bottest.Edits(out, bottest.ResidentGroup)
	if len(ed) != 1 || len(bottest.To(out, bottest.ResidentGroup)) != 0 || ed[0].Edit != last || e.SentID(ed[0]) != last {
		t.Errorf("an edit of %q: %+v", last, out)
	}

	path := filepath.Join(t.TempDir(), "fork.db")
	if err := e.DB.Backup(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	f := e.Fork(path)
	f.Handler = func(ctx context.Context, m *bot.Message) error {
		return f.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.Chat, Text: m.Text, ReplyTo: m.ID})
			return err
		})
	}
	f.Clock.Add(time.Hour)
	second := bottest.One(t, f.Group(bottest.ResidentGroup, li, "b"), bottest.ResidentGroup)
	if second.ReplyTo != "1003" || f.SentID(first) != last || f.SentID(second) == last {
		t.Errorf("the fork's ids: message %q, sent %q after %q", second.ReplyTo, f.SentID(second), last)
	}
	if !e.Clock.Now().Equal(f.Clock.Now().Add(-time.Hour)) || e.Count(`SELECT count(*) FROM outbox`) != 2 || f.Count(`SELECT count(*) FROM outbox`) != 3 {
		t.Errorf("the fork shares the original's clock or database")
	}
}
