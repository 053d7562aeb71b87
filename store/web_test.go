package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestLoginLinkIsSingleUseAndExpires(t *testing.T) {
	db, c := MustOpen(t)
	f := setup(t, db)
	var tok, old string
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		if old, err = tx.NewLogin(f.zhang.ID); err != nil {
			return err
		}
		tok, err = tx.NewLogin(f.zhang.ID)
		return err
	})
	c.Add(store.LoginTTL - time.Second)
	mustUpdate(t, db, func(tx *store.Tx) error {
		id, err := tx.UseLogin(tok)
		if err != nil || id != f.zhang.ID {
			t.Fatalf("UseLogin = %d, %v; want %d", id, err, f.zhang.ID)
		}
		if _, err := tx.UseLogin(tok); store.ErrorCode(err) != store.EUNAUTHORIZED {
			t.Fatalf("second use: %v, want unauthorized", err)
		}
		if _, err := tx.UseLogin("nonsense"); store.ErrorCode(err) != store.EUNAUTHORIZED {
			t.Fatalf("unknown token: %v, want unauthorized", err)
		}
		return nil
	})
	c.Add(time.Second) // exactly LoginTTL after: expired
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := tx.UseLogin(old); store.ErrorCode(err) != store.EUNAUTHORIZED {
			t.Fatalf("expired link: %v, want unauthorized", err)
		}
		return nil
	})
}

func TestLoginLinksAreRateLimited(t *testing.T) {
	db, c := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for i := 0; i < store.LoginsPerWindow; i++ {
			if _, err := tx.NewLogin(f.zhang.ID); err != nil {
				return err
			}
		}
		if _, err := tx.NewLogin(f.zhang.ID); store.ErrorCode(err) != store.ECONFLICT {
			t.Fatalf("link %d: %v, want conflict", store.LoginsPerWindow+1, err)
		}
		if _, err := tx.NewLogin(f.li.ID); err != nil { // someone else's are theirs
			t.Fatalf("another person's link: %v", err)
		}
		return nil
	})
	c.Add(store.LoginWindow)
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, err := tx.NewLogin(f.zhang.ID)
		return err
	})
}

