package desk

import (
	"fmt"
	"strings"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Act applies a change to ticket id for an actor: it checks the rule,
// records the event and queues every consequence in tx. Refusals are
// store.Errorf errors: "not_staff" for what only the community's staff may
// do, "not_reporter" for what only the reporter may, "no_ticket" for a
// ticket the actor may not see, "bad_transition" for what its status
// does not allow.
func (d *Desk) Act(tx *store.Tx, a Actor, id int64, c Change) (Outcome, error) {
	t, acc, err := d.Ticket(tx, a, id)
	if err != nil {
		return Outcome{}, err
	}
	if a.Person == nil && c.Action != store.ActClose {
		return Outcome{}, fmt.Errorf("desk: %s without an actor", c.Action)
	}
	o, err := d.on(tx, a, t.CommunityID)
	if err != nil {
		return Outcome{}, err
	}
	if t.MergedInto != 0 && c.Action != store.ActNote {
		// A duplicate's news is the ticket it went into's.
		return Outcome{}, store.Errorf(store.EINVALID, "merged", t.ID, t.MergedInto, t.MergedInto)
	}
	switch c.Action {
	case store.ActReopen:
		if !acc.Reporter && !acc.Staff {
			return Outcome{}, store.Errorf(store.EUNAUTHORIZED, "not_reporter")
		}
		return o.reopen(t, acc)
	case store.ActCancel, store.ActRate:
		if !acc.Reporter {
			return Outcome{}, store.Errorf(store.EUNAUTHORIZED, "not_reporter")
		}
		if c.Action == store.ActCancel {
			return o.cancel(t)
		}
		return o.rate(t, c)
	case store.ActComment:
		if !acc.Reporter && !acc.Staff {
			return Outcome{}, store.Errorf(store.EUNAUTHORIZED, "not_reporter")
		}
		return o.comment(t, acc, c)
	case store.ActClose:
		if a.Where != ByJob {
			return Outcome{}, store.Errorf(store.EUNAUTHORIZED, "not_staff")
		}
		return o.close(t)
	}
	if !acc.Staff {
		return Outcome{}, store.Errorf(store.EUNAUTHORIZED, "not_staff")
	}
	if c.Note != "" {
		if err := store.CheckTicketText(c.Note); err != nil {
			return Outcome{}, err
		}
	}
	switch c.Action {
	case store.ActTake:
		return o.take(t)
	case store.ActAssign:
		return o.assign(t, c.Assignee)
	case store.ActProgress:
		return o.progress(t, c.Note)
	case store.ActHold:
		return o.hold(t, c.Note)
	case store.ActResolve:
		return o.resolve(t, c.Note)
	case store.ActNote:
		return o.note(t, c.Note)
	case ActMerge:
		return o.merge(t, c.Merge)
	}
	return Outcome{}, fmt.Errorf("desk: unknown action %q", c.Action)
}

// change applies a lifecycle action and refreshes the cards.
func (o *op) change(t *store.Ticket, c store.Change) (*store.Ticket, error) {
	c.Actor = o.me() // staff there, or not: the first response counts only for staff
	after, err := o.tx.Apply(t, c)
	if err != nil {
		return nil, err
	}
	if !cardChanged(t, after) {
		return after, nil
	}
	return after, o.refreshCards(after)
}

func (o *op) take(t *store.Ticket) (Outcome, error) {
	me := o.me()
	if t.AssigneeID == me.ID && t.Status == store.StatusInProgress {
		// Taking it again would repeat the news to the resident and the history.
		return Outcome{Ticket: t, Unchanged: true, key: i18n.AlreadyYours, args: []any{t.ID}}, nil
	}
	t, err := o.change(t, store.Change{Action: store.ActTake, Assignee: me})
	if err != nil {
		return Outcome{}, err
	}
	if err := o.toResident(t, o.t(i18n.TicketTaken, t.ID, me.Label()), "", nil); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.AckTake, t.ID), nil
}

