// Package bottest is the tests' shared bench: a settable clock, a real
// database in a temporary folder, an environment that hands messages to a
// handler (commands.Service.Handle) and "sends" what it queued, a recording
// fake platform, and a log a test can wait on. It imports only bot and store,
// so that every package above them can use it.
package bottest

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// Clock is a settable clock, safe to share with the bot's goroutines.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// OpenStore opens a new database in a temporary folder, closed when the test
// ends. Its clock is now (nil: the real one).
func OpenStore(tb testing.TB, now func() time.Time) *store.DB {
	tb.Helper()
	return OpenStoreAt(tb, filepath.Join(tb.TempDir(), "linli.db"), now)
}

// OpenStoreAt opens the database at path (a new one, or a copy a test
// made), closed when the test ends. Its clock is now (nil: the real one).
func OpenStoreAt(tb testing.TB, path string, now func() time.Time) *store.DB {
	tb.Helper()
	db, _ := openStore(tb, path, now)
	return db
}

// openStore is OpenStoreAt that also returns the close the test's end
// calls, for closing sooner (once: a second call does nothing).
func openStore(tb testing.TB, path string, now func() time.Time) (*store.DB, func()) {
	tb.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	closeDB := sync.OnceFunc(func() { db.Close() })
	tb.Cleanup(closeDB)
	if now != nil {
		db.Now = now
	}
	return db, closeDB
}

// Person is someone in the tests' chats.
type Person struct {
	ID   bot.UserID
	Name string
}

// The people of the tests' community 阳光花园, as the tests hand them to
// SeedCommunity: its manager, its staff 张师傅, and two residents.
var (
	Manager = Person{ID: "100", Name: "王经理"}
	Zhang   = Person{ID: "200", Name: "张师傅"}
	Li      = Person{ID: "1", Name: "李阿姨"}
	Tom     = Person{ID: "2", Name: "Tom"}
)

// The chats of the community SeedCommunity makes, Telegram-style.
const (
	ResidentGroup bot.ChatID = "-100"
	StaffGroup    bot.ChatID = "-200"
)

// Env hands messages to a handler over a real database and reads back what
// the handler queued, marking it sent as a platform would.
type Env struct {
	TB    testing.TB
	DB    *store.DB
	Clock *Clock
	// Handler handles one message: commands.Service.Handle. Set it before
	// sending.
	Handler func(context.Context, *bot.Message) error
	// Platform is the platform messages come from and the outbox is drained
	// for (default Telegram); BotNames are the bot's names on it.
	Platform bot.PlatformID
	BotNames []string
	// LastID is the number of the last id NextID gave; a test may set it to
	// know the ids to come.
	LastID int

	ids     int
	sent    map[int64]bot.MessageID // outbox row → the id it was sent as
	closeDB func()
}

// NewEnv opens a database whose clock stands at start.
func NewEnv(tb testing.TB, start time.Time) *Env {
	tb.Helper()
	c := NewClock(start)
	e := &Env{TB: tb, Clock: c, Platform: bot.Telegram, BotNames: []string{"Linli_bot"}, sent: map[int64]bot.MessageID{}}
	e.DB, e.closeDB = openStore(tb, filepath.Join(tb.TempDir(), "linli.db"), c.Now)
	return e
}

// Close closes the Env's database before the test ends (which closes it
// otherwise), for a test that opens many.
func (e *Env) Close() { e.closeDB() }

// Fork returns an Env over the database at path (a copy of this one's, say
// by DB.Backup), with a clock of its own standing where this one's does and
// the same ids, platform and bot names. Its Handler is to be set.
func (e *Env) Fork(path string) *Env {
	e.TB.Helper()
	c := NewClock(e.Clock.Now())
	f := &Env{TB: e.TB, Clock: c, Platform: e.Platform, BotNames: append([]string(nil), e.BotNames...),
		LastID: e.LastID, ids: e.ids, sent: maps.Clone(e.sent)}
	f.DB, f.closeDB = openStore(e.TB, path, c.Now)
	return f
}

// NextID returns a new incoming message id.
func (e *Env) NextID() bot.MessageID {
	e.LastID++
	return bot.MessageID(fmt.Sprint(e.LastID))
}

