package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestMPTokenAndWindowSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linli.db")
	db, err := store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2026, 11, 2, 3, 0, 0, 123e6, time.UTC)
	last := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
	mustUpdate(t, db, func(tx *store.Tx) error {
		if got, err := tx.MPToken("wxapp"); err != nil || got != (store.MPToken{}) {
			t.Errorf("MPToken before any = %+v, %v; want zero", got, err)
		}
		if err := tx.SaveMPToken(store.MPToken{AppID: "wxapp", Value: "old", Expires: exp.Add(-time.Hour)}); err != nil {
			return err
		}
		if err := tx.SaveMPToken(store.MPToken{AppID: "wxapp", Value: "tok", Expires: exp}); err != nil {
			return err
		}
		if err := tx.SaveMPWindow(store.MPWindow{Chat: "oA", Last: last, Sent: 3, Refused: 45047}); err != nil {
			return err
		}
		return tx.SaveMPWindow(store.MPWindow{Chat: "oB", Unfollowed: true})
	})
	db.Close()

	db, err = store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx(), func(tx *store.Tx) error {
		tok, err := tx.MPToken("wxapp")
		if err != nil {
			return err
		}
		if want := (store.MPToken{AppID: "wxapp", Value: "tok", Expires: exp}); tok != want {
			t.Errorf("token = %+v, want %+v", tok, want)
		}
		if tok, _ := tx.MPToken("other"); tok != (store.MPToken{}) {
			t.Errorf("another account's token = %+v, want none", tok)
		}
		for _, want := range []store.MPWindow{
			{Chat: "oA", Last: last, Sent: 3, Refused: 45047},
			{Chat: "oB", Unfollowed: true},
			{Chat: "oC"},
		} {
			got, err := tx.MPWindow(want.Chat)
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("window %s = %+v, want %+v", want.Chat, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHeldRowsAreNotStuckAndReleaseMakesThemDue(t *testing.T) {
	db, clk := MustOpen(t)
	const mp bot.PlatformID = "wechatmp"
	var held, other, elsewhere int64
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		if held, err = tx.Enqueue(store.Out{Platform: mp, Chat: "oA", Text: "工单 #1 已受理"}); err != nil {
			return err
		}
		if other, err = tx.Enqueue(store.Out{Platform: mp, Chat: "oA", Text: "second"}); err != nil {
			return err
		}
		elsewhere, err = tx.Enqueue(store.Out{Platform: mp, Chat: "oB", Text: "for B"})
		return err
	})
	clk.Add(time.Minute)
	if err := db.Outbox().Hold(ctx(), held); err != nil {
		t.Fatal(err)
	}
	if err := db.Outbox().Retry(ctx(), held, clk.Now().Add(time.Hour), "waiting for the follower", false); err != nil {
		t.Fatal(err)
	}
	// Another Hold later keeps the time it was first held.
	clk.Add(time.Minute)
	if err := db.Outbox().Hold(ctx(), held); err != nil {
		t.Fatal(err)
	}
	check := func(wantHeld, wantPending int, wantOldest time.Time) {
		t.Helper()
		err := db.View(ctx(), func(tx *store.Tx) error {
			st, err := tx.OutboxStats()
			if err != nil {
				return err
			}
			if st.Held != wantHeld || st.Pending != wantPending || !st.OldestPending.Equal(wantOldest) {
				t.Errorf("stats = %+v, want held %d, pending %d, oldest %v", st, wantHeld, wantPending, wantOldest)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check(1, 3, t0) // the other two rows are as old, and not held

	err := db.View(ctx(), func(tx *store.Tx) error {
		rows, err := tx.HeldOutbox(10)
		if err != nil {
			return err
		}
		if len(rows) != 1 || rows[0].ID != held || !rows[0].HeldSince.Equal(t0.Add(time.Minute)) || rows[0].LastError != "waiting for the follower" {
			t.Errorf("held rows = %+v, want row %d held since %v", rows, held, t0.Add(time.Minute))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A held row is not due, and does not hold its chat's later rows back
	// (they may go another way, as template messages).
	due, err := db.Outbox().Due(ctx(), mp, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].ID != other || due[1].ID != elsewhere {
		t.Fatalf("due while held = %+v, want rows %d and %d", due, other, elsewhere)
	}
	if n, err := db.Outbox().Release(ctx(), mp, "oB"); err != nil || n != 0 {
		t.Errorf("Release(oB) = %d, %v; want 0 (nothing held there)", n, err)
	}
	if n, err := db.Outbox().Release(ctx(), mp, "oA"); err != nil || n != 1 {
		t.Fatalf("Release(oA) = %d, %v; want 1", n, err)
	}
	check(0, 3, t0)
	due, err = db.Outbox().Due(ctx(), mp, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range due {
		ids = append(ids, r.ID)
	}
	if len(ids) != 3 || ids[0] != held || ids[1] != other {
		t.Errorf("due after release = %v, want %d, %d (in order) and %d", ids, held, other, elsewhere)
	}
}

func TestOutboxTicketOf(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	var row, later, plain int64
	var ticket *store.Ticket
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		ticket, err = tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "电梯坏了", Reporter: f.li, Chat: f.resident, MsgID: "m1"})
		if err != nil {
			return err
		}
		if row, err = tx.Enqueue(store.Out{Platform: "wechatmp", Chat: "oA", Text: "card", TicketID: ticket.ID, LinkRole: "card"}); err != nil {
			return err
		}
		if plain, err = tx.Enqueue(store.Out{Platform: "wechatmp", Chat: "oA", Text: "help"}); err != nil {
			return err
		}
		// News of the ticket to another chat does not make the card old.
		if _, err = tx.Enqueue(store.Out{Platform: "wechatmp", Chat: "oB", Text: "to B", TicketID: ticket.ID, LinkRole: "relay"}); err != nil {
			return err
		}
		later, err = tx.Enqueue(store.Out{Platform: "wechatmp", Chat: "oA", Text: "news", TicketID: ticket.ID, LinkRole: "relay"})
		return err
	})
	err := db.View(ctx(), func(tx *store.Tx) error {
		for _, c := range []struct {
			id   int64
			want store.OutboxTicket
		}{
			{row, store.OutboxTicket{TicketID: ticket.ID, Role: "card", Latest: false}},
			{later, store.OutboxTicket{TicketID: ticket.ID, Role: "relay", Latest: true}},
			{plain, store.OutboxTicket{}},
		} {
			got, err := tx.OutboxTicketOf(c.id)
			if err != nil || got != c.want {
				t.Errorf("OutboxTicketOf(%d) = %+v, %v; want %+v", c.id, got, err, c.want)
			}
		}
		if _, err := tx.OutboxTicketOf(9999); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("OutboxTicketOf(missing) err = %v, want ENOTFOUND", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
