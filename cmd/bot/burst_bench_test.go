package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/store"
)

// burstMinimum is the least time n messages spread evenly over groups can
// take, first send to last, under Telegram's limits as telegramtest enforces
// them: at most perSecond in any one-second window, at most perGroup in any
// minute in one group. The bot-wide window lets message i go no earlier than
// floor(i/perSecond) seconds after the first; a group's window lets its
// message j go no earlier than floor(j/perGroup) minutes after its first.
func burstMinimum(n, groups, perSecond, perGroup int) time.Duration {
	global := time.Duration((n-1)/perSecond) * time.Second
	perChat := (n + groups - 1) / groups
	group := time.Duration((perChat-1)/perGroup) * time.Minute
	return max(global, group)
}

// BenchmarkTelegramBurst sends 600 messages to 60 groups (ten announcements
// to each) through the real pieces: the outbox in SQLite, bot.Sender, the
// Telegram adapter with its default limiter, and telegramtest enforcing
// Telegram's limits (30 a second per bot, 20 a minute per group) on the real
// clock. It reports the time from the commit that queued them until the last
// one was accepted, divided by the theoretical minimum (burstMinimum: 19 s,
// as ten per group fit in one minute's window and 30 per second is the
// bound), and the 429s the server answered. Targets: ≤ 1.10, zero 429s. It
// takes about 20 seconds of real time per iteration.
func BenchmarkTelegramBurst(b *testing.B) {
	const groups, each = 60, 10
	lim := telegramtest.TelegramLimits()
	minimum := burstMinimum(groups*each, groups, lim.PerSecond, lim.PerGroupPerMinute)
	var worst float64
	var tooMany int
	for range b.N {
		ratio, n := telegramBurst(b, groups, each, minimum)
		worst = max(worst, ratio)
		tooMany += n
	}
	b.ReportMetric(worst, "x-minimum")
	b.ReportMetric(minimum.Seconds(), "minimum-s")
	b.ReportMetric(float64(tooMany), "429s")
}

func telegramBurst(b *testing.B, groups, each int, minimum time.Duration) (float64, int) {
	b.StopTimer()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := telegramtest.NewServer(tgToken, telegramtest.WithUsername("Linli_bot"), telegramtest.WithLimits(telegramtest.TelegramLimits()))
	defer srv.Close()
	var chats []bot.ChatID
	for g := range groups {
		c := srv.AddChat(models.Chat{ID: int64(-1001000 - g), Type: models.ChatTypeSupergroup, Title: fmt.Sprint("业主群", g)})
		chats = append(chats, bot.ChatID(fmt.Sprint(c.ID)))
	}
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "burst.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.DiscardHandler)
	tg, err := telegram.New(telegram.Config{Token: tgToken, APIURL: srv.URL, Log: log, PollTimeout: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	// Run as cmd/bot does: the adapter polling, a sender woken by the outbox.
	router := bot.NewRouter(1, log)
	router.Handle(bot.Any, bot.HandlerFunc(func(context.Context, *bot.Message) error { return nil }))
	router.Start()
	defer router.Close()
	running := make(chan error, 1)
	go func() { running <- tg.Run(ctx, router) }()
	select {
	case <-tg.Ready():
	case err := <-running:
		b.Fatal(err)
	}
	s := bot.NewSender(tg, db.Outbox(), bot.SenderConfig{}, log)
	db.OnOutbox(s.Wake)
	sent := make(chan struct{})
	go func() { s.Run(ctx); close(sent) }()

	b.StartTimer()
	start := time.Now()
	err = db.Update(ctx, func(tx *store.Tx) error {
		for i := range each {
			for _, c := range chats {
				if _, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: c, Text: fmt.Sprintf("通知 %d：明天上午停水", i+1)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*minimum)
	defer wcancel()
	if _, err := srv.WaitSent(wctx, groups*each); err != nil {
		b.Fatalf("%d of %d sent: %v", len(srv.Sent()), groups*each, err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-sent
	<-running
	return elapsed.Seconds() / minimum.Seconds(), srv.TooManyCount()
}

func TestBurstMinimum(t *testing.T) {
	for _, c := range []struct {
		n, groups int
		want      time.Duration
	}{
		{600, 60, 19 * time.Second},    // 10 a group fit one minute: 30/s binds
		{30, 30, 0},                    // one window
		{31, 31, time.Second},          // the 31st waits for the window
		{100, 1, 4 * time.Minute},      // one group: 20 a minute binds
		{600, 10, 2 * time.Minute},     // 60 a group: three minutes' windows
		{3000, 1000, 99 * time.Second}, // 3 a group
	} {
		if got := burstMinimum(c.n, c.groups, 30, 20); got != c.want {
			t.Errorf("burstMinimum(%d, %d) = %s, want %s", c.n, c.groups, got, c.want)
		}
	}
}
