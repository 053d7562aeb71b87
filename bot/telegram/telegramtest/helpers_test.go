package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
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

const token = "123456:TEST-token"

var (
	alice = models.User{ID: 501, FirstName: "Alice", Username: "alice_w"}
	bob   = models.User{ID: 502, FirstName: "Bob", LastName: "Li"}
	group = models.Chat{ID: -1001234567890, Type: models.ChatTypeSupergroup, Title: "阳光花园1期业主群"}
	basic = models.Chat{ID: -4001, Type: models.ChatTypeGroup, Title: "物业群"}
)

// newServer starts a server that is closed when the test ends.
func newServer(t *testing.T, opts ...telegramtest.Option) *telegramtest.Server {
	t.Helper()
	s := telegramtest.NewServer(token, opts...)
	t.Cleanup(s.Close)
	return s
}

// newBot builds a real go-telegram/bot client pointed at s. New calls getMe.
func newBot(t *testing.T, s *telegramtest.Server, opts ...tgbot.Option) *tgbot.Bot {
	t.Helper()
	base := []tgbot.Option{tgbot.WithServerURL(s.URL), tgbot.WithErrorsHandler(func(error) {})}
	b, err := tgbot.New(s.Token(), append(base, opts...)...)
	if err != nil {
		t.Fatalf("tgbot.New: %v", err)
	}
	return b
}

// startBot runs b.Start until the test ends; the test's cleanup waits for
// it to return before the server closes.
func startBot(t *testing.T, b *tgbot.Bot) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// pollingBot starts a bot whose default handler forwards every update to
// the returned channel, handling updates one at a time.
func pollingBot(t *testing.T, s *telegramtest.Server, opts ...tgbot.Option) (*tgbot.Bot, <-chan *models.Update) {
	t.Helper()
	ch := make(chan *models.Update, 64)
	opts = append([]tgbot.Option{
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) { ch <- u }),
	}, opts...)
	b := newBot(t, s, opts...)
	startBot(t, b)
	return b, ch
}

func recv(t *testing.T, ch <-chan *models.Update) *models.Update {
	t.Helper()
	select {
	case u := <-ch:
		return u
	case <-time.After(5 * time.Second):
		t.Fatal("no update within 5s")
		return nil
	}
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rawCall posts form values to a method and returns the status and body.
func rawCall(t *testing.T, s *telegramtest.Server, tok, method string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(s.URL+"/bot"+tok+"/"+method, form)
	if err != nil {
		t.Fatalf("post %s: %v", method, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", method, err)
	}
	return resp.StatusCode, string(body)
}

// rawUpdates calls getUpdates directly and returns the update ids.
func rawUpdates(t *testing.T, s *telegramtest.Server, form url.Values) []int64 {
	t.Helper()
	status, body := rawCall(t, s, token, "getUpdates", form)
	if status != http.StatusOK {
		t.Fatalf("getUpdates: %d %s", status, body)
	}
	var env struct {
		OK     bool            `json:"ok"`
		Result []models.Update `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	ids := []int64{}
	for _, u := range env.Result {
		ids = append(ids, u.ID)
	}
	return ids
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func lastCall(t *testing.T, s *telegramtest.Server, method string) telegramtest.Call {
	t.Helper()
	calls := s.CallsTo(method)
	if len(calls) == 0 {
		t.Fatalf("no %s call", method)
	}
	return calls[len(calls)-1]
}

func wantErrorContains(t *testing.T, err error, target error, desc string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v %q", target, desc)
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("err = %v, want errors.Is %v", err, target)
	}
	if !strings.Contains(err.Error(), desc) {
		t.Errorf("err = %q, want it to contain %q", err, desc)
	}
}

// collector gathers values from concurrent goroutines.
type collector[T any] struct {
	mu   sync.Mutex
	vals []T
}

func (c *collector[T]) add(v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.vals = append(c.vals, v)
}

func (c *collector[T]) all() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]T(nil), c.vals...)
}

// postBody posts form values to a method and returns the body (or the
// error text); it is safe to call from any goroutine.
func postBody(s *telegramtest.Server, method string, form url.Values) string {
	resp, err := http.PostForm(s.URL+"/bot"+token+"/"+method, form)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
