package telegram_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
)

const (
	token   = "123456:TEST-token"
	botName = "linli_bot"
	// deadline bounds every wait: the tests wait on channels, never sleep.
	deadline = 10 * time.Second
)

var (
	residents = models.Chat{ID: -1001001, Type: models.ChatTypeSupergroup, Title: "阳光花园业主群"}
	staff     = models.Chat{ID: -1001002, Type: models.ChatTypeSupergroup, Title: "阳光花园物业群"}
	li        = models.User{ID: 42, FirstName: "阿姨", LastName: "李", Username: "li_ayi"}
	zhang     = models.User{ID: 43, FirstName: "师傅", LastName: "张"}
)

func newServer(t *testing.T, opts ...telegramtest.Option) *telegramtest.Server {
	t.Helper()
	srv := telegramtest.NewServer(token, append([]telegramtest.Option{telegramtest.WithUsername(botName)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// newAdapter returns an adapter for srv with pacing off unless edit turns it on.
func newAdapter(t *testing.T, srv *telegramtest.Server, edit func(*telegram.Config)) *telegram.Telegram {
	t.Helper()
	cfg := telegram.Config{
		Token:          token,
		APIURL:         srv.URL,
		PollTimeout:    5 * time.Second,
		RequestTimeout: 5 * time.Second,
		Limits:         telegram.Limits{Disabled: true},
		Log:            testLogger(t),
	}
	if edit != nil {
		edit(&cfg)
	}
	tg, err := telegram.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// testLogger logs through t until the test ends.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(string(bytes.TrimRight(p, "\n")))
	}
	return len(p), nil
}

// inbox is a bot.Inbound that records what the adapter enqueues, in order,
// and handles each message in its own goroutine like the Router's workers.
type inbox struct {
	msgs   chan bot.Message
	handle func(m *bot.Message) error
	// gate, if set, runs first in Enqueue: a full Router queue.
	gate func(m bot.Message)
}

func newInbox(handle func(m *bot.Message) error) *inbox {
	return &inbox{msgs: make(chan bot.Message, 100), handle: handle}
}

func (in *inbox) Submit(ctx context.Context, m bot.Message) error {
	ch := make(chan error, 1)
	if err := in.Enqueue(ctx, m, func(err error) { ch <- err }); err != nil {
		return err
	}
	return <-ch
}

func (in *inbox) Enqueue(_ context.Context, m bot.Message, done func(error)) error {
	if in.gate != nil {
		in.gate(m)
	}
	in.msgs <- m
	go func() {
		var err error
		if in.handle != nil {
			err = in.handle(&m)
		}
		if done != nil {
			done(err)
		}
	}()
	return nil
}

// next returns the next enqueued message.
func (in *inbox) next(t *testing.T) bot.Message {
	t.Helper()
	select {
	case m := <-in.msgs:
		return m
	case <-time.After(deadline):
		t.Fatal("no message enqueued")
		return bot.Message{}
	}
}

// memOffsets is an OffsetStore in memory that reports every save.
type memOffsets struct {
	mu    sync.Mutex
	v     int64
	saved chan int64
}

func newMemOffsets(v int64) *memOffsets { return &memOffsets{v: v, saved: make(chan int64, 1000)} }

func (o *memOffsets) LoadOffset(context.Context) (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.v, nil
}

func (o *memOffsets) SaveOffset(_ context.Context, v int64) error {
	o.mu.Lock()
	o.v = v
	o.mu.Unlock()
	o.saved <- v
	return nil
}

func (o *memOffsets) get() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.v
}

// waitSaved waits until offset want has been saved.
func (o *memOffsets) waitSaved(t *testing.T, want int64) {
	t.Helper()
	timeout := time.After(deadline)
	for {
		select {
		case v := <-o.saved:
			if v == want {
				return
			}
			if v > want {
				t.Fatalf("offset %d saved, want %d", v, want)
			}
		case <-timeout:
			t.Fatalf("offset %d never saved (have %d)", want, o.get())
		}
	}
}

// running is an adapter's Run in the background.
type running struct {
	t      *testing.T
	cancel context.CancelFunc
	errc   chan error
	once   sync.Once
	err    error
}

// run starts tg.Run and waits until it is ready; the test's cleanup stops it.
func run(t *testing.T, tg *telegram.Telegram, in bot.Inbound) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, cancel: cancel, errc: make(chan error, 1)}
	go func() { r.errc <- tg.Run(ctx, in) }()
	t.Cleanup(func() { r.stop() })
	select {
	case <-tg.Ready():
	case err := <-r.errc:
		t.Fatalf("Run returned before it was ready: %v", err)
	case <-time.After(deadline):
		t.Fatal("Run never got ready")
	}
	return r
}

// stop cancels Run and waits for it to return.
func (r *running) stop() error {
	r.once.Do(func() {
		r.cancel()
		select {
		case r.err = <-r.errc:
		case <-time.After(deadline):
			r.t.Error("Run did not return after cancel")
		}
	})
	return r.err
}

// waitFor waits for cond on the server's state.
func waitFor(t *testing.T, srv *telegramtest.Server, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := srv.WaitFor(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// pngBytes is a small valid PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 120, 90))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("message id %q: %v", s, err)
	}
	return n
}

func equalMessages(a, b bot.Message) bool { return reflect.DeepEqual(a, b) }
