package store_test

import (
	"testing"
	"time"

	"github.com/linli/linli/store"
)

// reach builds a ticket in the given status through legal steps.
func reach(t *testing.T, tx *store.Tx, f fixture, status string) *store.Ticket {
	t.Helper()
	tk, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "漏水", Reporter: f.li, Chat: f.resident, MsgID: ""})
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string][]store.Change{
		store.StatusOpen:       nil,
		store.StatusInProgress: {{Action: store.ActTake, Actor: f.zhang, Assignee: f.zhang}},
		store.StatusOnHold:     {{Action: store.ActHold, Actor: f.zhang, Note: "等配件"}},
		store.StatusResolved:   {{Action: store.ActResolve, Actor: f.zhang}},
		store.StatusClosed:     {{Action: store.ActResolve, Actor: f.zhang}, {Action: store.ActClose}},
		store.StatusCancelled:  {{Action: store.ActCancel, Actor: f.li}},
	}[status]
	for _, c := range steps {
		if tk, err = tx.Apply(tk, c); err != nil {
			t.Fatalf("reach %s: %v", status, err)
		}
	}
	if tk.Status != status {
		t.Fatalf("reached %s, want %s", tk.Status, status)
	}
	return tk
}

func TestLifecycleEveryTransition(t *testing.T) {
	// The lifecycle of DESIGN.md §6, written out independently of the code:
	// status → action → resulting status; anything absent must be refused.
	want := map[string]map[store.Action]string{
		store.StatusOpen: {
			store.ActTake: store.StatusInProgress, store.ActAssign: store.StatusInProgress, store.ActProgress: store.StatusInProgress,
			store.ActComment: store.StatusOpen, store.ActHold: store.StatusOnHold, store.ActResolve: store.StatusResolved,
			store.ActCancel: store.StatusCancelled,
		},
		store.StatusInProgress: {
			store.ActTake: store.StatusInProgress, store.ActAssign: store.StatusInProgress, store.ActProgress: store.StatusInProgress,
			store.ActComment: store.StatusInProgress, store.ActHold: store.StatusOnHold, store.ActResolve: store.StatusResolved,
		},
		store.StatusOnHold: {
			store.ActTake: store.StatusOnHold, store.ActAssign: store.StatusOnHold, store.ActProgress: store.StatusInProgress,
			store.ActComment: store.StatusOnHold, store.ActResolve: store.StatusResolved,
		},
		store.StatusResolved: {
			store.ActComment: store.StatusResolved, store.ActReopen: store.StatusInProgress,
			store.ActRate: store.StatusClosed, store.ActClose: store.StatusClosed,
		},
		store.StatusClosed:    {store.ActReopen: store.StatusInProgress, store.ActRate: store.StatusClosed},
		store.StatusCancelled: {},
	}
	actions := []store.Action{store.ActTake, store.ActAssign, store.ActProgress, store.ActComment, store.ActHold,
		store.ActResolve, store.ActReopen, store.ActCancel, store.ActRate, store.ActClose}
	db, _ := MustOpen(t)
	f := setup(t, db)
	for status, allowed := range want {
		for _, act := range actions {
			t.Run(status+"/"+string(act), func(t *testing.T) {
				mustUpdate(t, db, func(tx *store.Tx) error {
					tk := reach(t, tx, f, status)
					got, err := tx.Apply(tk, store.Change{Action: act, Actor: f.zhang, Assignee: f.zhang, Rating: 4, Note: "n"})
					to, ok := allowed[act]
					switch {
					case ok && err != nil:
						t.Errorf("%s on %s refused: %v", act, status, err)
					case ok && got.Status != to:
						t.Errorf("%s on %s → %s, want %s", act, status, got.Status, to)
					case !ok && err == nil:
						t.Errorf("%s on %s allowed (→ %s), want refused", act, status, got.Status)
					case !ok && store.ErrorCode(err) != store.EINVALID:
						t.Errorf("%s on %s: err = %v, want EINVALID", act, status, err)
					}
					if !ok {
						again, _ := tx.Ticket(tk.ID)
						if again.Status != status {
							t.Errorf("refused %s changed status to %s", act, again.Status)
						}
					}
					return nil
				})
			})
		}
	}
}

