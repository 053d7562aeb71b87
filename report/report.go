// Package report computes and words a community's monthly work report:
// the full report with its KPI lines for managers, the summary for the
// resident groups, and the figures' formats (spans, percentages, money,
// month names). /report and /kpi show it on demand; the monthly report job
// sends it at the start of each month.
package report

import (
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// MonthWindow returns the first instant of a month in loc and of the next.
func MonthWindow(year int, month time.Month, loc *time.Location) (time.Time, time.Time) {
	from := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0)
}

// MonthName names a month in lang.
func MonthName(lang string, year int, month time.Month) string {
	return time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Format(i18n.T(lang, i18n.MonthFormat))
}

// Month computes a community's report for a month and, for the month
// before it, the figures of the KPI baseline (store.Tx.KPIReport: the rest
// of prev is zero).
func Month(tx *store.Tx, communityID int64, year int, month time.Month, loc *time.Location) (cur, prev *store.Report, err error) {
	from, to := MonthWindow(year, month, loc)
	if cur, err = tx.Report(communityID, from, to); err != nil {
		return nil, nil, err
	}
	pfrom := from.AddDate(0, -1, 0)
	if prev, err = tx.KPIReport(communityID, pfrom, from); err != nil {
		return nil, nil, err
	}
	return cur, prev, nil
}

// Partial notes, after a title, that a month still in progress is counted
// up to now: "（统计至 12月1日 10:00）". It is "" for a month that is over.
func Partial(lang string, loc *time.Location, rep *store.Report, now time.Time) string {
	if rep.To.After(now) {
		return i18n.T(lang, i18n.ReportPartial, i18n.FormatTime(lang, loc, now))
	}
	return ""
}

// Format is the full monthly report, for managers: every figure, by
// kind, with the KPI lines.
func Format(lang string, comm *store.Community, loc *time.Location, cur, prev *store.Report, now time.Time) string {
	from := cur.From.In(loc)
	tot := cur.Totals()
	ls := []string{
		i18n.T(lang, i18n.ReportTitle, comm.Name, MonthName(lang, from.Year(), from.Month())) + Partial(lang, loc, cur, now),
		i18n.T(lang, i18n.ReportTickets, tot.Opened, tot.Resolved, tot.Open),
	}
	for _, kind := range []string{store.KindRepair, store.KindComplaint} {
		k := cur.Kinds[kind]
		ls = append(ls, i18n.T(lang, i18n.ReportKind, i18n.T(lang, i18n.Kind(kind)), k.Opened, k.Resolved, k.Open))
	}
	ls = append(ls, serviceLines(lang, cur)...)
	if len(cur.Expenses) > 0 {
		ls = append(ls, i18n.T(lang, i18n.ReportExpenses, expenseList(lang, cur.Expenses), FormatFen(cur.ExpenseTotal)))
	} else {
		ls = append(ls, i18n.T(lang, i18n.ReportExpensesNone))
	}
	ls = append(ls, communityLines(lang, cur)...)
	pm := prev.From.In(loc)
	ls = append(ls, "\n"+i18n.T(lang, i18n.ReportKPIHeader, MonthName(lang, pm.Year(), pm.Month())), KPIs(lang, cur, prev))
	return i18n.Lines(ls...)
}

// ServiceLines are the report's lines after its ticket counts, as Format
// words them, but for the expenses: the response and resolution times, the
// SLA, overdue and escalated tickets, ratings, complaints, participation,
// activities and polls. The web desk's report shows the counts and the
// expenses as tables.
func ServiceLines(lang string, cur *store.Report) []string {
	return append(serviceLines(lang, cur), communityLines(lang, cur)...)
}

