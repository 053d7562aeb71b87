package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestSchedulesCRUD(t *testing.T) {
	db, c := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		s, err := tx.AddSchedule(store.Schedule{Spec: "0 9 * * 1", Kind: store.ScheduleAnnouncement, CommunityID: f.comm.ID, Text: " 停水通知 ", CreatedBy: f.zhang.ID})
		if err != nil {
			return err
		}
		if s.ID != 1 || s.Text != "停水通知" || !s.Enabled || !s.LastRunAt.IsZero() || !s.CreatedAt.Equal(c.now) {
			t.Errorf("added %+v", s)
		}
		if _, err := tx.AddSchedule(store.Schedule{Spec: "@daily", Kind: "poll", Text: "x"}); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("bad kind: %v", err)
		}
		if _, err := tx.AddSchedule(store.Schedule{Spec: "@daily", Kind: store.ScheduleSurvey, Text: "  "}); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("empty text: %v", err)
		}
		if _, err := tx.AddSchedule(store.Schedule{Spec: "@daily", Kind: store.ScheduleSurvey, Text: string(make([]rune, store.MaxScheduleText+1))}); err == nil {
			t.Error("over-long text accepted")
		}
		all, _ := tx.AddSchedule(store.Schedule{Spec: "@daily", Kind: store.ScheduleMeeting, Text: "全体"})
		if all.CommunityID != 0 {
			t.Errorf("a schedule for all communities has community %d", all.CommunityID)
		}
		if err := tx.SetScheduleEnabled(1, false); err != nil {
			return err
		}
		if err := tx.MarkScheduleRun(1, false, "boom"); err != nil {
			return err
		}
		got, err := tx.Schedule(1)
		if err != nil {
			return err
		}
		if got.Enabled || got.LastOK || got.LastResult != "boom" || !got.LastRunAt.Equal(c.now) {
			t.Errorf("after pause and a failed run: %+v", got)
		}
		if err := tx.RemoveSchedule(1); err != nil {
			return err
		}
		for _, err := range []error{tx.RemoveSchedule(1), tx.SetScheduleEnabled(1, true)} {
			if store.ErrorCode(err) != store.ENOTFOUND {
				t.Errorf("on a removed schedule: %v", err)
			}
		}
		list, err := tx.Schedules()
		if err != nil || len(list) != 1 || list[0].ID != 2 {
			t.Errorf("schedules = %+v, %v", list, err)
		}
		return nil
	})
}

func TestJobRunsAreKeptShort(t *testing.T) {
	db, c := MustOpen(t)
	for i := range 60 {
		c.Add(time.Minute)
		mustUpdate(t, db, func(tx *store.Tx) error {
			return tx.RecordJobRun("escalate", c.now.Add(-time.Second), i != 59, fmt.Sprint("run ", i))
		})
	}
	mustUpdate(t, db, func(tx *store.Tx) error { return tx.RecordJobRun("backup", c.now, true, "ok") })
	mustUpdate(t, db, func(tx *store.Tx) error {
		runs, err := tx.JobRuns("escalate", 100)
		if err != nil {
			return err
		}
		if len(runs) != 50 || runs[0].Result != "run 59" || runs[0].OK || runs[49].Result != "run 10" {
			t.Errorf("kept %d runs, newest %+v", len(runs), runs[0])
		}
		last, err := tx.LastJobRuns()
		if err != nil {
			return err
		}
		if len(last) != 2 || last["escalate"].Result != "run 59" || !last["backup"].OK {
			t.Errorf("last runs = %+v", last)
		}
		return nil
	})
}

func TestReminderMarksOnce(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		tk, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "x", Reporter: f.li, Chat: f.resident, MsgID: "1"})
		if err != nil {
			return err
		}
		for i, want := range []bool{true, false} {
			if first, err := tx.MarkReminder(tk.ID, store.ReminderFirst); err != nil || first != want {
				t.Errorf("mark %d = %v, %v; want %v", i, first, err, want)
			}
		}
		if done, _ := tx.Reminded(tk.ID, store.ReminderResolve); done {
			t.Error("the resolve reminder counts as sent")
		}
		return nil
	})
}

