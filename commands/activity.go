package commands

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/notice"
	"github.com/linli/linli/store"
)

// defaultHour is the time of day of an activity or meeting given only a date.
const defaultHour = 9

// verb maps the words for adding, listing and removing, in either language,
// to "add", "list" or "rm" ("" for anything else).
func verb(w string) string {
	switch strings.ToLower(w) {
	case "add", "new", "添加", "新增", "发布":
		return "add"
	case "list", "ls", "列表", "查看":
		return "list"
	case "rm", "cancel", "remove", "del", "删除", "取消":
		return "rm"
	}
	return ""
}

// activity: /activity add DATE TITLE [PLACE] [CAPACITY] | list | rm N.
func (r *req) activity() error {
	return r.subcommand(i18n.UsageActivity, r.activityAdd, r.activityList, r.activityCancel)
}

// subcommand runs "add ARGS", "list" (also the default) or "rm ARGS" of a
// command family, in either language; anything else shows the usage line.
func (r *req) subcommand(line i18n.Key, add func(string) error, list func() error, rm func(string) error) error {
	f, rest := splitArgs(r.p.Args, 1)
	if len(f) == 0 {
		return list()
	}
	switch verb(f[0]) {
	case "add":
		return add(rest)
	case "list":
		return list()
	case "rm":
		return rm(rest)
	}
	return usage(line)
}

// whenArgs reads the date and time at the start of an "add" command's
// arguments, in the community's zone, and returns the fields after it.
func (r *req) whenArgs(args string) (*store.Community, time.Time, []string, error) {
	comm, err := r.requireCommunity()
	if err != nil {
		return nil, time.Time{}, nil, err
	}
	f := Fields(args)
	when, used, err := ParseWhen(f, r.tx.Now(), r.s.location(comm))
	if err != nil {
		return nil, time.Time{}, nil, err
	}
	return comm, when, f[used:], nil
}

func (r *req) activityAdd(args string) error {
	comm, when, f, err := r.whenArgs(args)
	if err != nil {
		return err
	}
	if len(f) == 0 {
		return usage(i18n.UsageActivity)
	}
	title, f := f[0], f[1:]
	capacity := 0
	if len(f) > 0 {
		last := f[len(f)-1]
		if n, ok := parseCapacity(last); ok {
			capacity, f = n, f[:len(f)-1]
		} else if signedNumberRe.MatchString(foldWidth(last)) {
			return store.Errorf(store.EINVALID, "bad_capacity") // "0", "-3": a capacity, but a wrong one
		}
	}
	a, err := r.tx.AddActivity(store.Activity{
		CommunityID: comm.ID, Title: title, Place: strings.Join(f, " "), StartsAt: when, Capacity: capacity, CreatedBy: r.me.ID,
	})
	if err != nil {
		return err
	}
	n, err := notice.Broadcast(r.tx, comm, "activity_notice", notice.Activity(comm.Lang, r.s.location(comm), a))
	if err != nil {
		return err
	}
	return r.reply(lines(r.t(i18n.ActivityAdded, a.ID, a.Title, r.when(a.StartsAt)), r.t(i18n.NoticeSent, n)))
}

func (r *req) activityList() error {
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	as, err := r.tx.UpcomingActivities(comm.ID)
	if err != nil {
		return err
	}
	if len(as) == 0 {
		return r.reply(r.t(i18n.ActivityNone))
	}
	out := []string{r.t(i18n.ActivityHeader)}
	for _, a := range as {
		l := r.t(i18n.ActivityLine, a.ID, r.when(a.StartsAt), a.Title, notice.Signups(r.lang, a))
		if a.Place != "" {
			l += " · " + a.Place
		}
		out = append(out, l)
		if ps, err := r.tx.Signups(a.ID); err == nil && len(ps) > 0 {
			var names []string
			for _, p := range ps {
				names = append(names, p.Label())
			}
			out = append(out, "  "+r.t(i18n.ActivityNames, strings.Join(names, r.t(i18n.ListSep))))
		}
	}
	return r.reply(lines(out...))
}

func (r *req) activityCancel(args string) error {
	id, _, err := r.idArg(args, i18n.UsageActivityRm)
	if err != nil {
		return err
	}
	a, err := r.tx.Activity(id)
	if err != nil {
		return err
	}
	if err := r.tx.CancelActivity(id); err != nil {
		return err
	}
	comm, err := r.tx.CommunityByID(a.CommunityID)
	if err != nil {
		return err
	}
	loc := r.s.location(comm)
	if _, err := notice.Broadcast(r.tx, comm, "activity_cancelled", i18n.T(comm.Lang, i18n.ActivityCancelText, a.Title, i18n.FormatTime(comm.Lang, loc, a.StartsAt))); err != nil {
		return err
	}
	return r.reply(r.t(i18n.ActivityCancelled, a.ID, a.Title))
}

