package desk

import (
	"strconv"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// op is one action on one community's ticket, inside the caller's
// transaction: the words are the community's language and its times its zone.
type op struct {
	d    *Desk
	tx   *store.Tx
	a    Actor
	comm *store.Community
	lang string
	loc  *time.Location
}

// on returns the op for an actor on a community's ticket.
func (d *Desk) on(tx *store.Tx, a Actor, communityID int64) (*op, error) {
	if communityID == 0 {
		return &op{d: d, tx: tx, a: a, lang: d.cfg.Lang, loc: d.cfg.Location}, nil
	}
	c, err := tx.CommunityByID(communityID)
	if err != nil {
		return nil, err
	}
	return d.in(tx, a, c), nil
}

// in is on for a community at hand.
func (d *Desk) in(tx *store.Tx, a Actor, c *store.Community) *op {
	return &op{d: d, tx: tx, a: a, comm: c, lang: c.Lang, loc: location(c, d.cfg.Location)}
}

// location is the zone a community's times are shown in: its own, else def.
func location(c *store.Community, def *time.Location) *time.Location {
	if c != nil && c.TZ != "" {
		if loc, err := time.LoadLocation(c.TZ); err == nil {
			return loc
		}
	}
	return def
}

func (o *op) t(k i18n.Key, args ...any) string { return i18n.T(o.lang, k, args...) }

// when formats a time in the community's zone and language.
func (o *op) when(t time.Time) string { return t.In(o.loc).Format(o.t(i18n.TimeFormat)) }

func (o *op) kindName(t *store.Ticket) string { return o.t(i18n.Kind(t.Kind)) }

// me is the actor as they stand in the ticket's community (nil for a job).
func (o *op) me() *store.Person {
	if o.a.Person == nil {
		return nil
	}
	id := int64(0)
	if o.comm != nil {
		id = o.comm.ID
	}
	return o.a.Person.In(id)
}

// label is how the actor is shown to others.
func (o *op) label() string {
	if o.a.Person == nil {
		return o.t(i18n.System)
	}
	return o.a.Person.Label()
}

// person returns someone by id: the actor without a query.
func (o *op) person(id int64) (*store.Person, error) {
	if o.a.Person != nil && id == o.a.Person.ID {
		return o.a.Person, nil
	}
	return o.tx.PersonByID(id)
}

// ResidentCard is what residents see of a ticket: number, kind, text,
// status, due times (and its read-only view page, when the web desk gives
// one: this card may be read by anyone in a group).
func (d *Desk) ResidentCard(tx *store.Tx, t *store.Ticket) (string, error) {
	o, err := d.on(tx, Actor{Where: ByJob}, t.CommunityID)
	if err != nil {
		return "", err
	}
	return o.residentCard(t, false)
}

// StaffCard is what staff see of a ticket on platform p.
func (d *Desk) StaffCard(tx *store.Tx, t *store.Ticket, p bot.PlatformID) (string, error) {
	o, err := d.on(tx, Actor{Where: ByJob}, t.CommunityID)
	if err != nil {
		return "", err
	}
	return o.staffCard(t, p), nil
}

// residentCard is the resident card. With reporter it links the
// reporter's own page: only for a card sent privately to the reporter.
func (o *op) residentCard(t *store.Ticket, reporter bool) (string, error) {
	due := []string{}
	if t.FirstResponseAt.IsZero() {
		due = append(due, o.t(i18n.CardFirstDue, o.when(t.FirstResponseDue)))
	}
	if t.Active() {
		due = append(due, o.t(i18n.CardResolveDue, o.when(t.ResolveDue)))
	}
	ls := []string{
		o.t(i18n.CardTitle, t.ID, o.kindName(t)),
		o.t(i18n.CardText, t.Text),
		o.t(i18n.CardStatus, o.t(i18n.Status(t.Status))),
	}
	if t.AssigneeID != 0 {
		if a, err := o.person(t.AssigneeID); err == nil {
			ls = append(ls, o.t(i18n.CardAssignee, a.Label()))
		}
	}
	if t.Rating != 0 {
		ls = append(ls, o.t(i18n.CardRating, t.Rating))
	}
	if t.MergedInto != 0 {
		ls = append(ls, o.t(i18n.CardMergedInto, t.MergedInto))
	}
	ls = append(ls, due...)
	if o.d.cfg.PageURL != nil {
		u, err := o.d.cfg.PageURL(o.tx, t, reporter)
		if err != nil {
			return "", err
		}
		if u != "" {
			ls = append(ls, u)
		}
	}
	return lines(ls...), nil
}

// staffCard is what staff see in their group on platform p.
func (o *op) staffCard(t *store.Ticket, p bot.PlatformID) string {
	reporter := "?"
	if p, err := o.person(t.ReporterID); err == nil {
		reporter = p.Label()
	}
	commName := ""
	if o.comm != nil {
		commName = o.comm.Name
	}
	ls := []string{
		o.t(i18n.CardStaffTitle, t.ID, o.kindName(t), commName),
		o.t(i18n.CardReporter, reporter),
		o.t(i18n.CardText, t.Text),
		o.t(i18n.CardStatus, o.t(i18n.Status(t.Status))),
	}
	if t.AssigneeID != 0 {
		if a, err := o.person(t.AssigneeID); err == nil {
			ls = append(ls, o.t(i18n.CardAssignee, a.Label()))
		}
	}
	if t.FirstResponseAt.IsZero() && t.Active() {
		ls = append(ls, o.t(i18n.CardFirstDue, o.when(t.FirstResponseDue)))
	}
	if t.Active() {
		ls = append(ls, o.t(i18n.CardResolveDue, o.when(t.ResolveDue)))
	}
	if t.Rating != 0 {
		ls = append(ls, o.t(i18n.CardRating, t.Rating))
	}
	if t.Status == store.StatusOpen {
		if Quotes(p) {
			ls = append(ls, o.t(i18n.CardStaffHint, t.ID, t.ID))
		} else {
			ls = append(ls, o.t(i18n.CardStaffHintRef, t.ID, t.ID, t.ID))
		}
	}
	return lines(ls...)
}

func (o *op) staffButtons(p bot.PlatformID, t *store.Ticket) [][]bot.Button {
	if !o.d.cfg.Buttons[p] {
		return nil
	}
	id := strconv.FormatInt(t.ID, 10)
	switch t.Status {
	case store.StatusOpen:
		return [][]bot.Button{{{Text: o.t(i18n.BtnTake), Data: "t:" + id + ":take"}, {Text: o.t(i18n.BtnResolve), Data: "t:" + id + ":resolve"}}}
	case store.StatusInProgress, store.StatusOnHold:
		return [][]bot.Button{{{Text: o.t(i18n.BtnResolve), Data: "t:" + id + ":resolve"}}}
	case store.StatusResolved, store.StatusClosed:
		if t.MergedInto != 0 {
			return nil // its news is the other ticket's now
		}
		return [][]bot.Button{{{Text: o.t(i18n.BtnReopen), Data: "t:" + id + ":reopen"}}}
	}
	return nil
}

// staffOut is a staff card for a chat, with the ticket's first photo (the
// card is then the photo's caption).
func (o *op) staffOut(t *store.Ticket, p bot.PlatformID, chat bot.ChatID, photo *store.TicketAttachment) store.Out {
	out := store.Out{
		Platform: p, Chat: chat, Text: o.staffCard(t, p), Buttons: o.staffButtons(p, t),
		TicketID: t.ID, LinkRole: "staff_card",
	}
	if photo != nil {
		out.Attachment = photo.Outgoing(p)
	}
	return out
}

// refreshCards edits the ticket's cards in place where the platform can.
func (o *op) refreshCards(t *store.Ticket) error {
	for _, card := range []struct {
		row   int64
		staff bool
	}{{t.StaffCard, true}, {t.ResidentCard, false}} {
		if card.row == 0 {
			continue
		}
		orig, err := o.tx.OutboxRowByID(card.row)
		if err != nil {
			return err
		}
		if !o.d.cfg.Editable[orig.Platform] {
			continue
		}
		out := store.Out{Platform: orig.Platform, Chat: orig.Chat, EditOf: card.row, TicketID: t.ID}
		if card.staff {
			merged, err := o.mergedLine(t, true)
			if err != nil {
				return err
			}
			out.Text, out.Buttons = lines(o.staffCard(t, orig.Platform), merged), o.staffButtons(orig.Platform, t)
			// A card sent as a photo's caption is edited as a caption.
			photo, err := firstPhoto(o.tx, t.ID)
			if err != nil {
				return err
			}
			if photo != nil {
				out.Attachment = photo.Outgoing(orig.Platform)
			}
		} else {
			reporter, err := o.reporterChat(t, orig.Platform, orig.Chat)
			if err != nil {
				return err
			}
			if out.Text, err = o.residentCard(t, reporter); err != nil {
				return err
			}
		}
		if _, err := o.tx.Enqueue(out); err != nil {
			return err
		}
	}
	return nil
}

// reporterChat reports whether a chat is the ticket's reporter's private
// chat with the bot: only a card there may carry the reporter's link. A
// chat unknown counts as a group.
func (o *op) reporterChat(t *store.Ticket, p bot.PlatformID, chat bot.ChatID) (bool, error) {
	c, err := o.tx.ChatByKey(p, chat)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if c.Kind != bot.Private {
		return false, nil
	}
	r, err := o.person(t.ReporterID)
	if err != nil {
		return false, err
	}
	return r.Platform == p && (r.PrivateChat == chat || bot.ChatID(r.Key) == chat), nil
}

// cardChanged reports whether anything a card shows differs.
func cardChanged(a, b *store.Ticket) bool {
	return a.Status != b.Status || a.AssigneeID != b.AssigneeID || a.Rating != b.Rating ||
		a.FirstResponseAt.IsZero() != b.FirstResponseAt.IsZero() || !a.ResolveDue.Equal(b.ResolveDue)
}

// firstPhoto returns a ticket's first photo, or nil.
func firstPhoto(tx *store.Tx, ticketID int64) (*store.TicketAttachment, error) {
	as, err := tx.TicketAttachments(ticketID)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if a.Kind == "photo" {
			return a, nil
		}
	}
	return nil, nil
}

// Quotes reports whether replies on a platform say what they reply to.
// WeChat's web protocol does not (openwechat cannot read quotes), so there
// people refer to a ticket by its number instead.
func Quotes(p bot.PlatformID) bool { return p != bot.WeChat }

func lines(ls ...string) string { return i18n.Lines(ls...) }