func TestFirstStartIsRecordedOnce(t *testing.T) {
	db, c := MustOpen(t)
	var first time.Time
	mustUpdate(t, db, func(tx *store.Tx) (err error) { first, err = tx.FirstStart(); return })
	c.Add(time.Hour)
	mustUpdate(t, db, func(tx *store.Tx) error {
		again, err := tx.FirstStart()
		if !again.Equal(first) || !first.Equal(t0) {
			t.Errorf("first start = %v then %v, want %v", first, again, t0)
		}
		return err
	})
}

func TestExpenses(t *testing.T) {
	db, c := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, e := range []store.Expense{
			{CommunityID: f.comm.ID, AmountFen: 0, Category: "维修"},
			{CommunityID: f.comm.ID, AmountFen: -100, Category: "维修"},
			{CommunityID: f.comm.ID, AmountFen: store.MaxExpenseFen + 1, Category: "维修"},
			{CommunityID: f.comm.ID, AmountFen: 100, Category: " "},
		} {
			if _, err := tx.AddExpense(e); store.ErrorCode(err) != store.EINVALID {
				t.Errorf("%+v accepted: %v", e, err)
			}
		}
		e, err := tx.AddExpense(store.Expense{CommunityID: f.comm.ID, AmountFen: 12345, Category: "维修", Text: "换灯泡", CreatedBy: f.zhang.ID})
		if err != nil {
			return err
		}
		if e.ID != 1 || !e.At.Equal(c.now) {
			t.Errorf("added %+v", e)
		}
		return nil
	})
	c.Add(time.Hour)
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := tx.AddExpense(store.Expense{CommunityID: f.comm.ID, AmountFen: 100, Category: "绿化"}); err != nil {
			return err
		}
		if err := tx.RemoveExpense(1, f.zhang.ID); err != nil {
			return err
		}
		if err := tx.RemoveExpense(1, f.zhang.ID); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("removing twice: %v", err)
		}
		es, err := tx.Expenses(f.comm.ID, t0, c.now.Add(time.Second))
		if err != nil || len(es) != 1 || es[0].Category != "绿化" {
			t.Errorf("expenses = %+v, %v", es, err)
		}
		return nil
	})
	// The removed row is kept for the record.
	if n := countRows(t, db, "SELECT count(*) FROM expenses WHERE deleted_at IS NOT NULL AND deleted_by IS NOT NULL"); n != 1 {
		t.Errorf("removed rows kept = %d, want 1", n)
	}
}