// join: /join N signs the sender up for activity N.
func (r *req) join() error {
	id, _, err := r.idArg(r.p.Args, i18n.UsageJoin)
	if err != nil {
		return err
	}
	a, err := r.tx.Activity(id)
	if err != nil {
		return err
	}
	if r.comm != nil && r.comm.ID != a.CommunityID && !r.me.IsManager() {
		return store.Errorf(store.ENOTFOUND, "no_activity", id)
	}
	if a, err = r.tx.JoinActivity(a.ID, r.me.ID); err != nil {
		return err
	}
	return r.reply(lines(r.t(i18n.JoinDone, r.me.Label(), a.Title, r.when(a.StartsAt)), notice.Signups(r.lang, a)))
}

// meeting: /meeting add DATE [PLACE] | list | rm N.
func (r *req) meeting() error {
	return r.subcommand(i18n.UsageMeeting, r.meetingAdd, r.meetingList, r.meetingCancel)
}

func (r *req) meetingAdd(args string) error {
	comm, when, f, err := r.whenArgs(args)
	if err != nil {
		return err
	}
	m, err := r.tx.AddMeeting(store.Meeting{CommunityID: comm.ID, StartsAt: when, Place: strings.Join(f, " "), CreatedBy: r.me.ID})
	if err != nil {
		return err
	}
	agenda, err := r.tx.Agenda(comm.ID, m.ID)
	if err != nil {
		return err
	}
	n, err := notice.Broadcast(r.tx, comm, "meeting_notice", notice.Meeting(comm.Lang, r.s.location(comm), m, agenda))
	if err != nil {
		return err
	}
	return r.reply(lines(r.t(i18n.MeetingAdded, m.ID, r.when(m.StartsAt)), r.t(i18n.NoticeSent, n)))
}

func (r *req) meetingList() error {
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	ms, err := r.tx.UpcomingMeetings(comm.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return r.reply(r.t(i18n.MeetingNone))
	}
	out := []string{r.t(i18n.MeetingHeader)}
	for _, m := range ms {
		items, err := r.tx.Agenda(comm.ID, m.ID)
		if err != nil {
			return err
		}
		l := r.t(i18n.MeetingLine, m.ID, r.when(m.StartsAt), len(items))
		if m.Place != "" {
			l += " · " + m.Place
		}
		out = append(out, l)
	}
	return r.reply(lines(out...))
}

func (r *req) meetingCancel(args string) error {
	id, _, err := r.idArg(args, i18n.UsageMeetingRm)
	if err != nil {
		return err
	}
	m, err := r.tx.Meeting(id)
	if err != nil {
		return err
	}
	if err := r.tx.CancelMeeting(id); err != nil {
		return err
	}
	comm, err := r.tx.CommunityByID(m.CommunityID)
	if err != nil {
		return err
	}
	loc := r.s.location(comm)
	if _, err := notice.Broadcast(r.tx, comm, "meeting_cancelled", i18n.T(comm.Lang, i18n.MeetingCancelText, i18n.FormatTime(comm.Lang, loc, m.StartsAt))); err != nil {
		return err
	}
	return r.reply(r.t(i18n.MeetingCancelled, m.ID))
}

// agenda: /agenda TEXT raises a topic for the next meeting; /agenda list
// (managers, privately) shows the topics with who raised them.
func (r *req) agenda() error {
	args := strings.TrimSpace(r.p.Args)
	switch strings.ToLower(args) {
	case "":
		return usage(i18n.UsageAgenda)
	case "list", "ls", "列表", "查看":
		return r.agendaList()
	}
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	_, m, err := r.tx.AddAgendaItem(comm.ID, r.me.ID, args)
	if err != nil {
		return err
	}
	if m == nil {
		return r.reply(r.t(i18n.AgendaAddedLater))
	}
	return r.reply(r.t(i18n.AgendaAdded, r.when(m.StartsAt)))
}

func (r *req) agendaList() error {
	if !r.me.IsManager() {
		return store.Errorf(store.EUNAUTHORIZED, "not_manager")
	}
	if r.chat.Kind != bot.Private {
		return store.Errorf(store.EUNAUTHORIZED, "admin_private")
	}
	comm, err := r.requireCommunity()
	if err != nil {
		return err
	}
	m, err := r.tx.NextMeeting(comm.ID)
	if err != nil {
		return err
	}
	var meetingID int64
	head := r.t(i18n.AgendaHeaderUnplanned)
	if m != nil {
		meetingID, head = m.ID, r.t(i18n.AgendaHeader, r.when(m.StartsAt))
	}
	items, err := r.tx.Agenda(comm.ID, meetingID)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return r.reply(lines(head, r.t(i18n.AgendaNone)))
	}
	out := []string{head}
	for i, it := range items {
		who := "?"
		if p, err := r.tx.PersonByID(it.PersonID); err == nil {
			who = p.Label()
		}
		out = append(out, r.t(i18n.AgendaLine, i+1, truncate(it.Text, 120), who, r.when(it.At)))
	}
	return r.reply(lines(out...))
}

