package schedules

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/internal/fixture"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// openFixture opens the cached 1,000,000-ticket fixture with its clock.
func openFixture(b *testing.B) (*store.DB, *Scheduler) {
	b.Helper()
	db, err := store.Open(context.Background(), fixture.Path(b, fixture.Large))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return fixture.Now }
	s, err := New(db, Config{Location: fixture.Shanghai, Lang: "zh", Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return db, s
}

// BenchmarkEscalationScan runs the escalation job over 1,000,000 tickets, 5%
// of them open, at a moment when it has caught up with every deadline (the
// fixture records the escalations and reminders already sent): the minute-by-
// minute cost of looking for overdue tickets. Target: 10 ms a scan.
func BenchmarkEscalationScan(b *testing.B) {
	_, s := openFixture(b)
	ctx := context.Background()
	for b.Loop() {
		res, err := s.escalate(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !strings.HasPrefix(res, i18n.T("zh", i18n.JobResultEscalate, 0, 0, 0, 0)) {
			b.Fatalf("the scan found work in a caught-up fixture: %s", res)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/scan")
}

// BenchmarkMonthlyReport computes what the monthly-report job sends on 1 July:
// every community's June report with May for the KPI comparison, formatted
// for managers and residents, over 1,000,000 tickets and 5,000,000 events. It
// runs in a read transaction, so that the job's "sent" marks do not stop the
// next iteration. Target: 300 ms.
func BenchmarkMonthlyReport(b *testing.B) {
	db, s := openFixture(b)
	ctx := context.Background()
	for b.Loop() {
		err := db.View(ctx, func(tx *store.Tx) error {
			comms := s.communities(tx)
			all, err := tx.Communities()
			if err != nil {
				return err
			}
			for _, c := range all {
				loc := comms.loc(c)
				y, m := previousMonth(tx.Now().In(loc))
				cur, prev, err := report.Month(tx, c.ID, y, m, loc)
				if err != nil {
					return err
				}
				if cur.Totals().Opened == 0 {
					b.Fatalf("community %d: an empty report", c.ID)
				}
				_ = report.Format("zh", c, loc, cur, prev, tx.Now())
				_ = report.Summary(c.Lang, c, loc, cur)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/report")
}

// BenchmarkEscalationCatchUp runs the escalation job once on a copy of the
// 1,000,000-ticket fixture ten days after its clock, as after ten days of
// downtime: every ticket that fell due meanwhile is escalated in that run.
// It reports how many and how long the job held the writer (ms/run); no
// message can be filed meanwhile. Not one of the targets.
func BenchmarkEscalationCatchUp(b *testing.B) {
	for range b.N {
		b.StopTimer()
		db, err := store.Open(context.Background(), fixture.Copy(b, fixture.Large, b.TempDir()))
		if err != nil {
			b.Fatal(err)
		}
		db.Now = func() time.Time { return fixture.Now.Add(10 * 24 * time.Hour) }
		s, err := New(db, Config{Location: fixture.Shanghai, Lang: "zh", Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := s.escalate(context.Background())
		took := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		b.Log(res)
		b.ReportMetric(float64(took.Milliseconds()), "ms/run")
		db.Close()
		b.StartTimer()
	}
}
