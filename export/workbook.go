package export

import (
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// Workbook lays out a month's export as an Excel workbook made with
// github.com/xuri/excelize/v2: one sheet each for tickets, events, ratings,
// expenses and suggestions, headers in lang, times as Excel date-times in loc
// (so they sort and filter as times), a frozen and filtered header row and
// column widths fitted to the content. The caller closes the file.
func Workbook(lang string, loc *time.Location, d *store.ExportData) (*excelize.File, error) {
	f := excelize.NewFile()
	w := &workbook{f: f, lang: lang, loc: loc}
	if err := w.styles(); err != nil {
		f.Close()
		return nil, err
	}
	for i, s := range w.sheets(d) {
		if err := w.sheet(i, s); err != nil {
			f.Close()
			return nil, fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	f.SetActiveSheet(0)
	err := f.SetDocProps(&excelize.DocProperties{
		Title:   i18n.T(lang, i18n.ExportTitle, d.Community.Name, report.MonthName(lang, d.From.In(loc).Year(), d.From.In(loc).Month())),
		Creator: "Linli", Created: d.Now.UTC().Format(time.RFC3339), Language: lang,
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// colKind is how a column's cells are written and formatted.
type colKind int

const (
	colText     colKind = iota
	colLongText         // wrapped, capped width
	colInt
	colDateTime
	colDate
	colMoney // yuan, two decimals
)

type column struct {
	header string
	kind   colKind
}

type sheetData struct {
	name string
	cols []column
	rows [][]any // nil cells stay empty
	// total, if set, is a last row under the data (already formatted values).
	total []any
}

type workbook struct {
	f    *excelize.File
	lang string
	loc  *time.Location
	// style ids
	header, wrap, dateTime, date, money, totalText, totalMoney int
}

func (w *workbook) styles() error {
	top := &excelize.Alignment{Vertical: "top"}
	for _, s := range []struct {
		id *int
		st *excelize.Style
	}{
		{&w.header, &excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DCE6F1"}},
			Border:    []excelize.Border{{Type: "bottom", Color: "#8EA9C1", Style: 1}},
			Alignment: &excelize.Alignment{Vertical: "center"},
		}},
		{&w.wrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&w.dateTime, &excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm"), Alignment: top}},
		{&w.date, &excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd"), Alignment: top}},
		{&w.money, &excelize.Style{CustomNumFmt: ptr("#,##0.00"), Alignment: top}},
		{&w.totalText, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: []excelize.Border{{Type: "top", Color: "#000000", Style: 1}}}},
		{&w.totalMoney, &excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: ptr("#,##0.00"), Border: []excelize.Border{{Type: "top", Color: "#000000", Style: 1}}}},
	} {
		id, err := w.f.NewStyle(s.st)
		if err != nil {
			return fmt.Errorf("workbook style: %w", err)
		}
		*s.id = id
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// t is the message key in the workbook's language.
func (w *workbook) t(k i18n.Key, args ...any) string { return i18n.T(w.lang, k, args...) }

// when is a time as an Excel cell: its wall clock in the zone, or empty.
func (w *workbook) when(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(w.loc)
}

func (w *workbook) status(s string) any {
	if s == "" {
		return nil
	}
	return w.t(i18n.Status(s))
}

// action names an event's action; one the catalogue does not know (a newer
// feature's) is shown as stored.
func (w *workbook) action(a string) string {
	if k, ok := i18n.ExportAction(a); ok {
		return w.t(k)
	}
	return a
}

// cols are the columns of a sheet, by their headers.
func (w *workbook) cols(headers ...i18n.Key) []column {
	cs := make([]column, len(headers))
	for i, h := range headers {
		cs[i] = column{header: w.t(h), kind: colKinds[h]}
	}
	return cs
}

// colKinds says how each column is written; the rest are plain text.
var colKinds = map[i18n.Key]colKind{
	i18n.ExportColNumber: colInt, i18n.ExportColTicket: colInt, i18n.ExportColLevel: colInt, i18n.ExportColRating: colInt,
	i18n.ExportColText: colLongText, i18n.ExportColNote: colLongText, i18n.ExportColComment: colLongText, i18n.ExportColAnswer: colLongText,
	i18n.ExportColCreated: colDateTime, i18n.ExportColFirstResponse: colDateTime, i18n.ExportColFirstDue: colDateTime, i18n.ExportColResolved: colDateTime,
	i18n.ExportColResolveDue: colDateTime, i18n.ExportColClosed: colDateTime, i18n.ExportColAt: colDateTime, i18n.ExportColRatedAt: colDateTime,
	i18n.ExportColDay: colDate, i18n.ExportColAmount: colMoney,
}

func (w *workbook) sheets(d *store.ExportData) []sheetData {
	tickets := sheetData{name: w.t(i18n.ExportSheetTickets), cols: w.cols(
		i18n.ExportColNumber, i18n.ExportColKind, i18n.ExportColStatus, i18n.ExportColText, i18n.ExportColCommunity, i18n.ExportColReporter,
		i18n.ExportColAssignee, i18n.ExportColCreated, i18n.ExportColFirstResponse, i18n.ExportColFirstDue, i18n.ExportColResolved,
		i18n.ExportColResolveDue, i18n.ExportColClosed, i18n.ExportColLevel, i18n.ExportColRating, i18n.ExportColComment)}
	for _, t := range d.Tickets {
		var rating any
		if t.Rating != 0 {
			rating = t.Rating
		}
		tickets.rows = append(tickets.rows, []any{t.ID, w.t(i18n.Kind(t.Kind)), w.status(t.Status), t.Text, d.Community.Name, t.Reporter, t.Assignee,
			w.when(t.CreatedAt), w.when(t.FirstResponseAt), w.when(t.FirstResponseDue), w.when(t.ResolvedAt), w.when(t.ResolveDue),
			w.when(t.ClosedAt), t.EscalationLevel, rating, t.RatingComment})
	}

	events := sheetData{name: w.t(i18n.ExportSheetEvents), cols: w.cols(i18n.ExportColTicket, i18n.ExportColAt, i18n.ExportColAction, i18n.ExportColBy, i18n.ExportColFrom, i18n.ExportColTo, i18n.ExportColNote)}
	for _, e := range d.Events {
		by := e.Actor
		if by == "" {
			by = w.t(i18n.System)
		}
		events.rows = append(events.rows, []any{e.TicketID, w.when(e.At), w.action(e.Action), by, w.status(e.From), w.status(e.To), e.Note})
	}

	ratings := sheetData{name: w.t(i18n.ExportSheetRatings), cols: w.cols(i18n.ExportColTicket, i18n.ExportColKind, i18n.ExportColRating, i18n.ExportColComment, i18n.ExportColRatedAt, i18n.ExportColAssignee)}
	for _, r := range d.Ratings {
		ratings.rows = append(ratings.rows, []any{r.TicketID, w.t(i18n.Kind(r.Kind)), r.Rating, r.Comment, w.when(r.At), r.Assignee})
	}

	expenses := sheetData{name: w.t(i18n.ExportSheetExpenses), cols: w.cols(i18n.ExportColAt, i18n.ExportColCategory, i18n.ExportColAmount, i18n.ExportColNote, i18n.ExportColRecordedBy)}
	var total int64
	for _, e := range d.Expenses {
		total += e.AmountFen
		expenses.rows = append(expenses.rows, []any{w.when(e.At), e.Category, yuan(e.AmountFen), e.Text, e.RecordedBy})
	}
	if len(d.Expenses) > 0 {
		expenses.total = []any{w.t(i18n.ExportTotal), nil, yuan(total)}
	}

	// Suggestions keep only their day: no time, no sender, no id.
	suggestions := sheetData{name: w.t(i18n.ExportSheetSuggestions), cols: w.cols(i18n.ExportColDay, i18n.ExportColText, i18n.ExportColAnswer)}
	for _, s := range d.Suggestions {
		var day any = s.Day
		if t, err := time.Parse(time.DateOnly, s.Day); err == nil {
			day = t
		}
		suggestions.rows = append(suggestions.rows, []any{day, s.Text, s.Answer})
	}
	return []sheetData{tickets, events, ratings, expenses, suggestions}
}

// yuan turns fen into a number of yuan for a money cell.
func yuan(fen int64) float64 { return float64(fen) / 100 }

// sheet writes one sheet: the header row (frozen, with a filter), the rows,
// the formats and the column widths.
func (w *workbook) sheet(i int, s sheetData) error {
	f := w.f
	if i == 0 {
		if err := f.SetSheetName(f.GetSheetName(0), s.name); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(s.name); err != nil {
		return err
	}
	headers := make([]any, len(s.cols))
	widths := make([]int, len(s.cols))
	for c, col := range s.cols {
		headers[c] = col.header
		widths[c] = textWidth(col.header) + 3 // room for the filter button
	}
	if err := f.SetSheetRow(s.name, "A1", &headers); err != nil {
		return err
	}
	lastCol, _ := excelize.ColumnNumberToName(len(s.cols))
	if err := f.SetCellStyle(s.name, "A1", lastCol+"1", w.header); err != nil {
		return err
	}
	if err := f.SetRowHeight(s.name, 1, 20); err != nil {
		return err
	}
	rows := s.rows
	if s.total != nil {
		rows = append(rows[:len(rows):len(rows)], s.total)
	}
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow(s.name, cell, &row); err != nil {
			return err
		}
		for c, v := range row {
			if c < len(widths) {
				widths[c] = max(widths[c], cellWidth(s.cols[c].kind, v))
			}
		}
	}
	last := len(s.rows) + 1 // the last data row
	for c, col := range s.cols {
		name, _ := excelize.ColumnNumberToName(c + 1)
		width := float64(min(max(widths[c], 8), 60)) + 1
		if col.kind == colLongText {
			width = float64(min(max(widths[c], 12), 50)) + 1
		}
		if err := f.SetColWidth(s.name, name, name, width); err != nil {
			return err
		}
		if len(s.rows) == 0 {
			continue
		}
		style := -1
		switch col.kind {
		case colLongText:
			style = w.wrap
		case colDateTime:
			style = w.dateTime
		case colDate:
			style = w.date
		case colMoney:
			style = w.money
		}
		if style >= 0 {
			if err := f.SetCellStyle(s.name, name+"2", name+strconv.Itoa(last), style); err != nil {
				return err
			}
		}
	}
	if s.total != nil {
		row := strconv.Itoa(last + 1)
		if err := f.SetCellStyle(s.name, "A"+row, lastCol+row, w.totalText); err != nil {
			return err
		}
		for c, col := range s.cols {
			if col.kind == colMoney {
				name, _ := excelize.ColumnNumberToName(c + 1)
				if err := f.SetCellStyle(s.name, name+row, name+row, w.totalMoney); err != nil {
					return err
				}
			}
		}
	}
	if err := f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.AutoFilter(s.name, "A1:"+lastCol+strconv.Itoa(max(last, 2)), nil)
}

// cellWidth is how many character widths a value needs as shown.
func cellWidth(kind colKind, v any) int {
	switch v := v.(type) {
	case nil:
		return 0
	case string:
		if kind == colLongText {
			// Wrapped: the longest line decides, up to the cap.
			n := 0
			for _, l := range splitLines(v) {
				n = max(n, textWidth(l))
			}
			return n
		}
		return textWidth(v)
	case time.Time:
		if kind == colDate {
			return len("2006-01-02")
		}
		return len("2006-01-02 15:04")
	case float64:
		return len(strconv.FormatFloat(v, 'f', 2, 64)) + 2 // thousands separators
	default:
		return len(fmt.Sprint(v))
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// textWidth counts the character widths of s: CJK and other wide characters
// take two, as spreadsheet column widths count them.
func textWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hangul, r), unicode.Is(unicode.Hiragana, r),
			unicode.Is(unicode.Katakana, r), r >= 0xFF00 && r <= 0xFFEF, r >= 0x3000 && r <= 0x303F, r >= 0x1F300:
			n += 2
		default:
			n++
		}
	}
	return n
}
