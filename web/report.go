package web

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/export"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// Paths of the managers' report.
const (
	ReportPath       = "/web/report"
	ReportExportPath = "/web/report/export"
)

// xlsxType is the Content-Type of an Excel workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// reportView is what the month's report page shows.
type reportView struct {
	Title, Partial string
	Month          string // "2026-11", the month picker's value
	Max            string // the latest month there is
	Communities    []option
	Prev, Next     string
	Export         string

	Kinds   []kindRow // repair, complaint, then the total
	Lines   []string  // the service figures, as the chat report words them
	KPIHead string
	KPIs    []string
	ByKind  *chart
	ByDay   *chart

	Expenses     []expenseRow
	ExpenseCats  []expenseRow // Category and Amount only
	ExpenseTotal string
	NoExpenses   string
}

// kindRow is one line of the tickets' table.
type kindRow struct {
	Code, Name             string
	Opened, Resolved, Open int
	Total                  bool
}

// expenseRow is one expense of the month.
type expenseRow struct {
	ID                     int64
	Date, Category, Amount string
	Text, By               string
}

// reportMonth is the community and month a report page is about.
type reportMonth struct {
	comm   *store.Community
	comms  []*store.Community // every community the person manages
	loc    *time.Location
	year   int
	month  time.Month
	latest time.Time // now, in loc
}

var monthParam = regexp.MustCompile(`^(\d{4})-(\d{1,2})$`)

// pickMonth reads ?community=ID&month=YYYY-MM: by default the person's
// first community and, as /report in chat, the month so far. A community
// the person does not manage is refused alike whether it exists or not; a
// month that cannot be read, or has not begun, is EINVALID.
func (s *Server) pickMonth(tx *store.Tx, m *me, q url.Values) (*reportMonth, error) {
	comms, err := managedCommunities(tx, m.person)
	if err != nil {
		return nil, err
	}
	refused := store.Errorf(store.EUNAUTHORIZED, "web_manager_only")
	if len(comms) == 0 {
		return nil, refused
	}
	sel := &reportMonth{comms: comms, comm: comms[0]}
	if c := q.Get("community"); c != "" {
		id, _ := strconv.ParseInt(c, 10, 64)
		i := slices.IndexFunc(comms, func(c *store.Community) bool { return c.ID == id })
		if i < 0 {
			return nil, refused
		}
		sel.comm = comms[i]
	}
	sel.loc = sel.comm.Location(s.cfg.Location)
	sel.latest = tx.Now().In(sel.loc)
	sel.year, sel.month = sel.latest.Year(), sel.latest.Month()
	if raw := strings.TrimSpace(q.Get("month")); raw != "" {
		g := monthParam.FindStringSubmatch(raw)
		if g == nil {
			return nil, store.Errorf(store.EINVALID, "bad_month", i18n.Clip(raw, 20))
		}
		year, _ := strconv.Atoi(g[1])
		month, _ := strconv.Atoi(g[2])
		if month < 1 || month > 12 || year < 2000 {
			return nil, store.Errorf(store.EINVALID, "bad_month", i18n.Clip(raw, 20))
		}
		if year > sel.year || (year == sel.year && time.Month(month) > sel.month) {
			return nil, store.Errorf(store.EINVALID, "month_future", i18n.Clip(raw, 20))
		}
		sel.year, sel.month = year, time.Month(month)
	}
	return sel, nil
}

// monthCode is a month as the address writes it: "2026-11".
func monthCode(year int, month time.Month) string { return fmt.Sprintf("%04d-%02d", year, int(month)) }

// reportURL is the address of a community's report of a month.
func reportURL(path string, communityID int64, year int, month time.Month) string {
	return path + "?" + url.Values{"community": {strconv.FormatInt(communityID, 10)}, "month": {monthCode(year, month)}}.Encode()
}

// failReport shows why a report cannot be had: a month that cannot be read
// is the request's fault (400), not the page's.
func (s *Server) failReport(w http.ResponseWriter, r *http.Request, m *me, err error) {
	code := 0
	if store.ErrorCode(err) == store.EINVALID {
		code = http.StatusBadRequest
	}
	s.fail(w, r, m.lang, code, err)
}