func (o *op) assign(t *store.Ticket, a *store.Person) (Outcome, error) {
	if a == nil {
		return Outcome{}, store.Errorf(store.EINVALID, "usage", i18n.UsageAssign)
	}
	// Only the community's staff get its tickets (and their reminders).
	roles, err := o.tx.Memberships(a.ID)
	if err != nil {
		return Outcome{}, err
	}
	if !roles.Staff(t.CommunityID) {
		return Outcome{}, store.Errorf(store.EINVALID, "assign_not_staff", a.Label())
	}
	if t.AssigneeID == a.ID && t.Status == store.StatusInProgress {
		return Outcome{Ticket: t, Unchanged: true, key: i18n.AlreadyAssigned, args: []any{t.ID, a.Label()}}, nil
	}
	if t, err = o.change(t, store.Change{Action: store.ActAssign, Assignee: a}); err != nil {
		return Outcome{}, err
	}
	if err := o.toResident(t, o.t(i18n.TicketAssigned, t.ID, a.Label()), "", nil); err != nil {
		return Outcome{}, err
	}
	if a.ID != o.a.Person.ID && a.PrivateChat != "" {
		// The assignee hears of it where nobody else reads.
		msg := o.t(i18n.TicketAssignedToYou, o.label(), t.ID, i18n.Clip(t.Text, 80), t.ID, t.ID)
		if _, err := o.tx.Enqueue(store.Out{Platform: a.Platform, Chat: a.PrivateChat, Text: msg}); err != nil {
			return Outcome{}, err
		}
	}
	return answer(t, i18n.AckAssign, t.ID, a.Label()), nil
}

func (o *op) progress(t *store.Ticket, text string) (Outcome, error) {
	if strings.TrimSpace(text) == "" {
		return Outcome{}, store.Errorf(store.EINVALID, "usage", i18n.UsageProgress)
	}
	wasHeld := t.Status == store.StatusOnHold
	t, err := o.change(t, store.Change{Action: store.ActProgress, Note: text})
	if err != nil {
		return Outcome{}, err
	}
	msg := o.t(i18n.TicketReply, t.ID, o.label(), text)
	if wasHeld {
		msg = o.t(i18n.TicketResumed, t.ID, o.label(), text)
	}
	if err := o.toResident(t, msg, "", nil); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.AckProgress, t.ID), nil
}

func (o *op) hold(t *store.Ticket, reason string) (Outcome, error) {
	if strings.TrimSpace(reason) == "" {
		return Outcome{}, store.Errorf(store.EINVALID, "usage", i18n.UsageHold)
	}
	if t.Status == store.StatusOnHold {
		return Outcome{Ticket: t, Unchanged: true, key: i18n.AlreadyHeld, args: []any{t.ID, t.ID}}, nil
	}
	t, err := o.change(t, store.Change{Action: store.ActHold, Note: reason})
	if err != nil {
		return Outcome{}, err
	}
	if err := o.toResident(t, o.t(i18n.TicketHeld, t.ID, reason), "", nil); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.AckHold, t.ID), nil
}

func (o *op) resolve(t *store.Ticket, note string) (Outcome, error) {
	if t.Status == store.StatusResolved {
		return Outcome{Ticket: t, Unchanged: true, key: i18n.AlreadyResolved, args: []any{t.ID}}, nil
	}
	t, err := o.change(t, store.Change{Action: store.ActResolve, Note: note})
	if err != nil {
		return Outcome{}, err
	}
	msg := o.t(i18n.TicketResolved, t.ID, o.label())
	if note != "" {
		msg = o.t(i18n.TicketResolvedNote, t.ID, o.label(), note)
	}
	origin, err := o.tx.ChatByID(t.OriginChatID)
	if err != nil {
		return Outcome{}, err
	}
	var buttons [][]bot.Button
	var ask string
	if o.d.cfg.Buttons[origin.Platform] {
		ask = o.t(i18n.TicketRateButtons)
		row := make([]bot.Button, 0, 5)
		for i := 1; i <= 5; i++ {
			row = append(row, bot.Button{Text: strings.Repeat("★", i), Data: fmt.Sprintf("rate:%d:%d", t.ID, i)})
		}
		buttons = [][]bot.Button{row[:3], row[3:]}
	} else {
		ask = o.t(i18n.TicketRateAsk, t.ID)
	}
	// The followers (the reporters of tickets merged into it among them)
	// hear it is done; how to rate is for the reporter.
	if err := o.toResident(t, lines(msg, ask), msg, buttons); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.AckResolve, t.ID), nil
}

func (o *op) reopen(t *store.Ticket, acc store.TicketAccess) (Outcome, error) {
	rated, comment := t.Rating, t.RatingComment
	t, err := o.change(t, store.Change{Action: store.ActReopen})
	if err != nil {
		return Outcome{}, err
	}
	if rated != 0 {
		// The rating stays in the month's figures; the managers hear that
		// the ticket it rated is open again, and who opened it.
		who := o.label()
		if err := o.notifyManagers(t.CommunityID, func(lang string) string {
			msg := i18n.T(lang, i18n.TicketReopenedRated, t.ID, rated, who, i18n.Clip(t.Text, 80))
			if comment != "" {
				msg = lines(msg, i18n.T(lang, i18n.TicketLowRatingComment, comment))
			}
			return msg
		}); err != nil {
			return Outcome{}, err
		}
	}
	if acc.Reporter {
		if err := o.toStaff(t, o.t(i18n.TicketReopened, t.ID)); err != nil {
			return Outcome{}, err
		}
		if err := o.toFollowers(t, o.t(i18n.TicketReopened, t.ID), o.said()); err != nil {
			return Outcome{}, err
		}
		return answer(t, i18n.TicketReopened, t.ID).asReply(), nil
	}
	if err := o.toResident(t, o.t(i18n.TicketReopened, t.ID), "", nil); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.AckReopen, t.ID), nil
}

