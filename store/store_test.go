package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

var t0 = time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time      { return c.now }
func (c *clock) Add(d time.Duration) { c.now = c.now.Add(d) }
func newClock() *clock               { return &clock{now: t0} }
func ctx() context.Context           { return context.Background() }
func mustUpdate(tb testing.TB, db *store.DB, fn func(tx *store.Tx) error) {
	tb.Helper()
	if err := db.Update(ctx(), fn); err != nil {
		tb.Fatal(err)
	}
}

// MustOpen opens a fresh database file in a temp dir with a test clock.
func MustOpen(tb testing.TB) (*store.DB, *clock) {
	tb.Helper()
	db, err := store.Open(ctx(), filepath.Join(tb.TempDir(), "linli.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	c := newClock()
	db.Now = c.Now
	return db, c
}

type fixture struct {
	comm      *store.Community
	resident  *store.Chat
	staff     *store.Chat
	li, zhang *store.Person
}

func setup(tb testing.TB, db *store.DB) fixture {
	tb.Helper()
	var f fixture
	mustUpdate(tb, db, func(tx *store.Tx) error {
		var err error
		if f.comm, _, err = tx.CreateCommunity("阳光花园", "zh", ""); err != nil {
			return err
		}
		for _, c := range []struct {
			key  bot.ChatID
			role string
			dst  **store.Chat
		}{{"-100", store.RoleResidentChat, &f.resident}, {"-200", store.RoleStaffChat, &f.staff}} {
			ch, err := tx.SeeChat(bot.Telegram, c.key, bot.Group, "g"+string(c.key))
			if err != nil {
				return err
			}
			if err := tx.BindChat(ch.ID, f.comm.ID, c.role); err != nil {
				return err
			}
			if *c.dst, err = tx.ChatByKey(bot.Telegram, c.key); err != nil {
				return err
			}
		}
		if f.li, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "1", Name: "李阿姨", Chat: f.resident}); err != nil {
			return err
		}
		if f.zhang, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "2", Name: "张师傅", Username: "zhang", Chat: f.staff}); err != nil {
			return err
		}
		if _, err := tx.Grant(f.zhang.ID, f.comm.ID, store.RoleStaff, 0); err != nil {
			return err
		}
		if f.zhang, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "2", Chat: f.staff}); err != nil {
			return err
		}
		f.zhang = f.zhang.In(f.comm.ID) // acts as staff of the community
		return nil
	})
	return f
}

func TestOpenAppliesPragmasAndMigrationsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	for range 2 {
		db, err := store.Open(ctx(), path)
		if err != nil {
			t.Fatal(err)
		}
		// Every pooled connection must carry the pragmas: check several at once.
		conns := make([]interface{ Close() error }, 0, 3)
		for range 3 {
			c, err := db.SQL().Conn(ctx())
			if err != nil {
				t.Fatal(err)
			}
			var mode string
			var fk, busy, sync int
			if err := c.QueryRowContext(ctx(), "PRAGMA journal_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			c.QueryRowContext(ctx(), "PRAGMA foreign_keys").Scan(&fk)
			c.QueryRowContext(ctx(), "PRAGMA busy_timeout").Scan(&busy)
			c.QueryRowContext(ctx(), "PRAGMA synchronous").Scan(&sync)
			if got, want := fmt.Sprintln(mode, fk, busy, sync), "wal 1 5000 2\n"; got != want {
				t.Errorf("pragmas = %q, want %q", got, want)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Close()
		}
		var n int
		if err := db.SQL().QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n < 1 {
			t.Fatalf("migrations recorded = %d, %v", n, err)
		}
		db.Close()
	}
}

func TestTimesAreUnixSeconds(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	var typ string
	if err := db.SQL().QueryRow("SELECT typeof(created_at) FROM people WHERE id = ?", f.li.ID).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "integer" {
		t.Errorf("created_at stored as %s, want integer", typ)
	}
}

func TestFirstDeliveryDeduplicates(t *testing.T) {
	db, _ := MustOpen(t)
	var got []bool
	for range 2 {
		mustUpdate(t, db, func(tx *store.Tx) error {
			first, err := tx.FirstDelivery(bot.Telegram, "-100", "7")
			got = append(got, first)
			return err
		})
	}
	if fmt.Sprint(got) != "[true false]" {
		t.Errorf("first deliveries = %v, want [true false]", got)
	}
	// A rolled-back transaction leaves no trace: the message is handled again later.
	db.Update(ctx(), func(tx *store.Tx) error {
		tx.FirstDelivery(bot.Telegram, "-100", "8")
		return fmt.Errorf("crash before commit")
	})
	mustUpdate(t, db, func(tx *store.Tx) error {
		first, err := tx.FirstDelivery(bot.Telegram, "-100", "8")
		if !first {
			t.Error("message of a rolled-back transaction counted as seen")
		}
		return err
	})
}

func TestFindPerson(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, ref := range []string{"@zhang", "@ZHANG", "2", "张师傅", "@张师傅"} {
			p, err := tx.FindPerson(bot.Telegram, f.comm.ID, ref)
			if err != nil || p.ID != f.zhang.ID {
				t.Errorf("FindPerson(%q) = %v, %v; want 张师傅", ref, p, err)
			}
		}
		if _, err := tx.FindPerson(bot.Telegram, f.comm.ID, "nobody"); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("unknown person: err = %v", err)
		}
		// Two people with one name in one community: ambiguous.
		if _, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "3", Name: "李阿姨", Chat: f.resident}); err != nil {
			return err
		}
		if _, err := tx.FindPerson(bot.Telegram, f.comm.ID, "李阿姨"); store.ErrorCode(err) != store.ECONFLICT {
			t.Errorf("ambiguous name: err = %v, want conflict", err)
		}
		// A name counts in a community only among its members: someone
		// seen elsewhere (or nowhere) is not found there.
		if _, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "4", Name: "王师傅"}); err != nil {
			return err
		}
		if _, err := tx.FindPerson(bot.Telegram, f.comm.ID, "王师傅"); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("a name from outside the community: err = %v, want not found", err)
		}
		if p, err := tx.FindPerson(bot.Telegram, 0, "王师傅"); err != nil || p.Key != "4" {
			t.Errorf("anywhere: %v, %v", p, err)
		}
		// Names are compared as shown: without invisible characters.
		if p, err := tx.FindPerson(bot.Telegram, f.comm.ID, "张​师傅"); err != nil || p.ID != f.zhang.ID {
			t.Errorf("a name with a zero-width space: %v, %v", p, err)
		}
		return nil
	})
}

func TestMoveChatKeepsEverything(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	var ticket *store.Ticket
	mustUpdate(t, db, func(tx *store.Tx) error {
		var err error
		ticket, err = tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "电梯坏了", Reporter: f.li, Chat: f.resident, MsgID: "5"})
		if err != nil {
			return err
		}
		_, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-100", Text: "card", TicketID: ticket.ID})
		return err
	})
	if err := db.Outbox().ChatMoved(ctx(), bot.Telegram, "-100", "-1009"); err != nil {
		t.Fatal(err)
	}
	db.View(ctx(), func(tx *store.Tx) error {
		ch, err := tx.ChatByKey(bot.Telegram, "-1009")
		if err != nil || !ch.Bound() || ch.CommunityID != f.comm.ID {
			t.Errorf("moved chat = %+v, %v", ch, err)
		}
		id, _ := tx.TicketByMessage(bot.Telegram, "-1009", "5")
		if id != ticket.ID {
			t.Errorf("link after move = %d, want %d", id, ticket.ID)
		}
		return nil
	})
	rows, _ := db.Outbox().Due(ctx(), bot.Telegram, 10)
	if len(rows) != 1 || rows[0].Chat != "-1009" {
		t.Errorf("pending rows after move = %+v", rows)
	}
}

func TestEventsAreAppendOnly(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "x", Reporter: f.li, Chat: f.resident, MsgID: "1"})
		return err
	})
	if _, err := db.SQL().Exec("UPDATE ticket_events SET note = 'rewritten'"); err == nil {
		t.Error("update of ticket_events succeeded")
	}
	if _, err := db.SQL().Exec("DELETE FROM ticket_events"); err == nil {
		t.Error("delete of ticket_events succeeded")
	}
}

