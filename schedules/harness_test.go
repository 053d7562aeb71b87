package schedules

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/store"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// cst is a time in Shanghai: cst("2026-11-02 09:00").
func cst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// Telegram-style chats and people of the test community 阳光花园.
const (
	residentGroup bot.ChatID = "-100"
	staffGroup    bot.ChatID = "-200"
	otherResident bot.ChatID = "-300" // the resident group of Lakeside, in English
)

type who struct {
	id   bot.UserID
	name string
}

var (
	manager = who{"100", "王经理"}
	zhang   = who{"200", "张师傅"}
	li      = who{"1", "李阿姨"}
	tom     = who{"2", "Tom"}
)

// env is a real database, a Service and a Scheduler (not started: tests run
// jobs directly), with a settable clock.
type env struct {
	t   *testing.T
	db  *store.DB
	svc *commands.Service
	s   *Scheduler

	mu  sync.Mutex
	now time.Time
	n   int
	ids int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "linli.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, now: cst("2026-11-02 09:00")}
	db.Now = e.clock
	log := slog.New(slog.DiscardHandler)
	if e.s, err = New(db, Config{Location: shanghai, Lang: "zh", Log: log}); err != nil {
		t.Fatal(err)
	}
	e.svc = commands.New(db, commands.Config{Lang: "zh", Location: shanghai, Log: log, Jobs: e.s})
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.EnsureManager(bot.Telegram, manager.id, manager.name, bot.ChatID(manager.id))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.group(residentGroup, manager, "/bind 阳光花园")
	e.group(staffGroup, manager, "/bind 阳光花园 staff")
	e.group(staffGroup, zhang, "大家好")
	e.private(manager, "/grant staff 张师傅")
	e.group(residentGroup, li, "大家好")
	e.group(residentGroup, tom, "hello")
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) set(t time.Time) {
	e.mu.Lock()
	e.now = t
	e.mu.Unlock()
}

func (e *env) add(d time.Duration) { e.set(e.clock().Add(d)) }

// lakeside adds a second community, in English, with a resident group.
func (e *env) lakeside() *store.Community {
	e.t.Helper()
	e.group(otherResident, manager, "/bind Lakeside")
	var c *store.Community
	e.update(func(tx *store.Tx) (err error) {
		if c, err = tx.CommunityByName("Lakeside"); err != nil {
			return err
		}
		return tx.SetCommunityLang(c.ID, "en")
	})
	c.Lang = "en"
	return c
}

func (e *env) update(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.Update(context.Background(), fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) send(m bot.Message) []bot.Outgoing {
	e.t.Helper()
	e.n++
	m.Platform, m.ID, m.BotNames, m.Time = bot.Telegram, bot.MessageID(fmt.Sprint(e.n)), []string{"Linli_bot"}, e.clock()
	if err := e.svc.Handle(context.Background(), &m); err != nil {
		e.t.Fatalf("handle %q: %v", m.Text, err)
	}
	return e.drain()
}

func (e *env) group(chat bot.ChatID, p who, text string) []bot.Outgoing {
	return e.send(bot.Message{Chat: chat, ChatKind: bot.Group, ChatTitle: "g" + string(chat), Sender: p.id, SenderName: p.name, Text: text})
}

func (e *env) private(p who, text string) []bot.Outgoing {
	return e.send(bot.Message{Chat: bot.ChatID(p.id), ChatKind: bot.Private, Sender: p.id, SenderName: p.name, Text: text})
}

// say is private() for one expected answer, returned as text.
func (e *env) say(p who, text string) string {
	e.t.Helper()
	out := e.private(p, text)
	if len(out) != 1 {
		e.t.Fatalf("%q got %d answers: %+v", text, len(out), out)
	}
	return out[0].Text
}

// drain "sends" everything queued, giving each message an id.
func (e *env) drain() []bot.Outgoing {
	e.t.Helper()
	var out []bot.Outgoing
	ctx := context.Background()
	for {
		rows, err := e.db.Outbox().Due(ctx, bot.Telegram, 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(rows) == 0 {
			return out
		}
		for _, r := range rows {
			e.ids++
			id := bot.MessageID(fmt.Sprint("s", e.ids))
			if r.Edit != "" {
				id = r.Edit
			}
			if err := e.db.Outbox().Sent(ctx, r.ID, id); err != nil {
				e.t.Fatal(err)
			}
			out = append(out, r)
		}
	}
}

// run runs a built-in job directly, at the env's clock, and returns what it sent.
func (e *env) run(name string) []bot.Outgoing {
	e.t.Helper()
	if _, err := e.s.RunJob(context.Background(), name); err != nil {
		e.t.Fatalf("run %s: %v", name, err)
	}
	return e.drain()
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) ticket(id int64) *store.Ticket {
	e.t.Helper()
	var t *store.Ticket
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { t, err = tx.Ticket(id); return }); err != nil {
		e.t.Fatal(err)
	}
	return t
}

// to returns the messages sent to a chat.
func to(outs []bot.Outgoing, chat bot.ChatID) []bot.Outgoing {
	var r []bot.Outgoing
	for _, o := range outs {
		if o.Chat == chat && o.Edit == "" {
			r = append(r, o)
		}
	}
	return r
}

func one(t *testing.T, outs []bot.Outgoing, chat bot.ChatID) bot.Outgoing {
	t.Helper()
	got := to(outs, chat)
	if len(got) != 1 {
		t.Fatalf("messages to %s = %d, want 1: %+v", chat, len(got), outs)
	}
	return got[0]
}

func has(t *testing.T, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%q lacks %q", text, p)
		}
	}
}

func hasNot(t *testing.T, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(text, p) {
			t.Errorf("%q has %q", text, p)
		}
	}
}
