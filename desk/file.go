package desk

import (
	"strings"
	"unicode"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Filing is a new ticket: what a resident reported, and where.
type Filing struct {
	Kind      string // store.KindRepair or store.KindComplaint
	Text      string
	Community *store.Community // the community it is filed in
	// Chat, MsgID and Thread are the message that filed it: the resident's
	// card answers it there, and later news comes back to that thread.
	Chat        *store.Chat
	MsgID       bot.MessageID
	Thread      string
	Attachments []bot.Attachment
}

// File files a new ticket (repair or complaint) for the actor: the resident
// gets the ticket's card as an answer to the message (with a hint at a
// like ticket they may follow instead), every staff group of the community
// a staff card with the first photo; with no staff group, the managers are
// told. The Outcome's Ticket is the new ticket.
func (d *Desk) File(tx *store.Tx, a Actor, f Filing) (Outcome, error) {
	if f.Community == nil {
		return Outcome{}, store.Errorf(store.EINVALID, "no_community_set")
	}
	if a.Person == nil || f.Chat == nil {
		return Outcome{}, store.Errorf(store.EINVALID, "no_community_set")
	}
	if a.Scope != 0 && a.Scope != f.Community.ID {
		return Outcome{}, store.Errorf(store.EUNAUTHORIZED, "not_reporter")
	}
	t, err := tx.CreateTicket(store.NewTicket{Community: f.Community, Kind: f.Kind, Text: f.Text, Reporter: a.Person,
		Chat: f.Chat, MsgID: f.MsgID, Thread: f.Thread})
	if err != nil {
		return Outcome{}, err
	}
	o := d.in(tx, a, f.Community)
	// The message's attachments are all the new ticket has; the staff card
	// shows its first photo.
	var photo *store.TicketAttachment
	for _, at := range f.Attachments {
		saved, err := tx.SaveAttachment(t.ID, f.Chat.Platform, at, d.cfg.DataDir)
		if err != nil {
			return Outcome{}, err
		}
		if photo == nil && saved.Kind == "photo" {
			photo = saved
		}
	}
	// One message per ticket: a hint at a like ticket is part of the card.
	similar, err := o.similarHint(t)
	if err != nil {
		return Outcome{}, err
	}
	// The card answers the reporter where they wrote: in a private chat it
	// is theirs alone, and links their own page.
	card, err := o.residentCard(t, f.Chat.Kind == bot.Private)
	if err != nil {
		return Outcome{}, err
	}
	resCard, err := tx.Enqueue(store.Out{
		Platform: f.Chat.Platform, Chat: f.Chat.Key, Thread: f.Thread, ReplyTo: f.MsgID,
		Text: lines(card, o.whichCommunity(), o.createdHint(t, f.Chat.Platform), similar), TicketID: t.ID, LinkRole: "card",
	})
	if err != nil {
		return Outcome{}, err
	}
	staffCard, err := o.postStaffCards(t, photo)
	if err != nil {
		return Outcome{}, err
	}
	if err := tx.SetCards(t.ID, resCard, staffCard); err != nil {
		return Outcome{}, err
	}
	t.ResidentCard, t.StaffCard = resCard, staffCard
	return Outcome{Ticket: t}, nil
}

// Card is a ticket's resident card as the actor reads it (in /status): in a
// private chat of someone in several communities, it names the community.
// Its link is the reporter's own page when the reporter asks privately,
// the read-only view page anywhere else.
func (d *Desk) Card(tx *store.Tx, a Actor, t *store.Ticket) (string, error) {
	o, err := d.on(tx, a, t.CommunityID)
	if err != nil {
		return "", err
	}
	card, err := o.residentCard(t, a.Where == InPrivate && a.Person != nil && a.Person.ID == t.ReporterID)
	if err != nil {
		return "", err
	}
	return lines(card, o.whichCommunity()), nil
}

// whichCommunity names the ticket's community on its card, in a private
// chat of someone who belongs to more than one (a group is one community's).
func (o *op) whichCommunity() string {
	ms := o.a.Person.Memberships
	if o.a.Where != InPrivate || (len(ms.Communities()) < 2 && !ms.CompanyWide()) || o.comm == nil {
		return ""
	}
	return o.t(i18n.CardCommunity, o.comm.Name)
}

func (o *op) createdHint(t *store.Ticket, p bot.PlatformID) string {
	if Quotes(p) {
		return o.t(i18n.CardCreatedOK)
	}
	return o.t(i18n.CardCreatedOKRef, t.ID)
}

// postStaffCards sends the staff card of a new ticket, with its photo if it
// has one, to every staff group of the ticket's community and returns the
// first card's outbox row.
func (o *op) postStaffCards(t *store.Ticket, photo *store.TicketAttachment) (int64, error) {
	chats, err := o.tx.CommunityChats(t.CommunityID, store.RoleStaffChat)
	if err != nil {
		return 0, err
	}
	var first int64
	for _, c := range chats {
		id, err := o.tx.Enqueue(o.staffOut(t, c.Platform, c.Key, photo))
		if err != nil {
			return 0, err
		}
		if first == 0 {
			first = id
		}
	}
	if len(chats) == 0 {
		// Nobody would hear of it: the managers do, and binding a staff
		// group later posts it there (PostMissedCards).
		name, text := o.comm.Name, i18n.Clip(t.Text, 60)
		if err := o.notifyManagers(t.CommunityID, func(lang string) string {
			return i18n.T(lang, i18n.NoStaffGroup, name, t.ID, text, quoteName(name))
		}); err != nil {
			return 0, err
		}
	}
	return first, nil
}

// MissedTickets lists, oldest first, a community's open tickets that no
// staff group received (filed while it had none).
func (d *Desk) MissedTickets(tx *store.Tx, communityID int64) ([]*store.Ticket, error) {
	ts, err := tx.Tickets(store.TicketFilter{CommunityID: communityID, Active: true})
	if err != nil {
		return nil, err
	}
	var out []*store.Ticket
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].StaffCard == 0 {
			out = append(out, ts[i])
		}
	}
	return out, nil
}

// PostMissedCards posts the cards of missed tickets (MissedTickets) in a
// staff group just bound; they become the tickets' staff cards.
func (d *Desk) PostMissedCards(tx *store.Tx, chat *store.Chat, ts []*store.Ticket) error {
	for _, t := range ts {
		o, err := d.on(tx, Actor{Where: ByJob}, t.CommunityID)
		if err != nil {
			return err
		}
		photo, err := firstPhoto(tx, t.ID)
		if err != nil {
			return err
		}
		id, err := tx.Enqueue(o.staffOut(t, chat.Platform, chat.Key, photo))
		if err != nil {
			return err
		}
		if err := tx.SetCards(t.ID, 0, id); err != nil {
			return err
		}
	}
	return nil
}

// quoteName quotes a community name with spaces, as a command takes it.
func quoteName(name string) string {
	if strings.ContainsFunc(name, unicode.IsSpace) {
		return `"` + name + `"`
	}
	return name
}
