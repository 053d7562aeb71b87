package store_test

import (
	"testing"
	"time"

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

func TestTicketPageToken(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	var tk *store.Ticket
	var tok string
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		if tk, err = tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "电梯坏了", Reporter: f.li, Chat: f.resident, MsgID: "m1"}); err != nil {
			return err
		}
		if tok, err = tx.TicketPageToken(tk.ID); err != nil {
			return err
		}
		again, err := tx.TicketPageToken(tk.ID)
		if err != nil || again != tok || len(tok) < 40 {
			t.Fatalf("token %q then %q, %v", tok, again, err)
		}
		return nil
	})
	err := db.View(ctx(), func(tx *store.Tx) error {
		got, err := tx.TicketByPageToken(tok)
		if err != nil || got.ID != tk.ID {
			t.Fatalf("TicketByPageToken = %v, %v", got, err)
		}
		if _, err := tx.TicketByPageToken(tok[:len(tok)-1]); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("wrong token: %v, want not found", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
