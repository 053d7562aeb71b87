package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/bot/wechat/wechattest"
	"github.com/linli/linli/store"
)

const (
	selfNick   = "物业助手"
	selfCard   = "物业小助手"
	groupSaved = "阳光花园1期业主群"
	groupTemp  = "临时维修群"
	wait       = 5 * time.Second
	pace       = 20 * time.Millisecond
)

// newServer is a fake WeChat account: a saved resident group, an unsaved
// group, and a friend with a remark.
func newServer(t *testing.T, opts ...wechattest.Option) *wechattest.Server {
	t.Helper()
	base := []wechattest.Option{
		wechattest.WithSelf(selfNick, 2961234501),
		wechattest.WithPollHold(50 * time.Millisecond),
		wechattest.WithFriend("王五", "5栋王五"),
		wechattest.WithGroup(wechattest.Group{
			NickName: groupSaved, Saved: true, SelfDisplayName: selfCard,
			Members: []wechattest.Member{{NickName: "张三", DisplayName: "3-201 张三"}, {NickName: "李四"}, {NickName: "王五", DisplayName: "5-101"}},
		}),
		wechattest.WithGroup(wechattest.Group{NickName: groupTemp, Members: []wechattest.Member{{NickName: "张三"}}}),
	}
	srv := wechattest.NewServer(append(base, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// inbox is a bot.Inbound that records what the adapter hands over.
type inbox struct {
	t  *testing.T
	ch chan bot.Message
}

func (in *inbox) Submit(context.Context, bot.Message) error {
	in.t.Error("the adapter called Submit; it must only Enqueue")
	return nil
}

func (in *inbox) Enqueue(ctx context.Context, m bot.Message, done func(error)) error {
	select {
	case in.ch <- m:
	case <-ctx.Done():
		return ctx.Err()
	}
	if done != nil {
		done(nil)
	}
	return nil
}

// next returns the next message handed over.
func (in *inbox) next(t *testing.T) bot.Message {
	t.Helper()
	select {
	case m := <-in.ch:
		return m
	case <-time.After(wait):
		t.Fatal("no message within the deadline")
		return bot.Message{}
	}
}

// status is one OnStatus report.
type status struct {
	up     bool
	detail string
}

// adapter is a running WeChat adapter on the fake server.
type adapter struct {
	*wechat.WeChat
	in      *inbox
	alerts  chan bot.Alert
	urls    chan string
	statusC chan status
	out     *lockedBuffer
	logs    *lockedBuffer
	cancel  context.CancelFunc
	done    chan error
}

// lockedBuffer is a bytes.Buffer safe for the adapter's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// sessionPath is a session file in the test's temporary directory.
func sessionPath(t *testing.T) string { return filepath.Join(t.TempDir(), "wechat-session.json") }

// start runs an adapter on srv with fast timings; edit changes its config.
func start(t *testing.T, srv *wechattest.Server, session string, edit ...func(*wechat.Config)) *adapter {
	t.Helper()
	a := &adapter{
		in:      &inbox{t: t, ch: make(chan bot.Message, 100)},
		alerts:  make(chan bot.Alert, 100),
		urls:    make(chan string, 10),
		statusC: make(chan status, 100),
		out:     &lockedBuffer{},
		logs:    &lockedBuffer{},
		done:    make(chan error, 1),
	}
	cfg := wechat.Config{
		SessionFile: session,
		Log:         slog.New(slog.NewTextHandler(a.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Out:         a.out,
		Pace:        pace,
		Transport:   srv.Transport(),
		OnLoginURL:  func(url string) { a.urls <- url },
		OnAlert:     func(al bot.Alert) { a.alerts <- al },
		OnStatus:    func(up bool, detail string) { a.statusC <- status{up, detail} },
		RetryBase:   20 * time.Millisecond,
		RetryMax:    200 * time.Millisecond,
		// Short, so that retried rows come back within a test.
		FrequencyBackoff: 50 * time.Millisecond,
	}
	for _, e := range edit {
		e(&cfg)
	}
	w, err := wechat.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.WeChat = w
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	go func() { a.done <- w.Run(ctx, a.in) }()
	t.Cleanup(func() {
		a.stop(t)
		if t.Failed() {
			t.Logf("adapter log:\n%s", a.logs.String())
		}
	})
	return a
}

// stop ends Run and checks it returns nil.
func (a *adapter) stop(t *testing.T) {
	t.Helper()
	a.cancel()
	select {
	case err, ok := <-a.done:
		if ok && err != nil {
			t.Errorf("Run = %v", err)
		}
		if ok {
			close(a.done)
		}
	case <-time.After(wait):
		t.Error("Run did not return after cancel")
	}
}

// waitStatus waits for an OnStatus report with up set as wanted.
func (a *adapter) waitStatus(t *testing.T, up bool) status {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case s := <-a.statusC:
			if s.up == up {
				return s
			}
		case <-deadline:
			got, detail := a.Status()
			t.Fatalf("no status up=%v within the deadline (Status() = %v %q)", up, got, detail)
		}
	}
}

// waitAlert waits for an alert of that kind about name ("": about anything).
func (a *adapter) waitAlert(t *testing.T, kind bot.AlertKind, name string) bot.Alert {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case al := <-a.alerts:
			if al.Kind == kind && (name == "" || al.Name == name) {
				return al
			}
		case <-deadline:
			t.Fatalf("no %s alert about %q within the deadline", kind, name)
		}
	}
}

// noAlert checks that no alert naming name is pending.
func (a *adapter) noAlert(t *testing.T, name string) {
	t.Helper()
	for {
		select {
		case al := <-a.alerts:
			if strings.Contains(al.Name, name) || strings.Contains(al.Reason, name) {
				t.Errorf("unexpected alert %+v", al)
			}
		default:
			return
		}
	}
}

// loggedIn starts an adapter on a server that confirms logins by itself.
func loggedIn(t *testing.T, srv *wechattest.Server, edit ...func(*wechat.Config)) *adapter {
	t.Helper()
	srv.SetAutoConfirm(true)
	a := start(t, srv, sessionPath(t), edit...)
	a.waitStatus(t, true)
	return a
}

func send(t *testing.T, a *adapter, chat, text string) bot.MessageID {
	t.Helper()
	id, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: bot.ChatID(chat), Text: text})
	if err != nil {
		t.Fatalf("Send(%s, %q): %v", chat, text, err)
	}
	return id
}

func isRetryAfter(err error) bool {
	var r *bot.RetryAfterError
	return errors.As(err, &r)
}

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func enqueue(t *testing.T, db *store.DB, outs ...store.Out) {
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

// runSender drains db's WeChat outbox through the adapter until the test ends.
func runSender(t *testing.T, a *adapter, db *store.DB) *bot.Sender {
	t.Helper()
	s := bot.NewSender(a.WeChat, db.Outbox(), bot.SenderConfig{Poll: 100 * time.Millisecond, BaseBackoff: 100 * time.Millisecond}, slog.New(slog.NewTextHandler(a.logs, nil)))
	db.OnOutbox(s.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		img.Set(x, x%24, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// waitIdle waits until the Sender has found nothing due.
func waitIdle(t *testing.T, s *bot.Sender) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatalf("sender not idle: %v", err)
	}
}