// said is the chat the actor spoke in: it has their answer already.
func (o *op) said() heard {
	h := heard{}
	h.add(o.a.Platform, o.a.Chat)
	return h
}

func (o *op) cancel(t *store.Ticket) (Outcome, error) {
	if t.Status == store.StatusCancelled {
		return Outcome{Ticket: t, Unchanged: true, key: i18n.AlreadyCancelled, args: []any{t.ID}, reply: true}, nil
	}
	t, err := o.change(t, store.Change{Action: store.ActCancel})
	if err != nil {
		return Outcome{}, err
	}
	if err := o.toStaff(t, o.t(i18n.TicketCancelled, t.ID)); err != nil {
		return Outcome{}, err
	}
	if err := o.toFollowers(t, o.t(i18n.TicketCancelled, t.ID), o.said()); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.TicketCancelled, t.ID).asReply(), nil
}

func (o *op) rate(t *store.Ticket, c Change) (Outcome, error) {
	if c.Rating < 1 || c.Rating > 5 {
		return Outcome{}, store.Errorf(store.EINVALID, "bad_rating", t.ID)
	}
	if c.Note != "" {
		if err := store.CheckTicketText(c.Note); err != nil {
			return Outcome{}, err
		}
	}
	t, err := o.change(t, store.Change{Action: store.ActRate, Rating: c.Rating, Note: c.Note})
	if err != nil {
		return Outcome{}, err
	}
	if c.Rating <= 2 {
		reporter, score, comment := o.label(), c.Rating, c.Note
		if err := o.notifyManagers(t.CommunityID, func(lang string) string {
			msg := i18n.T(lang, i18n.TicketLowRating, t.ID, score, reporter, i18n.Clip(t.Text, 80), t.ID)
			if comment != "" {
				// What the resident said is what the manager needs to follow up.
				msg = lines(msg, i18n.T(lang, i18n.TicketLowRatingComment, comment))
			}
			return msg
		}); err != nil {
			return Outcome{}, err
		}
	}
	return answer(t, i18n.TicketRated, t.ID), nil
}

// comment records a reply on a ticket: the staff's answers go to the
// resident's thread and the followers; the reporter's follow-ups to the
// staff groups. Photos that come with it are kept and shown to the staff.
func (o *op) comment(t *store.Ticket, acc store.TicketAccess, c Change) (Outcome, error) {
	staffReply := acc.Staff && !acc.Reporter
	text := strings.TrimSpace(c.Note)
	if t.Status == store.StatusCancelled {
		o := answer(t, i18n.TicketCancelledNoReply, t.ID, o.t(i18n.Tag(t.Kind))).asReply()
		o.Unchanged = true
		return o, nil
	}
	if !t.Active() && t.Status != store.StatusResolved {
		return Outcome{}, store.Errorf(store.EINVALID, "ticket_closed", t.ID, t.ID)
	}
	if err := store.CheckTicketText(text); err != nil {
		return Outcome{}, err
	}
	t, err := o.change(t, store.Change{Action: store.ActComment, Note: text})
	if err != nil {
		return Outcome{}, err
	}
	if err := o.addPhotos(t, c.Attachments); err != nil {
		return Outcome{}, err
	}
	if !staffReply {
		if err := o.toStaff(t, o.t(i18n.TicketFollowup, t.ID, o.label(), text)); err != nil {
			return Outcome{}, err
		}
		return answer(t, i18n.AckFollowup, t.ID).asReply(), nil
	}
	if err := o.toResident(t, o.t(i18n.TicketReply, t.ID, o.label(), text), "", nil); err != nil {
		return Outcome{}, err
	}
	// In the resident's own group they read it already: say it counted.
	origin, err := o.tx.ChatByID(t.OriginChatID)
	if err != nil {
		return Outcome{}, err
	}
	if origin.Platform == o.a.Platform && origin.Key == o.a.Chat && origin.Kind == bot.Group && origin.Role != store.RoleStaffChat {
		return answer(t, i18n.AckCommentHere, t.ID).asReply(), nil
	}
	return answer(t, i18n.AckComment, t.ID).asReply(), nil
}