// serviceLines are the figures of the office's service, Format's lines
// before the expenses.
func serviceLines(lang string, cur *store.Report) []string {
	ls := []string{
		spreadLine(lang, i18n.ReportFirst, i18n.ReportFirstNone, cur.FirstResponse),
		spreadLine(lang, i18n.ReportResolve, i18n.ReportResolveNone, cur.Resolution),
	}
	if cur.Resolution.Count > 0 {
		ls = append(ls, i18n.T(lang, i18n.ReportSLA, Percent(cur.WithinSLA, cur.Resolution.Count), cur.WithinSLA, cur.Resolution.Count))
	} else {
		ls = append(ls, i18n.T(lang, i18n.ReportSLANone))
	}
	ls = append(ls, i18n.T(lang, i18n.ReportOverdue, cur.Overdue, cur.Escalated))
	if cur.Ratings > 0 {
		ls = append(ls, i18n.T(lang, i18n.ReportRating, cur.MeanRating(), cur.Ratings, Percent(cur.RatingsHigh, cur.Ratings)))
	} else {
		ls = append(ls, i18n.T(lang, i18n.ReportRatingNone))
	}
	if len(cur.Complaints) > 0 {
		return append(ls, i18n.T(lang, i18n.ReportComplaints, complaintList(lang, cur.Complaints)))
	}
	return append(ls, i18n.T(lang, i18n.ReportComplaintsNone))
}

// communityLines are the figures of the community's life, Format's lines
// after the expenses.
func communityLines(lang string, cur *store.Report) []string {
	ls := []string{i18n.T(lang, i18n.ReportParticipation, cur.Participants)}
	if cur.Activities > 0 {
		ls = append(ls, i18n.T(lang, i18n.ReportActivities, cur.Activities, cur.Signups))
	}
	return append(ls, Polls(lang, cur.Polls)...)
}

// Summary is the month's report for the resident groups: the main
// figures and no names.
func Summary(lang string, comm *store.Community, loc *time.Location, cur *store.Report) string {
	from := cur.From.In(loc)
	rep, comp := cur.Kinds[store.KindRepair], cur.Kinds[store.KindComplaint]
	ls := []string{
		i18n.T(lang, i18n.SummaryTitle, comm.Name, MonthName(lang, from.Year(), from.Month())),
		i18n.T(lang, i18n.SummaryTickets, rep.Opened, comp.Opened, cur.Totals().Resolved),
	}
	if cur.FirstResponse.Count > 0 {
		ls = append(ls, i18n.T(lang, i18n.SummaryFirst, FormatSpan(lang, cur.FirstResponse.Median)))
	}
	if cur.Resolution.Count > 0 {
		ls = append(ls, i18n.T(lang, i18n.SummaryResolve, FormatSpan(lang, cur.Resolution.Median), Percent(cur.WithinSLA, cur.Resolution.Count)))
	}
	if cur.Ratings > 0 {
		ls = append(ls, i18n.T(lang, i18n.SummaryRating, cur.MeanRating(), cur.Ratings))
	}
	if len(cur.Complaints) > 0 {
		ls = append(ls, i18n.T(lang, i18n.SummaryComplaints, complaintList(lang, cur.Complaints)))
	}
	if len(cur.Expenses) > 0 {
		ls = append(ls, i18n.T(lang, i18n.SummaryExpenses, FormatFen(cur.ExpenseTotal), expenseList(lang, cur.Expenses)))
	}
	if cur.Activities > 0 {
		ls = append(ls, i18n.T(lang, i18n.SummaryActivities, cur.Activities, cur.Signups))
	}
	if cur.Participants > 0 {
		ls = append(ls, i18n.T(lang, i18n.SummaryThanks, cur.Participants))
	} else {
		ls = append(ls, i18n.T(lang, i18n.SummaryThanksAll))
	}
	return i18n.Lines(ls...)
}

// KPIs writes the three KPI lines.
func KPIs(lang string, cur, prev *store.Report) string {
	var ls []string
	for _, k := range store.KPIs(cur, prev) {
		name := i18n.T(lang, i18n.KPIName(k.Name))
		value := func(v float64) string {
			switch k.Name {
			case store.KPISatisfaction:
				return i18n.T(lang, i18n.KPIScore, v)
			case store.KPIResolution:
				return FormatSpan(lang, time.Duration(v)*time.Second)
			}
			return i18n.T(lang, i18n.KPIPeople, int(v))
		}
		target := i18n.T(lang, i18n.KPITarget(k.Name), k.Target*100)
		switch k.Status {
		case store.KPINoBaseline:
			ls = append(ls, i18n.T(lang, i18n.KPINoBaseline, name, target))
		case store.KPINoData:
			ls = append(ls, i18n.T(lang, i18n.KPINoData, name, value(k.Prev), target))
		default:
			change := i18n.T(lang, i18n.KPIChange, signedPercent(k.Change))
			if k.Name == store.KPIResolution {
				change = i18n.T(lang, i18n.KPIFaster, Percent1(k.Change))
				if k.Change < 0 {
					change = i18n.T(lang, i18n.KPISlower, Percent1(-k.Change))
				}
			}
			mark := i18n.T(lang, i18n.KPIMet)
			if k.Status == store.KPINotMet {
				mark = i18n.T(lang, i18n.KPINotMet)
			}
			ls = append(ls, i18n.T(lang, i18n.KPILine, name, value(k.Cur), value(k.Prev), change, target, mark))
		}
	}
	return i18n.Lines(ls...)
}

