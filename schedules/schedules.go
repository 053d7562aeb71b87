// Package schedules runs Linli's timed work on github.com/robfig/cron/v3: the
// managers' scheduled announcements, survey links, activity and meeting
// notices (stored in SQLite), and the built-in jobs, one file each: SLA
// escalation, autoclose, the monthly report, activity and meeting reminders,
// backups, the bulletin board and retention.
//
// Every job takes its clock from the database (store.DB.Now), writes its state
// changes and the messages they cause in one transaction, and is run directly
// by tests with a fixed clock. The cron library keeps nothing across restarts,
// so each run is recorded (job_runs, schedules.last_run_at) and a run missed
// while the process was down is caught up once at start, within a grace window.
package schedules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
	_ "time/tzdata" // CRON_TZ= and community zones work on machines without zoneinfo

	"github.com/robfig/cron/v3"

	"github.com/linli/linli/board"
	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/notice"
	"github.com/linli/linli/store"
)

// DefaultGrace is how late a missed run may still be caught up at start.
const DefaultGrace = 6 * time.Hour

// Config tunes the Scheduler.
type Config struct {
	// Location is the default time zone of schedules and reports.
	Location *time.Location
	// Lang is the language of job results and of people without a community.
	Lang string
	// Grace is the catch-up window (DefaultGrace when 0; negative: no catch-up).
	Grace time.Duration
	// BackupKeep is how many daily backups the backup job keeps (7 when 0).
	BackupKeep int
	Log        *slog.Logger
	// Boards says how each platform's resident groups get the bulletin
	// board, which the board job keeps up to date (board.go).
	Boards map[bot.PlatformID]board.Style
	// DataDir is where the monthly report's charts are written ("": no chart).
	DataDir string
	// Retention is how long the retention job keeps handled messages' ids
	// and sent messages (DefaultRetention when 0).
	Retention time.Duration
	// Desk is the ticket workflow that escalation, reminders and autoclose
	// act through; nil: one of this Config's Lang, Location and Log (it
	// then edits no cards: give the bot's own).
	Desk *desk.Desk
}

// Scheduler runs the built-in jobs and the schedules of the schedules table.
// It implements commands.Jobs.
type Scheduler struct {
	db   *store.DB
	cfg  Config
	log  *slog.Logger
	desk *desk.Desk
	cron *cron.Cron

	jobs   []*job // built-in, in the order /jobs lists them
	byName map[string]*job

	mu      sync.Mutex
	runs    map[string]*RunCount // job name ("schedule" for managers' schedules) → counts
	user    map[int64]*userEntry // schedule id → its cron entry
	ctx     context.Context      // for runs started by cron; set by Start
	cancel  context.CancelFunc
	started bool
}

var _ commands.Jobs = (*Scheduler)(nil)

// job is a built-in job.
type job struct {
	name  string
	spec  string
	sched cron.Schedule
	run   func(ctx context.Context) (string, error)
	entry cron.EntryID
	// busy keeps a job from running twice at once when /runjob meets a cron tick.
	busy sync.Mutex
}

type userEntry struct {
	entry    cron.EntryID
	spec, tz string
	sched    cron.Schedule
}

// ErrBusy is returned by RunJob when the job is already running.
var ErrBusy = errors.New("job is already running")

// New returns a Scheduler over db with the built-in jobs registered. Start
// loads the schedules and starts the clock.
func New(db *store.DB, cfg Config) (*Scheduler, error) {
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	cfg.Lang = i18n.Normalize(cfg.Lang)
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.BackupKeep <= 0 {
		cfg.BackupKeep = 7
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Desk == nil {
		cfg.Desk = desk.New(desk.Config{Lang: cfg.Lang, Location: cfg.Location, Log: cfg.Log})
	}
	logger := cronLogger{cfg.Log}
	s := &Scheduler{
		db:   db,
		cfg:  cfg,
		log:  cfg.Log,
		desk: cfg.Desk,
		// Recover: the library's default chain is empty, and a panicking job
		// would take the whole bot down. SkipIfStillRunning: a slow run is
		// not stacked up behind.
		cron:   cron.New(cron.WithLocation(cfg.Location), cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger))),
		byName: map[string]*job{},
		user:   map[int64]*userEntry{},
		runs:   map[string]*RunCount{},
	}
	for _, j := range []struct {
		name, spec string
		run        func(context.Context) (string, error)
	}{
		{"escalate", "* * * * *", s.escalate},
		{"autoclose", "*/15 * * * *", s.autoclose},
		{"monthly-report", "0 9 1 * *", s.monthlyReport},
		{"activity-notice", "*/10 * * * *", s.activityNotice},
		{"meeting-reminder", "*/10 * * * *", s.meetingReminder},
		{"backup", "30 3 * * *", s.backup},
		{"board", "* * * * *", s.board},
		{"retention", "45 3 * * *", s.retention},
	} {
		if err := s.add(j.name, j.spec, j.run); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// add registers a built-in job.
func (s *Scheduler) add(name, spec string, run func(context.Context) (string, error)) error {
	sched, err := ParseSpec(spec, s.cfg.Location)
	if err != nil {
		return fmt.Errorf("job %s: %w", name, err)
	}
	j := &job{name: name, spec: spec, sched: sched, run: run}
	// runJob recovers a panic itself: one escaping into SkipIfStillRunning
	// would take its token with it and silence the job for good; the chain's
	// Recover is only the last guard.
	j.entry = s.cron.Schedule(sched, cron.FuncJob(func() {
		if _, err := s.runJob(s.runCtx(), j, false); err != nil && !errors.Is(err, ErrBusy) {
			s.log.Warn("job failed", "job", name, "err", err)
		}
	}))
	s.jobs = append(s.jobs, j)
	s.byName[name] = j
	return nil
}

// Start loads the schedules, catches up what was missed while the process was
// down, and starts the clock. Catch-up runs before Start returns.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("scheduler already started")
	}
	s.started = true
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Unlock()
	if err := s.Reload(ctx); err != nil {
		return err
	}
	if err := s.CatchUp(ctx); err != nil {
		s.log.Error("catch up", "err", err)
	}
	s.cron.Start()
	return nil
}

