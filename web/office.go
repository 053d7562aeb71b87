package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/notice"
	"github.com/linli/linli/report"
	"github.com/linli/linli/schedules"
	"github.com/linli/linli/store"
)

// Paths of the managers' pages.
const (
	OfficePath = "/web/office"
	OutboxPath = "/web/outbox"
)

// How much the managers' pages list.
const (
	officeAnnouncements = 10
	officeSuggestions   = 30
	officePolls         = 10
	officeNextRuns      = 3
	outboxRows          = 50
)

// manager wraps a handler for the managers' pages: a signed-in staff member
// who manages some community; other staff are told politely these pages are
// not theirs.
func (s *Server) manager(h func(w http.ResponseWriter, r *http.Request, m *me)) http.HandlerFunc {
	return s.staff(func(w http.ResponseWriter, r *http.Request, m *me) {
		if !m.person.Memberships.AnyManager() {
			s.fail(w, r, m.lang, http.StatusForbidden, store.Errorf(store.EUNAUTHORIZED, "web_manager_only"))
			return
		}
		h(w, r, m)
	})
}

// managedCommunities are the communities a person manages: every one for a
// company-wide manager.
func managedCommunities(tx *store.Tx, p *store.Person) ([]*store.Community, error) {
	all, err := tx.Communities()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c *store.Community) bool { return !p.Memberships.Manager(c.ID) }), nil
}

// zone is the time zone of a schedule's TZ (a community's is
// Community.Location).
func (s *Server) zone(tz string) *time.Location {
	if tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			return l
		}
	}
	return s.cfg.Location
}

type officeView struct {
	Communities   []option // the manager's communities, to switch between
	Community     string
	Schedules     []scheduleView
	Announcements []announcementView
	Activities    []activityView
	Meetings      []meetingView
	Waiting       []agendaView // topics raised while no meeting is planned
	Suggestions   []suggestionView
	Polls         []pollView
}

type scheduleView struct {
	Head, When, Text string
	Paused           bool
	Next             []string
	Broken           string
	Last             string
}

type announcementView struct{ At, Text string }

type activityView struct {
	ID                          int64
	Title, When, Place, Signups string
	Names                       string // who signed up
}

type meetingView struct {
	Head, Place string
	Agenda      []agendaView
}

type agendaView struct{ Text string }

type suggestionView struct {
	Head, Text, Answer string
	Answered           bool
}

type pollView struct {
	Head, State, Votes string
	Options            []pollOption
}

type pollOption struct {
	Text, Votes string
	Count       int
	Width       int // the bar's share, 0–100
}

// office is a manager's page of one community's matters: the announcements
// scheduled and sent, the activities and meetings coming, the suggestion box
// and the polls.
func (s *Server) office(w http.ResponseWriter, r *http.Request, m *me) {
	lang := m.lang
	v := &officeView{}
	var title string
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		comms, err := managedCommunities(tx, m.person)
		if err != nil {
			return err
		}
		if len(comms) == 0 {
			return store.Errorf(store.EUNAUTHORIZED, "web_manager_only")
		}
		var c *store.Community
		if q := r.URL.Query().Get("community"); q != "" {
			id, _ := strconv.ParseInt(q, 10, 64)
			if !m.person.Memberships.Manager(id) {
				return store.Errorf(store.EUNAUTHORIZED, "web_not_manager_of")
			}
			if c, err = tx.CommunityByID(id); err != nil {
				return store.Errorf(store.EUNAUTHORIZED, "web_not_manager_of")
			}
		} else {
			c = comms[0]
			for _, x := range comms {
				if x.ID == m.person.LastCommunityID {
					c = x
				}
			}
		}
		for _, x := range comms {
			v.Communities = append(v.Communities, option{Value: OfficePath + "?community=" + strconv.FormatInt(x.ID, 10), Label: x.Name, Selected: x.ID == c.ID})
		}
		v.Community, title = c.Name, i18n.T(lang, i18n.WebOfficeTitle, c.Name)
		return s.officeView(tx, v, c, lang)
	})
	if err != nil {
		s.fail(w, r, lang, 0, err)
		return
	}
	p := &page{Lang: lang, Title: title, Me: m.person.Label(), Manager: true, CSRF: m.session.CSRF, Flash: s.flash(w, r), Office: v}
	s.render(w, http.StatusOK, "office.html", p)
}

