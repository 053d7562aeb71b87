package web

import (
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// PageSize is how many tickets a page of the desk's list shows.
const PageSize = 50

// option is one choice of a filter.
type option struct {
	Value, Label string
	Selected     bool
}

// count is how many tickets have a status.
type count struct {
	Status string
	N      int
}

// row is one ticket of the list.
type row struct {
	ID         int64
	URL        string
	Kind       string
	Status     string
	StatusCode string
	Community  string
	Text       string
	Reporter   string
	Assignee   string
	Created    string
	Clock      clock
}

// row is what the list and a ticket's page both show of t: its text whole,
// no names (the list clips the text and names the people; a resident's page
// names nobody).
func (s *Server) row(c *store.Community, t *store.Ticket, lang string, now time.Time, link string) row {
	return row{ID: t.ID, URL: link, Kind: i18n.T(lang, i18n.Kind(t.Kind)), Status: i18n.T(lang, i18n.Status(t.Status)),
		StatusCode: t.Status, Community: c.Name, Text: t.Text, Created: s.when(c, t.CreatedAt, lang), Clock: slaClock(lang, t, now)}
}

type listView struct {
	Communities []option
	Statuses    []option
	Kinds       []option
	Assignees   []option
	Overdue     bool
	Q           string
	Counts      []count
	Rows        []row
	Next, First string
}

// communitiesOf are the communities whose tickets a person works: every one
// for a manager of every community.
func communitiesOf(tx *store.Tx, p *store.Person) ([]*store.Community, error) {
	all, err := tx.Communities()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c *store.Community) bool { return !p.Memberships.Staff(c.ID) }), nil
}

// names reads people's labels once per page.
type names struct {
	tx   *store.Tx
	seen map[int64]string
}

func (n *names) of(id int64) string {
	if id == 0 {
		return ""
	}
	if l, ok := n.seen[id]; ok {
		return l
	}
	l := ""
	if p, err := n.tx.PersonByID(id); err == nil {
		l = p.Label()
	}
	n.seen[id] = l
	return l
}

// ticketNumber reads "12", "#12", "＃１２" as a ticket number.
func ticketNumber(q string) (int64, bool) {
	q = strings.TrimLeft(strings.TrimSpace(q), "#＃")
	if q == "" {
		return 0, false
	}
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		default:
			return 0, false
		}
	}
	n, err := strconv.ParseInt(b.String(), 10, 64)
	return n, err == nil && n > 0
}

var listStatuses = []string{"", store.StatusOpen, store.StatusInProgress, store.StatusOnHold, store.StatusResolved, store.StatusClosed, store.StatusCancelled, "all"}

