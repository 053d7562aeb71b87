package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/store"
)

// logRecorder is a slog.Handler that keeps every record's text, for tests
// that check what reaches the log, and tells waiters when a message appears.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
	bump  chan struct{}
}

func newLogRecorder() *logRecorder { return &logRecorder{bump: make(chan struct{}, 1)} }

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l } // the attrs are the platform only
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	select {
	case l.bump <- struct{}{}:
	default:
	}
	return nil
}

func (l *logRecorder) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// count is how many records contain s.
func (l *logRecorder) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// wait waits until n records contain s.
func (l *logRecorder) wait(t *testing.T, s string, n int) {
	t.Helper()
	timeout := time.After(deadline)
	for l.count(s) < n {
		select {
		case <-l.bump:
		case <-timeout:
			t.Fatalf("the log never said %q %d times; it has:\n%s", s, n, l.text())
		}
	}
}

// outage is a handler that cannot store anything while it is on, as when
// the database is locked by another process or the disk is full.
type outage struct {
	on      atomic.Bool
	failed  chan string // the text of each failed attempt
	mu      sync.Mutex
	handled map[bot.ChatID][]string // stored, in the order stored
}

func newOutage() *outage {
	o := &outage{failed: make(chan string, 1000), handled: map[bot.ChatID][]string{}}
	o.on.Store(true)
	return o
}

func (o *outage) handle(m *bot.Message) error {
	if o.on.Load() {
		o.failed <- m.Text
		return fmt.Errorf("%w: database is locked (5) (SQLITE_BUSY)", bot.ErrUnavailable)
	}
	o.mu.Lock()
	o.handled[m.Chat] = append(o.handled[m.Chat], m.Text)
	o.mu.Unlock()
	return nil
}

func (o *outage) waitFailures(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-o.failed:
		case <-time.After(deadline):
			t.Fatalf("fewer than %d failed attempts", n)
		}
	}
}

func (o *outage) stored(chat bot.ChatID) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.handled[chat]...)
}

func TestRunHoldsUpdatesThatCannotBeStored(t *testing.T) {
	srv := newServer(t)
	offsets := newMemOffsets(0)
	out := newOutage()
	in := newInbox(out.handle)
	logs := newLogRecorder()
	tg := newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets; c.Log = slog.New(logs) })
	chats := []models.Chat{residents, staff, {ID: -1001003, Type: models.ChatTypeSupergroup, Title: "二期业主群"}}
	var last models.Update
	for i := range 3 {
		for _, c := range chats {
			last = srv.SendText(c, li, fmt.Sprintf("#报修 %d", i))
		}
	}
	run(t, tg, in)

	// Each chat's first update fails, is held, and is tried again; nothing
	// later in its chat goes ahead of it.
	out.waitFailures(t, 2*len(chats))
	select {
	case v := <-offsets.saved:
		t.Fatalf("offset %d saved while no update could be stored", v)
	default:
	}
	if n := len(srv.CallsTo("getUpdates")); n != 1 {
		t.Errorf("getUpdates called %d times while the first batch was held; Telegram would forget it", n)
	}
	for _, c := range chats {
		if got := out.stored(bot.ChatID(itoa(c.ID))); len(got) != 0 {
			t.Errorf("chat %d stored %q during the outage", c.ID, got)
		}
	}

	// Writes work again: everything is stored once, in order, by itself.
	out.on.Store(false)
	offsets.waitSaved(t, last.ID)
	for _, c := range chats {
		want := []string{"#报修 0", "#报修 1", "#报修 2"}
		if got := out.stored(bot.ChatID(itoa(c.ID))); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("chat %d stored %q, want %q", c.ID, got, want)
		}
	}
	// The spell is logged once as it starts and once as it ends.
	logs.wait(t, "updates are stored again", 1)
	if n := logs.count("cannot be stored now"); n != 1 {
		t.Errorf("the outage was logged %d times:\n%s", n, logs.text())
	}
}

func TestRunShutdownLeavesHeldUpdatesForTheNextRun(t *testing.T) {
	srv := newServer(t)
	offsets := newMemOffsets(0)
	out := newOutage()
	u := srv.SendText(residents, li, "#报修 水管爆了")
	r := run(t, newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets }), newInbox(out.handle))
	out.waitFailures(t, 1)
	if err := r.stop(); err != nil { // returns although the update was never stored
		t.Fatal(err)
	}
	if got := offsets.get(); got >= u.ID {
		t.Fatalf("offset %d saved past the update that was never stored", got)
	}
	// The next run (the database works again) is given it anew.
	out.on.Store(false)
	run(t, newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets }), newInbox(out.handle))
	offsets.waitSaved(t, u.ID)
	if got := out.stored(bot.ChatID(itoa(residents.ID))); len(got) != 1 {
		t.Errorf("stored %q after the restart", got)
	}
}

