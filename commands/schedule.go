package commands

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/notice"
	"github.com/linli/linli/store"
)

// Jobs is the scheduler as the commands see it. schedules.Scheduler
// implements it; this package never imports that one.
type Jobs interface {
	// Preview checks spec, read in loc, and returns its next n run times
	// after from. A bad spec, or one that never fires, is refused with a
	// *store.Error that says why in plain words.
	Preview(spec string, loc *time.Location, from time.Time, n int) ([]time.Time, error)
	// Describe says in lang when a valid spec runs ("每周一 09:00").
	Describe(spec, lang string) string
	// Builtins lists the built-in jobs with their next run after now.
	Builtins(now time.Time) []JobInfo
	// RunJob runs a built-in job now and returns what it did. It opens its
	// own transaction, so it must not be called inside one.
	RunJob(ctx context.Context, name string) (string, error)
	// Reload makes the schedules table take effect at once.
	Reload(ctx context.Context) error
}

// JobInfo describes a built-in job.
type JobInfo struct {
	Name string
	Spec string
	Next time.Time
}

// scheduleKinds maps what managers type to a schedule kind.
var scheduleKinds = map[string]string{
	"announcement": store.ScheduleAnnouncement, "announce": store.ScheduleAnnouncement, "公告": store.ScheduleAnnouncement, "通知": store.ScheduleAnnouncement,
	"survey": store.ScheduleSurvey, "问卷": store.ScheduleSurvey, "调查": store.ScheduleSurvey, "满意度调查": store.ScheduleSurvey,
	"activity": store.ScheduleActivity, "活动": store.ScheduleActivity,
	"meeting": store.ScheduleMeeting, "会议": store.ScheduleMeeting, "业主大会": store.ScheduleMeeting,
}

var allWords = map[string]bool{"all": true, "全部": true, "所有": true, "所有小区": true, "全部小区": true}

var linkRe = regexp.MustCompile(`(?i)https?://[^\s]+`)

// HasLink reports whether text holds an http(s) link with a host.
func HasLink(text string) bool {
	for _, m := range linkRe.FindAllString(text, -1) {
		if u, err := url.Parse(m); err == nil && u.Host != "" {
			return true
		}
	}
	return false
}

// zone returns the location named tz, or the configured default for "".
func (s *Service) zone(tz string) *time.Location {
	if tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return s.cfg.Location
}

// runTime formats one of a schedule's run times, ts, with the year when
// any of them falls in another year than now: "@yearly" runs a year apart,
// and "1月1日 00:00" twice says nothing.
func (r *req) runTime(loc *time.Location, ts []time.Time, t time.Time) string {
	year := r.tx.Now().In(loc).Year()
	for _, x := range ts {
		if x.In(loc).Year() != year {
			return t.In(loc).Format(r.t(i18n.TimeFormatYear))
		}
	}
	return i18n.FormatTime(r.lang, loc, t)
}

// targetCommunities resolves a TARGET: a community name, or "all".
func (r *req) targetCommunities(target string) ([]*store.Community, *store.Community, error) {
	if allWords[strings.ToLower(target)] {
		all, err := r.managedCommunities()
		return all, nil, err
	}
	c, err := r.managedCommunity(target)
	if err != nil {
		return nil, nil, err
	}
	return []*store.Community{c}, c, nil
}

func (r *req) jobsService() (Jobs, error) {
	if r.s.cfg.Jobs == nil {
		return nil, store.Errorf(store.EINVALID, "scheduler_off")
	}
	return r.s.cfg.Jobs, nil
}

// reload makes schedule changes take effect once they are committed.
func (r *req) reload(jobs Jobs) {
	r.afterCommit(func(ctx context.Context) {
		if err := jobs.Reload(ctx); err != nil {
			r.s.log.Error("reload schedules", "err", err)
		}
	})
}