// Stamp gives m what a platform would: the Env's platform, bot names and
// clock and, unless it has one, a new id.
func (e *Env) Stamp(m *bot.Message) {
	m.Platform = e.Platform
	if m.ID == "" {
		m.ID = e.NextID()
	}
	m.BotNames = e.BotNames
	m.Time = e.Clock.Now()
}

// Send hands m to the handler (Stamped) and returns what it queued.
func (e *Env) Send(m bot.Message) []bot.Outgoing {
	e.TB.Helper()
	e.Stamp(&m)
	if err := e.Handler(context.Background(), &m); err != nil {
		e.TB.Fatalf("handle %q: %v", m.Text, err)
	}
	return e.Drain()
}

// Group sends text from p in a group chat.
func (e *Env) Group(chat bot.ChatID, p Person, text string) []bot.Outgoing {
	return e.Send(bot.Message{Chat: chat, ChatKind: bot.Group, ChatTitle: "g" + string(chat), Sender: p.ID, SenderName: p.Name, Text: text})
}

// Private sends text from p in their private chat with the bot.
func (e *Env) Private(p Person, text string) []bot.Outgoing {
	return e.Send(bot.Message{Chat: bot.ChatID(p.ID), ChatKind: bot.Private, Sender: p.ID, SenderName: p.Name, Text: text})
}

// Drain "sends" everything due on the Env's platform, giving each message
// an id (an edit keeps the id of what it edits), and returns it.
func (e *Env) Drain() []bot.Outgoing {
	e.TB.Helper()
	var out []bot.Outgoing
	ctx := context.Background()
	for {
		rows, err := e.DB.Outbox().Due(ctx, e.Platform, 1000)
		if err != nil {
			e.TB.Fatal(err)
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
			if err := e.DB.Outbox().Sent(ctx, r.ID, id); err != nil {
				e.TB.Fatal(err)
			}
			if e.sent == nil {
				e.sent = map[int64]bot.MessageID{}
			}
			e.sent[r.ID] = id
			out = append(out, r)
		}
	}
}

// SentID returns the id a message Drain returned was sent as (an edit's is
// the id of what it edits), for a test to reply to it or press its buttons.
func (e *Env) SentID(o bot.Outgoing) bot.MessageID {
	e.TB.Helper()
	id, ok := e.sent[o.ID]
	if !ok {
		e.TB.Fatalf("outbox row %d (%q to %s) was not sent by Drain", o.ID, o.Text, o.Chat)
	}
	return id
}

// Update runs fn in a write transaction and fails the test on an error.
func (e *Env) Update(fn func(tx *store.Tx) error) {
	e.TB.Helper()
	if err := e.DB.Update(context.Background(), fn); err != nil {
		e.TB.Fatal(err)
	}
}

// Count runs a query that counts.
func (e *Env) Count(q string, args ...any) int {
	e.TB.Helper()
	var n int
	if err := e.DB.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		e.TB.Fatal(err)
	}
	return n
}

// Ticket reads a ticket.
func (e *Env) Ticket(id int64) *store.Ticket {
	e.TB.Helper()
	var t *store.Ticket
	if err := e.DB.View(context.Background(), func(tx *store.Tx) (err error) { t, err = tx.Ticket(id); return }); err != nil {
		e.TB.Fatal(err)
	}
	return t
}

// SeedCommunity makes the community 阳光花园 as people would: manager
// (made a manager first) binds ResidentGroup and StaffGroup, staff speaks in
// the staff group and is granted staff, and the residents speak in the
// resident group.
func (e *Env) SeedCommunity(manager, staff Person, residents ...Person) {
	e.TB.Helper()
	e.Update(func(tx *store.Tx) error {
		_, err := tx.EnsureManager(e.Platform, manager.ID, manager.Name, bot.ChatID(manager.ID))
		return err
	})
	e.Group(ResidentGroup, manager, "/bind 阳光花园")
	e.Group(StaffGroup, manager, "/bind 阳光花园 staff")
	e.Group(StaffGroup, staff, "大家好")
	e.Private(manager, "/grant staff "+staff.Name)
	for _, r := range residents {
		e.Group(ResidentGroup, r, "大家好")
	}
}

