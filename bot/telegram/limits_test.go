package telegram

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram/telegramtest"
)

var epoch = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// fakeLimiter returns a limiter on a manual clock whose Sleep moves the clock.
func fakeLimiter(l Limits) (*limiter, *telegramtest.ManualClock) {
	clk := telegramtest.NewManualClock(epoch)
	l.Now = clk.Now
	l.Sleep = func(ctx context.Context, d time.Duration) error {
		clk.Advance(d)
		return ctx.Err()
	}
	return newLimiter(l), clk
}

// sendTimes waits for n messages to the chats in turn and returns when each went.
func sendTimes(t *testing.T, l *limiter, clk *telegramtest.ManualClock, n int, chat func(i int) bot.ChatID) []time.Time {
	t.Helper()
	var at []time.Time
	for i := range n {
		if err := l.Wait(context.Background(), chat(i)); err != nil {
			t.Fatal(err)
		}
		at = append(at, clk.Now())
	}
	return at
}

// checkWindow fails if more than n of the sorted times fall within any window w.
func checkWindow(t *testing.T, at []time.Time, n int, w time.Duration) {
	t.Helper()
	for i := 0; i+n < len(at); i++ {
		if d := at[i+n].Sub(at[i]); d < w {
			t.Fatalf("messages %d..%d went within %s, the limit is %d per %s", i, i+n, d, n, w)
		}
	}
}

func TestLimiterGroupPerMinute(t *testing.T) {
	l, clk := fakeLimiter(Limits{})
	at := sendTimes(t, l, clk, 100, func(int) bot.ChatID { return "-1001" })
	checkWindow(t, at, 20, time.Minute)
	// The burst goes out at once, but for the bot-wide spacing of 1/30 s.
	for i := range DefaultBurst {
		if d := at[i].Sub(epoch); d > 100*time.Millisecond {
			t.Errorf("message %d of the burst waited %s", i, d)
		}
	}
	// Sustained: 20 a minute (and a second of slack), one a second at most.
	if got, max := at[99].Sub(epoch), 6*time.Minute; got > max {
		t.Errorf("100 messages took %s, want at most %s", got, max)
	}
}

func TestLimiterPerSecondOverall(t *testing.T) {
	l, clk := fakeLimiter(Limits{})
	at := sendTimes(t, l, clk, 300, func(i int) bot.ChatID { return bot.ChatID(fmt.Sprint(1000 + i)) })
	checkWindow(t, at, 30, time.Second)
	if got := at[299].Sub(at[0]); got > 10*time.Second+100*time.Millisecond {
		t.Errorf("300 messages to different chats took %s, want about 10s", got)
	}
}

func TestLimiterPrivateChat(t *testing.T) {
	l, clk := fakeLimiter(Limits{})
	at := sendTimes(t, l, clk, 10, func(int) bot.ChatID { return "42" })
	// A burst of three (spaced only by the bot-wide 1/30 s), then one a second.
	for i := range 3 {
		if d := at[i].Sub(epoch); d > 100*time.Millisecond {
			t.Errorf("message %d of the burst waited %s", i, d)
		}
	}
	for i := 3; i < 10; i++ {
		if got, want := at[i].Sub(epoch), time.Duration(i-2)*time.Second; got != want {
			t.Errorf("message %d went at +%s, want +%s", i, got, want)
		}
	}
}

func TestLimiterMixedChats(t *testing.T) {
	l, clk := fakeLimiter(Limits{})
	// Groups at their limit, private chats and other groups interleaved.
	chats := []bot.ChatID{"-1", "-1", "-2", "7", "-1", "8", "-3", "-1", "7"}
	at := sendTimes(t, l, clk, 900, func(i int) bot.ChatID { return chats[i%len(chats)] })
	checkWindow(t, at, 30, time.Second)
	per := map[bot.ChatID][]time.Time{}
	for i, ts := range at {
		c := chats[i%len(chats)]
		per[c] = append(per[c], ts)
	}
	for c, ts := range per {
		if !isPrivate(c) {
			checkWindow(t, ts, 20, time.Minute)
		}
	}
}

func TestLimiterFullGroupDoesNotHoldOthers(t *testing.T) {
	l, _ := fakeLimiter(Limits{})
	now := epoch
	for i := range DefaultPerGroupPerMinute {
		if d := l.take("-1", now); d != 0 {
			t.Fatalf("message %d refused: wait %s", i, d)
		}
		now = now.Add(time.Second)
	}
	// Twenty in twenty seconds: the group's minute is full.
	d := l.take("-1", now)
	if want := time.Minute + minuteSlack - 20*time.Second; d != want {
		t.Fatalf("group over its minute waits %s, want %s", d, want)
	}
	if d := l.take("42", now); d != 0 {
		t.Fatalf("a private chat waited %s behind a full group", d)
	}
	if d := l.take("-2", now.Add(time.Second)); d != 0 {
		t.Fatalf("another group waited %s behind a full group", d)
	}
}

