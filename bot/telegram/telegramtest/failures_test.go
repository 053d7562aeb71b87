package telegramtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram/telegramtest"
)

func TestRateLimits(t *testing.T) {
	clock := telegramtest.NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	s := newServer(t, telegramtest.WithClock(clock.Now), telegramtest.WithLimits(telegramtest.TelegramLimits()))
	b := newBot(t, s)
	send := func(chatID int64) error {
		_, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: chatID, Text: "hi"})
		return err
	}
	retryAfter := func(err error) int {
		t.Helper()
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) {
			t.Fatalf("err = %v, want *tgbot.TooManyRequestsError", err)
		}
		return tooMany.RetryAfter
	}

	// Private chat: a burst of 3, then one per second.
	chat := s.AddPrivateChat(alice)
	for i := range 3 {
		if err := send(chat.ID); err != nil {
			t.Fatalf("burst send %d: %v", i, err)
		}
	}
	if got := retryAfter(send(chat.ID)); got != 1 {
		t.Errorf("private retry_after = %d, want 1", got)
	}
	c := lastCall(t, s, "sendMessage")
	if c.Status != 429 || c.Description != "Too Many Requests: retry after 1" {
		t.Errorf("429 call = %d %q", c.Status, c.Description)
	}
	clock.Advance(time.Second)
	if err := send(chat.ID); err != nil {
		t.Errorf("after 1s: %v", err)
	}

	// Group: 20 per minute, retry_after counts down to the oldest send.
	s.AddChat(group)
	for i := range 20 {
		if err := send(group.ID); err != nil {
			t.Fatalf("group send %d: %v", i, err)
		}
		clock.Advance(time.Second)
	}
	// The first send was 20s ago, so it leaves the window in 40s.
	if got := retryAfter(send(group.ID)); got != 40 {
		t.Errorf("group retry_after = %d, want 40", got)
	}
	clock.Advance(40 * time.Second)
	if err := send(group.ID); err != nil {
		t.Errorf("after the window: %v", err)
	}

	// Overall: 30 per second across chats.
	clock.Advance(time.Minute)
	for i := range 30 {
		s.AddChat(models.Chat{ID: int64(1000 + i)})
		if err := send(int64(1000 + i)); err != nil {
			t.Fatalf("global send %d: %v", i, err)
		}
	}
	s.AddChat(models.Chat{ID: 2000})
	if got := retryAfter(send(2000)); got != 1 {
		t.Errorf("global retry_after = %d, want 1", got)
	}
	if got := s.TooManyCount(); got != 3 {
		t.Errorf("TooManyCount = %d, want 3", got)
	}

	// Limits can be turned off.
	s.SetLimits(telegramtest.Limits{})
	for range 5 {
		if err := send(2000); err != nil {
			t.Fatalf("without limits: %v", err)
		}
	}
}

func TestInjectedFailures(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	chat := s.AddPrivateChat(alice)
	send := func(ctx context.Context) error {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat.ID, Text: "hi"})
		return err
	}
	ctx := context.Background()

	s.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailInternal})
	if err := send(ctx); err == nil || !strings.Contains(err.Error(), "500 Internal Server Error") {
		t.Errorf("500: err = %v", err)
	}

	s.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailTooMany, RetryAfter: 7})
	var tooMany *tgbot.TooManyRequestsError
	if err := send(ctx); !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
		t.Errorf("429: err = %v", err)
	}

	s.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 403, Description: "Forbidden: user is deactivated"})
	if err := send(ctx); !errors.Is(err, tgbot.ErrorForbidden) || !strings.Contains(err.Error(), "user is deactivated") {
		t.Errorf("custom 403: err = %v", err)
	}

	s.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailReset})
	err := send(ctx)
	if err == nil || errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "error do request for method sendMessage") {
		t.Errorf("reset: err = %v, want a transport error", err)
	}

	tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	s.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailTimeout})
	if err := send(tctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: err = %v, want context.DeadlineExceeded", err)
	}

	// Delivered: the message is sent but the answer lost.
	s.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailInternal, Delivered: true})
	if err := send(ctx); err == nil {
		t.Error("delivered failure: err = nil")
	}
	if err := send(ctx); err != nil {
		t.Errorf("after the failures: %v", err)
	}
	if got := len(s.Sent()); got != 2 {
		t.Errorf("sent = %d messages, want 2 (delivered + last)", got)
	}
	var kinds []telegramtest.FailureKind
	for _, c := range s.CallsTo("sendMessage") {
		kinds = append(kinds, c.Failure)
	}
	want := []telegramtest.FailureKind{
		telegramtest.FailInternal, telegramtest.FailTooMany, telegramtest.FailError,
		telegramtest.FailReset, telegramtest.FailTimeout, telegramtest.FailInternal, 0,
	}
	if len(kinds) != len(want) {
		t.Fatalf("failure kinds = %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Errorf("call %d failure = %v, want %v", i, kinds[i], want[i])
		}
	}
}