func TestWebhookAnswers503UntilTheUpdateIsStored(t *testing.T) {
	srv := newServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "hook-secret"
	out := newOutage()
	in := newInbox(out.handle)
	tg := newAdapter(t, srv, func(c *telegram.Config) {
		c.Webhook = &telegram.WebhookConfig{PublicURL: "https://linli.example/tg", Listener: ln, Secret: secret}
	})
	run(t, tg, in)
	post := func(u models.Update) int {
		t.Helper()
		body, _ := json.Marshal(u)
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/tg", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	u := models.Update{ID: 7, Message: &models.Message{ID: 70, Chat: residents, From: &li, Date: 1772352000, Text: "#报修 停电"}}
	if code := post(u); code != http.StatusServiceUnavailable {
		t.Fatalf("an update that could not be stored was answered %d; Telegram would not send it again", code)
	}
	out.on.Store(false)
	// Telegram posts it again.
	if code := post(u); code != http.StatusOK {
		t.Fatalf("once writes work the update was answered %d", code)
	}
	if got := out.stored(bot.ChatID(itoa(residents.ID))); len(got) == 0 || got[0] != "#报修 停电" {
		t.Errorf("stored %q", got)
	}
}

func TestWebhookLogsWrongSecretsOnceAMinute(t *testing.T) {
	srv := newServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := newLogRecorder()
	tg := newAdapter(t, srv, func(c *telegram.Config) {
		c.Webhook = &telegram.WebhookConfig{PublicURL: "https://linli.example/tg", Listener: ln, Secret: "right"}
		c.Log = slog.New(logs)
	})
	run(t, tg, newInbox(nil))
	for range 50 {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/tg", strings.NewReader("{}"))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "guess")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a wrong secret got %d", resp.StatusCode)
		}
	}
	if n := logs.count("wrong secret"); n != 1 {
		t.Errorf("50 wrong secrets in a moment made %d log lines, want 1:\n%s", n, logs.text())
	}
}

func TestStatusFollowsTheBotAPI(t *testing.T) {
	srv := newServer(t)
	srv.AddChat(residents)
	logs := newLogRecorder()
	tg := newAdapter(t, srv, func(c *telegram.Config) { c.Log = slog.New(logs) })
	in := newInbox(nil)
	// The token is revoked while the bot runs: getUpdates answers 401.
	for range 3 {
		srv.FailNext("getUpdates", telegramtest.Failure{Kind: telegramtest.FailError, Code: 401, Description: "Unauthorized"})
	}
	run(t, tg, in)
	logs.wait(t, "API calls fail", 1)
	up, detail := tg.Status()
	if up || !strings.Contains(detail, "401") {
		t.Errorf("Status with the token refused: %v %q", up, detail)
	}
	// A send meanwhile waits instead of being given up.
	srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 401, Description: "Unauthorized"})
	_, err := tg.Send(context.Background(), bot.Outgoing{Chat: "-1001001", Text: "hello"})
	var retry *bot.RetryAfterError
	if !errors.As(err, &retry) || errors.Is(err, bot.ErrPermanent) {
		t.Errorf("a send refused with 401: %v, want a RetryAfterError, not a permanent failure", err)
	}
	// The token works again (a new one was set server side): back up.
	srv.SendText(residents, li, "hi")
	in.next(t)
	logs.wait(t, "API calls work again", 1)
	if up, detail := tg.Status(); !up {
		t.Errorf("Status after the API answers again: %v %q", up, detail)
	}
	// Said once each way, although the SDK kept polling.
	if n := logs.count("API calls fail"); n != 1 {
		t.Errorf("the failure was logged %d times:\n%s", n, logs.text())
	}
}

func TestTheTokenNeverReachesErrorsOrLogs(t *testing.T) {
	// A -telegram-api that is some other web server: it quotes the path,
	// token and all, as Express does.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "<pre>Cannot POST %s</pre>", r.URL.Path)
	}))
	defer web.Close()
	logs := newLogRecorder()
	tg, err := telegram.New(telegram.Config{Token: token, APIURL: web.URL, PollTimeout: 5 * time.Second, Limits: telegram.Limits{Disabled: true}, Log: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx, newInbox(nil)) }()
	logs.wait(t, "API calls fail", 1)
	_, sendErr := tg.Send(context.Background(), bot.Outgoing{Chat: "-1001001", Text: "hello"})
	cancel()
	if err := <-done; err != nil && strings.Contains(err.Error(), token) {
		t.Errorf("Run returned the token: %v", err)
	}
	if sendErr == nil {
		t.Fatal("a send to a server that is not a Bot API worked")
	}
	_, detail := tg.Status()
	secretPart := token[strings.IndexByte(token, ':')+1:]
	for what, text := range map[string]string{"the send's error": sendErr.Error(), "the log": logs.text(), "Status": detail} {
		if strings.Contains(text, secretPart) {
			t.Errorf("%s holds the token:\n%s", what, text)
		}
	}
	if !strings.Contains(logs.text(), "Cannot POST /bot[redacted]/getMe") {
		t.Errorf("the log does not say what the server answered (with the token redacted):\n%s", logs.text())
	}
}

