package schedules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// acts reports whether the escalation job would do anything about t at now
// (the rules of escalate and remind), given the reminders already sent.
func acts(t *store.Ticket, now time.Time, sent map[string]bool) bool {
	if t.Status == store.StatusOnHold {
		return false
	}
	firstLate := t.FirstResponseAt.IsZero() && !now.Before(t.FirstResponseDue)
	resolveLate := !now.Before(t.ResolveDue)
	if resolveLate && t.EscalationLevel < 2 || firstLate && t.EscalationLevel < 1 {
		return true
	}
	if t.FirstResponseAt.IsZero() && !firstLate && !now.Before(reminderTime(t, t.FirstResponseDue)) && !sent[store.ReminderFirst] {
		return true
	}
	return !resolveLate && !now.Before(reminderTime(t, t.ResolveDue)) && !sent[store.ReminderResolve]
}

// TestEscalationCandidatesCoverTheJob checks on tickets taken through random
// histories (taken, held and resumed, resolved and reopened, escalated,
// reminded) that every ticket the job would act on is among the
// candidates the indexes lead to.
func TestEscalationCandidatesCoverTheJob(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	rng := rand.New(rand.NewPCG(8, 8))
	update := func(fn func(tx *store.Tx) error) {
		t.Helper()
		if err := db.Update(context.Background(), fn); err != nil {
			t.Fatal(err)
		}
	}
	var comm *store.Community
	var chat *store.Chat
	var resident, staff *store.Person
	update(func(tx *store.Tx) (err error) {
		if comm, _, err = tx.CreateCommunity("c", "zh", ""); err != nil {
			return err
		}
		if chat, err = tx.SeeChat(bot.Telegram, "-1", bot.Group, "g"); err != nil {
			return err
		}
		if err := tx.BindChat(chat.ID, comm.ID, store.RoleResidentChat); err != nil {
			return err
		}
		if chat, err = tx.ChatByKey(bot.Telegram, "-1"); err != nil {
			return err
		}
		if resident, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "1", Chat: chat}); err != nil {
			return err
		}
		if staff, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "2", Chat: chat}); err != nil {
			return err
		}
		if _, err := tx.Grant(staff.ID, comm.ID, store.RoleStaff, 0); err != nil {
			return err
		}
		if staff, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "2", Chat: chat}); err != nil {
			return err
		}
		staff = staff.In(comm.ID)
		return nil
	})
	// Tickets filed over three weeks, each taken through a random history.
	var ids []int64
	for i := range 150 {
		now = now.Add(time.Duration(rng.Int64N(int64(4 * time.Hour))))
		update(func(tx *store.Tx) error {
			tk, err := tx.CreateTicket(store.NewTicket{Community: comm, Kind: store.KindRepair, Text: fmt.Sprint("t", i), Reporter: resident, Chat: chat, MsgID: bot.MessageID(fmt.Sprint(i))})
			if err != nil {
				return err
			}
			ids = append(ids, tk.ID)
			return nil
		})
		// Something happens to an earlier ticket.
		id := ids[rng.IntN(len(ids))]
		update(func(tx *store.Tx) error {
			tk, err := tx.Ticket(id)
			if err != nil {
				return err
			}
			switch rng.IntN(9) {
			case 0, 1:
				_, err = tx.Apply(tk, store.Change{Action: store.ActTake, Actor: staff, Assignee: staff})
			case 2:
				_, err = tx.Apply(tk, store.Change{Action: store.ActHold, Actor: staff, Note: "parts"})
			case 3:
				_, err = tx.Apply(tk, store.Change{Action: store.ActProgress, Actor: staff, Note: "on it"})
			case 4:
				_, err = tx.Apply(tk, store.Change{Action: store.ActResolve, Actor: staff})
			case 5:
				_, err = tx.Apply(tk, store.Change{Action: store.ActReopen, Actor: resident})
			case 6:
				err = tx.SetEscalation(tk, 1+rng.IntN(2), "")
			case 7:
				_, err = tx.MarkReminder(tk.ID, []string{store.ReminderFirst, store.ReminderResolve}[rng.IntN(2)])
			}
			if store.ErrorCode(err) == store.EINVALID {
				return nil // not allowed from its status: nothing happened
			}
			return err
		})
	}
	// Look at many moments, as the job would every minute.
	acting := 0
	for range 60 {
		now = now.Add(time.Duration(rng.Int64N(int64(12 * time.Hour))))
		err := db.View(context.Background(), func(tx *store.Tx) error {
			cands, err := tx.EscalationCandidates(remindAt)
			if err != nil {
				return err
			}
			in := map[int64]bool{}
			for _, c := range cands {
				in[c.ID] = true
			}
			all, err := tx.Tickets(store.TicketFilter{Active: true})
			if err != nil {
				return err
			}
			for _, tk := range all {
				sent := map[string]bool{}
				for _, k := range []string{store.ReminderFirst, store.ReminderResolve} {
					var n int
					if err := db.SQL().QueryRow(`SELECT count(*) FROM ticket_reminders WHERE ticket_id = ? AND kind = ?`, tk.ID, k).Scan(&n); err != nil {
						return err
					}
					sent[k] = n > 0
				}
				if acts(tk, now, sent) {
					acting++
				}
				if acts(tk, now, sent) && !in[tk.ID] {
					t.Errorf("%s: the job would act on #%d (%s, level %d) but it is not a candidate", now.Format(time.DateTime), tk.ID, tk.Status, tk.EscalationLevel)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if acting < 50 {
		t.Errorf("the job would have acted only %d times: the test checks little", acting)
	}
}