// schedule: /schedule add "CRON" KIND TARGET TEXT | list | rm ID | pause ID | resume ID | preview "CRON".
func (r *req) schedule() error {
	f, rest := splitArgs(r.p.Args, 1)
	if len(f) == 0 {
		return r.scheduleList()
	}
	switch strings.ToLower(f[0]) {
	case "add", "new", "添加", "新增", "新建":
		return r.scheduleAdd(rest)
	case "list", "ls", "列表", "查看":
		return r.scheduleList()
	case "rm", "remove", "del", "delete", "删除":
		return r.scheduleSet(rest, "rm", i18n.UsageScheduleRm, i18n.ScheduleRmd)
	case "pause", "stop", "暂停":
		return r.scheduleSet(rest, "pause", i18n.UsageSchedulePause, i18n.SchedulePaused)
	case "resume", "start", "恢复", "继续":
		return r.scheduleSet(rest, "resume", i18n.UsageScheduleResume, i18n.ScheduleResumed)
	case "preview", "test", "预览":
		return r.schedulePreview(rest)
	}
	return usage(i18n.UsageSchedule)
}

// scheduleAdd parses `"CRON" KIND TARGET TEXT`. The spec may also be typed
// without quotes: everything before the KIND word is the spec.
func (r *req) scheduleAdd(args string) error {
	jobs, err := r.jobsService()
	if err != nil {
		return err
	}
	if f, _ := splitArgs(args, 1); len(f) == 1 && scheduleKinds[strings.ToLower(f[0])] != "" {
		return store.Errorf(store.EINVALID, "spec_empty") // "/schedule add announcement …": no time rule
	}
	var spec, kind, target, text string
	for k := 1; k <= 7; k++ {
		f, rest := splitArgs(args, k+2)
		if len(f) < k+1 {
			break
		}
		if kd, ok := scheduleKinds[strings.ToLower(f[k])]; ok {
			spec, kind, text = strings.Join(f[:k], " "), kd, rest
			if len(f) > k+1 {
				target = f[k+1]
			}
			break
		}
	}
	if kind == "" {
		if strings.TrimSpace(args) == "" {
			return usage(i18n.UsageScheduleAdd)
		}
		return store.Errorf(store.EINVALID, "schedule_no_kind")
	}
	if target == "" {
		return usage(i18n.UsageScheduleAdd)
	}
	comms, comm, err := r.targetCommunities(target)
	if err != nil {
		return err
	}
	if err := store.CheckScheduleText(text); err != nil {
		return err
	}
	if kind == store.ScheduleSurvey && !HasLink(text) {
		return store.Errorf(store.EINVALID, "survey_needs_link")
	}
	tz := ""
	if comm != nil {
		tz = comm.TZ
	}
	loc := r.s.zone(tz)
	next, err := jobs.Preview(spec, loc, r.tx.Now(), 3)
	if err != nil {
		return err
	}
	var commID int64
	if comm != nil {
		commID = comm.ID
	}
	sc, err := r.tx.AddSchedule(store.Schedule{Spec: spec, Kind: kind, CommunityID: commID, Text: text, TZ: tz, CreatedBy: r.me.ID})
	if err != nil {
		return err
	}
	r.reload(jobs)
	msg := []string{
		r.t(i18n.ScheduleAdded, sc.ID, r.t(i18n.ScheduleKind(kind)), r.targetName(comm)),
		r.t(i18n.ScheduleWhen, jobs.Describe(spec, r.lang)),
		r.t(i18n.ScheduleNext, r.timeList(loc, next)),
	}
	if groups := r.residentGroupCount(comms); groups == 0 {
		msg = append(msg, r.t(i18n.ScheduleNoGroups))
	}
	return r.reply(lines(msg...))
}

func (r *req) residentGroupCount(comms []*store.Community) int {
	n := 0
	for _, c := range comms {
		chats, err := r.tx.CommunityChats(c.ID, store.RoleResidentChat)
		if err == nil {
			n += len(chats)
		}
	}
	return n
}

func (r *req) targetName(c *store.Community) string {
	if c == nil {
		return r.t(i18n.ScheduleAll)
	}
	return c.Name
}

func (r *req) timeList(loc *time.Location, ts []time.Time) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, r.runTime(loc, ts, t))
	}
	if len(parts) == 0 {
		return r.t(i18n.ScheduleNever)
	}
	return strings.Join(parts, r.t(i18n.ListSep))
}

func (r *req) scheduleList() error {
	jobs, err := r.jobsService()
	if err != nil {
		return err
	}
	all, err := r.tx.Schedules()
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return r.reply(r.t(i18n.ScheduleNone))
	}
	out := []string{r.t(i18n.ScheduleHeader, len(all))}
	for _, sc := range all {
		out = append(out, r.scheduleLines(jobs, sc, 3))
	}
	return r.reply(strings.Join(out, "\n\n"))
}