func TestSendLongTextResumesAfterAFailedPart(t *testing.T) {
	srv := newServer(t)
	srv.AddChat(residents)
	tg := newAdapter(t, srv, nil)
	long := strings.Repeat("月度报告一行内容。\n", 1000) // three parts
	out := bot.Outgoing{ID: 41, Chat: "-1001001", Text: long}
	// Part 1 goes, part 2 fails; on the next attempt part 2 goes and part 3 fails.
	srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailInternal, After: 1})
	srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailInternal, After: 1})
	ctx := context.Background()
	var first bot.MessageID
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if first, err = tg.Send(ctx, out); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.SentTo(residents.ID)
	var joined strings.Builder
	for _, m := range sent {
		joined.WriteString(m.Text)
	}
	if len(sent) != 3 {
		t.Errorf("%d messages went out for a text of three parts", len(sent))
	}
	if first != bot.MessageID(itoa(sent[0].MessageID)) {
		t.Errorf("Send returned %s, want the first part's id %d", first, sent[0].MessageID)
	}
	if got, want := strings.Count(joined.String(), "月度报告一行内容。"), 1000; got != want {
		t.Errorf("the lines went out %d times in all, want %d", got, want)
	}
}

// TestOutboxIsFairAcrossChats runs the real outbox, Sender and adapter,
// with Telegram's limits on both sides and the real clock: behind 150
// private messages to one person and a group held back by its 20 messages a
// minute, a new ticket's card in another group goes out at once.
func TestOutboxIsFairAcrossChats(t *testing.T) {
	srv := newServer(t, telegramtest.WithLimits(telegramtest.TelegramLimits()))
	person := models.User{ID: 777, FirstName: "业主"}
	busyGroup := models.Chat{ID: -1009001, Type: models.ChatTypeSupergroup, Title: "公告群"}
	cardGroup := models.Chat{ID: -1009002, Type: models.ChatTypeSupergroup, Title: "物业群"}
	srv.AddPrivateChat(person)
	srv.AddChat(busyGroup)
	srv.AddChat(cardGroup)
	tg := newAdapter(t, srv, func(c *telegram.Config) { c.Limits = telegram.Limits{} }) // Telegram's limits
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "fair.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	enqueueAll := func(outs ...store.Out) {
		t.Helper()
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			for _, o := range outs {
				if _, err := tx.Enqueue(o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var backlog []store.Out
	for i := range 150 {
		backlog = append(backlog, store.Out{Platform: bot.Telegram, Chat: bot.ChatID(itoa(person.ID)), Text: fmt.Sprint("提醒 ", i)})
	}
	for i := range 60 {
		backlog = append(backlog, store.Out{Platform: bot.Telegram, Chat: bot.ChatID(itoa(busyGroup.ID)), Text: fmt.Sprint("公告 ", i)})
	}
	enqueueAll(backlog...)
	// The busy group had its 20 messages of the minute just before a restart.
	var before []telegram.Sent
	for range 20 {
		before = append(before, telegram.Sent{Chat: bot.ChatID(itoa(busyGroup.ID)), At: time.Now().Add(-10 * time.Second), Text: "早先的公告"})
	}
	tg.SeedLimits(before)
	s := bot.NewSender(tg, db.Outbox(), bot.SenderConfig{}, slog.New(slog.DiscardHandler))
	db.OnOutbox(s.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	// The person's burst is spent; the busy group waits for its minute.
	waitFor(t, srv, "the backlog to start", func() bool { return len(srv.SentTo(person.ID)) >= 4 })
	if n := len(srv.SentTo(busyGroup.ID)); n != 0 {
		t.Fatalf("the group full for the minute got %d more", n)
	}
	queued := time.Now()
	enqueueAll(store.Out{Platform: bot.Telegram, Chat: bot.ChatID(itoa(cardGroup.ID)), Text: "工单 #1 3号楼电梯坏了"})
	waitFor(t, srv, "the card", func() bool { return len(srv.SentTo(cardGroup.ID)) == 1 })
	if took := time.Since(queued); took > 1500*time.Millisecond {
		t.Errorf("the card went out %s after it was queued, behind other chats' backlogs", took)
	} else {
		t.Logf("the card went out %s after it was queued", took.Round(time.Millisecond))
	}
	if n := srv.TooManyCount(); n != 0 {
		t.Errorf("%d × 429", n)
	}
}
