package schedules

import (
	"context"
	"strings"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// remindAt is the share of a deadline after which its assignee is reminded.
const remindAt = 0.8

// escalate (every minute) raises overdue tickets, each level once per ticket:
// level 1 when the first response is overdue (a notice in the resident's
// thread and the staff groups), level 2 when the resolution is overdue (the
// same, and the community's managers privately). Before that, at 80% of each deadline,
// the assignee (or, with nobody assigned, the staff groups) is reminded once.
// Tickets on hold are left alone: their clocks stand still, and the held time
// is added to their deadlines when they resume (store.Tx.Apply).
func (s *Scheduler) escalate(ctx context.Context) (string, error) {
	var tickets, level1, level2, reminders int
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		tickets, level1, level2, reminders = 0, 0, 0, 0
		now := tx.Now()
		comms := s.communities(tx)
		active, err := tx.EscalationCandidates(remindAt)
		if err != nil {
			return err
		}
		// Who hears about level 2: each community's managers, read once
		// for the run (a catch-up after downtime can escalate thousands
		// of tickets).
		managers := &managers{tx: tx}
		for _, t := range active {
			if t.Status == store.StatusOnHold {
				continue
			}
			comm, err := comms.get(t.CommunityID)
			if err != nil {
				return err
			}
			firstLate := t.FirstResponseAt.IsZero() && !now.Before(t.FirstResponseDue)
			resolveLate := !now.Before(t.ResolveDue)
			switch {
			case resolveLate && t.EscalationLevel < 2:
				if firstLate && t.EscalationLevel < 1 {
					// Both at once (the bot was down): level 1 is recorded,
					// and the level 2 notices say all there is to say.
					if err := tx.SetEscalation(t, 1, ""); err != nil {
						return err
					}
					level1++
				}
				if err := s.escalate2(tx, comms, comm, t, managers); err != nil {
					return err
				}
				tickets++
				level2++
			case firstLate && t.EscalationLevel < 1:
				if err := s.escalate1(tx, comms, comm, t); err != nil {
					return err
				}
				tickets++
				level1++
			}
			n, err := s.remind(tx, comms, comm, t, now, firstLate, resolveLate)
			if err != nil {
				return err
			}
			reminders += n
		}
		return nil
	})
	return i18n.T(s.cfg.Lang, i18n.JobResultEscalate, tickets, level1, level2, reminders), err
}

func (s *Scheduler) escalate1(tx *store.Tx, comms *communities, comm *store.Community, t *store.Ticket) error {
	if err := tx.SetEscalation(t, 1, ""); err != nil {
		return err
	}
	lang, loc := comm.Lang, comms.loc(comm)
	if err := toResidentThread(tx, t, i18n.T(lang, i18n.EscResident1, t.ID)); err != nil {
		return err
	}
	_, err := toStaffGroups(tx, comm.ID, t.ID, i18n.T(lang, i18n.EscStaff1,
		t.ID, i18n.T(lang, i18n.Kind(t.Kind)), clip(t.Text, 80), i18n.FormatTime(lang, loc, t.FirstResponseDue), t.ID))
	return err
}

func (s *Scheduler) escalate2(tx *store.Tx, comms *communities, comm *store.Community, t *store.Ticket, managers *managers) error {
	if err := tx.SetEscalation(t, 2, ""); err != nil {
		return err
	}
	lang, loc := comm.Lang, comms.loc(comm)
	if err := toResidentThread(tx, t, i18n.T(lang, i18n.EscResident2, t.ID)); err != nil {
		return err
	}
	assignee := func(lang string) string {
		if t.AssigneeID != 0 {
			if p, err := tx.PersonByID(t.AssigneeID); err == nil {
				return p.Label()
			}
		}
		return i18n.T(lang, i18n.EscNobody)
	}
	if _, err := toStaffGroups(tx, comm.ID, t.ID, i18n.T(lang, i18n.EscStaff2,
		t.ID, i18n.T(lang, i18n.Kind(t.Kind)), clip(t.Text, 80), i18n.FormatTime(lang, loc, t.ResolveDue), assignee(lang))); err != nil {
		return err
	}
	// Only the ticket's community's managers (and the company-wide ones)
	// hear about it, in the community's language.
	ms, err := managers.of(comm.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		text := i18n.T(lang, i18n.EscManager2, t.ID, i18n.T(lang, i18n.Kind(t.Kind)), comm.Name, clip(t.Text, 120),
			i18n.T(lang, i18n.Status(t.Status)), assignee(lang), i18n.FormatTime(lang, loc, t.ResolveDue))
		if _, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.PrivateChat, Text: text, TicketID: t.ID, LinkRole: "relay"}); err != nil {
			return err
		}
	}
	return nil
}

// remind sends the 80% reminders that are due and not sent yet, and returns
// how many it sent.
func (s *Scheduler) remind(tx *store.Tx, comms *communities, comm *store.Community, t *store.Ticket, now time.Time, firstLate, resolveLate bool) (int, error) {
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
		if err := s.sendReminder(tx, comms, comm, t, r.kind, r.due); err != nil {
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

// sendReminder tells the assignee privately, with the staff group as the
// fallback where the private chat cannot be reached; with nobody assigned,
// the staff groups.
func (s *Scheduler) sendReminder(tx *store.Tx, comms *communities, comm *store.Community, t *store.Ticket, kind string, due time.Time) error {
	loc := comms.loc(comm)
	text := func(lang string) string {
		msg := clip(strings.TrimSpace(t.Text), 80)
		if kind == store.ReminderFirst {
			return i18n.T(lang, i18n.RemindFirst, t.ID, i18n.FormatTime(lang, loc, due), msg)
		}
		return i18n.T(lang, i18n.RemindResolve, t.ID, i18n.FormatTime(lang, loc, due), t.ID, msg)
	}
	if t.AssigneeID != 0 {
		a, err := tx.PersonByID(t.AssigneeID)
		if err != nil {
			return err
		}
		if a.PrivateChat != "" {
			out := store.Out{Platform: a.Platform, Chat: a.PrivateChat, Text: text(comms.langOf(a, comm.Lang)), TicketID: t.ID, LinkRole: "relay"}
			staff, err := tx.CommunityChats(comm.ID, store.RoleStaffChat)
			if err != nil {
				return err
			}
			for _, c := range staff {
				if c.Platform == a.Platform {
					out.FallbackChat = c.Key
					break
				}
			}
			_, err = tx.Enqueue(out)
			return err
		}
	}
	_, err := toStaffGroups(tx, comm.ID, t.ID, text(comm.Lang))
	return err
}