func (s *Server) officeView(tx *store.Tx, v *officeView, c *store.Community, lang string) error {
	now := tx.Now()
	loc := c.Location(s.cfg.Location)
	at := func(t time.Time) string { return s.when(c, t, lang) }
	nm := &names{tx: tx, seen: map[int64]string{}}

	// Announcements: the schedules that post in this community (its own
	// and those for every community), with the cron preview chat shows.
	all, err := tx.Schedules()
	if err != nil {
		return err
	}
	for _, sc := range all {
		if sc.CommunityID != 0 && sc.CommunityID != c.ID {
			continue
		}
		target := c.Name
		if sc.CommunityID == 0 {
			target = i18n.T(lang, i18n.ScheduleAll)
		}
		sl := s.zone(sc.TZ) // as the scheduler reads it
		sv := scheduleView{
			Head:   i18n.T(lang, i18n.WebScheduleHead, sc.ID, i18n.T(lang, i18n.ScheduleKind(sc.Kind)), target),
			When:   schedules.Describe(sc.Spec, lang),
			Text:   sc.Text,
			Paused: !sc.Enabled,
		}
		if sc.Enabled {
			next, err := schedules.Preview(sc.Spec, sl, now, officeNextRuns)
			switch {
			case err != nil:
				sv.Broken = strings.TrimSpace(i18n.T(lang, i18n.ScheduleBroken, s.errorText(lang, err)))
			case len(next) == 0:
				sv.Next = []string{i18n.T(lang, i18n.ScheduleNever)}
			}
			for _, t := range next {
				sv.Next = append(sv.Next, runTime(lang, sl, now, next, t)+" "+i18n.T(lang, i18n.Weekday(t.In(sl).Weekday())))
			}
		}
		if !sc.LastRunAt.IsZero() {
			result := i18n.T(lang, i18n.JobOK, sc.LastResult)
			if !sc.LastOK {
				result = i18n.T(lang, i18n.JobFailed, sc.LastResult)
			}
			sv.Last = i18n.T(lang, i18n.WebScheduleLast, i18n.FormatTime(lang, sl, sc.LastRunAt), result)
		}
		v.Schedules = append(v.Schedules, sv)
	}
	sent, err := tx.RecentAnnouncements(c.ID, officeAnnouncements)
	if err != nil {
		return err
	}
	for _, a := range sent {
		v.Announcements = append(v.Announcements, announcementView{At: at(a.PostedAt), Text: a.Text})
	}

	// Activities with who signed up; meetings with their agenda.
	acts, err := tx.UpcomingActivities(c.ID)
	if err != nil {
		return err
	}
	for _, a := range acts {
		av := activityView{ID: a.ID, Title: a.Title, Place: a.Place, Signups: notice.Signups(lang, a),
			When: at(a.StartsAt) + " " + i18n.T(lang, i18n.Weekday(a.StartsAt.In(loc).Weekday()))}
		ps, err := tx.Signups(a.ID)
		if err != nil {
			return err
		}
		var names []string
		for _, p := range ps {
			names = append(names, p.Label())
		}
		av.Names = strings.Join(names, i18n.T(lang, i18n.ListSep))
		v.Activities = append(v.Activities, av)
	}
	agenda := func(meetingID int64) ([]agendaView, error) {
		items, err := tx.Agenda(c.ID, meetingID)
		if err != nil {
			return nil, err
		}
		var out []agendaView
		for _, it := range items {
			who := nm.of(it.PersonID)
			if who == "" {
				who = "?"
			}
			out = append(out, agendaView{Text: i18n.T(lang, i18n.WebAgendaItem, it.Text, who, at(it.At))})
		}
		return out, nil
	}
	ms, err := tx.UpcomingMeetings(c.ID)
	if err != nil {
		return err
	}
	for _, mt := range ms {
		mv := meetingView{Head: i18n.T(lang, i18n.WebMeetingHead, mt.ID, at(mt.StartsAt)+" "+i18n.T(lang, i18n.Weekday(mt.StartsAt.In(loc).Weekday()))), Place: mt.Place}
		if mv.Agenda, err = agenda(mt.ID); err != nil {
			return err
		}
		v.Meetings = append(v.Meetings, mv)
	}
	if v.Waiting, err = agenda(0); err != nil {
		return err
	}

	// The suggestion box. Nothing in the store names who wrote a
	// suggestion, and nothing here looks for it.
	sgs, err := tx.Suggestions(c.ID, officeSuggestions)
	if err != nil {
		return err
	}
	for _, sg := range sgs {
		state := i18n.T(lang, i18n.SuggestionsOpen)
		if sg.Answer != "" {
			state = i18n.T(lang, i18n.SuggestionsAnswered)
		}
		sv := suggestionView{Head: i18n.T(lang, i18n.WebSuggestionHead, sg.ID, sg.Day, state), Text: sg.Text, Answered: sg.Answer != ""}
		if sg.Answer != "" {
			when := at(sg.AnsweredAt)
			if sg.Public {
				when += i18n.T(lang, i18n.ListSep) + i18n.T(lang, i18n.WebAnswerPublic)
			}
			sv.Answer = i18n.T(lang, i18n.WebAnswer, when) + " " + sg.Answer
		}
		v.Suggestions = append(v.Suggestions, sv)
	}

	// Polls with their counts.
	polls, err := tx.Polls(c.ID, officePolls)
	if err != nil {
		return err
	}
	for _, p := range polls {
		res, err := tx.PollResult(p)
		if err != nil {
			return err
		}
		state := i18n.T(lang, i18n.PollOpenUntil, at(p.ClosesAt))
		if !p.Open(now) {
			state = i18n.T(lang, i18n.PollClosed)
		}
		pv := pollView{Head: i18n.T(lang, i18n.WebPollHead, p.ID, p.Question), State: state, Votes: i18n.T(lang, i18n.WebPollTotal, res.Total)}
		for i, o := range p.Options {
			n := res.Counts[i]
			width := 0
			if res.Total > 0 {
				width = (100*n + res.Total/2) / res.Total
			}
			pv.Options = append(pv.Options, pollOption{Text: i18n.T(lang, i18n.WebPollOption, i+1, o), Count: n, Width: width,
				Votes: i18n.T(lang, i18n.WebPollVotes, n, report.Percent(n, res.Total))})
		}
		v.Polls = append(v.Polls, pv)
	}
	return nil
}