func TestSessionsExpireAndEnd(t *testing.T) {
	db, c := MustOpen(t)
	f := setup(t, db)
	var a, b string
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		if a, _, err = tx.NewSession(f.zhang.ID); err != nil {
			return err
		}
		b, _, err = tx.NewSession(f.zhang.ID)
		return err
	})
	// Used within its TTL, a session lasts; the hash, not the token, is stored.
	for i := 0; i < 3; i++ {
		c.Add(store.SessionTTL - time.Minute)
		mustUpdate(t, db, func(tx *store.Tx) error {
			s, err := tx.Session(a)
			if err != nil {
				t.Fatalf("session after %d uses: %v", i, err)
			}
			if s.PersonID != f.zhang.ID || s.CSRF == "" {
				t.Fatalf("session = %+v", s)
			}
			return tx.TouchSession(s)
		})
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM web_sessions WHERE token_hash = ? OR csrf = ?`, a, a).Scan(&n); err != nil || n != 0 {
		t.Fatalf("token stored in the clear: %d rows, %v", n, err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := tx.Session(b); store.ErrorCode(err) != store.EUNAUTHORIZED {
			t.Fatalf("unused session after its TTL: %v, want unauthorized", err)
		}
		ended, err := tx.EndSessions(f.zhang.ID)
		if err != nil || ended != 2 {
			t.Fatalf("EndSessions = %d, %v; want 2", ended, err)
		}
		if _, err := tx.Session(a); store.ErrorCode(err) != store.EUNAUTHORIZED {
			t.Fatalf("session after logout: %v, want unauthorized", err)
		}
		return nil
	})
	// However much it is used, a session ends SessionMaxAge after it began.
	mustUpdate(t, db, func(tx *store.Tx) (err error) { a, _, err = tx.NewSession(f.zhang.ID); return })
	start := c.now
	for c.now.Sub(start) < store.SessionMaxAge+time.Hour {
		c.Add(time.Hour)
		var s *store.WebSession
		err := db.Update(ctx(), func(tx *store.Tx) (err error) {
			if s, err = tx.Session(a); err != nil {
				return err
			}
			return tx.TouchSession(s)
		})
		if err != nil {
			if got := c.now.Sub(start); got < store.SessionMaxAge {
				t.Fatalf("session ended after %s, before its max age", got)
			}
			return
		}
	}
	t.Fatal("session outlived SessionMaxAge")
}

// A ticket has a view page and its reporter's page, each with its own
// unguessable token; a token says which page it opens.
func TestTicketPageTokens(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	var tk *store.Ticket
	var view, rep string
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		if tk, err = tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "电梯坏了", Reporter: f.li, Chat: f.resident, MsgID: "m1"}); err != nil {
			return err
		}
		if view, err = tx.TicketPageToken(tk.ID, false); err != nil {
			return err
		}
		if rep, err = tx.TicketPageToken(tk.ID, true); err != nil {
			return err
		}
		again, err := tx.TicketPageToken(tk.ID, false)
		if err != nil || again != view || len(view) < 40 {
			t.Fatalf("view token %q then %q, %v", view, again, err)
		}
		againRep, err := tx.TicketPageToken(tk.ID, true)
		if err != nil || againRep != rep || len(rep) < 40 || rep == view {
			t.Fatalf("reporter token %q then %q (view %q), %v", rep, againRep, view, err)
		}
		return nil
	})
	err := db.View(ctx(), func(tx *store.Tx) error {
		for _, c := range []struct {
			token    string
			reporter bool
		}{{view, false}, {rep, true}} {
			got, reporter, err := tx.TicketByPageToken(c.token)
			if err != nil || got.ID != tk.ID || reporter != c.reporter {
				t.Errorf("TicketByPageToken(%q) = %v, %v, %v; want ticket %d, reporter %v", c.token, got, reporter, err, tk.ID, c.reporter)
			}
		}
		for _, bad := range []string{view[:len(view)-1], rep[:len(rep)-1], ""} {
			if _, _, err := tx.TicketByPageToken(bad); store.ErrorCode(err) != store.ENOTFOUND {
				t.Errorf("wrong token %q: %v, want not found", bad, err)
			}
		}
		// A read transaction has the tokens made, and cannot make new ones.
		if got, err := tx.TicketPageToken(tk.ID, true); err != nil || got != rep {
			t.Errorf("reporter token in a read transaction = %q, %v", got, err)
		}
		if _, err := tx.TicketPageToken(tk.ID+1, false); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("a page made in a read transaction: %v, want not found", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A page from before migration 0021 had one token, which cards posted in
// groups: it stays the view token and the reporter gets a new one.
func TestMigrationKeepsOldPageTokensReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linli.db")
	db, err := store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	f := setup(t, db)
	var old string
	mustUpdate(t, db, func(tx *store.Tx) error {
		tk, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "电梯坏了", Reporter: f.li, Chat: f.resident, MsgID: "m1"})
		if err != nil {
			return err
		}
		old, err = tx.TicketPageToken(tk.ID, false)
		return err
	})
	// The database as it was before 0021.
	for _, q := range []string{
		`DROP INDEX ticket_pages_reporter`,
		`ALTER TABLE ticket_pages DROP COLUMN reporter_token`,
		`DELETE FROM schema_migrations WHERE name = 'migrations/0021_reporter_pages.sql'`,
	} {
		if _, err := db.SQL().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	db, err = store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx(), func(tx *store.Tx) error {
		tk, reporter, err := tx.TicketByPageToken(old)
		if err != nil || reporter {
			t.Fatalf("the old token opens %v (reporter %v, %v), want the view page", tk, reporter, err)
		}
		if _, err := tx.TicketPageToken(tk.ID, true); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("a reporter token before one was made: %v, want not found", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		tk, _, err := tx.TicketByPageToken(old)
		if err != nil {
			return err
		}
		rep, err := tx.TicketPageToken(tk.ID, true)
		if err != nil {
			return err
		}
		if rep == old || len(rep) < 40 {
			t.Errorf("reporter token %q, old token %q: want a new one", rep, old)
		}
		if view, err := tx.TicketPageToken(tk.ID, false); err != nil || view != old {
			t.Errorf("view token = %q, %v; want the old %q", view, err, old)
		}
		if _, reporter, err := tx.TicketByPageToken(rep); err != nil || !reporter {
			t.Errorf("the new token: reporter %v, %v", reporter, err)
		}
		return nil
	})
}

// HeldFor lists what waits for a person about one ticket: their held rows,
// not those still going, nor another ticket's, nor someone else's.
func TestHeldForLists(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	const mp bot.PlatformID = "wechatmp"
	var fan *store.Person
	var tk, other *store.Ticket
	var held, later int64
	var others []int64
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		if fan, err = tx.SeePerson(store.Sighting{Platform: mp, Key: "oFan", Name: "王先生"}); err != nil {
			return err
		}
		if tk, err = tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "电梯坏了", Reporter: f.li, Chat: f.resident, MsgID: "m1"}); err != nil {
			return err
		}
		if other, err = tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "灯不亮", Reporter: f.li, Chat: f.resident, MsgID: "m2"}); err != nil {
			return err
		}
		if held, err = tx.Enqueue(store.Out{Platform: mp, Chat: "oFan", Text: "工单 #1 已接单", TicketID: tk.ID, LinkRole: "relay"}); err != nil {
			return err
		}
		if later, err = tx.Enqueue(store.Out{Platform: mp, Chat: "oFan", Text: "工单 #1 已处理完成", TicketID: tk.ID, LinkRole: "relay"}); err != nil {
			return err
		}
		for _, o := range []store.Out{
			{Platform: mp, Chat: "oFan", Text: "not held", TicketID: tk.ID},
			{Platform: mp, Chat: "oFan", Text: "another ticket", TicketID: other.ID},
			{Platform: mp, Chat: "oSomeone", Text: "someone else", TicketID: tk.ID},
		} {
			id, err := tx.Enqueue(o)
			if err != nil {
				return err
			}
			if o.Text != "not held" {
				others = append(others, id)
			}
		}
		return nil
	})
	for _, id := range append([]int64{held, later}, others...) {
		if err := db.Outbox().Hold(ctx(), id); err != nil {
			t.Fatal(err)
		}
	}
	err := db.View(ctx(), func(tx *store.Tx) error {
		rows, err := tx.HeldFor(tk.ID, fan)
		if err != nil {
			return err
		}
		if len(rows) != 2 || rows[0].ID != held || rows[1].ID != later || rows[0].Text != "工单 #1 已接单" {
			t.Errorf("held for 王先生 about #%d = %+v, want rows %d and %d", tk.ID, rows, held, later)
		}
		if rows, err := tx.HeldFor(tk.ID, f.li); err != nil || len(rows) != 0 {
			t.Errorf("held for 李阿姨 = %+v, %v; want none", rows, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Outbox().Release(ctx(), mp, "oFan"); err != nil {
		t.Fatal(err)
	}
	db.View(ctx(), func(tx *store.Tx) error {
		if rows, err := tx.HeldFor(tk.ID, fan); err != nil || len(rows) != 0 {
			t.Errorf("held once released = %+v, %v; want none", rows, err)
		}
		return nil
	})
}

func TestDeskTicketsFiltersAndPages(t *testing.T) {
	db, c := MustOpen(t)
	f := setup(t, db)
	var other *store.Community
	mustUpdate(t, db, func(tx *store.Tx) error {
		var err error
		if other, _, err = tx.CreateCommunity("幸福里", "zh", ""); err != nil {
			return err
		}
		for i := 0; i < 7; i++ {
			kind := store.KindRepair
			if i%3 == 2 {
				kind = store.KindComplaint
			}
			tk, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: kind, Text: "三号楼 " + string(rune('a'+i)), Reporter: f.li, Chat: f.resident})
			if err != nil {
				return err
			}
			if i < 2 {
				if _, err := tx.Apply(tk, store.Change{Action: store.ActTake, Actor: f.zhang, Assignee: f.zhang}); err != nil {
					return err
				}
			}
		}
		o := *f.comm
		o.ID = other.ID
		_, err = tx.CreateTicket(store.NewTicket{Community: &o, Kind: store.KindRepair, Text: "三号楼 其他小区", Reporter: f.li, Chat: f.resident})
		return err
	})
	c.Add(25 * time.Hour) // the untaken ones are past their first response
	err := db.View(ctx(), func(tx *store.Tx) error {
		ids := func(q store.DeskQuery) []int64 {
			ts, _, err := tx.DeskTickets(q)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, tk := range ts {
				out = append(out, tk.ID)
			}
			return out
		}
		comm := []int64{f.comm.ID}
		for _, tc := range []struct {
			name string
			q    store.DeskQuery
			want []int64
		}{
			{"all", store.DeskQuery{Communities: comm}, []int64{7, 6, 5, 4, 3, 2, 1}},
			{"none", store.DeskQuery{}, nil},
			{"other community", store.DeskQuery{Communities: []int64{other.ID}}, []int64{8}},
			{"in progress", store.DeskQuery{Communities: comm, Statuses: []string{store.StatusInProgress}}, []int64{2, 1}},
			{"complaints", store.DeskQuery{Communities: comm, Kind: store.KindComplaint}, []int64{6, 3}},
			{"assignee", store.DeskQuery{Communities: comm, AssigneeID: f.zhang.ID}, []int64{2, 1}},
			{"overdue", store.DeskQuery{Communities: comm, Overdue: true}, []int64{7, 6, 5, 4, 3}},
			{"text", store.DeskQuery{Communities: comm, Text: " e"}, []int64{5}},
			{"page 2", store.DeskQuery{Communities: comm, Before: 5, Limit: 2}, []int64{4, 3}},
		} {
			if got := ids(tc.q); !slicesEqual(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		_, more, _ := tx.DeskTickets(store.DeskQuery{Communities: comm, Limit: 7})
		_, more2, _ := tx.DeskTickets(store.DeskQuery{Communities: comm, Limit: 6})
		if more || !more2 {
			t.Errorf("more = %v (limit 7), %v (limit 6); want false, true", more, more2)
		}
		counts, err := tx.DeskCounts(comm)
		if err != nil {
			return err
		}
		if counts[store.StatusOpen] != 5 || counts[store.StatusInProgress] != 2 {
			t.Errorf("counts = %v", counts)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