// Stop stops the clock and waits for running jobs until ctx ends.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop()
	var err error
	select {
	case <-done.Done():
	case <-ctx.Done():
		err = fmt.Errorf("stop scheduler: %w", ctx.Err())
	}
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	return err
}

func (s *Scheduler) runCtx() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		return context.Background()
	}
	return s.ctx
}

func (s *Scheduler) zone(tz string) *time.Location {
	if tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return s.cfg.Location
}

// Reload makes the schedules table take effect: new and resumed schedules get
// a cron entry, removed and paused ones lose theirs, changed ones are
// replaced. It implements commands.Jobs.
func (s *Scheduler) Reload(ctx context.Context) error {
	var all []*store.Schedule
	if err := s.db.View(ctx, func(tx *store.Tx) (err error) {
		all, err = tx.Schedules()
		return err
	}); err != nil {
		return fmt.Errorf("load schedules: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[int64]bool{}
	for _, sc := range all {
		if !sc.Enabled {
			continue
		}
		if e, ok := s.user[sc.ID]; ok {
			if e.spec == sc.Spec && e.tz == sc.TZ {
				want[sc.ID] = true
				continue
			}
			s.cron.Remove(e.entry)
			delete(s.user, sc.ID)
		}
		sched, err := ParseSpec(sc.Spec, s.zone(sc.TZ))
		if err != nil {
			// Only checked specs are stored; a zone that vanished from the
			// system could still break one.
			s.log.Error("schedule has a bad spec", "schedule", sc.ID, "spec", sc.Spec, "err", err)
			continue
		}
		id := sc.ID
		entry := s.cron.Schedule(sched, cron.FuncJob(func() { s.runSchedule(s.runCtx(), id, false) }))
		s.user[id] = &userEntry{entry: entry, spec: sc.Spec, tz: sc.TZ, sched: sched}
		want[id] = true
	}
	for id, e := range s.user {
		if !want[id] {
			s.cron.Remove(e.entry)
			delete(s.user, id)
		}
	}
	return nil
}

// CatchUp runs, once, every job and schedule whose latest due time in the
// grace window passed while the process was down. Each run is recorded with
// the time it started, so catching up twice (or after the cron ran the job)
// does nothing.
func (s *Scheduler) CatchUp(ctx context.Context) error {
	if s.cfg.Grace < 0 {
		return nil
	}
	var first time.Time
	var runs map[string]store.JobRun
	var all []*store.Schedule
	err := s.db.Update(ctx, func(tx *store.Tx) (err error) {
		if first, err = tx.FirstStart(); err != nil {
			return err
		}
		if runs, err = tx.LastJobRuns(); err != nil {
			return err
		}
		all, err = tx.Schedules()
		return err
	})
	if err != nil {
		return fmt.Errorf("catch up: %w", err)
	}
	now := s.db.Now()
	for _, j := range s.jobs {
		base := first
		if r, ok := runs[j.name]; ok && r.StartedAt.After(base) {
			base = r.StartedAt
		}
		if missed(j.sched, base, now, s.cfg.Grace) {
			s.log.Info("catching up a missed job", "job", j.name)
			if _, err := s.runJob(ctx, j, true); err != nil {
				s.log.Warn("job failed", "job", j.name, "err", err)
			}
		}
	}
	for _, sc := range all {
		if !sc.Enabled {
			continue
		}
		s.mu.Lock()
		e := s.user[sc.ID]
		s.mu.Unlock()
		if e == nil {
			continue
		}
		base := sc.CreatedAt
		if sc.LastRunAt.After(base) {
			base = sc.LastRunAt
		}
		if missed(e.sched, base, now, s.cfg.Grace) {
			s.log.Info("catching up a missed schedule", "schedule", sc.ID)
			s.runSchedule(ctx, sc.ID, true)
		}
	}
	return nil
}

// Builtins lists the built-in jobs with their next run after now. It
// implements commands.Jobs.
func (s *Scheduler) Builtins(now time.Time) []commands.JobInfo {
	out := make([]commands.JobInfo, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, commands.JobInfo{Name: j.name, Spec: j.spec, Next: j.sched.Next(now.In(s.cfg.Location))})
	}
	return out
}

// RunJob runs a built-in job now. It implements commands.Jobs.
func (s *Scheduler) RunJob(ctx context.Context, name string) (string, error) {
	j := s.byName[name]
	if j == nil {
		return "", store.Errorf(store.ENOTFOUND, "no_job", name, "")
	}
	return s.runJob(ctx, j, false)
}

// RunCount counts the runs of a job since the process started.
type RunCount struct {
	Runs, Failures int64
}

// RunCounts returns the run counts by job name; managers' schedules count
// together under "schedule". /metrics reports them.
func (s *Scheduler) RunCounts() map[string]RunCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]RunCount, len(s.runs))
	for k, v := range s.runs {
		out[k] = *v
	}
	return out
}