func asError(err error, target **store.Error) bool {
	e, ok := err.(*store.Error)
	if ok {
		*target = e
	}
	return ok
}

// SeePerson and SeeChat read first and write only what changed: what they
// return must always be the row as stored, and a change must reach the row.
func TestSightingsKeepRowsCurrent(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	clock := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	private := &store.Chat{Platform: bot.Telegram, Key: "7", Kind: bot.Private}
	lastSeen := func(id int64) (s int64) {
		db.SQL().QueryRow(`SELECT last_seen_at FROM people WHERE id = ?`, id).Scan(&s)
		return s
	}
	steps := []struct {
		name string
		s    store.Sighting
		want func(p *store.Person) bool
	}{
		{"first sight", store.Sighting{Platform: bot.Telegram, Key: "7", Name: "王先生"},
			func(p *store.Person) bool {
				return p.Name == "王先生" && p.LastCommunityID == 0 && len(p.Memberships) == 0
			}},
		{"in the resident group", store.Sighting{Platform: bot.Telegram, Key: "7", Name: "王先生", Chat: f.resident},
			func(p *store.Person) bool {
				return p.LastCommunityID == f.comm.ID && p.GroupChat == "-100" &&
					slices.Equal(p.Memberships, store.Memberships{{CommunityID: f.comm.ID, Role: store.RoleResident}})
			}},
		{"renamed, with a username", store.Sighting{Platform: bot.Telegram, Key: "7", Name: "王大明", Username: "wang", Chat: f.resident},
			func(p *store.Person) bool { return p.Name == "王大明" && p.Username == "wang" }},
		{"no name given keeps the name", store.Sighting{Platform: bot.Telegram, Key: "7"},
			func(p *store.Person) bool {
				return p.Name == "王大明" && p.Username == "wang" && p.LastCommunityID == f.comm.ID && p.Memberships.Role(f.comm.ID) == store.RoleResident
			}},
		{"private chat", store.Sighting{Platform: bot.Telegram, Key: "7", Chat: private},
			func(p *store.Person) bool { return p.PrivateChat == "7" && p.GroupChat == "-100" }},
	}
	var id int64
	for _, st := range steps {
		mustUpdate(t, db, func(tx *store.Tx) error {
			got, err := tx.SeePerson(st.s)
			if err != nil {
				return err
			}
			stored, err := tx.PersonByID(got.ID)
			if err != nil {
				return err
			}
			if stored.Memberships, err = tx.Memberships(got.ID); err != nil {
				return err
			}
			if !reflect.DeepEqual(got, stored) {
				t.Errorf("%s: SeePerson returned %+v, the row is %+v", st.name, *got, *stored)
			}
			if !st.want(got) {
				t.Errorf("%s: person = %+v", st.name, *got)
			}
			id = got.ID
			return nil
		})
	}
	// last_seen_at follows within a minute, without a write for every message.
	seen := lastSeen(id)
	clock = clock.Add(30 * time.Second)
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "7"})
		return err
	})
	if got := lastSeen(id); got != seen {
		t.Errorf("last_seen_at rewritten after 30 s: %d → %d", seen, got)
	}
	clock = clock.Add(31 * time.Second)
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "7"})
		return err
	})
	if got := lastSeen(id); got != clock.Unix() {
		t.Errorf("last_seen_at after 61 s = %d, want %d", got, clock.Unix())
	}

	// Chats: created, kept, renamed; never renamed to nothing.
	for _, title := range []string{"3号楼", "", "3号楼", "3号楼业主群"} {
		mustUpdate(t, db, func(tx *store.Tx) error {
			got, err := tx.SeeChat(bot.Telegram, "-300", bot.Group, title)
			if err != nil {
				return err
			}
			stored, err := tx.ChatByKey(bot.Telegram, "-300")
			if err != nil {
				return err
			}
			if *got != *stored {
				t.Errorf("SeeChat(%q) returned %+v, the row is %+v", title, *got, *stored)
			}
			if want := map[string]string{"": "3号楼"}[title]; title == "" && got.Title != want || title != "" && got.Title != title {
				t.Errorf("SeeChat(%q): title %q", title, got.Title)
			}
			return nil
		})
	}
}