// idArg parses the number (an id) at the start of args; without one, the
// answer is the usage line.
func (r *req) idArg(args string, line i18n.Key) (int64, string, error) {
	f, rest := splitArgs(args, 1)
	if len(f) == 0 {
		return 0, "", usage(line)
	}
	id, err := ParseTicketNumber(f[0])
	if err != nil {
		return 0, "", store.Errorf(store.EINVALID, "bad_id", truncate(f[0], 20))
	}
	return id, rest, nil
}

var (
	capacityRe     = regexp.MustCompile(`^(\d{1,5})(人|名|位|people|persons|places|spots)?$`)
	signedNumberRe = regexp.MustCompile(`^[-−+]?\d+(人|名|位)?$`)
)

// parseCapacity reads "30", "30人" or "30people" as a capacity.
func parseCapacity(s string) (int, bool) {
	m := capacityRe.FindStringSubmatch(strings.ToLower(foldWidth(s)))
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil && n > 0
}

var (
	dateRe = regexp.MustCompile(`^(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})[日号]?(?:[T_\s]*(.+))?$`)
	timeRe = regexp.MustCompile(`^(\d{1,2})(?::(\d{2})|[点時时](?:(\d{1,2})分?|(半))?)$`)
)

// maxAhead is how far ahead an activity or meeting may be planned.
const maxAhead = 2 * 366 * 24 * time.Hour

// ParseWhen reads a date and an optional time of day from the start of
// fields, in loc: "2026-12-20 14:00", "2026/12/20", "12-20 14:00",
// "12月20日 14点半", "2026-12-20T14:00". A date without a year is the next
// such day; a date without a time is at 09:00. It returns how many fields it
// used. Past dates, impossible ones (2月30日) and dates over two years ahead
// are refused.
func ParseWhen(fields []string, now time.Time, loc *time.Location) (time.Time, int, error) {
	if len(fields) == 0 {
		return time.Time{}, 0, store.Errorf(store.EINVALID, "no_date")
	}
	raw := fields[0]
	m := dateRe.FindStringSubmatch(foldWidth(raw))
	if m == nil {
		return time.Time{}, 0, store.Errorf(store.EINVALID, "bad_date", truncate(raw, 30))
	}
	used := 1
	hour, minute := defaultHour, 0
	timeText := m[4]
	if timeText == "" && len(fields) > 1 && timeRe.MatchString(foldWidth(fields[1])) {
		timeText, used = fields[1], 2
	}
	if timeText != "" {
		t := timeRe.FindStringSubmatch(foldWidth(timeText))
		if t == nil {
			return time.Time{}, 0, store.Errorf(store.EINVALID, "bad_date", truncate(raw, 30))
		}
		hour, _ = strconv.Atoi(t[1])
		switch {
		case t[2] != "":
			minute, _ = strconv.Atoi(t[2])
		case t[3] != "":
			minute, _ = strconv.Atoi(t[3])
		case t[4] != "":
			minute = 30
		}
		if hour > 23 || minute > 59 {
			return time.Time{}, 0, store.Errorf(store.EINVALID, "bad_time", truncate(timeText, 20))
		}
	}
	month, _ := strconv.Atoi(m[2])
	day, _ := strconv.Atoi(m[3])
	local := now.In(loc)
	year := local.Year()
	if m[1] != "" {
		year, _ = strconv.Atoi(m[1])
	}
	build := func(y int) (time.Time, bool) {
		t := time.Date(y, time.Month(month), day, hour, minute, 0, 0, loc)
		return t, t.Year() == y && int(t.Month()) == month && t.Day() == day
	}
	when, ok := build(year)
	if !ok && m[1] == "" && month == 2 && day == 29 {
		// 2月29日 without a year: the next leap year's.
		for y := year + 1; y <= year+4 && !ok; y++ {
			when, ok = build(y)
		}
	}
	if !ok {
		return time.Time{}, 0, store.Errorf(store.EINVALID, "bad_date", truncate(raw, 30))
	}
	if m[1] == "" && !when.After(now) {
		if next, ok := build(year + 1); ok {
			when = next
		}
	}
	if !when.After(now) {
		return time.Time{}, 0, store.Errorf(store.EINVALID, "date_past")
	}
	if when.Sub(now) > maxAhead {
		return time.Time{}, 0, store.Errorf(store.EINVALID, "date_far")
	}
	return when, used, nil
}
