package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Schedule kinds: what a scheduled message is.
const (
	ScheduleAnnouncement = "announcement"
	ScheduleSurvey       = "survey"
	ScheduleActivity     = "activity"
	ScheduleMeeting      = "meeting"
)

// MaxScheduleText is the longest text a schedule or announcement may carry, in characters.
const MaxScheduleText = 1000

// Schedule is a manager's timed message to the resident groups.
type Schedule struct {
	ID   int64
	Spec string // cron spec, 5 fields or a descriptor
	Kind string
	// CommunityID is the target; 0 means every community.
	CommunityID int64
	Text        string
	// TZ is the zone the spec is read in; "" is the configured default.
	TZ         string
	Enabled    bool
	LastRunAt  time.Time
	LastOK     bool
	LastResult string
	CreatedBy  int64
	CreatedAt  time.Time
}

const scheduleCols = `id, spec, kind, community_id, text, tz, enabled, last_run_at, last_ok, last_result, created_by, created_at`

func scanSchedule(row interface{ Scan(...any) error }) (*Schedule, error) {
	var s Schedule
	var comm, lastRun, by sql.NullInt64
	var created int64
	if err := row.Scan(&s.ID, &s.Spec, &s.Kind, &comm, &s.Text, &s.TZ, &s.Enabled, &lastRun, &s.LastOK, &s.LastResult, &by, &created); err != nil {
		return nil, err
	}
	s.CommunityID, s.CreatedBy = comm.Int64, by.Int64
	s.LastRunAt, s.CreatedAt = nullTime(lastRun), fromUnix(created)
	return &s, nil
}

// CheckScheduleText refuses empty and over-long announcement text.
func CheckScheduleText(text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return Errorf(EINVALID, "schedule_no_text")
	}
	if !utf8.ValidString(text) {
		return Errorf(EINVALID, "bad_text")
	}
	if n := utf8.RuneCountInString(text); n > MaxScheduleText {
		return Errorf(EINVALID, "text_too_long", MaxScheduleText, n)
	}
	return nil
}

// AddSchedule stores a schedule; the spec must have been checked by the caller.
func (tx *Tx) AddSchedule(s Schedule) (*Schedule, error) {
	switch s.Kind {
	case ScheduleAnnouncement, ScheduleSurvey, ScheduleActivity, ScheduleMeeting:
	default:
		return nil, Errorf(EINVALID, "schedule_bad_kind", s.Kind)
	}
	if strings.TrimSpace(s.Spec) == "" {
		return nil, Errorf(EINVALID, "spec_empty")
	}
	if err := CheckScheduleText(s.Text); err != nil {
		return nil, err
	}
	var comm, by any
	if s.CommunityID != 0 {
		comm = s.CommunityID
	}
	if s.CreatedBy != 0 {
		by = s.CreatedBy
	}
	var id int64
	err := tx.queryRow(`INSERT INTO schedules (spec, kind, community_id, text, tz, enabled, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		strings.TrimSpace(s.Spec), s.Kind, comm, strings.TrimSpace(s.Text), s.TZ, by, unix(tx.now)).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("insert schedule: %w", err)
	}
	return tx.Schedule(id)
}

// Schedule returns a schedule by id.
func (tx *Tx) Schedule(id int64) (*Schedule, error) {
	s, err := scanSchedule(tx.queryRow(`SELECT `+scheduleCols+` FROM schedules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_schedule", id)
	}
	return s, err
}

// Schedules lists every schedule by id.
func (tx *Tx) Schedules() ([]*Schedule, error) {
	return queryAll(tx, scanSchedule, `SELECT `+scheduleCols+` FROM schedules ORDER BY id`)
}

