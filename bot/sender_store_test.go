package bot_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// lockDB takes the database's write lock from a connection of its own, as
// another process would, and returns the function that lets it go.
func lockDB(t *testing.T, path string) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := false
	release = func() {
		if !released {
			released = true
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			other.Close()
		}
	}
	t.Cleanup(release)
	return release
}

func TestSenderDoesNotResendWhatTheOutboxCouldNotRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := store.OpenWith(context.Background(), path, store.Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var release func()
	p := &fakePlatform{fail: func(out bot.Outgoing, attempt int) error {
		if out.Text == "card 1" && attempt == 1 {
			// Another process takes the write lock while the message is on
			// its way: the platform takes it, the outbox cannot be told.
			release = lockDB(t, path)
		}
		return nil
	}}
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{BaseBackoff: 10 * time.Millisecond}, quiet)
	ids := enqueue(t, db, store.Out{Platform: bot.Telegram, Chat: "A", Text: "card 1"}, store.Out{Platform: bot.Telegram, Chat: "A", Text: "card 2"})
	ctx := context.Background()
	for range 3 { // while the lock is held, passes come and go
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(p.texts()); got != "[A:card 1]" {
		t.Fatalf("sent %s while the outbox could not record the first send; want it once, and the next one held back", got)
	}
	release()
	for range 2 {
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(p.texts()); got != "[A:card 1 A:card 2]" {
		t.Errorf("sent %s", got)
	}
	for _, id := range ids {
		if r := status(t, db, id); r.Status != "sent" {
			t.Errorf("row %d is %s", id, r.Status)
		}
	}
	if st := s.Stats(); st.Sent != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestSenderStoresAndLogsErrorsWithoutSecrets(t *testing.T) {
	db, _ := openDB(t)
	p := &fakePlatform{fail: func(bot.Outgoing, int) error {
		// What an HTTP client says when web WeChat's synccheck fails.
		return fmt.Errorf(`Get "https://webpush.wx.qq.com/cgi-bin/mmwebwx-bin/webwxsendmsg?sid=SIDSECRET&skey=%%40crypt_ab&pass_ticket=PT99": connection reset by peer`)
	}}
	var log bytes.Buffer
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{}, slog.New(slog.NewTextHandler(&log, nil)))
	ids := enqueue(t, db, store.Out{Platform: bot.Telegram, Chat: "A", Text: "x"})
	if _, err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	stored := status(t, db, ids[0]).LastError
	for _, secret := range []string{"SIDSECRET", "crypt_ab", "PT99"} {
		if strings.Contains(stored, secret) || strings.Contains(log.String(), secret) {
			t.Errorf("%s reached the stored error %q or the log:\n%s", secret, stored, log.String())
		}
	}
	if !strings.Contains(stored, "webwxsendmsg") || !strings.Contains(stored, "connection reset") {
		t.Errorf("the stored error %q no longer says what failed", stored)
	}
}