// spreadLine is a report's line on a Spread, or none's without data.
func spreadLine(lang string, line, none i18n.Key, s store.Spread) string {
	if s.Count == 0 {
		return i18n.T(lang, none)
	}
	return i18n.T(lang, line, FormatSpan(lang, s.Median), FormatSpan(lang, s.P90), s.Count)
}

func complaintList(lang string, cs []store.NamedCount) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, CategoryName(lang, c.Name)+" "+strconv.Itoa(c.Count))
	}
	return strings.Join(parts, i18n.T(lang, i18n.ListSep))
}

func expenseList(lang string, es []store.NamedAmount) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, e.Name+" "+FormatFen(e.Fen))
	}
	return strings.Join(parts, i18n.T(lang, i18n.ListSep))
}

// CategoryName shows a complaint category in lang: the built-in ones are
// translated, the ones managers added are shown as typed.
func CategoryName(lang, c string) string {
	if k, ok := i18n.Category(c); ok {
		return i18n.T(lang, k)
	}
	return c
}

// Percent shows n/d as a whole percentage ("83%"), "—" when d is 0.
func Percent(n, d int) string {
	if d == 0 {
		return "—"
	}
	return strconv.Itoa(int(math.Round(100*float64(n)/float64(d)))) + "%"
}

// Percent1 shows a fraction as a percentage with one decimal ("12.5%").
func Percent1(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', 1, 64) + "%"
}

func signedPercent(f float64) string {
	s := Percent1(f)
	if f >= 0 {
		return "+" + s
	}
	return s
}

// FormatSpan shows a duration the way people say it: minutes under an hour,
// hours under two days, days beyond.
func FormatSpan(lang string, d time.Duration) string {
	switch {
	case d < time.Hour:
		return i18n.T(lang, i18n.SpanMinutes, int(math.Round(d.Minutes())))
	case d < 48*time.Hour:
		return i18n.T(lang, i18n.SpanHours, oneDecimal(d.Hours()))
	}
	return i18n.T(lang, i18n.SpanDays, oneDecimal(d.Hours()/24))
}

func oneDecimal(f float64) string {
	s := strconv.FormatFloat(math.Round(f*10)/10, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// FormatFen shows an amount in fen as yuan: "¥1,234.50", in both
// languages (Chinese groups digits by thousands too).
func FormatFen(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + "¥" + groups.Sprintf("%d.%02d", fen/100, fen%100)
}

// groups prints integers with their thousands grouped, the way the
// Chinese locale writes them (golang.org/x/text/message, CLDR's number
// patterns), instead of by hand.
var groups = message.NewPrinter(language.Chinese)

// Polls is the report's polls section: each poll of the month with its
// votes per option.
func Polls(lang string, polls []store.PollResult) []string {
	if len(polls) == 0 {
		return nil
	}
	ls := []string{i18n.T(lang, i18n.ReportPolls, len(polls))}
	for _, res := range polls {
		var parts []string
		for i, o := range res.Poll.Options {
			parts = append(parts, i18n.T(lang, i18n.ReportPollOption, o, res.Counts[i], Percent(res.Counts[i], res.Total)))
		}
		ls = append(ls, i18n.T(lang, i18n.ReportPoll, res.Poll.ID, i18n.Clip(res.Poll.Question, 40), res.Total, strings.Join(parts, i18n.T(lang, i18n.ListSep))))
	}
	return ls
}
