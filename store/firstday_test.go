package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/linli/linli/store"
)

// Ratings are history: a rating counts in its month after its ticket is
// reopened (which clears the ticket's rating) and rated again, and
// migration 0018 recovers the scores of ratings given before it from their
// events' notes.
func TestRatingsAreHistoryAndTheMigrationKeepsThem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linli.db")
	db, err := store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	db.Now = clk.Now
	f := setup(t, db)
	rate := func(tx *store.Tx, t0 *store.Ticket, score int, note string) *store.Ticket {
		t.Helper()
		t1, err := tx.Apply(t0, store.Change{Action: store.ActResolve, Actor: f.zhang})
		if err != nil {
			t.Fatal(err)
		}
		t1, err = tx.Apply(t1, store.Change{Action: store.ActRate, Actor: f.li, Rating: score, Note: note})
		if err != nil {
			t.Fatal(err)
		}
		return t1
	}
	start := clk.Now()
	mustUpdate(t, db, func(tx *store.Tx) error {
		tk, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "水管漏水", Reporter: f.li, Chat: f.resident, MsgID: "1"})
		if err != nil {
			return err
		}
		tk = rate(tx, tk, 1, "根本没修好")
		if tk, err = tx.Apply(tk, store.Change{Action: store.ActReopen, Actor: f.zhang}); err != nil {
			return err
		}
		rate(tx, tk, 4, "")
		return nil
	})
	report := func() *store.Report {
		t.Helper()
		var r *store.Report
		mustUpdate(t, db, func(tx *store.Tx) (err error) {
			r, err = tx.Report(f.comm.ID, start.Add(-time.Hour), start.Add(time.Hour))
			return err
		})
		return r
	}
	if r := report(); r.Ratings != 2 || r.RatingSum != 5 || r.RatingsHigh != 1 {
		t.Errorf("ratings %d, sum %d, high %d; want both ratings: 2, 5, 1", r.Ratings, r.RatingSum, r.RatingsHigh)
	}
	// A database from before 0018: the events have no scores.
	for _, q := range []string{
		`DROP INDEX ticket_events_rate`,
		`ALTER TABLE ticket_events DROP COLUMN rating`,
		`CREATE INDEX ticket_events_rate ON ticket_events (at, ticket_id, actor_id) WHERE action = 'rate'`,
		`DELETE FROM schema_migrations WHERE name = 'migrations/0018_rating_history.sql'`,
	} {
		if _, err := db.SQL().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	db2, err := store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	db2.Now = clk.Now
	db = db2
	if r := report(); r.Ratings != 2 || r.RatingSum != 5 {
		t.Errorf("after the migration: ratings %d, sum %d; want 2, 5", r.Ratings, r.RatingSum)
	}
	var comments int
	db.SQL().QueryRow(`SELECT count(*) FROM ticket_events WHERE action <> 'rate' AND rating IS NOT NULL`).Scan(&comments)
	if comments != 0 {
		t.Errorf("%d events that are no rating got a score", comments)
	}
}
