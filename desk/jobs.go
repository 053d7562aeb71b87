package desk

import (
	"strings"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Run is one job run over many tickets (escalation, autoclose): it acts as
// the bot itself, and reads each community and its managers once, since a
// catch-up after downtime can escalate thousands of tickets of a few
// communities.
type Run struct {
	d        *Desk
	tx       *store.Tx
	ops      map[int64]*op
	managers map[int64][]*store.Person
}

// Run starts a job run in tx.
func (d *Desk) Run(tx *store.Tx) *Run {
	return &Run{d: d, tx: tx, ops: map[int64]*op{}, managers: map[int64][]*store.Person{}}
}

var job = Actor{Where: ByJob}

func (r *Run) op(communityID int64) (*op, error) {
	if o, ok := r.ops[communityID]; ok {
		return o, nil
	}
	o, err := r.d.on(r.tx, job, communityID)
	if err != nil {
		return nil, err
	}
	r.ops[communityID] = o
	return o, nil
}

// Close closes a resolved ticket nobody rated: the cards show it closed,
// the resident hears in the ticket's thread how to reopen it, and the
// followers that it is closed.
func (r *Run) Close(t *store.Ticket) (*store.Ticket, error) {
	o, err := r.op(t.CommunityID)
	if err != nil {
		return nil, err
	}
	out, err := o.close(t)
	return out.Ticket, err
}

// MarkEscalated records that a ticket reached an escalation level, and
// tells nobody (a level passed while the bot was down, whose notices the
// next level's say all of).
func (r *Run) MarkEscalated(t *store.Ticket, level int) error {
	return r.tx.SetEscalation(t, level, "")
}

// Escalate raises an overdue ticket to a level and tells whoever hears of
// it: level 1 (first response overdue) the resident's thread, the
// followers and the staff groups; level 2 (resolution overdue) the same,
// and the community's managers privately.
func (r *Run) Escalate(t *store.Ticket, level int) error {
	o, err := r.op(t.CommunityID)
	if err != nil {
		return err
	}
	if err := r.tx.SetEscalation(t, level, ""); err != nil {
		return err
	}
	kind := o.kindName(t)
	if level < 2 {
		if err := o.toResident(t, o.t(i18n.EscResident1, t.ID), "", nil); err != nil {
			return err
		}
		return o.toStaff(t, o.t(i18n.EscStaff1, t.ID, kind, clip(t.Text, 80), o.when(t.FirstResponseDue), t.ID))
	}
	if err := o.toResident(t, o.t(i18n.EscResident2, t.ID), "", nil); err != nil {
		return err
	}
	assignee := o.t(i18n.EscNobody)
	if t.AssigneeID != 0 {
		if p, err := r.tx.PersonByID(t.AssigneeID); err == nil {
			assignee = p.Label()
		}
	}
	if err := o.toStaff(t, o.t(i18n.EscStaff2, t.ID, kind, clip(t.Text, 80), o.when(t.ResolveDue), assignee)); err != nil {
		return err
	}
	// Only the ticket's community's managers (and the company-wide ones)
	// hear about it, in the community's language.
	ms, err := r.managersOf(t.CommunityID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		text := o.t(i18n.EscManager2, t.ID, kind, o.comm.Name, clip(t.Text, 120),
			o.t(i18n.Status(t.Status)), assignee, o.when(t.ResolveDue))
		if _, err := r.tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.PrivateChat, Text: text, TicketID: t.ID, LinkRole: "relay"}); err != nil {
			return err
		}
	}
	return nil
}

// managersOf lists who hears privately about a community: its managers and
// the company-wide ones whose private chat the bot knows.
func (r *Run) managersOf(communityID int64) ([]*store.Person, error) {
	if got, ok := r.managers[communityID]; ok {
		return got, nil
	}
	all, err := r.tx.ManagersOf(communityID)
	if err != nil {
		return nil, err
	}
	var out []*store.Person
	for _, m := range all {
		if m.PrivateChat != "" {
			out = append(out, m)
		}
	}
	r.managers[communityID] = out
	return out, nil
}

// Remind tells the assignee of a ticket that a deadline (kind:
// store.ReminderFirst or ReminderResolve, due at due) draws near:
// privately, with the staff group as the fallback where the private chat
// cannot be reached; with nobody assigned, the staff groups.
func (r *Run) Remind(t *store.Ticket, kind string, due time.Time) error {
	o, err := r.op(t.CommunityID)
	if err != nil {
		return err
	}
	text := func(o *op) string {
		msg := clip(strings.TrimSpace(t.Text), 80)
		if kind == store.ReminderFirst {
			return o.t(i18n.RemindFirst, t.ID, o.when(due), msg)
		}
		return o.t(i18n.RemindResolve, t.ID, o.when(due), t.ID, msg)
	}
	if t.AssigneeID != 0 {
		a, err := r.tx.PersonByID(t.AssigneeID)
		if err != nil {
			return err
		}
		if a.PrivateChat != "" {
			// In the language they read, the times in the ticket's zone.
			theirs := *o
			theirs.lang = r.langOf(a, o.lang)
			out := store.Out{Platform: a.Platform, Chat: a.PrivateChat, Text: text(&theirs), TicketID: t.ID, LinkRole: "relay"}
			staff, err := r.tx.CommunityChats(t.CommunityID, store.RoleStaffChat)
			if err != nil {
				return err
			}
			for _, c := range staff {
				if c.Platform == a.Platform {
					out.FallbackChat = c.Key
					break
				}
			}
			_, err = r.tx.Enqueue(out)
			return err
		}
	}
	return o.toStaff(t, text(o))
}

// langOf is the language a person reads (store.Tx.LangOf), def when it
// cannot be read.
func (r *Run) langOf(p *store.Person, def string) string {
	if lang, err := r.tx.LangOf(p, def); err == nil {
		return lang
	}
	return def
}

func clip(s string, n int) string { return i18n.Fit(s, n) }
