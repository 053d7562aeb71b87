package commands

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// report: /report [YYYY-MM] [COMMUNITY] shows the work report of a month (the
// current one so far by default); /report keywords and /report keyword
// add|rm edit the complaint categories.
func (r *req) report() error {
	f := Fields(r.p.Args)
	if len(f) > 0 {
		switch strings.ToLower(f[0]) {
		case "keywords", "categories", "关键词", "分类":
			return r.keywordList()
		case "keyword", "category", "关键字":
			return r.keywordEdit(f[1:])
		}
	}
	comm, year, month, err := r.reportArgs(f)
	if err != nil {
		return err
	}
	loc := r.s.location(comm)
	cur, prev, err := MonthReports(r.tx, comm.ID, year, month, loc)
	if err != nil {
		return err
	}
	if err := r.reply(FormatReport(r.lang, comm, loc, cur, prev, r.tx.Now())); err != nil {
		return err
	}
	r.queueChart(comm, year, month) // the chart photo follows the text
	return nil
}

// kpi: /kpi [YYYY-MM] [COMMUNITY] shows the plan's three KPI lines alone.
func (r *req) kpi() error {
	comm, year, month, err := r.reportArgs(Fields(r.p.Args))
	if err != nil {
		return err
	}
	loc := r.s.location(comm)
	cur, prev, err := MonthReports(r.tx, comm.ID, year, month, loc)
	if err != nil {
		return err
	}
	head := i18n.T(r.lang, i18n.KPITitle, comm.Name, MonthName(r.lang, year, month)) + partialNote(r.lang, loc, cur, r.tx.Now())
	return r.reply(lines(head, FormatKPIs(r.lang, cur, prev)))
}

// reportArgs reads an optional month and an optional community name.
func (r *req) reportArgs(f []string) (*store.Community, int, time.Month, error) {
	var name []string
	var year int
	var month time.Month
	for _, x := range f {
		if year == 0 {
			if y, m, err := ParseMonth(x, r.tx.Now(), r.s.location(r.comm)); err == nil {
				year, month = y, m
				continue
			} else if store.ErrorCode(err) == store.EINVALID && (looksNumeric(x) || strings.Contains(x, "月")) {
				return nil, 0, 0, err
			}
		}
		name = append(name, x)
	}
	comm := r.comm
	if len(name) > 0 {
		c, err := r.managedCommunity(strings.Join(name, " "))
		if err != nil {
			return nil, 0, 0, err
		}
		comm = c
	}
	if comm == nil {
		return nil, 0, 0, store.Errorf(store.EINVALID, "report_which_community")
	}
	if year == 0 {
		now := r.tx.Now().In(r.s.location(comm))
		year, month = now.Year(), now.Month()
	}
	return comm, year, month, nil
}

// MonthReports computes a community's report for a month and, for the month
// before it, the figures of the KPI baseline (store.Tx.KPIReport: the rest
// of prev is zero).
func MonthReports(tx *store.Tx, communityID int64, year int, month time.Month, loc *time.Location) (cur, prev *store.Report, err error) {
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

func partialNote(lang string, loc *time.Location, rep *store.Report, now time.Time) string {
	if rep.To.After(now) {
		return i18n.T(lang, i18n.ReportPartial, i18n.FormatTime(lang, loc, now))
	}
	return ""
}

// FormatReport is the full monthly report, for managers: every figure, by
// kind, with the KPI lines.
func FormatReport(lang string, comm *store.Community, loc *time.Location, cur, prev *store.Report, now time.Time) string {
	from := cur.From.In(loc)
	tot := cur.Totals()
	ls := []string{
		i18n.T(lang, i18n.ReportTitle, comm.Name, MonthName(lang, from.Year(), from.Month())) + partialNote(lang, loc, cur, now),
		i18n.T(lang, i18n.ReportTickets, tot.Opened, tot.Resolved, tot.Open),
	}
	for _, kind := range []string{store.KindRepair, store.KindComplaint} {
		k := cur.Kinds[kind]
		ls = append(ls, i18n.T(lang, i18n.ReportKind, i18n.T(lang, i18n.Kind(kind)), k.Opened, k.Resolved, k.Open))
	}
	ls = append(ls,
		spreadLine(lang, i18n.ReportFirst, i18n.ReportFirstNone, cur.FirstResponse),
		spreadLine(lang, i18n.ReportResolve, i18n.ReportResolveNone, cur.Resolution),
	)
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
		ls = append(ls, i18n.T(lang, i18n.ReportComplaints, complaintList(lang, cur.Complaints)))
	} else {
		ls = append(ls, i18n.T(lang, i18n.ReportComplaintsNone))
	}
	if len(cur.Expenses) > 0 {
		ls = append(ls, i18n.T(lang, i18n.ReportExpenses, expenseList(lang, cur.Expenses), FormatFen(cur.ExpenseTotal)))
	} else {
		ls = append(ls, i18n.T(lang, i18n.ReportExpensesNone))
	}
	ls = append(ls, i18n.T(lang, i18n.ReportParticipation, cur.Participants))
	if cur.Activities > 0 {
		ls = append(ls, i18n.T(lang, i18n.ReportActivities, cur.Activities, cur.Signups))
	}
	ls = append(ls, PollLines(lang, cur.Polls)...)
	pm := prev.From.In(loc)
	ls = append(ls, "\n"+i18n.T(lang, i18n.ReportKPIHeader, MonthName(lang, pm.Year(), pm.Month())), FormatKPIs(lang, cur, prev))
	return lines(ls...)
}

// ResidentSummary is the month's report for the resident groups: the main
// figures and no names.
func ResidentSummary(lang string, comm *store.Community, loc *time.Location, cur *store.Report) string {
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
	return lines(ls...)
}

// FormatKPIs writes the three KPI lines.
func FormatKPIs(lang string, cur, prev *store.Report) string {
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
	return lines(ls...)
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

func (r *req) keywordList() error {
	ks, err := r.tx.ComplaintKeywords()
	if err != nil {
		return err
	}
	var order []string
	byCat := map[string][]string{}
	for _, k := range ks {
		if _, ok := byCat[k.Category]; !ok {
			order = append(order, k.Category)
		}
		byCat[k.Category] = append(byCat[k.Category], k.Keyword)
	}
	out := []string{r.t(i18n.KeywordsHeader)}
	for _, c := range order {
		out = append(out, r.t(i18n.KeywordsLine, CategoryName(r.lang, c), strings.Join(byCat[c], r.t(i18n.ListSep))))
	}
	out = append(out, r.t(i18n.KeywordsHint))
	return r.reply(lines(out...))
}

func (r *req) keywordEdit(f []string) error {
	if len(f) == 0 {
		return usage(i18n.UsageKeyword)
	}
	switch strings.ToLower(f[0]) {
	case "add", "set", "添加":
		if len(f) != 3 {
			return usage(i18n.UsageKeyword)
		}
		if err := r.tx.SetComplaintKeyword(f[1], f[2]); err != nil {
			return err
		}
		return r.reply(r.t(i18n.KeywordsSet, f[1], f[2]))
	case "rm", "remove", "del", "删除":
		if len(f) != 2 {
			return usage(i18n.UsageKeyword)
		}
		if err := r.tx.RemoveComplaintKeyword(f[1]); err != nil {
			return err
		}
		return r.reply(r.t(i18n.KeywordsRemoved, f[1]))
	}
	return usage(i18n.UsageKeyword)
}