// list is the desk: tickets by status, with filters, search and pages.
func (s *Server) list(w http.ResponseWriter, r *http.Request, m *me) {
	q := r.URL.Query()
	if n, ok := ticketNumber(q.Get("q")); ok {
		// A number goes straight to its ticket (which says if there is none).
		http.Redirect(w, r, TicketPath+strconv.FormatInt(n, 10), http.StatusSeeOther)
		return
	}
	v := &listView{Q: strings.TrimSpace(q.Get("q")), Overdue: q.Get("o") == "1"}
	lang := m.lang
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		comms, err := communitiesOf(tx, m.person)
		if err != nil {
			return err
		}
		byID := map[int64]*store.Community{}
		dq := store.DeskQuery{Kind: q.Get("k"), Overdue: v.Overdue, Text: v.Q, Limit: PageSize}
		pick, _ := strconv.ParseInt(q.Get("c"), 10, 64)
		v.Communities = append(v.Communities, option{Value: "", Label: i18n.T(lang, i18n.WebAll), Selected: pick == 0})
		for _, c := range comms {
			byID[c.ID] = c
			v.Communities = append(v.Communities, option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name, Selected: c.ID == pick})
			if pick == 0 || pick == c.ID {
				dq.Communities = append(dq.Communities, c.ID)
			}
		}
		st := q.Get("s")
		if !slices.Contains(listStatuses, st) {
			st = ""
		}
		switch st {
		case "":
			dq.Statuses = []string{store.StatusOpen, store.StatusInProgress, store.StatusOnHold}
		case "all":
		default:
			dq.Statuses = []string{st}
		}
		for _, code := range listStatuses {
			label := ""
			switch code {
			case "":
				label = i18n.T(lang, i18n.WebActive)
			case "all":
				label = i18n.T(lang, i18n.WebAll)
			default:
				label = i18n.T(lang, i18n.Status(code))
			}
			v.Statuses = append(v.Statuses, option{Value: code, Label: label, Selected: code == st})
		}
		if dq.Kind != store.KindRepair && dq.Kind != store.KindComplaint {
			dq.Kind = ""
		}
		v.Kinds = []option{{Value: "", Label: i18n.T(lang, i18n.WebAll), Selected: dq.Kind == ""}}
		for _, k := range []string{store.KindRepair, store.KindComplaint} {
			v.Kinds = append(v.Kinds, option{Value: k, Label: i18n.T(lang, i18n.Kind(k)), Selected: dq.Kind == k})
		}
		a := q.Get("a")
		if a == "me" {
			dq.AssigneeID = m.person.ID
		} else if id, err := strconv.ParseInt(a, 10, 64); err == nil {
			dq.AssigneeID = id
		}
		v.Assignees = []option{{Value: "", Label: i18n.T(lang, i18n.WebAnyone), Selected: dq.AssigneeID == 0},
			{Value: "me", Label: i18n.T(lang, i18n.WebMine), Selected: a == "me"}}
		if len(dq.Communities) > 0 {
			holders, err := tx.RoleHolders(dq.Communities)
			if err != nil {
				return err
			}
			seen := map[int64]bool{m.person.ID: true}
			for _, h := range holders {
				if seen[h.Person.ID] {
					continue
				}
				seen[h.Person.ID] = true
				id := strconv.FormatInt(h.Person.ID, 10)
				v.Assignees = append(v.Assignees, option{Value: id, Label: h.Person.Label(), Selected: a == id})
			}
		}
		dq.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
		counts, err := tx.DeskCounts(dq.Communities)
		if err != nil {
			return err
		}
		for _, code := range []string{store.StatusOpen, store.StatusInProgress, store.StatusOnHold, store.StatusResolved} {
			v.Counts = append(v.Counts, count{Status: i18n.T(lang, i18n.Status(code)), N: counts[code]})
		}
		ts, more, err := tx.DeskTickets(dq)
		if err != nil {
			return err
		}
		nm := &names{tx: tx, seen: map[int64]string{}}
		now := tx.Now()
		for _, t := range ts {
			c := byID[t.CommunityID]
			r := s.row(c, t, lang, now, TicketPath+strconv.FormatInt(t.ID, 10))
			r.Text, r.Reporter, r.Assignee = clip(t.Text, 120), nm.of(t.ReporterID), nm.of(t.AssigneeID)
			v.Rows = append(v.Rows, r)
		}
		if more && len(ts) > 0 {
			next := url.Values{}
			for k, vs := range q {
				next[k] = vs
			}
			next.Set("before", strconv.FormatInt(ts[len(ts)-1].ID, 10))
			v.Next = Prefix + "?" + next.Encode()
		}
		if dq.Before > 0 {
			first := url.Values{}
			for k, vs := range q {
				first[k] = vs
			}
			first.Del("before")
			v.First = Prefix + "?" + first.Encode()
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, lang, 0, err)
		return
	}
	p := &page{Lang: lang, Title: i18n.T(lang, i18n.WebTitle), Me: m.person.Label(), Manager: m.person.Memberships.AnyManager(), CSRF: m.session.CSRF, Flash: s.flash(w, r), List: v}
	s.render(w, http.StatusOK, "list.html", p)
}

// when is a time in the community's zone and language.
func (s *Server) when(c *store.Community, t time.Time, lang string) string {
	return t.In(c.Location(s.cfg.Location)).Format(i18n.T(lang, i18n.TimeFormat))
}

func clip(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// eventView is one line of a ticket's history.
type eventView struct {
	At, Who, What, Note string
	Private             bool // a staff note: never shown to residents
}

type photoView struct{ URL, Alt string }

// ticketView is a ticket's page: its row of the list, whole, and the rest.
type ticketView struct {
	row
	Rating      int
	Events      []eventView
	Photos      []photoView
	Followers   []string
	Staff       []option // whom it may be assigned to
	CanTake     bool
	CanProgress bool
	CanHold     bool
	CanResolve  bool
	CanReopen   bool
	CanMerge    bool
}

// staffTicket reads a ticket for a staff member of its community: anyone
// else is told there is no such ticket, as in chat.
func (s *Server) staffTicket(tx *store.Tx, m *me, id int64) (*store.Ticket, error) {
	t, acc, err := s.cfg.Desk.Ticket(tx, desk.Actor{Person: m.person, Where: desk.OnWeb}, id)
	if err != nil {
		return nil, err
	}
	if !acc.Staff {
		return nil, store.Errorf(store.ENOTFOUND, "no_ticket", id)
	}
	return t, nil
}

func ticketID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.Errorf(store.ENOTFOUND, "no_ticket", r.PathValue("id"))
	}
	return id, nil
}

