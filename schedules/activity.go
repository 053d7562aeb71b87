package schedules

import (
	"context"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/notice"
	"github.com/linli/linli/store"
)

// activityNotice posts the reminders of the activities managers added with
// /activity add: a week before and a day before, each once. (The notice when
// an activity is added goes out with the command.)
func (s *Scheduler) activityNotice(ctx context.Context) (string, error) {
	sent := 0
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		sent = 0
		now := tx.Now()
		comms := s.communities(tx)
		as, err := tx.ActivitiesToRemind()
		if err != nil {
			return err
		}
		for _, a := range as {
			comm, err := comms.get(a.CommunityID)
			if err != nil {
				return err
			}
			loc := comms.loc(comm)
			lead := i18n.T(comm.Lang, i18n.ActivityRemind, untilText(comm.Lang, loc, now, a.StartsAt))
			text := lead + "\n" + notice.Activity(comm.Lang, loc, a)
			if _, err := notice.Broadcast(tx, comm, "activity_reminder", text); err != nil {
				return err
			}
			if err := tx.MarkActivityReminded(a.ID, a.StartsAt.Sub(now) <= store.RemindDay); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return i18n.T(s.cfg.Lang, i18n.JobResultActivity, sent), err
}

// meetingReminder posts the reminders of the resident meetings, a week and
// a day before, with the agenda raised so far (without names).
func (s *Scheduler) meetingReminder(ctx context.Context) (string, error) {
	sent := 0
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		sent = 0
		now := tx.Now()
		comms := s.communities(tx)
		ms, err := tx.MeetingsToRemind()
		if err != nil {
			return err
		}
		for _, m := range ms {
			comm, err := comms.get(m.CommunityID)
			if err != nil {
				return err
			}
			agenda, err := tx.Agenda(comm.ID, m.ID)
			if err != nil {
				return err
			}
			loc := comms.loc(comm)
			lead := i18n.T(comm.Lang, i18n.MeetingRemind, untilText(comm.Lang, loc, now, m.StartsAt))
			text := lead + "\n" + notice.Meeting(comm.Lang, loc, m, agenda)
			if _, err := notice.Broadcast(tx, comm, "meeting_reminder", text); err != nil {
				return err
			}
			if err := tx.MarkMeetingReminded(m.ID, m.StartsAt.Sub(now) <= store.RemindDay); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return i18n.T(s.cfg.Lang, i18n.JobResultMeeting, sent), err
}

// untilText says when start is, counted in calendar days in loc: "今天",
// "明天", "7 天后".
func untilText(lang string, loc *time.Location, now, start time.Time) string {
	a, b := now.In(loc), start.In(loc)
	days := int(time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC).Sub(
		time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	switch days {
	case 0:
		return i18n.T(lang, i18n.RemindToday)
	case 1:
		return i18n.T(lang, i18n.RemindTomorrow)
	}
	return i18n.T(lang, i18n.RemindInDays, days)
}
