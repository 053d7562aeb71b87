package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

func TestFormatReportInEnglish(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, loc)
	cur := &store.Report{
		From: from, To: from.AddDate(0, 1, 0),
		Kinds:         map[string]store.KindFigures{store.KindRepair: {Opened: 9, Resolved: 8, Open: 2}, store.KindComplaint: {Opened: 3, Resolved: 2, Open: 1}},
		FirstResponse: store.Spread{Count: 10, Median: 150 * time.Minute, P90: 20 * time.Hour},
		Resolution:    store.Spread{Count: 10, Median: 36 * time.Hour, P90: 120 * time.Hour},
		WithinSLA:     8, Overdue: 3, Escalated: 2,
		Ratings: 6, RatingSum: 26, RatingsHigh: 5,
		Complaints:   []store.NamedCount{{Name: "电梯", Count: 2}, {Name: store.OtherCategory, Count: 1}},
		Expenses:     []store.NamedAmount{{Name: "repairs", Fen: 120000}, {Name: "gardening", Fen: 30000}},
		ExpenseTotal: 150000, Participants: 14, Activities: 1, Signups: 12,
	}
	prev := &store.Report{From: from.AddDate(0, -1, 0), Ratings: 4, RatingSum: 14, Participants: 10, Resolution: store.Spread{Count: 4, Median: 60 * time.Hour}}
	comm := &store.Community{Name: "Lakeside", Lang: "en"}
	got := report.Format("en", comm, loc, cur, prev, from.AddDate(0, 2, 0))
	want := `📊 Lakeside · work report for November 2026
Tickets: 12 new, 10 resolved, 3 open
  repair: 9 new, 8 resolved, 2 open
  complaint: 3 new, 2 resolved, 1 open
First reply: median 2.5 h, p90 20 h (10 tickets)
Time to resolve: median 36 h, p90 5 days (10 tickets)
On time: 80% (8 of 10 within the time limits)
Overdue: 3, escalated: 2
Satisfaction: 4.33 average (6 ratings), 83% rated 4 or 5
Complaints: lifts 2, other 1
Expenses: repairs ¥1,200.00, gardening ¥300.00; total ¥1,500.00
Participation: 14 residents (filed, rated, joined an activity or raised a topic)
Activities: 1 held, 12 sign-ups

Targets (compared with October 2026):
Satisfaction: 4.33 (last month 3.50), +23.8%, target +20% ✅ met
Time to resolve: 36 h (last month 2.5 days), 40.0% faster, target 30% faster ✅ met
Participation: 14 residents (last month 10 residents), +40.0%, target +40% ✅ met`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	summary := report.Summary("en", comm, loc, cur)
	for _, s := range []string{"Lakeside · our work in November 2026", "9 repair requests and 3 complaints; 10 were completed", "Typical time to fix: 36 h; 80% were done", "4.3 out of 5 (6 ratings)", "lifts 2, other 1", "We spent ¥1,500.00", "the 14 residents"} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary lacks %q:\n%s", s, summary)
		}
	}
}

func TestFormatFen(t *testing.T) {
	for fen, want := range map[int64]string{0: "¥0.00", 5: "¥0.05", 99: "¥0.99", 123456: "¥1,234.56", 100000000: "¥1,000,000.00", 99999999999999: "¥999,999,999,999.99", -250: "-¥2.50", -123456789: "-¥1,234,567.89"} {
		if got := report.FormatFen(fen); got != want {
			t.Errorf("FormatFen(%d) = %q, want %q", fen, got, want)
		}
	}
}