// runTime is one of a schedule's next runs, with the year when any of them
// falls in another year than now (as chat's /schedule list says them).
func runTime(lang string, loc *time.Location, now time.Time, ts []time.Time, t time.Time) string {
	year := now.In(loc).Year()
	for _, x := range ts {
		if x.In(loc).Year() != year {
			return t.In(loc).Format(i18n.T(lang, i18n.TimeFormatYear))
		}
	}
	return i18n.FormatTime(lang, loc, t)
}

// outboxScope is what of the outbox a manager sees: the chats of the
// communities they manage, or everything for a company-wide manager.
func outboxScope(tx *store.Tx, p *store.Person) (store.OutboxScope, error) {
	if p.Memberships.CompanyWide() {
		return store.OutboxScope{All: true}, nil
	}
	comms, err := managedCommunities(tx, p)
	if err != nil {
		return store.OutboxScope{}, err
	}
	var sc store.OutboxScope
	for _, c := range comms {
		sc.Communities = append(sc.Communities, c.ID)
	}
	return sc, nil
}

type outboxView struct {
	All   bool
	Lists []outboxList
}

type outboxList struct {
	Title string
	More  string // says the list is cut
	Rows  []outboxRow
	Retry bool // the rows can be sent again
}

type outboxRow struct {
	ID                         int64
	To, Text, When, Error, URL string
}