func (s *Scheduler) count(name string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.runs[name]
	if c == nil {
		c = &RunCount{}
		s.runs[name] = c
	}
	c.Runs++
	if err != nil {
		c.Failures++
	}
}

// runJob runs a job, recovers a panic into an error, and records the run.
func (s *Scheduler) runJob(ctx context.Context, j *job, catchup bool) (string, error) {
	if !j.busy.TryLock() {
		return "", ErrBusy
	}
	defer j.busy.Unlock()
	started := s.db.Now()
	result, err := s.safely(j.name, func() (string, error) { return j.run(ctx) })
	text := result
	if err != nil {
		text = errText(err)
	} else if catchup {
		text += i18n.T(s.cfg.Lang, i18n.JobResultCatchUp)
	}
	s.count(j.name, err)
	// The record survives a cancelled context: it says what happened.
	if rerr := s.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		return tx.RecordJobRun(j.name, started, err == nil, text)
	}); rerr != nil {
		s.log.Error("record job run", "job", j.name, "err", rerr)
	}
	if err == nil {
		s.log.Debug("job done", "job", j.name, "result", result)
	}
	return result, err
}

// safely runs fn, turning a panic into an error (logged with its stack).
func (s *Scheduler) safely(name string, fn func() (string, error)) (result string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
			s.log.Error("job panicked", "job", name, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	return fn()
}

func errText(err error) string {
	var ue *store.Error
	if errors.As(err, &ue) {
		return ue.Message
	}
	return err.Error()
}

// errGone marks a schedule that was removed or paused before its run.
var errGone = errors.New("schedule gone")

// runSchedule posts a schedule's message to the resident groups of its
// target and records the run in the same transaction.
func (s *Scheduler) runSchedule(ctx context.Context, id int64, catchup bool) {
	result, err := s.safely(fmt.Sprint("schedule ", id), func() (string, error) {
		var result string
		err := s.db.Update(ctx, func(tx *store.Tx) error {
			sc, err := tx.Schedule(id)
			if store.ErrorCode(err) == store.ENOTFOUND {
				return errGone
			} else if err != nil {
				return err
			}
			if !sc.Enabled {
				return errGone
			}
			comms, err := tx.Communities()
			if err != nil {
				return err
			}
			groups := 0
			for _, c := range comms {
				if sc.CommunityID != 0 && c.ID != sc.CommunityID {
					continue
				}
				n, err := notice.Broadcast(tx, c, sc.Kind, sc.Text)
				if err != nil {
					return err
				}
				groups += n
			}
			result = i18n.T(s.cfg.Lang, i18n.JobResultSchedule, groups)
			if catchup {
				result += i18n.T(s.cfg.Lang, i18n.JobResultCatchUp)
			}
			return tx.MarkScheduleRun(sc.ID, true, result)
		})
		return result, err
	})
	if !errors.Is(err, errGone) {
		s.count("schedule", err)
	}
	switch {
	case errors.Is(err, errGone):
		return
	case err != nil:
		s.log.Error("schedule failed", "schedule", id, "err", err)
		if rerr := s.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
			return tx.MarkScheduleRun(id, false, errText(err))
		}); rerr != nil {
			s.log.Error("record schedule run", "schedule", id, "err", rerr)
		}
	default:
		s.log.Debug("schedule ran", "schedule", id, "result", result)
	}
}

// cronLogger passes the cron library's messages to slog: its routine chatter
// at debug level, its errors (recovered panics) at error level.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