// scheduleLines describes one schedule: what, where, when, the next runs and the last one.
func (r *req) scheduleLines(jobs Jobs, sc *store.Schedule, n int) string {
	var comm *store.Community
	if sc.CommunityID != 0 {
		comm, _ = r.tx.CommunityByID(sc.CommunityID)
	}
	loc := r.s.zone(sc.TZ)
	head := r.t(i18n.ScheduleLine, sc.ID, r.t(i18n.ScheduleKind(sc.Kind)), r.targetName(comm), jobs.Describe(sc.Spec, r.lang))
	if !sc.Enabled {
		head += r.t(i18n.SchedulePausedMark)
	}
	ls := []string{head, r.t(i18n.ScheduleText, truncate(sc.Text, 40))}
	if sc.Enabled {
		next, err := jobs.Preview(sc.Spec, loc, r.tx.Now(), n)
		if err != nil {
			ls = append(ls, r.t(i18n.ScheduleBroken, r.errorText(err)))
		} else {
			ls = append(ls, "  "+r.t(i18n.ScheduleNext, r.timeList(loc, next)))
		}
	}
	if !sc.LastRunAt.IsZero() {
		ls = append(ls, r.t(i18n.ScheduleLast, i18n.FormatTime(r.lang, loc, sc.LastRunAt), r.resultText(sc.LastOK, sc.LastResult)))
	}
	return lines(ls...)
}

func (r *req) resultText(ok bool, result string) string {
	if ok {
		return r.t(i18n.JobOK, result)
	}
	return r.t(i18n.JobFailed, result)
}

// scheduleSet runs /schedule rm, pause or resume (op): line is its usage,
// done its answer.
func (r *req) scheduleSet(args, op string, line, done i18n.Key) error {
	jobs, err := r.jobsService()
	if err != nil {
		return err
	}
	f := Fields(args)
	if len(f) == 0 {
		return usage(line)
	}
	id, err := ParseTicketNumber(f[0])
	if err != nil {
		return store.Errorf(store.EINVALID, "bad_id", truncate(f[0], 20))
	}
	sc, err := r.tx.Schedule(id)
	if err != nil {
		return err
	}
	switch {
	case op == "pause" && !sc.Enabled:
		return r.reply(r.t(i18n.AlreadySchedulePaused, sc.ID))
	case op == "resume" && sc.Enabled:
		return r.reply(r.t(i18n.AlreadyScheduleRunning, sc.ID))
	}
	switch op {
	case "rm":
		err = r.tx.RemoveSchedule(id)
	case "pause":
		err = r.tx.SetScheduleEnabled(id, false)
	case "resume":
		err = r.tx.SetScheduleEnabled(id, true)
	}
	if err != nil {
		return err
	}
	r.reload(jobs)
	msg := r.t(done, sc.ID, r.t(i18n.ScheduleKind(sc.Kind)))
	if op == "resume" {
		loc := r.s.zone(sc.TZ)
		if next, err := jobs.Preview(sc.Spec, loc, r.tx.Now(), 1); err == nil {
			msg = lines(msg, r.t(i18n.ScheduleNext, r.timeList(loc, next)))
		}
	}
	return r.reply(msg)
}

// schedulePreview shows when a spec would run, in the sender's zone.
func (r *req) schedulePreview(args string) error {
	jobs, err := r.jobsService()
	if err != nil {
		return err
	}
	spec := strings.TrimSpace(args)
	if f, _ := splitArgs(args, 1); len(f) == 1 {
		if r0, _ := utf8.DecodeRuneInString(spec); openQuote(r0) != 0 {
			spec = f[0]
		}
	}
	if spec == "" {
		return usage(i18n.UsageSchedulePreview)
	}
	loc := r.s.location(r.comm)
	next, err := jobs.Preview(spec, loc, r.tx.Now(), 5)
	if err != nil {
		return err
	}
	var ls []string
	for _, t := range next {
		ls = append(ls, "· "+r.runTime(loc, next, t)+" "+r.t(i18n.Weekday(t.In(loc).Weekday())))
	}
	return r.reply(lines(r.t(i18n.SchedulePreview, jobs.Describe(spec, r.lang), loc.String()), strings.Join(ls, "\n")))
}