// report is the month's report of a community, for its managers: the
// figures of package report as a table, the service lines and the KPIs as
// the chat report words them, two charts, and the month's expenses.
func (s *Server) report(w http.ResponseWriter, r *http.Request, m *me) {
	lang := m.lang
	v := &reportView{}
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		sel, err := s.pickMonth(tx, m, r.URL.Query())
		if err != nil {
			return err
		}
		comm, loc, year, month := sel.comm, sel.loc, sel.year, sel.month
		cur, prev, err := report.Month(tx, comm.ID, year, month, loc)
		if err != nil {
			return err
		}
		v.Title = i18n.T(lang, i18n.WebReportTitle, comm.Name, report.MonthName(lang, year, month))
		v.Partial = report.Partial(lang, loc, cur, tx.Now())
		v.Month, v.Max = monthCode(year, month), monthCode(sel.latest.Year(), sel.latest.Month())
		for _, c := range sel.comms {
			v.Communities = append(v.Communities, option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name, Selected: c.ID == comm.ID})
		}
		first := time.Date(year, month, 1, 12, 0, 0, 0, loc)
		p, n := first.AddDate(0, -1, 0), first.AddDate(0, 1, 0)
		v.Prev = reportURL(ReportPath, comm.ID, p.Year(), p.Month())
		if !n.After(sel.latest) {
			v.Next = reportURL(ReportPath, comm.ID, n.Year(), n.Month())
		}
		v.Export = reportURL(ReportExportPath, comm.ID, year, month)

		kinds := []string{store.KindRepair, store.KindComplaint}
		for _, k := range kinds {
			f := cur.Kinds[k]
			v.Kinds = append(v.Kinds, kindRow{Code: k, Name: i18n.T(lang, i18n.Kind(k)), Opened: f.Opened, Resolved: f.Resolved, Open: f.Open})
		}
		tot := cur.Totals()
		v.Kinds = append(v.Kinds, kindRow{Code: "total", Name: i18n.T(lang, i18n.WebReportTotal), Opened: tot.Opened, Resolved: tot.Resolved, Open: tot.Open, Total: true})
		v.Lines = report.ServiceLines(lang, cur)
		pm := prev.From.In(loc)
		v.KPIHead = i18n.T(lang, i18n.WebReportKPIs, report.MonthName(lang, pm.Year(), pm.Month()))
		v.KPIs = strings.Split(report.KPIs(lang, cur, prev), "\n")
		v.ByKind = kindChart(lang, v.Kinds[:len(kinds)])
		days, err := tx.DailyFigures(comm.ID, cur.From, cur.To)
		if err != nil {
			return err
		}
		v.ByDay = dayChart(lang, year, month, days)
		return s.expenses(tx, v, comm, loc, lang, cur)
	})
	if err != nil {
		s.failReport(w, r, m, err)
		return
	}
	p := &page{Lang: lang, Title: v.Title, Me: m.person.Label(), CSRF: m.session.CSRF, Manager: true, Report: v}
	s.render(w, http.StatusOK, "report.html", p)
}

// expenses fills the month's expenses: each one, the totals by category
// (the report's, biggest first) and the total.
func (s *Server) expenses(tx *store.Tx, v *reportView, comm *store.Community, loc *time.Location, lang string, cur *store.Report) error {
	es, err := tx.Expenses(comm.ID, cur.From, cur.To)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		from := cur.From.In(loc)
		v.NoExpenses = i18n.T(lang, i18n.ExpenseNone, report.MonthName(lang, from.Year(), from.Month()))
		return nil
	}
	nm := &names{tx: tx, seen: map[int64]string{}}
	var total int64
	for _, e := range es {
		total += e.AmountFen
		v.Expenses = append(v.Expenses, expenseRow{ID: e.ID, Date: i18n.FormatTime(lang, loc, e.At), Category: e.Category,
			Amount: report.FormatFen(e.AmountFen), Text: e.Text, By: nm.of(e.CreatedBy)})
	}
	for _, c := range cur.Expenses {
		v.ExpenseCats = append(v.ExpenseCats, expenseRow{Category: c.Name, Amount: report.FormatFen(c.Fen)})
	}
	v.ExpenseTotal = i18n.T(lang, i18n.ExpenseTotal, report.FormatFen(total))
	return nil
}

// reportExport sends the month's workbook (package export, as /export
// builds it in chat) as a download named as the chat's file is. The
// records are read in one read transaction; the workbook is built after it.
func (s *Server) reportExport(w http.ResponseWriter, r *http.Request, m *me) {
	var d *store.ExportData
	var sel *reportMonth
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		if sel, err = s.pickMonth(tx, m, r.URL.Query()); err != nil {
			return err
		}
		from, to := report.MonthWindow(sel.year, sel.month, sel.loc)
		d, err = tx.Export(sel.comm.ID, from, to)
		return err
	})
	if err != nil {
		s.failReport(w, r, m, err)
		return
	}
	f, err := export.Workbook(m.lang, sel.loc, d)
	if err != nil {
		s.fail(w, r, m.lang, http.StatusInternalServerError, fmt.Errorf("build workbook: %w", err))
		return
	}
	var b bytes.Buffer
	_, err = f.WriteTo(&b)
	f.Close()
	if err != nil {
		s.fail(w, r, m.lang, http.StatusInternalServerError, fmt.Errorf("write workbook: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", attachment(export.FileName(sel.comm.Name, sel.year, sel.month, ".xlsx"), export.FileName("", sel.year, sel.month, ".xlsx")))
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(b.Bytes()); err != nil {
		s.cfg.Log.Debug("web: write workbook", "err", err)
	}
}

// attachment is the Content-Disposition of a download named name: a name
// that is not ASCII goes in RFC 6266's filename* (UTF-8), with fallback as
// the plain filename for the clients that read only that.
func attachment(name, fallback string) string {
	enc := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if !strings.Contains(enc, "filename*=") {
		return enc
	}
	return mime.FormatMediaType("attachment", map[string]string{"filename": fallback}) + strings.TrimPrefix(enc, "attachment")
}
