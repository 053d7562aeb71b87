package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Reminder lead times for activities and meetings: a week and a day before.
const (
	RemindWeek = 7 * 24 * time.Hour
	RemindDay  = 24 * time.Hour
)

// MaxAgendaText is the longest agenda item accepted, in characters.
const MaxAgendaText = 500

// Activity is a community activity residents sign up for.
type Activity struct {
	ID          int64
	CommunityID int64
	Title       string
	Place       string
	StartsAt    time.Time
	Capacity    int // 0: no limit
	Notice7dAt  time.Time
	Notice1dAt  time.Time
	CreatedBy   int64
	CreatedAt   time.Time
	// Signups is the number of people signed up (filled by the queries).
	Signups int
}

// Full reports whether the activity has no places left.
func (a *Activity) Full() bool { return a.Capacity > 0 && a.Signups >= a.Capacity }

const activityCols = `a.id, a.community_id, a.title, a.place, a.starts_at, a.capacity, a.notice_7d_at, a.notice_1d_at,
	a.created_by, a.created_at, (SELECT count(*) FROM activity_signups s WHERE s.activity_id = a.id)`

func scanActivity(row interface{ Scan(...any) error }) (*Activity, error) {
	var a Activity
	var starts, created int64
	var n7, n1, by sql.NullInt64
	if err := row.Scan(&a.ID, &a.CommunityID, &a.Title, &a.Place, &starts, &a.Capacity, &n7, &n1, &by, &created, &a.Signups); err != nil {
		return nil, err
	}
	a.StartsAt, a.CreatedAt = fromUnix(starts), fromUnix(created)
	a.Notice7dAt, a.Notice1dAt = nullTime(n7), nullTime(n1)
	a.CreatedBy = by.Int64
	return &a, nil
}

func checkShortText(s string, max int, key string) error {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return Errorf(EINVALID, key, max)
	}
	return nil
}

// AddActivity records an activity. Reminders whose time has already come are
// marked done: the notice sent when it is added says the same.
func (tx *Tx) AddActivity(a Activity) (*Activity, error) {
	a.Title, a.Place = strings.TrimSpace(a.Title), strings.TrimSpace(a.Place)
	if err := checkShortText(a.Title, 60, "bad_activity_title"); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(a.Place) > 60 {
		return nil, Errorf(EINVALID, "bad_place", 60)
	}
	if !a.StartsAt.After(tx.now) {
		return nil, Errorf(EINVALID, "date_past")
	}
	if a.Capacity < 0 || a.Capacity > 10000 {
		return nil, Errorf(EINVALID, "bad_capacity")
	}
	n7, n1 := dueMarks(tx.now, a.StartsAt)
	var by any
	if a.CreatedBy != 0 {
		by = a.CreatedBy
	}
	var id int64
	err := tx.queryRow(`INSERT INTO activities (community_id, title, place, starts_at, capacity, notice_7d_at, notice_1d_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.CommunityID, a.Title, a.Place, unix(a.StartsAt), a.Capacity, n7, n1, by, unix(tx.now)).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("insert activity: %w", err)
	}
	return tx.Activity(id)
}

// dueMarks returns, for an event added at now, the values of its week and day
// reminder marks: now for a reminder whose time has passed, else NULL.
func dueMarks(now, starts time.Time) (week, day any) {
	if !now.Before(starts.Add(-RemindWeek)) {
		week = unix(now)
	}
	if !now.Before(starts.Add(-RemindDay)) {
		day = unix(now)
	}
	return week, day
}

// Activity returns an activity that was not cancelled.
func (tx *Tx) Activity(id int64) (*Activity, error) {
	a, err := scanActivity(tx.queryRow(`SELECT `+activityCols+` FROM activities a WHERE a.id = ? AND a.cancelled_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_activity", id)
	}
	return a, err
}

func (tx *Tx) activities(where string, args ...any) ([]*Activity, error) {
	return queryAll(tx, scanActivity, `SELECT `+activityCols+` FROM activities a WHERE a.cancelled_at IS NULL AND `+where+` ORDER BY a.starts_at, a.id`, args...)
}

// UpcomingActivities lists a community's activities that have not started.
func (tx *Tx) UpcomingActivities(communityID int64) ([]*Activity, error) {
	return tx.activities(`a.community_id = ? AND a.starts_at > ?`, communityID, unix(tx.now))
}

// ActivitiesToRemind lists activities (of every community) with a reminder
// that is due now and not yet sent.
func (tx *Tx) ActivitiesToRemind() ([]*Activity, error) {
	now := unix(tx.now)
	return tx.activities(`a.starts_at > ? AND (
		(a.notice_7d_at IS NULL AND a.starts_at - ? <= ?) OR (a.notice_1d_at IS NULL AND a.starts_at - ? <= ?))`,
		now, int64(RemindWeek/time.Second), now, int64(RemindDay/time.Second), now)
}