// announce: /announce TARGET TEXT, posted now in the resident groups.
func (r *req) announce() error {
	f, text := splitArgs(r.p.Args, 1)
	if len(f) == 0 || text == "" {
		return usage(i18n.UsageAnnounce)
	}
	comms, comm, err := r.targetCommunities(f[0])
	if err != nil {
		return err
	}
	if err := store.CheckScheduleText(text); err != nil {
		return err
	}
	n := 0
	for _, c := range comms {
		k, err := notice.Broadcast(r.tx, c, store.ScheduleAnnouncement, text)
		if err != nil {
			return err
		}
		n += k
	}
	if n == 0 {
		return store.Errorf(store.EINVALID, "no_resident_groups", r.targetName(comm))
	}
	return r.reply(r.t(i18n.AnnounceDone, n))
}

// jobs lists the built-in jobs and the schedules with next run and last result.
func (r *req) jobs() error {
	jobs, err := r.jobsService()
	if err != nil {
		return err
	}
	runs, err := r.tx.LastJobRuns()
	if err != nil {
		return err
	}
	loc := r.s.location(r.comm)
	out := []string{r.t(i18n.JobsHeader)}
	for _, j := range jobs.Builtins(r.tx.Now()) {
		l := r.t(i18n.JobsLine, j.Name, jobs.Describe(j.Spec, r.lang))
		if !j.Next.IsZero() {
			l += r.t(i18n.JobsNext, i18n.FormatTime(r.lang, loc, j.Next))
		}
		if run, ok := runs[j.Name]; ok {
			l = lines(l, "  "+r.t(i18n.JobsLast, i18n.FormatTime(r.lang, loc, run.StartedAt), r.resultText(run.OK, run.Result)))
		} else {
			l = lines(l, "  "+r.t(i18n.JobsNever))
		}
		out = append(out, l)
	}
	all, err := r.tx.Schedules()
	if err != nil {
		return err
	}
	if len(all) > 0 {
		out = append(out, "", r.t(i18n.JobsSchedules))
		for _, sc := range all {
			out = append(out, r.scheduleLines(jobs, sc, 1))
		}
	}
	out = append(out, "", r.t(i18n.JobsHint))
	return r.reply(strings.Join(out, "\n"))
}

// runjob runs a built-in job once the request has committed: a job takes the
// write lock itself, and SQLite has one writer.
func (r *req) runjob() error {
	jobs, err := r.jobsService()
	if err != nil {
		return err
	}
	name := strings.ToLower(strings.TrimSpace(r.p.Args))
	if name == "" {
		return usage(i18n.UsageRunJob)
	}
	var names []string
	found := false
	for _, j := range jobs.Builtins(r.tx.Now()) {
		names = append(names, j.Name)
		found = found || j.Name == name
	}
	if !found {
		return store.Errorf(store.EINVALID, "no_job", truncate(name, 30), strings.Join(names, ", "))
	}
	m, lang, db, log := r.m, r.lang, r.s.db, r.s.log
	r.afterCommit(func(ctx context.Context) {
		result, err := jobs.RunJob(ctx, name)
		text := i18n.T(lang, i18n.RunJobOK, name, result)
		if err != nil {
			text = i18n.T(lang, i18n.RunJobFailed, name, jobError(err))
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.Chat, Thread: m.Thread, ReplyTo: m.ID, Text: text})
			return err
		}); err != nil {
			log.Error("runjob reply", "job", name, "err", err)
		}
	})
	return nil
}

func jobError(err error) string { return truncate(err.Error(), 200) }

// splitArgs cuts up to n fields off s (a field in quotes may hold spaces, as
// in Fields) and returns them with the rest of s, trimmed but otherwise verbatim.
func splitArgs(s string, n int) ([]string, string) {
	var out []string
	i := 0
	skip := func() {
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if !isSpace(r) {
				return
			}
			i += w
		}
	}
	for len(out) < n {
		skip()
		if i >= len(s) {
			break
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if q := openQuote(r); q != 0 {
			i += w
			start, end := i, len(s)
			for i < len(s) {
				r, w := utf8.DecodeRuneInString(s[i:])
				i += w
				if closesQuote(q, r) {
					end = i - w
					break
				}
			}
			out = append(out, s[start:end])
			continue
		}
		start := i
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if isSpace(r) {
				break
			}
			i += w
		}
		out = append(out, s[start:i])
	}
	return out, trimSpace(s[i:])
}