// addPhotos keeps photos and files that come with a ticket's follow-up and
// shows them in the staff groups.
func (o *op) addPhotos(t *store.Ticket, atts []bot.Attachment) error {
	if len(atts) == 0 {
		return nil
	}
	var saved []*store.TicketAttachment
	for _, a := range atts {
		p := o.a.Platform
		ta, err := o.tx.SaveAttachment(t.ID, p, a, o.d.cfg.DataDir)
		if err != nil {
			return err
		}
		saved = append(saved, ta)
	}
	chats, err := o.tx.CommunityChats(t.CommunityID, store.RoleStaffChat)
	if err != nil {
		return err
	}
	for _, c := range chats {
		for _, ta := range saved {
			att := ta.Outgoing(c.Platform)
			if att == nil {
				continue
			}
			if _, err := o.tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: o.t(i18n.PhotoStaff, t.ID, o.label()),
				Attachment: att, TicketID: t.ID, LinkRole: "relay"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddPhotos keeps photos and files sent after a ticket (a picture without
// words, moments after the report) and shows them in the staff groups.
// The actor must be the ticket's reporter or its community's staff.
func (d *Desk) AddPhotos(tx *store.Tx, a Actor, id int64, atts []bot.Attachment) (Outcome, error) {
	t, acc, err := d.Ticket(tx, a, id)
	if err != nil {
		return Outcome{}, err
	}
	if !acc.Reporter && !acc.Staff {
		return Outcome{}, store.Errorf(store.EUNAUTHORIZED, "not_reporter")
	}
	o, err := d.on(tx, a, t.CommunityID)
	if err != nil {
		return Outcome{}, err
	}
	if err := o.addPhotos(t, atts); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.PhotoAdded, t.ID).asReply(), nil
}

// note records a note on a ticket that only its community's staff see (in
// /status and the export), and shows it in the other staff groups.
func (o *op) note(t *store.Ticket, text string) (Outcome, error) {
	if strings.TrimSpace(text) == "" {
		return Outcome{}, store.Errorf(store.EINVALID, "usage", i18n.UsageNote)
	}
	if _, err := o.tx.Apply(t, store.Change{Action: store.ActNote, Actor: o.me(), Note: text}); err != nil {
		return Outcome{}, err
	}
	if err := o.toStaff(t, o.t(i18n.TicketNote, t.ID, o.label(), text)); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.AckNote, t.ID).asReply(), nil
}

// close closes a resolved ticket nobody rated (a job): the cards show it
// closed, and the resident and the followers hear how to reopen it.
func (o *op) close(t *store.Ticket) (Outcome, error) {
	t, err := o.change(t, store.Change{Action: store.ActClose})
	if err != nil {
		return Outcome{}, err
	}
	if err := o.toResident(t, o.t(i18n.AutoCloseResident, t.ID, t.ID), o.t(i18n.DeskClosedFollower, t.ID), nil); err != nil {
		return Outcome{}, err
	}
	return Outcome{Ticket: t}, nil
}

// Follow makes the actor a follower of a repair (/metoo): they hear what its
// reporter hears, and the staff groups hear how many households it
// concerns. Members of the ticket's community may follow it; a complaint is
// its reporter's own.
func (d *Desk) Follow(tx *store.Tx, a Actor, id int64) (Outcome, error) {
	t, acc, err := d.Ticket(tx, a, id)
	if err != nil {
		return Outcome{}, err
	}
	switch {
	case acc.Reporter:
		return answer(t, i18n.MeTooOwn, t.ID).unchanged(), nil
	case !acc.Member && !acc.Staff:
		return Outcome{}, store.Errorf(store.ENOTFOUND, "no_ticket", id) // a follower who left: nothing new to follow
	case t.Kind != store.KindRepair:
		return answer(t, i18n.MeTooComplaint, t.ID).unchanged(), nil
	case !t.Active():
		return answer(t, i18n.MeTooClosed, t.ID).unchanged(), nil
	}
	added, err := tx.Follow(t.ID, a.Person.ID)
	if err != nil {
		return Outcome{}, err
	}
	if !added {
		return answer(t, i18n.MeTooAlready, t.ID).unchanged(), nil
	}
	fs, err := tx.Followers(t.ID)
	if err != nil {
		return Outcome{}, err
	}
	o, err := d.on(tx, a, t.CommunityID)
	if err != nil {
		return Outcome{}, err
	}
	if err := o.toStaff(t, o.t(i18n.MeTooStaff, t.ID, o.label(), len(fs)+1)); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.MeTooDone, t.ID, len(fs)+1).asReply(), nil
}
