package schedules

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/bottest"
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

type who = bottest.Person

var manager, zhang, li, tom = bottest.Manager, bottest.Zhang, bottest.Li, bottest.Tom

// env is a real database, a Service and a Scheduler (not started: tests run
// jobs directly), with a settable clock: bottest.Env with the Scheduler.
type env struct {
	*bottest.Env
	t   *testing.T
	db  *store.DB
	svc *commands.Service
	s   *Scheduler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	be := bottest.NewEnv(t, cst("2026-11-02 09:00"))
	e := &env{Env: be, t: t, db: be.DB}
	log := slog.New(slog.DiscardHandler)
	var err error
	if e.s, err = New(e.db, Config{Location: shanghai, Lang: "zh", Log: log}); err != nil {
		t.Fatal(err)
	}
	e.svc = commands.New(e.db, commands.Config{Lang: "zh", Location: shanghai, Log: log, Jobs: e.s})
	be.Handler = e.svc.Handle
	be.SeedCommunity(manager, zhang, li, tom)
	return e
}

func (e *env) clock() time.Time      { return e.Clock.Now() }
func (e *env) set(t time.Time)       { e.Clock.Set(t) }
func (e *env) add(d time.Duration)   { e.Clock.Add(d) }
func (e *env) drain() []bot.Outgoing { return e.Drain() }

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
	e.Update(fn)
}

func (e *env) send(m bot.Message) []bot.Outgoing {
	e.t.Helper()
	m.ID = "" // a new id for every message
	return e.Send(m)
}

func (e *env) group(chat bot.ChatID, p who, text string) []bot.Outgoing {
	e.t.Helper()
	return e.Group(chat, p, text)
}

func (e *env) private(p who, text string) []bot.Outgoing {
	e.t.Helper()
	return e.Private(p, text)
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
	return e.Count(q, args...)
}

func (e *env) ticket(id int64) *store.Ticket {
	e.t.Helper()
	return e.Ticket(id)
}

// to returns the messages sent to a chat.
func to(outs []bot.Outgoing, chat bot.ChatID) []bot.Outgoing { return bottest.To(outs, chat) }

func one(t *testing.T, outs []bot.Outgoing, chat bot.ChatID) bot.Outgoing {
	t.Helper()
	return bottest.One(t, outs, chat)
}

func has(t *testing.T, text string, parts ...string) {
	t.Helper()
	bottest.Has(t, text, parts...)
}

func hasNot(t *testing.T, text string, parts ...string) {
	t.Helper()
	bottest.HasNot(t, text, parts...)
}