// outbox shows a manager what waits to go out, what waits for a follower,
// and what failed, with a button that sends a failed one again.
func (s *Server) outbox(w http.ResponseWriter, r *http.Request, m *me) {
	s.showOutbox(w, r, m, http.StatusOK, s.flash(w, r), "")
}

func (s *Server) showOutbox(w http.ResponseWriter, r *http.Request, m *me, code int, flash, failure string) {
	lang := m.lang
	v := &outboxView{}
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		scope, err := outboxScope(tx, m.person)
		if err != nil {
			return err
		}
		v.All = scope.All
		comms := map[int64]*store.Community{}
		community := func(id int64) *store.Community {
			if c, ok := comms[id]; ok {
				return c
			}
			c, _ := tx.CommunityByID(id)
			comms[id] = c
			return c
		}
		for _, l := range []struct {
			list  string
			title i18n.Key
		}{{store.OutboxFailed, i18n.WebOutboxFailed}, {store.OutboxPending, i18n.WebOutboxPending}, {store.OutboxHeld, i18n.WebOutboxHeld}} {
			rows, n, err := tx.OutboxFor(scope, l.list, outboxRows)
			if err != nil {
				return err
			}
			ol := outboxList{Title: i18n.T(lang, l.title, n), Retry: l.list == store.OutboxFailed}
			if n > len(rows) {
				ol.More = i18n.T(lang, i18n.WebOutboxMore, len(rows))
			}
			for _, row := range rows {
				c := community(row.CommunityID)
				to := row.ChatTitle
				if to == "" {
					to = string(row.Chat)
				}
				to = string(row.Platform) + " · " + to
				if c != nil {
					to = c.Name + " · " + to
				}
				or := outboxRow{ID: row.ID, To: i18n.T(lang, i18n.WebOutboxTo, to), Text: clip(row.Text, 200), When: s.when(c, row.CreatedAt, lang),
					URL: OutboxPath + "/" + strconv.FormatInt(row.ID, 10) + "/retry"}
				if l.list == store.OutboxHeld {
					or.When = s.when(c, row.HeldSince, lang)
				}
				if l.list == store.OutboxFailed {
					or.Error = i18n.T(lang, i18n.WebOutboxTries, row.Attempts, clip(row.LastError, 200))
				}
				ol.Rows = append(ol.Rows, or)
			}
			v.Lists = append(v.Lists, ol)
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, lang, 0, err)
		return
	}
	p := &page{Lang: lang, Title: i18n.T(lang, i18n.WebOutboxTitle), Me: m.person.Label(), Manager: true, CSRF: m.session.CSRF,
		Flash: flash, Error: failure, Outbox: v}
	s.render(w, code, "outbox.html", p)
}

// outboxRetry puts a failed row back in the queue, as /outbox retry ID does
// in chat: the sender sends it on its next round. A row outside the
// manager's communities is not found.
func (s *Server) outboxRetry(w http.ResponseWriter, r *http.Request, m *me) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.showOutbox(w, r, m, http.StatusNotFound, "", s.errorText(m.lang, store.Errorf(store.ENOTFOUND, "no_outbox_row", r.PathValue("id"))))
		return
	}
	err = s.cfg.DB.Update(r.Context(), func(tx *store.Tx) error {
		scope, err := outboxScope(tx, m.person)
		if err != nil {
			return err
		}
		if _, err := tx.ScopedOutboxRowByID(scope, id); err != nil {
			return err
		}
		return tx.RequeueOutbox(id)
	})
	if err != nil {
		s.showOutbox(w, r, m, status(err), "", s.errorText(m.lang, err))
		return
	}
	s.setFlash(w, i18n.T(m.lang, i18n.OutboxRequeued, id))
	http.Redirect(w, r, OutboxPath, http.StatusSeeOther)
}