func TestFailureRateIsSeededAndSparesGetUpdates(t *testing.T) {
	run := func() []bool {
		s := newServer(t)
		s.SetFailureRate(0.5, 42, telegramtest.FailInternal, telegramtest.FailTooMany)
		b := newBot(t, s)
		chat := s.AddPrivateChat(alice)
		var failed []bool
		for range 20 {
			_, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: chat.ID, Text: "hi"})
			failed = append(failed, err != nil)
		}
		for range 5 {
			if ids := rawUpdates(t, s, nil); len(ids) != 0 {
				t.Errorf("getUpdates = %v", ids)
			}
		}
		if _, err := b.GetMe(context.Background()); err != nil {
			t.Errorf("getMe affected by the failure rate: %v", err)
		}
		return failed
	}
	a, b := run(), run()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("runs differ at %d: %v vs %v", i, a, b)
		}
		if a[i] {
			n++
		}
	}
	if n == 0 || n == len(a) {
		t.Errorf("%d of %d sends failed at rate 0.5", n, len(a))
	}
}

func TestGetUpdatesFailureAndRecovery(t *testing.T) {
	s := newServer(t)
	s.FailNext("getUpdates", telegramtest.Failure{Kind: telegramtest.FailInternal})
	errs := make(chan error, 10)
	b := newBot(t, s, tgbot.WithNotAsyncHandlers(), tgbot.WithErrorsHandler(func(err error) {
		select {
		case errs <- err:
		default:
		}
	}))
	updates := make(chan *models.Update, 1)
	b.RegisterHandlerMatchFunc(func(*models.Update) bool { return true },
		func(_ context.Context, _ *tgbot.Bot, u *models.Update) { updates <- u })
	startBot(t, b)
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "error get updates") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no getUpdates error reported")
	}
	// The client backs off 100ms and polls again.
	s.SendText(basic, alice, "after the failure")
	if u := recv(t, updates); u.Message.Text != "after the failure" {
		t.Errorf("update = %+v", u.Message)
	}
}

func TestConcurrentSends(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	s.AddChat(group)
	var wg sync.WaitGroup
	ids := &collector[int]{}
	for i := range 20 {
		wg.Go(func() {
			msg, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: group.ID, Text: "n" + itoa(int64(i))})
			if err != nil {
				t.Error(err)
				return
			}
			ids.add(msg.ID)
		})
	}
	wg.Go(func() {
		for i := range 20 {
			s.SendText(group, bob, "user "+itoa(int64(i)))
		}
	})
	sent, err := s.WaitSent(waitCtx(t), 20)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, m := range sent {
		if seen[m.MessageID] {
			t.Errorf("duplicate message id %d", m.MessageID)
		}
		seen[m.MessageID] = true
	}
	if len(ids.all()) != 20 || s.PendingUpdates() != 20 {
		t.Errorf("ids = %d, pending = %d", len(ids.all()), s.PendingUpdates())
	}
	for i := 1; i <= 40; i++ {
		if _, ok := s.Message(group.ID, i); !ok {
			t.Errorf("message %d missing: user and bot ids should share one sequence", i)
		}
	}
}

func TestCloseReleasesHangingRequests(t *testing.T) {
	s := telegramtest.NewServer(token)
	defer s.Close()
	s.AddChat(basic)
	s.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailTimeout})
	hung := make(chan string, 1)
	go func() { hung <- postBody(s, "sendMessage", url.Values{"chat_id": {itoa(basic.ID)}, "text": {"x"}}) }()
	poll := make(chan string, 1)
	go func() { poll <- postBody(s, "getUpdates", url.Values{"timeout": {"30"}}) }()
	if err := s.WaitFor(waitCtx(t), func() bool { return s.Polling() && len(s.CallsTo("sendMessage")) == 1 }); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	for _, ch := range []chan string{hung, poll} {
		select {
		case body := <-ch:
			if ch == poll && body != `{"ok":true,"result":[]}` {
				t.Errorf("poll on close = %s", body)
			}
			if ch == hung && strings.Contains(body, `"ok"`) {
				t.Errorf("hung request got an answer: %s", body)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("request still hanging after Close")
		}
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
}

func TestJSONBody(t *testing.T) {
	s := newServer(t)
	s.AddChat(group)
	body := `{"chat_id":-1001234567890,"text":"<i>json</i>","parse_mode":"HTML",` +
		`"reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}`
	resp, err := http.Post(s.URL+"/bot"+token+"/sendMessage", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sent := s.Sent()
	if resp.StatusCode != 200 || len(sent) != 1 || sent[0].Text != "json" || sent[0].Markup == nil {
		t.Errorf("status %d, sent %+v", resp.StatusCode, sent)
	}
}
