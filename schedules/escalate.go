package schedules

import (
	"context"
	"time"

	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// remindAt is the share of a deadline after which its assignee is reminded.
const remindAt = 0.8

// escalate (every minute) raises overdue tickets, each level once per ticket:
// level 1 when the first response is overdue (a notice in the resident's
// thread, to the ticket's followers and in the staff groups), level 2 when the resolution is overdue (the
// same, and the community's managers privately). Before that, at 80% of each deadline,
// the assignee (or, with nobody assigned, the staff groups) is reminded once.
// Tickets on hold are left alone: their clocks stand still, and the held time
// is added to their deadlines when they resume (store.Tx.Apply).
func (s *Scheduler) escalate(ctx context.Context) (string, error) {
	var tickets, level1, level2, reminders int
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		tickets, level1, level2, reminders = 0, 0, 0, 0
		now := tx.Now()
		active, err := tx.EscalationCandidates(remindAt)
		if err != nil {
			return err
		}
		run := s.desk.Run(tx)
		for _, t := range active {
			if t.Status == store.StatusOnHold {
				continue
			}
			firstLate := t.FirstResponseAt.IsZero() && !now.Before(t.FirstResponseDue)
			resolveLate := !now.Before(t.ResolveDue)
			switch {
			case resolveLate && t.EscalationLevel < 2:
				if firstLate && t.EscalationLevel < 1 {
					// Both at once (the bot was down): level 1 is recorded,
					// and the level 2 notices say all there is to say.
					if err := run.MarkEscalated(t, 1); err != nil {
						return err
					}
					level1++
				}
				if err := run.Escalate(t, 2); err != nil {
					return err
				}
				tickets++
				level2++
			case firstLate && t.EscalationLevel < 1:
				if err := run.Escalate(t, 1); err != nil {
					return err
				}
				tickets++
				level1++
			}
			n, err := remind(tx, run, t, now, firstLate, resolveLate)
			if err != nil {
				return err
			}
			reminders += n
		}
		return nil
	})
	return i18n.T(s.cfg.Lang, i18n.JobResultEscalate, tickets, level1, level2, reminders), err
}

// remind sends the 80% reminders that are due and not sent yet, and returns
// how many it sent.
func remind(tx *store.Tx, run *desk.Run, t *store.Ticket, now time.Time, firstLate, resolveLate bool) (int, error) {
	sent := 0
	for _, r := range []struct {
		kind string
		due  time.Time
		want bool
	}{
		{store.ReminderFirst, t.FirstResponseDue, t.FirstResponseAt.IsZero() && !firstLate},
		{store.ReminderResolve, t.ResolveDue, !resolveLate},
	} {
		if !r.want || now.Before(reminderTime(t, r.due)) {
			continue
		}
		first, err := tx.MarkReminder(t.ID, r.kind)
		if err != nil {
			return sent, err
		}
		if !first {
			continue
		}
		if err := run.Remind(t, r.kind, r.due); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// reminderTime is the 80% point of a deadline. The deadline already includes
// the time the ticket spent on hold, which is not part of the clock.
func reminderTime(t *store.Ticket, due time.Time) time.Time {
	clock := due.Sub(t.CreatedAt) - t.Held
	return due.Add(-time.Duration(float64(clock) * (1 - remindAt)))
}
