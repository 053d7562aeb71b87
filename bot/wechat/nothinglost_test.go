package wechat_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/bot/wechat/wechattest"
)

// outageInbox is a bot.Inbound whose handler cannot store anything while
// the outage is on (the database locked by another process, a full disk).
// Like the Router, it handles each message on a goroutine of its own and
// reports afterwards.
type outageInbox struct {
	on      atomic.Bool
	failed  chan string
	mu      sync.Mutex
	stored  map[bot.ChatID][]string
	storedC chan struct{}
}

func newOutageInbox() *outageInbox {
	in := &outageInbox{failed: make(chan string, 1000), stored: map[bot.ChatID][]string{}, storedC: make(chan struct{}, 1000)}
	in.on.Store(true)
	return in
}

func (in *outageInbox) Submit(ctx context.Context, m bot.Message) error {
	return fmt.Errorf("the adapter called Submit")
}

func (in *outageInbox) Enqueue(_ context.Context, m bot.Message, done func(error)) error {
	go func() {
		if m.Event != bot.EventNone || m.Text == "" {
			done(nil)
			return
		}
		if in.on.Load() {
			in.failed <- m.Text
			done(fmt.Errorf("%w: disk I/O error (10) (SQLITE_FULL)", bot.ErrUnavailable))
			return
		}
		in.mu.Lock()
		in.stored[m.Chat] = append(in.stored[m.Chat], m.Text)
		in.mu.Unlock()
		in.storedC <- struct{}{}
		done(nil)
	}()
	return nil
}

func (in *outageInbox) got(chat string) []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.stored[bot.ChatID(chat)]...)
}

// runWith runs an adapter on srv (logging in by itself) that hands
// messages to in, and returns it with its log.
func runWith(t *testing.T, srv *wechattest.Server, in bot.Inbound) (*wechat.WeChat, *lockedBuffer, func()) {
	t.Helper()
	srv.SetAutoConfirm(true)
	logs := &lockedBuffer{}
	up := make(chan struct{}, 10)
	w, err := wechat.New(wechat.Config{
		SessionFile: sessionPath(t),
		Log:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Pace:        pace, Transport: srv.Transport(),
		RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		OnStatus: func(ok bool, _ string) {
			if ok {
				up <- struct{}{}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx, in) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("adapter log:\n%s", logs.String())
		}
	})
	select {
	case <-up:
	case <-time.After(wait):
		t.Fatal("never logged in")
	}
	return w, logs, stop
}

func TestMessagesThatCannotBeStoredAreKeptAndRetriedInOrder(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	in := newOutageInbox()
	_, logs, _ := runWith(t, srv, in)
	for i := range 3 {
		srv.GroupText(groupSaved, "张三", fmt.Sprintf("#报修 一期 %d", i))
		srv.GroupText(groupTemp, "张三", fmt.Sprintf("#报修 临时 %d", i))
	}
	// Each chat's first message fails, and is tried again, twice at least;
	// nothing later in its chat is stored meanwhile.
	for range 4 {
		select {
		case <-in.failed:
		case <-time.After(wait):
			t.Fatal("too few failed attempts")
		}
	}
	if got := in.got(groupSaved); len(got) != 0 {
		t.Fatalf("stored %q during the outage", got)
	}
	in.on.Store(false)
	for range 6 {
		select {
		case <-in.storedC:
		case <-time.After(wait):
			t.Fatalf("not every message was stored once writes worked (%q, %q)", in.got(groupSaved), in.got(groupTemp))
		}
	}
	for chat, stem := range map[string]string{groupSaved: "一期", groupTemp: "临时"} {
		want := fmt.Sprintf("[#报修 %[1]s 0 #报修 %[1]s 1 #报修 %[1]s 2]", stem)
		if got := fmt.Sprint(in.got(chat)); got != want {
			t.Errorf("%s stored %s, want %s", chat, got, want)
		}
	}
	if n := strings.Count(logs.String(), "cannot be stored now"); n != 1 {
		t.Errorf("the outage was logged %d times", n)
	}
}

func TestStatusAndLogsKeepSessionKeysAndNamesOut(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	in := newOutageInbox()
	in.on.Store(false)
	w, logs, _ := runWith(t, srv, in)
	if _, detail := w.Status(); strings.Contains(detail, selfNick) {
		t.Errorf("Status names the account: %q", detail)
	}
	// The network fails: the sync loop's errors quote the synccheck URL,
	// whose query holds the session's sid, skey and uin.
	srv.SetDown(true)
	// Each failed poll is counted a moment after the server saw it: wait
	// poll by poll until the adapter calls itself down.
	up, detail := w.Status()
	start := srv.Hits("synccheck")
	for n := start + 1; up && n <= start+50; n++ {
		if err := srv.WaitHits("synccheck", n, wait); err != nil {
			t.Fatal(err)
		}
		up, detail = w.Status()
	}
	if up || !strings.Contains(detail, "receiving fails") {
		t.Errorf("Status while down = %v %q", up, detail)
	}
	log := logs.String()
	if !strings.Contains(log, "synccheck") {
		t.Fatalf("the log does not say what failed:\n%s", log)
	}
	for _, key := range []string{"sid=", "skey=", "uin=", "pass_ticket=", "synckey="} {
		if strings.Contains(log, key) || strings.Contains(detail, key) {
			t.Errorf("%s reached the log or the status:\nstatus %q\n%s", key, detail, log)
		}
	}
	if strings.Contains(detail, "http") {
		t.Errorf("Status quotes a raw error: %q", detail)
	}
}