// ticket is a ticket's page for staff: everything, and the actions.
func (s *Server) ticket(w http.ResponseWriter, r *http.Request, m *me) {
	s.showTicket(w, r, m, http.StatusOK, s.flash(w, r), "")
}

func (s *Server) showTicket(w http.ResponseWriter, r *http.Request, m *me, code int, flash, failure string) {
	id, err := ticketID(r)
	if err != nil {
		s.fail(w, r, m.lang, 0, err)
		return
	}
	var v *ticketView
	err = s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		t, err := s.staffTicket(tx, m, id)
		if err != nil {
			return err
		}
		v, err = s.ticketView(tx, t, m.lang, forStaff, TicketPath+strconv.FormatInt(t.ID, 10))
		if err != nil {
			return err
		}
		holders, err := tx.RoleHolders([]int64{t.CommunityID})
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, h := range holders {
			if seen[h.Person.ID] {
				continue
			}
			seen[h.Person.ID] = true
			v.Staff = append(v.Staff, option{Value: strconv.FormatInt(h.Person.ID, 10), Label: h.Person.Label(), Selected: h.Person.ID == t.AssigneeID})
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, m.lang, 0, err)
		return
	}
	p := &page{Lang: m.lang, Title: i18n.T(m.lang, i18n.WebTicketTitle, v.ID, v.Kind), Me: m.person.Label(), Manager: m.person.Memberships.AnyManager(), CSRF: m.session.CSRF,
		Flash: flash, Error: failure, Ticket: v}
	s.render(w, code, "ticket.html", p)
}

// Who reads a ticket's page (ticketView).
type audience int

const (
	forStaff    audience = iota // the desk: names, notes, followers
	forReporter                 // the reporter's own page
	forAnyone                   // the view page, whose link groups read: no photos, no reporter's words
)

// ticketView reads what a ticket's page shows to who: the staff's view
// whole (names, internal notes), otherwise the resident's (see
// residentEvent).
func (s *Server) ticketView(tx *store.Tx, t *store.Ticket, lang string, who audience, base string) (*ticketView, error) {
	whole := who == forStaff
	c, err := tx.CommunityByID(t.CommunityID)
	if err != nil {
		return nil, err
	}
	nm := &names{tx: tx, seen: map[int64]string{}}
	v := &ticketView{row: s.row(c, t, lang, tx.Now(), base), Rating: t.Rating}
	if whole {
		v.Reporter, v.Assignee = nm.of(t.ReporterID), nm.of(t.AssigneeID)
	}
	switch t.Status {
	case store.StatusOpen, store.StatusInProgress, store.StatusOnHold:
		v.CanTake, v.CanProgress, v.CanResolve = true, true, true
		v.CanHold = t.Status != store.StatusOnHold
		v.CanMerge = whole
	case store.StatusResolved, store.StatusClosed:
		v.CanReopen = true
	}
	events, err := tx.Events(t.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		ev := eventView{At: s.when(c, e.At, lang), Note: e.Note, Private: e.Action == string(store.ActNote)}
		if whole {
			ev.Who = nm.of(e.ActorID)
			if ev.Who == "" {
				ev.Who = i18n.T(lang, i18n.WebSystem)
			}
		} else if !residentEvent(tx, t, e, lang, who == forReporter, &ev) {
			continue
		}
		ev.What = i18n.T(lang, i18n.Event(e.Action), ev.Who)
		v.Events = append(v.Events, ev)
	}
	atts, err := tx.TicketAttachments(t.ID)
	if err != nil {
		return nil, err
	}
	for i, a := range atts {
		if a.Kind == "photo" && a.Path != "" && who != forAnyone {
			v.Photos = append(v.Photos, photoView{URL: base + "/photos/" + strconv.FormatInt(a.ID, 10), Alt: i18n.T(lang, i18n.WebPhoto, i+1)})
		}
	}
	if whole {
		fs, err := tx.Followers(t.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			v.Followers = append(v.Followers, f.Label())
		}
	}
	return v, nil
}

