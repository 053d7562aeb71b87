package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	gen "github.com/linli/linli/internal/fixture"
	"github.com/linli/linli/store"
)

// The report's queries before they were made to follow indexes (issue 8):
// plain and slow, they define the figures. TestReportMatchesReference checks
// the fast ones against them on generated data.
const (
	refKinds = `SELECT t.kind,
			count(*) FILTER (WHERE t.created_at >= ?2 AND t.created_at < ?3),
			count(*) FILTER (WHERE t.resolved_at >= ?2 AND t.resolved_at < ?3),
			count(*) FILTER (WHERE t.created_at < ?3 AND (
				SELECT e.to_status FROM ticket_events e WHERE e.ticket_id = t.id AND e.at < ?3 AND e.to_status <> '' ORDER BY e.id DESC LIMIT 1
			) IN ('open', 'in_progress', 'on_hold'))
		FROM tickets t WHERE t.community_id = ?1 GROUP BY t.kind`
	refOverdue = `SELECT count(*) FROM tickets
		WHERE community_id = ?1 AND status <> 'cancelled'
			AND ((first_response_due >= ?2 AND first_response_due < ?3 AND (first_response_at IS NULL OR first_response_at > first_response_due)
				AND NOT (status = 'on_hold' AND hold_started_at IS NOT NULL AND hold_started_at <= first_response_due))
			OR (resolve_due >= ?2 AND resolve_due < ?3 AND (resolved_at IS NULL OR resolved_at > resolve_due)
				AND NOT (status = 'on_hold' AND hold_started_at IS NOT NULL AND hold_started_at <= resolve_due)))`
	refEscalated = `SELECT count(DISTINCT e.ticket_id) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
		WHERE t.community_id = ?1 AND e.action IN ('escalate_1', 'escalate_2') AND e.at >= ?2 AND e.at < ?3`
	// Ratings are history: every rating given in the window, by its event.
	refRatings = `SELECT count(*), coalesce(sum(e.rating), 0) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
		WHERE t.community_id = ?1 AND e.action = 'rate' AND e.rating IS NOT NULL AND e.at >= ?2 AND e.at < ?3`
	refParticipants = `SELECT count(DISTINCT x.pid) FROM (
			SELECT reporter_id AS pid FROM tickets WHERE community_id = ?1 AND created_at >= ?2 AND created_at < ?3
			UNION SELECT e.actor_id FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
				WHERE t.community_id = ?1 AND e.action = 'rate' AND e.at >= ?2 AND e.at < ?3
			UNION SELECT s.person_id FROM activity_signups s JOIN activities a ON a.id = s.activity_id
				WHERE a.community_id = ?1 AND s.at >= ?2 AND s.at < ?3
			UNION SELECT person_id FROM agenda_items WHERE community_id = ?1 AND at >= ?2 AND at < ?3
		) x WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = x.pid
			AND m.role IN ('staff', 'manager') AND (m.community_id = ?1 OR m.community_id IS NULL))`
)

func TestReportMatchesReference(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a database")
	}
	spec := gen.Large
	spec.Tickets, spec.Communities, spec.Residents, spec.Months, spec.Seed = 6000, 3, 300, 6, 7
	path := filepath.Join(t.TempDir(), "ref.db")
	if err := gen.Generate(path, spec); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Now = func() time.Time { return gen.Now.Add(36 * time.Hour) }
	sdb := db.SQL()
	one := func(q string, args ...any) []int {
		t.Helper()
		rows, err := sdb.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		out := make([]int, len(cols))
		ptrs := make([]any, len(cols))
		for i := range out {
			ptrs[i] = &out[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	// Month windows around the fixture's now, one reaching past it.
	for m := -4; m <= 0; m++ {
		from := time.Date(gen.Now.Year(), gen.Now.Month()+time.Month(m), 1, 0, 0, 0, 0, gen.Shanghai)
		to := from.AddDate(0, 1, 0)
		f, tt := from.Unix(), to.Unix()
		end := min(tt, db.Now().Unix())
		err := db.View(context.Background(), func(tx *store.Tx) error {
			for c := int64(1); c <= int64(spec.Communities); c++ {
				r, err := tx.Report(c, from, to)
				if err != nil {
					return err
				}
				kpi, err := tx.KPIReport(c, from, to)
				if err != nil {
					return err
				}
				rows, err := sdb.Query(refKinds, c, f, tt)
				if err != nil {
					return err
				}
				want := map[string]store.KindFigures{store.KindRepair: {}, store.KindComplaint: {}}
				for rows.Next() {
					var kind string
					var k store.KindFigures
					if err := rows.Scan(&kind, &k.Opened, &k.Resolved, &k.Open); err != nil {
						return err
					}
					want[kind] = k
				}
				rows.Close()
				for kind, w := range want {
					if got := r.Kinds[kind]; got != w {
						t.Errorf("%s community %d %s: got %+v, want %+v", from.Format("2006-01"), c, kind, got, w)
					}
				}
				check := func(name string, got, want int) {
					t.Helper()
					if got != want {
						t.Errorf("%s community %d %s = %d, want %d", from.Format("2006-01"), c, name, got, want)
					}
				}
				check("overdue", r.Overdue, one(refOverdue, c, f, end)[0])
				check("escalated", r.Escalated, one(refEscalated, c, f, tt)[0])
				rt := one(refRatings, c, f, tt)
				check("ratings", r.Ratings, rt[0])
				check("rating sum", r.RatingSum, rt[1])
				check("kpi ratings", kpi.Ratings, rt[0])
				p := one(refParticipants, c, f, tt)[0]
				check("participants", r.Participants, p)
				check("kpi participants", kpi.Participants, p)
				if kpi.Resolution != r.Resolution {
					t.Errorf("kpi resolution %+v, report %+v", kpi.Resolution, r.Resolution)
				}
				if m < 0 && r.Kinds[store.KindRepair].Opened == 0 {
					t.Errorf("%s community %d: no tickets in the window; the test checks nothing", from.Format("2006-01"), c)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