func TestClocksFirstResponseAndHold(t *testing.T) {
	db, clk := MustOpen(t)
	f := setup(t, db)
	var tk *store.Ticket
	mustUpdate(t, db, func(tx *store.Tx) error {
		tk = reach(t, tx, f, store.StatusOpen)
		return nil
	})
	if got, want := tk.FirstResponseDue, t0.Add(24*time.Hour); !got.Equal(want) {
		t.Errorf("first due = %v, want %v", got, want)
	}
	if got, want := tk.ResolveDue, t0.Add(7*24*time.Hour); !got.Equal(want) {
		t.Errorf("resolve due = %v, want %v", got, want)
	}
	// A resident's comment is no first response.
	clk.Add(time.Hour)
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		tk, err = tx.Apply(tk, store.Change{Action: store.ActComment, Actor: f.li, Note: "还在漏"})
		return err
	})
	if !tk.FirstResponseAt.IsZero() {
		t.Error("resident comment stamped first response")
	}
	clk.Add(time.Hour)
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		tk, err = tx.Apply(tk, store.Change{Action: store.ActHold, Actor: f.zhang, Note: "等配件"})
		return err
	})
	if got, want := tk.FirstResponseAt, t0.Add(2*time.Hour); !got.Equal(want) {
		t.Errorf("first response at = %v, want %v", got, want)
	}
	// Three hours on hold; a staff comment does not end the hold, /progress does.
	clk.Add(time.Hour)
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		tk, err = tx.Apply(tk, store.Change{Action: store.ActComment, Actor: f.zhang, Note: "配件在路上"})
		return err
	})
	if tk.Status != store.StatusOnHold {
		t.Fatalf("status after staff comment = %s", tk.Status)
	}
	clk.Add(2 * time.Hour)
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		tk, err = tx.Apply(tk, store.Change{Action: store.ActProgress, Actor: f.zhang, Note: "配件到了"})
		return err
	})
	if got, want := tk.Held, 3*time.Hour; got != want {
		t.Errorf("held = %v, want %v", got, want)
	}
	if got, want := tk.ResolveDue, t0.Add(7*24*time.Hour+3*time.Hour); !got.Equal(want) {
		t.Errorf("resolve due after hold = %v, want %v", got, want)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		evs, err := tx.Events(tk.ID)
		if err != nil {
			return err
		}
		var acts []string
		for _, e := range evs {
			acts = append(acts, e.Action)
		}
		if got, want := len(acts), 5; got != want {
			t.Errorf("events = %v, want %d", acts, want)
		}
		return nil
	})
}

func TestRatingRules(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		tk := reach(t, tx, f, store.StatusResolved)
		for _, bad := range []int{0, 6, -1} {
			if _, err := tx.Apply(tk, store.Change{Action: store.ActRate, Actor: f.li, Rating: bad}); store.ErrorCode(err) != store.EINVALID {
				t.Errorf("rating %d: err = %v", bad, err)
			}
		}
		tk, err := tx.Apply(tk, store.Change{Action: store.ActRate, Actor: f.li, Rating: 5, Note: "很快"})
		if err != nil {
			return err
		}
		if tk.Status != store.StatusClosed || tk.Rating != 5 || tk.RatingComment != "很快" || tk.ClosedAt.IsZero() {
			t.Errorf("rated ticket = %+v", tk)
		}
		if _, err := tx.Apply(tk, store.Change{Action: store.ActRate, Actor: f.li, Rating: 3}); store.ErrorCode(err) != store.ECONFLICT {
			t.Errorf("second rating: err = %v, want conflict", err)
		}
		return nil
	})
}

func TestTicketTextLimits(t *testing.T) {
	for _, tc := range []struct {
		text string
		key  string
	}{
		{"", "empty_text"}, {"   \n ", "empty_text"}, {string(make([]rune, 2001)), "text_too_long"}, {"\xff\xfe", "bad_text"},
	} {
		err := store.CheckTicketText(tc.text)
		var e *store.Error
		if !asError(err, &e) || e.Key != tc.key {
			t.Errorf("CheckTicketText(%.10q) = %v, want %s", tc.text, err, tc.key)
		}
	}
	ok := string([]rune("电梯坏了<b>&*_[]😀\n第二行"))
	if err := store.CheckTicketText(ok); err != nil {
		t.Errorf("valid text refused: %v", err)
	}
}

// CreateTicket builds the ticket it returns instead of reading it back: it
// must be exactly the row the database holds.
func TestCreateTicketReturnsTheStoredRow(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		made, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindComplaint, Text: "  夜里施工太吵  ",
			Reporter: f.li, Chat: f.resident, MsgID: "77", Thread: "9"})
		if err != nil {
			return err
		}
		stored, err := tx.Ticket(made.ID)
		if err != nil {
			return err
		}
		if *made != *stored {
			t.Errorf("CreateTicket returned\n%+v\nthe database holds\n%+v", *made, *stored)
		}
		if made.Text != "夜里施工太吵" || made.FirstResponseDue.IsZero() || !made.ResolveDue.After(made.FirstResponseDue) {
			t.Errorf("ticket = %+v", *made)
		}
		return nil
	})
}