// MarkActivityReminded records that an activity's reminder went out. The day
// reminder also settles the week one: a late week reminder would only repeat it.
func (tx *Tx) MarkActivityReminded(id int64, day bool) error {
	q := `UPDATE activities SET notice_7d_at = coalesce(notice_7d_at, ?) WHERE id = ?`
	if day {
		q = `UPDATE activities SET notice_7d_at = coalesce(notice_7d_at, ?1), notice_1d_at = coalesce(notice_1d_at, ?1) WHERE id = ?2`
	}
	_, err := tx.exec(q, unix(tx.now), id)
	return err
}

// CancelActivity cancels an activity; its sign-ups are kept for the record.
func (tx *Tx) CancelActivity(id int64) error {
	res, err := tx.exec(`UPDATE activities SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL`, unix(tx.now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(ENOTFOUND, "no_activity", id)
	}
	return nil
}

// JoinActivity signs a person up. Sign-ups close when the activity starts or
// is full; signing up twice is refused with ECONFLICT "already_joined".
func (tx *Tx) JoinActivity(activityID, personID int64) (*Activity, error) {
	a, err := tx.Activity(activityID)
	if err != nil {
		return nil, err
	}
	if !a.StartsAt.After(tx.now) {
		return nil, Errorf(EINVALID, "activity_started", a.ID)
	}
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM activity_signups WHERE activity_id = ? AND person_id = ?`, a.ID, personID).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, Errorf(ECONFLICT, "already_joined", a.ID)
	}
	if a.Full() {
		return nil, Errorf(ECONFLICT, "activity_full", a.ID, a.Capacity)
	}
	if _, err := tx.exec(`INSERT INTO activity_signups (activity_id, person_id, at) VALUES (?, ?, ?)`, a.ID, personID, unix(tx.now)); err != nil {
		return nil, fmt.Errorf("insert signup: %w", err)
	}
	return tx.Activity(a.ID)
}

// Signups lists the people signed up for an activity, in order of sign-up.
func (tx *Tx) Signups(activityID int64) ([]*Person, error) {
	return queryAll(tx, scanPerson, `SELECT `+prefixCols("p", personCols)+` FROM activity_signups s JOIN people p ON p.id = s.person_id
		WHERE s.activity_id = ? ORDER BY s.at, p.id`, activityID)
}

func prefixCols(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// Meeting is a resident meeting (业主大会).
type Meeting struct {
	ID          int64
	CommunityID int64
	StartsAt    time.Time
	Place       string
	Remind7dAt  time.Time
	Remind1dAt  time.Time
	CreatedBy   int64
	CreatedAt   time.Time
}

const meetingCols = `id, community_id, starts_at, place, remind_7d_at, remind_1d_at, created_by, created_at`

func scanMeeting(row interface{ Scan(...any) error }) (*Meeting, error) {
	var m Meeting
	var starts, created int64
	var r7, r1, by sql.NullInt64
	if err := row.Scan(&m.ID, &m.CommunityID, &starts, &m.Place, &r7, &r1, &by, &created); err != nil {
		return nil, err
	}
	m.StartsAt, m.CreatedAt = fromUnix(starts), fromUnix(created)
	m.Remind7dAt, m.Remind1dAt = nullTime(r7), nullTime(r1)
	m.CreatedBy = by.Int64
	return &m, nil
}

// AddMeeting records a meeting. Agenda items raised while no meeting was
// planned move to it.
func (tx *Tx) AddMeeting(m Meeting) (*Meeting, error) {
	m.Place = strings.TrimSpace(m.Place)
	if utf8.RuneCountInString(m.Place) > 60 {
		return nil, Errorf(EINVALID, "bad_place", 60)
	}
	if !m.StartsAt.After(tx.now) {
		return nil, Errorf(EINVALID, "date_past")
	}
	r7, r1 := dueMarks(tx.now, m.StartsAt)
	var by any
	if m.CreatedBy != 0 {
		by = m.CreatedBy
	}
	var id int64
	err := tx.queryRow(`INSERT INTO meetings (community_id, starts_at, place, remind_7d_at, remind_1d_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.CommunityID, unix(m.StartsAt), m.Place, r7, r1, by, unix(tx.now)).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("insert meeting: %w", err)
	}
	next, err := tx.NextMeeting(m.CommunityID)
	if err != nil {
		return nil, err
	}
	if next != nil && next.ID == id {
		if _, err := tx.exec(`UPDATE agenda_items SET meeting_id = ? WHERE community_id = ? AND meeting_id IS NULL`, id, m.CommunityID); err != nil {
			return nil, err
		}
	}
	return tx.Meeting(id)
}

