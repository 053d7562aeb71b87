package wechatmp_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/bottest"
	"github.com/linli/linli/bot/wechatmp"
	"github.com/linli/linli/bot/wechatmp/wechatmptest"
	"github.com/linli/linli/store"
)

// deadline bounds every wait: the tests wait on channels, never sleep.
const deadline = 10 * time.Second

// Followers of the tests (openids look like this).
const (
	li    = "oLi_ayi0123456789abcdefghijk"
	zhang = "oZhang_shifu456789abcdefghij"
	tom   = "oTom_residentXYZ789abcdefghi"
)

// clock is a settable clock shared by the fake and the adapter.
type clock = bottest.Clock

func newClock() *clock { return bottest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) }

// sqliteState is the adapter's StateStore over SQLite, as cmd/bot will
// keep it: one row for the token, one per follower.
type sqliteState struct{ db *sql.DB }

func openState(t *testing.T, db *sql.DB) *sqliteState {
	t.Helper()
	_, err := db.Exec(`
CREATE TABLE IF NOT EXISTS wechatmp_token (
	id INTEGER PRIMARY KEY CHECK (id = 1), app_id TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS wechatmp_window (
	chat TEXT PRIMARY KEY, last_at INTEGER NOT NULL, sent INTEGER NOT NULL, refused INTEGER NOT NULL, unfollowed INTEGER NOT NULL
) STRICT;`)
	if err != nil {
		t.Fatal(err)
	}
	return &sqliteState{db: db}
}

func (s *sqliteState) LoadToken(ctx context.Context) (wechatmp.Token, error) {
	var t wechatmp.Token
	var exp int64
	err := s.db.QueryRowContext(ctx, `SELECT app_id, value, expires_at FROM wechatmp_token WHERE id = 1`).Scan(&t.AppID, &t.Value, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return wechatmp.Token{}, nil
	}
	t.Expires = time.Unix(exp, 0)
	return t, err
}

func (s *sqliteState) SaveToken(ctx context.Context, t wechatmp.Token) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO wechatmp_token (id, app_id, value, expires_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET app_id = excluded.app_id, value = excluded.value, expires_at = excluded.expires_at`,
		t.AppID, t.Value, t.Expires.Unix())
	return err
}

func (s *sqliteState) LoadWindow(ctx context.Context, chat bot.ChatID) (wechatmp.Window, error) {
	w := wechatmp.Window{Chat: chat}
	var last int64
	err := s.db.QueryRowContext(ctx, `SELECT last_at, sent, refused, unfollowed FROM wechatmp_window WHERE chat = ?`, chat).
		Scan(&last, &w.Sent, &w.Refused, &w.Unfollowed)
	if errors.Is(err, sql.ErrNoRows) {
		return w, nil
	}
	if last != 0 {
		w.Last = time.Unix(last, 0)
	}
	return w, err
}

func (s *sqliteState) SaveWindow(ctx context.Context, w wechatmp.Window) error {
	var last int64
	if !w.Last.IsZero() {
		last = w.Last.Unix()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO wechatmp_window (chat, last_at, sent, refused, unfollowed) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (chat) DO UPDATE SET last_at = excluded.last_at, sent = excluded.sent, refused = excluded.refused, unfollowed = excluded.unfollowed`,
		w.Chat, last, w.Sent, w.Refused, w.Unfollowed)
	return err
}

// openStore opens a store in a temporary file, with the adapter's state
// tables beside the bot's.
func openStore(t *testing.T, clk *clock) (*store.DB, *sqliteState) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "linli.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if clk != nil {
		db.Now = clk.Now
	}
	return db, openState(t, db.SQL())
}

