package web

import (
	"html/template"
	"strconv"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// page is what every template is given.
type page struct {
	Lang    string
	Title   string
	Me      string // the signed-in staff member's name ("": a resident or nobody)
	CSRF    string
	Flash   string
	Error   string
	Message string
	Token   string // the login page's link token
	Manager bool   // the signed-in person manages a community: the nav shows the managers' pages
	K       map[string]i18n.Key

	List     *listView
	Ticket   *ticketView
	Resident *residentView

	Report *reportView
	Office *officeView
	Outbox *outboxView
}

// T is a message of the catalogue in the page's language; the templates
// call it by the key's Go name.
func (p *page) T(name string, args ...any) string {
	k, ok := p.K[name]
	if !ok {
		return "?" + name
	}
	return i18n.T(p.Lang, k, args...)
}

var funcs = template.FuncMap{
	"itoa": func(n int64) string { return strconv.FormatInt(n, 10) },
	"seq":  seq,
}

// clock is a ticket's SLA clock as the desk shows it.
type clock struct {
	Text    string
	Overdue bool
}

// slaClock says how long a ticket has until its next due time, or how long
// it is overdue: the first response while nobody has answered, then the
// resolution. On hold the clocks stand still; a ticket done has none.
func slaClock(lang string, t *store.Ticket, now time.Time) clock {
	switch {
	case !t.Active():
		return clock{}
	case t.Status == store.StatusOnHold:
		return clock{Text: i18n.T(lang, i18n.WebSLAPaused)}
	}
	due, left, over := t.ResolveDue, i18n.WebSLAResolveLeft, i18n.WebSLAResolveOver
	if t.FirstResponseAt.IsZero() && t.FirstResponseDue.Before(t.ResolveDue) {
		due, left, over = t.FirstResponseDue, i18n.WebSLAFirstLeft, i18n.WebSLAFirstOver
	}
	if !now.Before(due) {
		return clock{Text: i18n.T(lang, over, span(lang, now.Sub(due))), Overdue: true}
	}
	return clock{Text: i18n.T(lang, left, span(lang, due.Sub(now)))}
}

// span is a duration in days and hours, hours and minutes, or minutes.
func span(lang string, d time.Duration) string {
	m := int(d / time.Minute)
	switch {
	case m >= 24*60:
		return i18n.T(lang, i18n.WebDurDays, m/(24*60), m%(24*60)/60)
	case m >= 60:
		return i18n.T(lang, i18n.WebDurHours, m/60, m%60)
	}
	return i18n.T(lang, i18n.WebDurMinutes, max(m, 1))
}

// seq is a..b, for the rating buttons.
func seq(a, b int) []int {
	var out []int
	for i := a; i <= b; i++ {
		out = append(out, i)
	}
	return out
}