// Meeting returns a meeting that was not cancelled.
func (tx *Tx) Meeting(id int64) (*Meeting, error) {
	m, err := scanMeeting(tx.queryRow(`SELECT `+meetingCols+` FROM meetings WHERE id = ? AND cancelled_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_meeting", id)
	}
	return m, err
}

// NextMeeting returns the community's next meeting that has not started, or nil.
func (tx *Tx) NextMeeting(communityID int64) (*Meeting, error) {
	m, err := scanMeeting(tx.queryRow(`SELECT `+meetingCols+` FROM meetings
		WHERE community_id = ? AND starts_at > ? AND cancelled_at IS NULL ORDER BY starts_at, id LIMIT 1`, communityID, unix(tx.now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, err
}

func (tx *Tx) meetings(where string, args ...any) ([]*Meeting, error) {
	return queryAll(tx, scanMeeting, `SELECT `+meetingCols+` FROM meetings WHERE cancelled_at IS NULL AND `+where+` ORDER BY starts_at, id`, args...)
}

// UpcomingMeetings lists a community's meetings that have not started.
func (tx *Tx) UpcomingMeetings(communityID int64) ([]*Meeting, error) {
	return tx.meetings(`community_id = ? AND starts_at > ?`, communityID, unix(tx.now))
}

// MeetingsToRemind lists meetings (of every community) with a reminder due now and not yet sent.
func (tx *Tx) MeetingsToRemind() ([]*Meeting, error) {
	now := unix(tx.now)
	return tx.meetings(`starts_at > ? AND (
		(remind_7d_at IS NULL AND starts_at - ? <= ?) OR (remind_1d_at IS NULL AND starts_at - ? <= ?))`,
		now, int64(RemindWeek/time.Second), now, int64(RemindDay/time.Second), now)
}

// MarkMeetingReminded records that a meeting's reminder went out (the day
// reminder settles the week one too).
func (tx *Tx) MarkMeetingReminded(id int64, day bool) error {
	q := `UPDATE meetings SET remind_7d_at = coalesce(remind_7d_at, ?) WHERE id = ?`
	if day {
		q = `UPDATE meetings SET remind_7d_at = coalesce(remind_7d_at, ?1), remind_1d_at = coalesce(remind_1d_at, ?1) WHERE id = ?2`
	}
	_, err := tx.exec(q, unix(tx.now), id)
	return err
}

// CancelMeeting cancels a meeting; its agenda items wait for the next one.
func (tx *Tx) CancelMeeting(id int64) error {
	res, err := tx.exec(`UPDATE meetings SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL`, unix(tx.now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(ENOTFOUND, "no_meeting", id)
	}
	_, err = tx.exec(`UPDATE agenda_items SET meeting_id = NULL WHERE meeting_id = ?`, id)
	return err
}

// AgendaItem is a topic a resident raised for a meeting.
type AgendaItem struct {
	ID          int64
	CommunityID int64
	MeetingID   int64 // 0 while no meeting is planned
	PersonID    int64
	Text        string
	At          time.Time
}

// AddAgendaItem records a topic for the community's next meeting (or the one
// after it is planned).
func (tx *Tx) AddAgendaItem(communityID, personID int64, text string) (*AgendaItem, *Meeting, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil, Errorf(EINVALID, "agenda_empty")
	}
	if !utf8.ValidString(text) {
		return nil, nil, Errorf(EINVALID, "bad_text")
	}
	if n := utf8.RuneCountInString(text); n > MaxAgendaText {
		return nil, nil, Errorf(EINVALID, "text_too_long", MaxAgendaText, n)
	}
	m, err := tx.NextMeeting(communityID)
	if err != nil {
		return nil, nil, err
	}
	var meeting any
	if m != nil {
		meeting = m.ID
	}
	it := &AgendaItem{CommunityID: communityID, PersonID: personID, Text: text, At: tx.now}
	err = tx.queryRow(`INSERT INTO agenda_items (community_id, meeting_id, person_id, text, at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		communityID, meeting, personID, text, unix(tx.now)).Scan(&it.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("insert agenda item: %w", err)
	}
	if m != nil {
		it.MeetingID = m.ID
	}
	return it, m, nil
}

// Agenda lists the items of a meeting, or with meetingID 0 the community's
// items that wait for a meeting, oldest first.
func (tx *Tx) Agenda(communityID, meetingID int64) ([]*AgendaItem, error) {
	q := `SELECT id, community_id, coalesce(meeting_id, 0), person_id, text, at FROM agenda_items WHERE community_id = ? AND meeting_id = ? ORDER BY id`
	args := []any{communityID, meetingID}
	if meetingID == 0 {
		q = `SELECT id, community_id, coalesce(meeting_id, 0), person_id, text, at FROM agenda_items WHERE community_id = ? AND meeting_id IS NULL ORDER BY id`
		args = args[:1]
	}
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*AgendaItem
	for rows.Next() {
		var it AgendaItem
		var at int64
		if err := rows.Scan(&it.ID, &it.CommunityID, &it.MeetingID, &it.PersonID, &it.Text, &at); err != nil {
			return nil, err
		}
		it.At = fromUnix(at)
		out = append(out, &it)
	}
	return out, rows.Err()
}
