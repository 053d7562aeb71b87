package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/bottest"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/wechat/wechattest"
	"github.com/linli/linli/store"
)

// holdLock takes the database's write lock from a connection of its own,
// as another process does (an operator's sqlite3 shell, a migration script),
// and returns the function that lets it go.
func holdLock(t *testing.T, path string) (release func()) {
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
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			other.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// syncLog is a log destination the bot's goroutines may share; wait
// blocks until a line with a given text has been written.
type syncLog struct{ bottest.Log }

func newSyncLog() *syncLog { return &syncLog{} }

func (l *syncLog) wait(t *testing.T, text string) {
	t.Helper()
	l.WaitLine(t, 20*time.Second, text)
}

func healthz(t *testing.T, m *Main) (int, Health, string) {
	t.Helper()
	code, body := get(t, "http://"+m.HTTPAddr.String()+"/healthz")
	var h Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("healthz %q: %v", body, err)
	}
	return code, h, body
}

// TestLockedDatabaseLosesNoMessage is the case: another process
// holds the database's write lock, longer than the busy timeout, while
// residents file tickets on Telegram. Nothing is confirmed to Telegram
// meanwhile, /healthz says why the bot is unhealthy, and once the lock is
// gone every message becomes exactly one ticket, answered once.
func TestLockedDatabaseLosesNoMessage(t *testing.T) {
	w := newTGWorld(t)
	path := filepath.Join(t.TempDir(), "linli.db")
	logs := newSyncLog()
	m := NewMain()
	m.Stderr = io.Discard
	args := []string{"-db", path, "-telegram-token", tgToken, "-telegram-api", w.srv.URL, "-managers", "telegram:100",
		"-tz", "Asia/Shanghai", "-http", "127.0.0.1:0"}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Log = slog.New(slog.NewTextHandler(logs, nil))
	m.TelegramLimits = &telegram.Limits{Disabled: true}
	m.StoreOptions = store.Options{BusyTimeout: 100 * time.Millisecond}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer stop(t, m)
	w.setup(t)
	before := ticketCount(t, m)

	release := holdLock(t, path)
	residents := []models.User{w.li, w.tom, w.x, {ID: 4, FirstName: "赵阿姨"}, {ID: 5, FirstName: "钱叔"}}
	var sent []models.Update
	for i, u := range residents {
		sent = append(sent, w.srv.SendText(w.resident, u, fmt.Sprintf("#报修 %d号楼的灯不亮了", i+1)))
	}
	// The bot tries, fails on the lock, and says so once.
	logs.wait(t, "database writes fail")
	code, h, body := healthz(t, m)
	if code != http.StatusServiceUnavailable || h.Database.Writes || h.Database.Reason != store.FaultLocked || strings.Contains(body, "SQLITE") {
		t.Errorf("healthz while locked: %d %s", code, body)
	}
	// Telegram was not told the updates are done: no getUpdates asked for
	// an offset past the first of them while they wait.
	for _, c := range w.srv.CallsTo("getUpdates") {
		if off, _ := strconv.ParseInt(c.Params["offset"], 10, 64); off > sent[0].ID {
			t.Fatalf("getUpdates confirmed offset %d while the updates could not be stored; log:\n%s", off, logs.String())
		}
	}
	if n := ticketCountQuiet(m); n != before {
		t.Fatalf("%d tickets while the database was locked", n-before)
	}
	release()

	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	if err := w.srv.WaitFor(ctx2, func() bool { return ticketCountQuiet(m) == before+len(residents) }); err != nil {
		t.Fatalf("%d tickets from %d messages once the lock was gone", ticketCountQuiet(m)-before, len(residents))
	}
	if err := m.Senders["telegram"].WaitIdle(ctx2); err != nil {
		t.Fatal(err)
	}
	last := sent[len(sent)-1].ID
	// Exactly one ticket each, one card each in the group, and the offset
	// confirmed past the last update.
	var n int
	m.DB.SQL().QueryRow(`SELECT count(DISTINCT origin_msg_id) FROM tickets`).Scan(&n)
	if n != before+len(residents) {
		t.Errorf("%d distinct messages behind %d tickets", n, ticketCountQuiet(m))
	}
	cards := map[int]int{}
	for _, s := range w.srv.SentTo(w.resident.ID) {
		for i := range residents {
			// (By its text line: a card's hint may quote another ticket's text.)
			if strings.HasPrefix(s.Text, "工单 #") && strings.Contains(s.Text, fmt.Sprintf("内容：%d号楼的灯不亮了\n", i+1)) {
				cards[s.ReplyTo]++
			}
		}
	}
	for _, u := range sent {
		if n := cards[u.Message.ID]; n != 1 {
			var got []string
			for _, s := range w.srv.SentTo(w.resident.ID) {
				got = append(got, fmt.Sprintf("%d: %.30q", s.ReplyTo, s.Text))
			}
			t.Errorf("message %d was answered with %d cards; the group got %q", u.Message.ID, n, got)
		}
	}
	var saved string
	m.DB.SQL().QueryRow(`SELECT value FROM settings WHERE key = 'telegram.offset'`).Scan(&saved)
	if saved != fmt.Sprint(last) {
		t.Errorf("offset saved %q, want %d: every update handled", saved, last)
	}
	if code, _, body := healthz(t, m); code != http.StatusOK {
		t.Errorf("healthz after the lock is gone: %d %s", code, body)
	}
	// The log says it once each way, not once per message or second.
	if got := strings.Count(logs.String(), "database writes fail"); got != 1 {
		t.Errorf("the lock was logged %d times:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "database writes work again") {
		t.Errorf("the recovery was not logged:\n%s", logs.String())
	}
}

func ticketCountQuiet(m *Main) int {
	var n int
	m.DB.SQL().QueryRow("SELECT count(*) FROM tickets").Scan(&n)
	return n
}

func TestSecondInstanceIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linli.db")
	first := startMain(t, newStub("wechat"), time.Now, "-db", path)

	second := NewMain()
	second.Stderr = io.Discard
	second.Log = slog.New(slog.DiscardHandler)
	second.Platforms = first.Platforms
	if err := second.ParseFlags([]string{"-db", path}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	err := second.Run(context.Background())
	second.Close()
	if !errors.Is(err, errRunning) {
		t.Fatalf("a second bot on the same database: %v, want it refused", err)
	}
	for _, want := range []string{"already running", fmt.Sprintf("pid %d", os.Getpid()), "linli.db.lock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}

	// A backup still works beside the running bot.
	var out bytes.Buffer
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := runBackup(context.Background(), []string{"-db", path, dest}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatalf("backup beside the running bot: %v", err)
	}

	// Once the first has stopped, a bot starts on the database again.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third := startMain(t, newStub("wechat"), time.Now, "-db", path)
	third.Close()
}

func TestNewerDatabaseIsRefusedAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linli.db")
	m := startMain(t, newStub("wechat"), time.Now, "-db", path)
	m.DB.SQL().Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES ('migrations/0099_next_year.sql', 0)`)
	m.Close()

	n := NewMain()
	n.Stderr = io.Discard
	n.Log = slog.New(slog.DiscardHandler)
	n.Platforms = []bot.Platform{newStub("wechat")}
	if err := n.ParseFlags([]string{"-db", path}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	err := n.Run(context.Background())
	n.Close()
	if !errors.Is(err, store.ErrNewerVersion) || !strings.Contains(err.Error(), "0099_next_year.sql") {
		t.Fatalf("start on a newer database: %v", err)
	}
}

// TestHealthzKeepsTheTokenOut points the bot at an API server that is no
// Bot API and quotes the request path (token and all) back.
func TestHealthzKeepsTheTokenOut(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "Cannot POST %s", r.URL.Path)
	}))
	defer web.Close()
	logs := newSyncLog()
	m := NewMain()
	m.Stderr = io.Discard
	args := []string{"-db", filepath.Join(t.TempDir(), "x.db"), "-telegram-token", tgToken, "-telegram-api", web.URL, "-http", "127.0.0.1:0"}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Log = slog.New(slog.NewTextHandler(logs, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	logs.wait(t, "telegram API calls fail")
	code, _, body := healthz(t, m)
	if code != http.StatusServiceUnavailable {
		t.Errorf("healthz stayed up against a server that is no Bot API: %d %s", code, body)
	}
	secret := tgToken[strings.IndexByte(tgToken, ':')+1:]
	if !strings.Contains(body, "telegram is down") || !strings.Contains(body, "404") {
		t.Errorf("healthz does not say what is wrong: %s", body)
	}
	if strings.Contains(body, secret) || strings.Contains(logs.String(), secret) {
		t.Errorf("the token reached /healthz or the log:\n%s\n%s", body, logs.String())
	}
}

// TestWeChatLockedDatabaseLosesNoMessage: web WeChat hands each message
// over once, so while the database is locked the bot keeps the messages in
// memory; once the lock is gone each becomes exactly one ticket.
func TestWeChatLockedDatabaseLosesNoMessage(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	w.store = store.Options{BusyTimeout: 100 * time.Millisecond}
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)
	before := ticketCountQuiet(m.Main)

	release := holdLock(t, w.db)
	texts := []string{"#报修 1号楼漏水", "#报修 2号楼停电", "#报修 3号楼门禁坏了"}
	for _, text := range texts {
		w.srv.GroupText(wcResident, "李阿姨", text)
	}
	m.logs.waitLine(t, "database writes fail")
	if n := ticketCountQuiet(m.Main); n != before {
		t.Fatalf("%d tickets while the database was locked", n-before)
	}
	release()
	for _, text := range texts {
		w.waitText(t, wcResident, strings.TrimPrefix(text, "#报修 "))
	}
	w.waitFor(t, "every ticket", func() bool { return ticketCountQuiet(m.Main) == before+len(texts) })
	rows, err := m.DB.SQL().Query(`SELECT text FROM tickets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		got = append(got, s)
	}
	rows.Close()
	if want := []string{"1号楼漏水", "2号楼停电", "3号楼门禁坏了"}; fmt.Sprint(got[before:]) != fmt.Sprint(want) {
		t.Errorf("tickets %q, want %q, in the order written", got[before:], want)
	}
	m.logs.waitLine(t, "database writes work again")
}