// residentEvent fills what the resident sees of an event, and reports
// whether they see it at all: no internal notes or escalations, no staff
// names (the office acted), no neighbour's words. On the view page
// (!reporter) the reporter is "the reporter", and their own words (a
// follow-up, a rating's comment) are theirs and the office's only.
func residentEvent(tx *store.Tx, t *store.Ticket, e *store.Event, lang string, reporter bool, ev *eventView) bool {
	switch e.Action {
	case string(store.ActNote), "escalate_1", "escalate_2":
		return false
	}
	switch {
	case e.ActorID == 0:
		ev.Who = i18n.T(lang, i18n.WebSystem)
	case e.ActorID == t.ReporterID && reporter:
		ev.Who = i18n.T(lang, i18n.WebYou)
	case e.ActorID == t.ReporterID:
		ev.Who, ev.Note = i18n.T(lang, i18n.WebTheReporter), ""
	default:
		roles, err := tx.Memberships(e.ActorID)
		if err == nil && roles.Staff(t.CommunityID) {
			ev.Who = i18n.T(lang, i18n.WebOffice)
		} else {
			ev.Who = i18n.T(lang, i18n.WebNeighbour)
			ev.Note = ""
		}
	}
	if e.Action == string(store.ActTake) || e.Action == string(store.ActAssign) {
		ev.Note = "" // the assignee's name
	}
	return true
}

// act runs one of the staff's actions on a ticket through the desk, in one
// transaction, and sends the browser back to the ticket with the answer.
func (s *Server) act(w http.ResponseWriter, r *http.Request, m *me) {
	id, err := ticketID(r)
	if err != nil {
		s.fail(w, r, m.lang, 0, err)
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	c := desk.Change{Note: note}
	switch a := r.PostFormValue("action"); a {
	case "take", "progress", "hold", "resolve", "reopen", "assign":
		c.Action = store.Action(a)
	case "merge":
		c.Action, c.Note = desk.ActMerge, ""
		for _, f := range strings.FieldsFunc(r.PostFormValue("merge"), func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '，' || r == '、' }) {
			n, ok := ticketNumber(f)
			if !ok {
				s.showTicket(w, r, m, http.StatusUnprocessableEntity, "", s.errorText(m.lang, store.Errorf(store.EINVALID, "bad_ticket_number", clip(f, 20))))
				return
			}
			c.Merge = append(c.Merge, n)
		}
		if len(c.Merge) == 0 {
			s.showTicket(w, r, m, http.StatusUnprocessableEntity, "", s.errorText(m.lang, store.Errorf(store.EINVALID, "usage", i18n.UsageMerge)))
			return
		}
	default:
		s.showTicket(w, r, m, http.StatusUnprocessableEntity, "", i18n.T(m.lang, i18n.ErrInternal))
		return
	}
	if (c.Action == store.ActProgress || c.Action == store.ActHold) && note == "" {
		s.showTicket(w, r, m, http.StatusUnprocessableEntity, "", i18n.T(m.lang, i18n.WebNoteNeeded))
		return
	}
	var answer string
	err = s.cfg.DB.Update(r.Context(), func(tx *store.Tx) error {
		if _, err := s.staffTicket(tx, m, id); err != nil {
			return err
		}
		if c.Action == store.ActAssign {
			pid, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
			p, err := tx.PersonByID(pid)
			if err != nil {
				return store.Errorf(store.EINVALID, "usage", i18n.UsageAssign)
			}
			c.Assignee = p
		}
		out, err := s.cfg.Desk.Act(tx, desk.Actor{Person: m.person, Where: desk.OnWeb}, id, c)
		if err != nil {
			return err
		}
		answer = out.Answer(m.lang)
		return nil
	})
	if err != nil {
		s.showTicket(w, r, m, status(err), "", s.errorText(m.lang, err))
		return
	}
	if answer == "" {
		answer = i18n.T(m.lang, i18n.WebDone)
	}
	s.setFlash(w, answer)
	http.Redirect(w, r, TicketPath+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// staffPhoto serves a ticket's photo to its community's staff.
func (s *Server) staffPhoto(w http.ResponseWriter, r *http.Request, m *me) {
	id, err := ticketID(r)
	if err != nil {
		s.fail(w, r, m.lang, 0, err)
		return
	}
	var path string
	err = s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		t, err := s.staffTicket(tx, m, id)
		if err != nil {
			return err
		}
		path, err = photoPath(tx, t, r.PathValue("photo"))
		return err
	})
	if err != nil {
		s.fail(w, r, m.lang, 0, err)
		return
	}
	servePhoto(w, r, path)
}

// photoPath is the saved file of one of a ticket's photos.
func photoPath(tx *store.Tx, t *store.Ticket, photo string) (string, error) {
	pid, _ := strconv.ParseInt(photo, 10, 64)
	atts, err := tx.TicketAttachments(t.ID)
	if err != nil {
		return "", err
	}
	for _, a := range atts {
		if a.ID == pid && a.Kind == "photo" && a.Path != "" {
			return a.Path, nil
		}
	}
	return "", store.Errorf(store.ENOTFOUND, "no_ticket_page")
}

func servePhoto(w http.ResponseWriter, r *http.Request, path string) {
	f, err := os.Open(path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", st.ModTime(), f)
}
