package telegram_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/store"
)

// TestFaultInjection sends 2,000 messages through the real outbox, Sender and
// adapter while the Bot API fails 30% of sends (500s, 429s with retry_after,
// timeouts, connection resets). Every message must arrive, in order per chat.
func TestFaultInjection(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 sends with injected faults")
	}
	const chats, perChat = 40, 50
	srv := newServer(t)
	for c := range chats {
		srv.AddChat(models.Chat{ID: int64(-3000 - c), Type: models.ChatTypeSupergroup, Title: fmt.Sprint("群", c)})
	}
	tg := newAdapter(t, srv, func(c *telegram.Config) {
		c.RequestTimeout = time.Second // a hung request is given up quickly
		c.Log = slog.New(slog.DiscardHandler)
	})
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		for i := range perChat {
			for c := range chats {
				if _, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: bot.ChatID(strconv.Itoa(-3000 - c)), Text: fmt.Sprintf("chat %d seq %d", c, i)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFailureRate(0.3, 2026, telegramtest.FailInternal, telegramtest.FailTooMany, telegramtest.FailTimeout, telegramtest.FailReset)
	s := bot.NewSender(tg, db.Outbox(), bot.SenderConfig{
		BaseBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 20 * time.Millisecond,
		Parallel: chats, MaxAttempts: 1000, Batch: chats * perChat,
	}, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	seq := regexp.MustCompile(`^chat (\d+) seq (\d+)$`)
	delivered := func() (firsts map[int][]int, dups int) {
		firsts = map[int][]int{}
		seen := map[string]bool{}
		for c := range chats {
			for _, m := range srv.SentTo(int64(-3000 - c)) {
				if seen[m.Text] {
					dups++
					continue
				}
				seen[m.Text] = true
				p := seq.FindStringSubmatch(m.Text)
				n, _ := strconv.Atoi(p[2])
				firsts[c] = append(firsts[c], n)
			}
		}
		return firsts, dups
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer wcancel()
	if err := srv.WaitFor(wctx, func() bool {
		f, _ := delivered()
		total := 0
		for _, v := range f {
			total += len(v)
		}
		return total == chats*perChat
	}); err != nil {
		f, _ := delivered()
		t.Fatalf("not every message arrived: %d chats reporting", len(f))
	}
	firsts, dups := delivered()
	for c, got := range firsts {
		for i, n := range got {
			if n != i {
				t.Fatalf("chat %d: message %d arrived as the %dth: out of order", c, n, i)
			}
		}
	}
	var calls, failed int
	kinds := map[telegramtest.FailureKind]int{}
	for _, c := range srv.CallsTo("sendMessage") {
		calls++
		if !c.OK() {
			failed++
			kinds[c.Failure]++
		}
	}
	st := s.Stats()
	t.Logf("fault test: %d messages in %d chats, %d sendMessage calls, %d failed (500: %d, 429: %d, timeout: %d, reset: %d); sender: %d sent, %d retried, %d rate-limited, %d parked; duplicates delivered: %d",
		chats*perChat, chats, calls, failed, kinds[telegramtest.FailInternal], kinds[telegramtest.FailTooMany], kinds[telegramtest.FailTimeout], kinds[telegramtest.FailReset],
		st.Sent, st.Retried, st.RateLimited, st.Failed, dups)
	if st.Failed != 0 {
		t.Errorf("%d messages parked as failed", st.Failed)
	}
	// The fake never delivers a message whose request it failed; a
	// duplicate can only come from a send that succeeded while the client
	// had already given up on it (a slow machine), which is then retried:
	// at least once, never lost. Those are counted above, not failed.
}