// RemoveSchedule deletes a schedule.
func (tx *Tx) RemoveSchedule(id int64) error {
	res, err := tx.exec(`DELETE FROM schedules WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(ENOTFOUND, "no_schedule", id)
	}
	return nil
}

// SetScheduleEnabled pauses or resumes a schedule.
func (tx *Tx) SetScheduleEnabled(id int64, enabled bool) error {
	res, err := tx.exec(`UPDATE schedules SET enabled = ? WHERE id = ?`, enabled, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(ENOTFOUND, "no_schedule", id)
	}
	return nil
}

// MarkScheduleRun records that a schedule ran now, and how it went.
func (tx *Tx) MarkScheduleRun(id int64, ok bool, result string) error {
	_, err := tx.exec(`UPDATE schedules SET last_run_at = ?, last_ok = ?, last_result = ? WHERE id = ?`,
		unix(tx.now), ok, clip(result, 300), id)
	return err
}

// JobRun is one run of a built-in job.
type JobRun struct {
	Name       string
	StartedAt  time.Time
	FinishedAt time.Time
	OK         bool
	Result     string
}

// jobRunsKept is how many runs of each job are kept: enough to see what
// happened lately, few enough that an every-minute job does not grow the file.
const jobRunsKept = 50

// RecordJobRun records a finished run of a job (finished now).
func (tx *Tx) RecordJobRun(name string, started time.Time, ok bool, result string) error {
	if _, err := tx.exec(`INSERT INTO job_runs (name, started_at, finished_at, ok, result) VALUES (?, ?, ?, ?, ?)`,
		name, unix(started), unix(tx.now), ok, clip(result, 500)); err != nil {
		return fmt.Errorf("record job run: %w", err)
	}
	_, err := tx.exec(`DELETE FROM job_runs WHERE name = ? AND id <= (
		SELECT id FROM job_runs WHERE name = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, name, name, jobRunsKept)
	return err
}

// LastJobRuns returns the latest run of every job that has run, by name.
func (tx *Tx) LastJobRuns() (map[string]JobRun, error) {
	rows, err := tx.query(`SELECT name, started_at, finished_at, ok, result FROM job_runs
		WHERE id IN (SELECT max(id) FROM job_runs GROUP BY name)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]JobRun{}
	for rows.Next() {
		var r JobRun
		var started, finished int64
		if err := rows.Scan(&r.Name, &started, &finished, &r.OK, &r.Result); err != nil {
			return nil, err
		}
		r.StartedAt, r.FinishedAt = fromUnix(started), fromUnix(finished)
		out[r.Name] = r
	}
	return out, rows.Err()
}

// JobRuns returns the latest runs of one job, newest first.
func (tx *Tx) JobRuns(name string, limit int) ([]JobRun, error) {
	rows, err := tx.query(`SELECT name, started_at, finished_at, ok, result FROM job_runs WHERE name = ? ORDER BY id DESC LIMIT ?`, name, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobRun
	for rows.Next() {
		var r JobRun
		var started, finished int64
		if err := rows.Scan(&r.Name, &started, &finished, &r.OK, &r.Result); err != nil {
			return nil, err
		}
		r.StartedAt, r.FinishedAt = fromUnix(started), fromUnix(finished)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Reminder kinds: the 80% points of a ticket's two deadlines.
const (
	ReminderFirst   = "first"
	ReminderResolve = "resolve"
)

// MarkReminder records that a ticket's reminder went out and reports whether
// this is the first time (false: it was sent already).
func (tx *Tx) MarkReminder(ticketID int64, kind string) (bool, error) {
	res, err := tx.exec(`INSERT INTO ticket_reminders (ticket_id, kind, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		ticketID, kind, unix(tx.now))
	if err != nil {
		return false, fmt.Errorf("mark reminder: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Reminded reports whether a ticket's reminder went out.
func (tx *Tx) Reminded(ticketID int64, kind string) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM ticket_reminders WHERE ticket_id = ? AND kind = ?`, ticketID, kind).Scan(&n)
	return n > 0, err
}

// ResolvedUnratedBefore lists resolved tickets that nobody rated and that were
// resolved at or before t, oldest first (for autoclose).
func (tx *Tx) ResolvedUnratedBefore(t time.Time) ([]*Ticket, error) {
	return queryAll(tx, scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE status = 'resolved' AND rating IS NULL
		AND resolved_at IS NOT NULL AND resolved_at <= ? ORDER BY resolved_at, id`, unix(t))
}

// FirstStart returns when the scheduler first ran on this database, recording
// now if it never did. Built-in jobs missed before then are not caught up.
func (tx *Tx) FirstStart() (time.Time, error) {
	v, err := tx.Setting("scheduler.first_start")
	if err != nil {
		return time.Time{}, err
	}
	if v != "" {
		var s int64
		if _, err := fmt.Sscan(v, &s); err == nil {
			return fromUnix(s), nil
		}
	}
	if err := tx.SetSetting("scheduler.first_start", fmt.Sprint(unix(tx.now))); err != nil {
		return time.Time{}, err
	}
	return tx.now, nil
}

// clip shortens s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