// newFake starts a fake MP API on clk.
func newFake(t *testing.T, clk *clock, opts ...wechatmptest.Option) *wechatmptest.Server {
	t.Helper()
	srv := wechatmptest.NewServer(append([]wechatmptest.Option{wechatmptest.WithClock(clk.Now)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// newMP returns an adapter for srv; edit changes its config.
func newMP(t *testing.T, srv *wechatmptest.Server, clk *clock, st wechatmp.StateStore, logs *lockedBuffer, edit func(*wechatmp.Config)) *wechatmp.MP {
	t.Helper()
	if logs == nil {
		logs = &lockedBuffer{}
	}
	cfg := wechatmp.Config{
		AppID:          srv.AppID,
		AppSecret:      srv.AppSecret,
		Token:          srv.Token,
		EncodingAESKey: srv.EncodingAESKey,
		APIURL:         srv.URL,
		RequestTimeout: 5 * time.Second,
		CallbackBudget: 2 * time.Second,
		State:          st,
		Log:            slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:            clk.Now,
	}
	if edit != nil {
		edit(&cfg)
	}
	mp, err := wechatmp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mp
}

// lockedBuffer collects log output from many goroutines.
type lockedBuffer = bottest.Log

// bench is a running adapter behind a callback server, with the Router,
// the inbox and the outbox of a real store and a Sender draining it.
type bench struct {
	t      *testing.T
	clk    *clock
	srv    *wechatmptest.Server
	mp     *wechatmp.MP
	db     *store.DB
	state  *sqliteState
	hs     *httptest.Server
	plain  *wechatmptest.Client
	safe   *wechatmptest.Client
	sender *bot.Sender
	logs   *lockedBuffer

	handled chan bot.Message // first deliveries, after their commit

	mu   sync.Mutex
	fail int           // the next fail handlings roll back with an error
	hold chan struct{} // if set, handlings wait for it
	seen int           // handlings, duplicates included
}

type benchOpts struct {
	fake []wechatmptest.Option
	edit func(*wechatmp.Config)
	// noRun leaves Run (and the Sender) to the test.
	noRun bool
}

// newBench starts everything. The handler answers each text with "收到：" +
// the text, in the transaction that records the message in the inbox.
func newBench(t *testing.T, o benchOpts) *bench {
	t.Helper()
	clk := newClock()
	b := &bench{t: t, clk: clk, logs: &lockedBuffer{}, handled: make(chan bot.Message, 64)}
	b.srv = newFake(t, clk, o.fake...)
	b.db, b.state = openStore(t, clk)
	b.mp = newMP(t, b.srv, clk, b.state, b.logs, o.edit)
	b.hs = httptest.NewServer(b.mp.Handler())
	t.Cleanup(b.hs.Close)
	b.plain = b.srv.NewClient(b.hs.URL, wechatmptest.Plaintext)
	b.safe = b.srv.NewClient(b.hs.URL, wechatmptest.Safe)
	if !o.noRun {
		b.run()
	}
	return b
}

// run starts the Router, Run and the Sender until the test ends.
func (b *bench) run() {
	t := b.t
	router := bot.NewRouter(2, slog.New(slog.NewTextHandler(b.logs, nil)))
	router.Handle(func(*bot.Message) bool { return true }, bot.HandlerFunc(b.handle))
	router.Start()
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- b.mp.Run(ctx, router) }()
	select {
	case <-b.mp.Ready():
	case <-time.After(deadline):
		t.Fatal("Run is not ready")
	}
	b.sender = bot.NewSender(b.mp, b.db.Outbox(), bot.SenderConfig{Poll: 50 * time.Millisecond, BaseBackoff: 50 * time.Millisecond, Now: b.clk.Now},
		slog.New(slog.NewTextHandler(b.logs, nil)))
	b.db.OnOutbox(b.sender.Wake)
	sendDone := make(chan struct{})
	go func() { defer close(sendDone); _ = b.sender.Run(ctx) }()
	t.Cleanup(func() {
		b.release()
		cancel()
		select {
		case err := <-runDone:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(deadline):
			t.Error("Run did not return")
		}
		<-sendDone
		router.Close()
	})
}

func (b *bench) handle(ctx context.Context, m *bot.Message) error {
	b.mu.Lock()
	b.seen++
	hold := b.hold
	fail := b.fail > 0
	if fail {
		b.fail--
	}
	b.mu.Unlock()
	if hold != nil {
		<-hold
	}
	first := false
	err := b.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if first, err = tx.FirstDelivery(m.Platform, m.Chat, m.ID); err != nil || !first {
			return err
		}
		if m.Text != "" && m.Event == "" {
			if _, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.Chat, Text: "收到：" + m.Text}); err != nil {
				return err
			}
		}
		if fail {
			return errors.New("the disk is full")
		}
		return nil
	})
	if err == nil && first {
		b.handled <- *m
	}
	return err
}

// failNext makes the next n handlings roll back with an error.
func (b *bench) failNext(n int) {
	b.mu.Lock()
	b.fail = n
	b.mu.Unlock()
}

// holdHandlers makes handlings wait until release.
func (b *bench) holdHandlers() {
	b.mu.Lock()
	b.hold = make(chan struct{})
	b.mu.Unlock()
}

func (b *bench) release() {
	b.mu.Lock()
	if b.hold != nil {
		close(b.hold)
		b.hold = nil
	}
	b.mu.Unlock()
}

func (b *bench) handlings() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen
}

// next returns the next message handled for the first time.
func (b *bench) next() bot.Message {
	b.t.Helper()
	select {
	case m := <-b.handled:
		return m
	case <-time.After(deadline):
		b.t.Fatal("no message handled within the deadline")
		return bot.Message{}
	}
}

// noMore checks that nothing else was handled for the first time.
func (b *bench) noMore() {
	b.t.Helper()
	select {
	case m := <-b.handled:
		b.t.Fatalf("unexpected message handled: %+v", m)
	default:
	}
}

// idle waits until the Sender has nothing due.
func (b *bench) idle() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := b.sender.WaitIdle(ctx); err != nil {
		b.t.Fatalf("sender not idle: %v", err)
	}
}

// customTexts returns the texts of the customer-service messages to openID.
func customTexts(srv *wechatmptest.Server, openID string) []string {
	var out []string
	for _, m := range srv.Customs() {
		if m.ToUser == openID && m.MsgType == "text" {
			out = append(out, m.Text)
		}
	}
	return out
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx
}

func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{R: 200, G: 40, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

// isRetryAfter reports a *bot.RetryAfterError in err's chain, and its wait.
func isRetryAfter(err error) (time.Duration, bool) {
	var r *bot.RetryAfterError
	if errors.As(err, &r) {
		return r.After, true
	}
	return 0, false
}

// enqueue queues a message for chat in the outbox, as a command would.
func enqueue(t *testing.T, b *bench, chat, text string) {
	t.Helper()
	err := b.db.Update(ctxT(t), func(tx *store.Tx) error {
		_, err := tx.Enqueue(store.Out{Platform: wechatmp.Platform, Chat: bot.ChatID(chat), Text: text})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