// To returns the messages sent to a chat (not the edits).
func To(outs []bot.Outgoing, chat bot.ChatID) []bot.Outgoing {
	var r []bot.Outgoing
	for _, o := range outs {
		if o.Chat == chat && o.Edit == "" {
			r = append(r, o)
		}
	}
	return r
}

// Edits returns the edits of earlier messages in a chat.
func Edits(outs []bot.Outgoing, chat bot.ChatID) []bot.Outgoing {
	var r []bot.Outgoing
	for _, o := range outs {
		if o.Chat == chat && o.Edit != "" {
			r = append(r, o)
		}
	}
	return r
}

// One returns the one message sent to a chat, failing the test unless there
// is exactly one.
func One(tb testing.TB, outs []bot.Outgoing, chat bot.ChatID) bot.Outgoing {
	tb.Helper()
	got := To(outs, chat)
	if len(got) != 1 {
		tb.Fatalf("messages to %s = %d, want 1: %+v", chat, len(got), outs)
	}
	return got[0]
}

// Has fails the test for each part text lacks.
func Has(tb testing.TB, text string, parts ...string) {
	tb.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			tb.Errorf("%q lacks %q", text, p)
		}
	}
}

// HasNot fails the test for each part text has.
func HasNot(tb testing.TB, text string, parts ...string) {
	tb.Helper()
	for _, p := range parts {
		if strings.Contains(text, p) {
			tb.Errorf("%q has %q", text, p)
		}
	}
}

// Platform is a fake platform: it delivers what the test gives it (Deliver)
// and records what the bot sends; Fail makes sends fail, SetUp its status.
type Platform struct {
	id   bot.PlatformID
	in   chan bot.Message
	mu   sync.Mutex
	up   bool
	sent []bot.Outgoing
	fail error
}

var _ bot.Platform = (*Platform)(nil)

// NewPlatform returns a fake platform with that id, logged in.
func NewPlatform(id bot.PlatformID) *Platform {
	return &Platform{id: id, up: true, in: make(chan bot.Message)}
}

// ID implements bot.Platform.
func (p *Platform) ID() bot.PlatformID { return p.id }

// Run implements bot.Platform: it submits what Deliver gives it.
func (p *Platform) Run(ctx context.Context, in bot.Inbound) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-p.in:
			in.Submit(ctx, m)
		}
	}
}

// Deliver hands m to the bot, waiting until Run takes it.
func (p *Platform) Deliver(m bot.Message) { p.in <- m }

// Send implements bot.Platform: it records out and answers the chat's id
// with "-sent" as the message id.
func (p *Platform) Send(_ context.Context, out bot.Outgoing) (bot.MessageID, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return "", p.fail
	}
	p.sent = append(p.sent, out)
	return bot.MessageID(out.Chat) + "-sent", nil
}

// Status reports whether the platform is logged in (SetUp).
func (p *Platform) Status() (bool, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.up {
		return true, "logged in"
	}
	return false, "logged out"
}

// SetUp sets what Status reports.
func (p *Platform) SetUp(up bool) {
	p.mu.Lock()
	p.up = up
	p.mu.Unlock()
}

// Fail makes every send fail with err from now on (nil: they succeed).
func (p *Platform) Fail(err error) {
	p.mu.Lock()
	p.fail = err
	p.mu.Unlock()
}

// Sent lists what was sent, oldest first.
func (p *Platform) Sent() []bot.Outgoing {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]bot.Outgoing(nil), p.sent...)
}

// Log is a log destination the bot's goroutines and the test share; a test
// can wait until a line says something. The zero Log is empty and ready.
type Log struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed by the next Write; made by a waiter
}

// Write implements io.Writer.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return l.b.Write(p)
}

// String returns everything written.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitLine waits up to timeout until a line contains every part, and fails
// the test, showing the log, if none does by then.
func (l *Log) WaitLine(tb testing.TB, timeout time.Duration, parts ...string) {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		text, ch := l.b.String(), l.changed
		l.mu.Unlock()
		for line := range strings.SplitSeq(text, "\n") {
			found := true
			for _, p := range parts {
				found = found && strings.Contains(line, p)
			}
			if found {
				return
			}
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("no log line with %q within %v:\n%s", parts, timeout, text)
		}
	}
}