func countRows(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestActivitiesSignupsAndReminders(t *testing.T) {
	db, c := MustOpen(t)
	f := setup(t, db)
	var tom *store.Person
	var soon, later *store.Activity
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		tom, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "3", Name: "Tom", Chat: f.resident})
		if err != nil {
			return err
		}
		if _, err := tx.AddActivity(store.Activity{CommunityID: f.comm.ID, Title: "x", StartsAt: c.now.Add(-time.Minute)}); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("an activity in the past: %v", err)
		}
		if _, err := tx.AddActivity(store.Activity{CommunityID: f.comm.ID, Title: "", StartsAt: c.now.Add(time.Hour)}); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("an activity without a title: %v", err)
		}
		// Three days away: the week reminder is already due, so it counts as sent.
		if soon, err = tx.AddActivity(store.Activity{CommunityID: f.comm.ID, Title: "包饺子", StartsAt: c.now.Add(72 * time.Hour), Capacity: 1}); err != nil {
			return err
		}
		later, err = tx.AddActivity(store.Activity{CommunityID: f.comm.ID, Title: "观影", Place: "活动室", StartsAt: c.now.Add(30 * 24 * time.Hour)})
		return err
	})
	if soon.Notice7dAt.IsZero() || !soon.Notice1dAt.IsZero() || !later.Notice7dAt.IsZero() {
		t.Errorf("marks at creation: soon %v/%v, later %v", soon.Notice7dAt, soon.Notice1dAt, later.Notice7dAt)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		a, err := tx.JoinActivity(soon.ID, f.li.ID)
		if err != nil || a.Signups != 1 || !a.Full() {
			t.Errorf("join = %+v, %v", a, err)
		}
		if _, err := tx.JoinActivity(soon.ID, f.li.ID); store.ErrorCode(err) != store.ECONFLICT {
			t.Errorf("joining twice: %v", err)
		}
		if _, err := tx.JoinActivity(soon.ID, tom.ID); store.ErrorCode(err) != store.ECONFLICT {
			t.Errorf("joining a full activity: %v", err)
		}
		if _, err := tx.JoinActivity(99, tom.ID); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("joining a missing activity: %v", err)
		}
		ps, err := tx.Signups(soon.ID)
		if err != nil || len(ps) != 1 || ps[0].ID != f.li.ID {
			t.Errorf("signups = %+v, %v", ps, err)
		}
		due, err := tx.ActivitiesToRemind()
		if err != nil || len(due) != 0 {
			t.Errorf("due now = %+v, %v", due, err)
		}
		return nil
	})
	c.Add(48*time.Hour + time.Minute) // a day less a minute before "soon"
	mustUpdate(t, db, func(tx *store.Tx) error {
		due, err := tx.ActivitiesToRemind()
		if err != nil || len(due) != 1 || due[0].ID != soon.ID {
			t.Fatalf("due = %+v, %v", due, err)
		}
		return tx.MarkActivityReminded(soon.ID, true)
	})
	c.Add(24 * time.Hour) // soon has started; later is 27 days away
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := tx.JoinActivity(soon.ID, tom.ID); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("joining a started activity: %v", err)
		}
		due, err := tx.ActivitiesToRemind()
		if err != nil || len(due) != 0 {
			t.Errorf("due = %+v, %v", due, err)
		}
		up, err := tx.UpcomingActivities(f.comm.ID)
		if err != nil || len(up) != 1 || up[0].ID != later.ID {
			t.Errorf("upcoming = %+v, %v", up, err)
		}
		if err := tx.CancelActivity(later.ID); err != nil {
			return err
		}
		if _, err := tx.Activity(later.ID); store.ErrorCode(err) != store.ENOTFOUND {
			t.Errorf("a cancelled activity is still there: %v", err)
		}
		return nil
	})
}

func TestAgendaFollowsTheNextMeeting(t *testing.T) {
	db, c := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		it, m, err := tx.AddAgendaItem(f.comm.ID, f.li.ID, "增加充电桩")
		if err != nil || m != nil || it.MeetingID != 0 {
			t.Errorf("item without a meeting = %+v, %v, %v", it, m, err)
		}
		if _, _, err := tx.AddAgendaItem(f.comm.ID, f.li.ID, "  "); store.ErrorCode(err) != store.EINVALID {
			t.Errorf("an empty item: %v", err)
		}
		m1, err := tx.AddMeeting(store.Meeting{CommunityID: f.comm.ID, StartsAt: c.now.Add(10 * 24 * time.Hour), Place: "会议室"})
		if err != nil {
			return err
		}
		if items, _ := tx.Agenda(f.comm.ID, m1.ID); len(items) != 1 {
			t.Errorf("the waiting item did not move to the new meeting: %+v", items)
		}
		if _, m, _ := tx.AddAgendaItem(f.comm.ID, f.zhang.ID, "垃圾分类"); m == nil || m.ID != m1.ID {
			t.Errorf("a new item went to %+v", m)
		}
		// A later meeting does not take the next one's items.
		m2, err := tx.AddMeeting(store.Meeting{CommunityID: f.comm.ID, StartsAt: c.now.Add(40 * 24 * time.Hour)})
		if err != nil {
			return err
		}
		if items, _ := tx.Agenda(f.comm.ID, m2.ID); len(items) != 0 {
			t.Errorf("the later meeting took %+v", items)
		}
		if err := tx.CancelMeeting(m1.ID); err != nil {
			return err
		}
		if items, _ := tx.Agenda(f.comm.ID, 0); len(items) != 2 {
			t.Errorf("after cancelling, waiting items = %+v", items)
		}
		next, err := tx.NextMeeting(f.comm.ID)
		if err != nil || next.ID != m2.ID {
			t.Errorf("next meeting = %+v, %v", next, err)
		}
		return nil
	})
}