func TestLimiterChatWait(t *testing.T) {
	l, clk := fakeLimiter(Limits{})
	for range DefaultBurst {
		if d := l.ChatWait("-1"); d != 0 {
			t.Fatalf("ChatWait = %s within the burst", d)
		}
		if err := l.Wait(context.Background(), "-1"); err != nil {
			t.Fatal(err)
		}
	}
	// The burst is spent: about a second for this chat, none for others,
	// and asking counted nothing.
	if d := l.ChatWait("-1"); d <= 0 || d > time.Second {
		t.Errorf("ChatWait = %s after the burst, want up to a second", d)
	}
	if d := l.ChatWait("-1"); d <= 0 {
		t.Errorf("ChatWait changed on asking again: %s", d)
	}
	if d := l.ChatWait("-2"); d != 0 {
		t.Errorf("ChatWait of an untouched group = %s", d)
	}
	clk.Advance(time.Second)
	if d := l.ChatWait("-1"); d != 0 {
		t.Errorf("ChatWait = %s a second later", d)
	}
}

func TestLimiterForgetsIdleChats(t *testing.T) {
	l, clk := fakeLimiter(Limits{})
	for i := range 5000 {
		if err := l.Wait(context.Background(), bot.ChatID(fmt.Sprint(-i-1))); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	for i := range 1100 {
		if err := l.Wait(context.Background(), bot.ChatID(fmt.Sprint(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(l.chats); n > 2200 {
		t.Errorf("%d chats remembered, want idle ones forgotten", n)
	}
}

func TestLimiterWaitCancelled(t *testing.T) {
	l := newLimiter(Limits{PerGroupPerMinute: 1, Burst: 1})
	ctx, cancel := context.WithCancel(context.Background())
	if err := l.Wait(ctx, "-1"); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := l.Wait(ctx, "-1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestLimiterCustomLimits(t *testing.T) {
	l, clk := fakeLimiter(Limits{PerSecond: 5, PerGroupPerMinute: 4, Burst: 1})
	at := sendTimes(t, l, clk, 12, func(int) bot.ChatID { return "-9" })
	checkWindow(t, at, 4, time.Minute)
	// One a second in the chat, until four in the minute; then the minute
	// (and its slack) from the first.
	if got := at[1].Sub(at[0]); got != time.Second {
		t.Errorf("second message after %s, want 1s", got)
	}
	if got, want := at[4].Sub(at[0]), time.Minute+minuteSlack; got != want {
		t.Errorf("fifth message after %s, want %s", got, want)
	}
}

func TestSeedLimitsKeepsTheLastMinute(t *testing.T) {
	l, clk := fakeLimiter(Limits{})
	tg := &Telegram{limiter: l}
	// The previous run sent a group its 20 messages of the minute over the
	// last 40 seconds (one of them a text of two parts), then restarted.
	var sent []Sent
	for i := range 19 {
		text := "card"
		if i == 5 {
			text = strings.Repeat("长", maxText+10) // two parts
		}
		sent = append(sent, Sent{Chat: "-1001", At: epoch.Add(-40*time.Second + time.Duration(i)*2*time.Second), Text: text})
	}
	sent = append(sent, Sent{Chat: "-1002", At: epoch.Add(-2 * time.Minute), Text: "long ago"})
	tg.SeedLimits(sent)

	start := clk.Now()
	if err := l.Wait(context.Background(), "-1001"); err != nil {
		t.Fatal(err)
	}
	// The oldest of the 20 went 40 s ago: the 21st waits until it leaves
	// the minute (and its slack), not a moment less.
	if waited := clk.Now().Sub(start); waited < 20*time.Second {
		t.Errorf("the group's 21st message of the minute went after %s; Telegram would answer 429", waited)
	}
	// A message sent two minutes ago holds nothing back.
	start = clk.Now()
	if err := l.Wait(context.Background(), "-1002"); err != nil {
		t.Fatal(err)
	}
	if waited := clk.Now().Sub(start); waited > time.Second {
		t.Errorf("another group waited %s", waited)
	}
}

// TestChatBudget: what a chat's limits let through in the next ten seconds,
// and that asking counts nothing.
func TestChatBudget(t *testing.T) {
	l, clk := fakeLimiter(Limits{})
	const d = 10 * time.Second
	// A fresh group: the burst of 3, then one a second (at 1 s … 10 s).
	if got := l.ChatBudget("-1001", d); got != 13 {
		t.Errorf("fresh group: %d, want 13", got)
	}
	if got := l.ChatBudget("-1001", d); got != 13 {
		t.Errorf("asked twice: %d, want 13 (asking counts nothing)", got)
	}
	// After 20 messages the group's minute is used up: nothing for a while.
	sendTimes(t, l, clk, 20, func(int) bot.ChatID { return "-1001" })
	if got := l.ChatBudget("-1001", d); got != 0 {
		t.Errorf("group with its minute used: %d, want 0", got)
	}
	// A private chat has no minute: its pace alone.
	if got := l.ChatBudget("42", d); got != 13 {
		t.Errorf("private chat: %d, want 13", got)
	}
	// Once the minute has passed, the group gets its burst back.
	clk.Advance(2 * time.Minute)
	if got := l.ChatBudget("-1001", d); got != 13 {
		t.Errorf("a minute later: %d, want 13", got)
	}
}
