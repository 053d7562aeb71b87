package store

import (
	"database/sql"
	"errors"
)

// TicketAccess is what someone may do with one ticket. Access decides it;
// every command that reads or changes a ticket asks TicketFor, so the rule
// lives here and nowhere else.
type TicketAccess struct {
	// Staff: staff or manager of the ticket's community. They read it
	// whole and work it.
	Staff bool
	// Reporter: they filed it. They read it whole, follow it up, cancel,
	// rate and reopen it.
	Reporter bool
	// Follower: they follow it (/metoo): they hear the office's answers
	// and see its card, never who filed it.
	Follower bool
	// Member: they belong to its community: the notice board's name-free
	// view (number, kind, status).
	Member bool
}

// Sees reports whether the ticket exists for them at all. A ticket they
// may not see is answered like a ticket that does not exist.
func (a TicketAccess) Sees() bool { return a.Staff || a.Reporter || a.Follower || a.Member }

// Whole reports whether they may read everything: the reporter's name,
// the text and the history.
func (a TicketAccess) Whole() bool { return a.Staff || a.Reporter }

// SeesText reports whether they may read the ticket's text. A complaint's
// text is for its reporter and the community's staff only; a repair's also
// for its followers, and for the community's members when it was filed in
// a group (public: everyone there saw it already), not when it was filed
// in a private chat.
func (a TicketAccess) SeesText(t *Ticket, public bool) bool {
	switch {
	case a.Whole():
		return true
	case t.Kind != KindRepair:
		return false
	}
	return a.Follower || (a.Member && public)
}

// Access is the rule of who may see and change a ticket. actor's
// Memberships must be read. scope, when not 0, is the one community the
// actor acts in (the bound group they write in): there, tickets of other
// communities do not exist for anyone, their own included. follower says
// whether the actor follows the ticket.
func Access(actor *Person, scope int64, t *Ticket, follower bool) TicketAccess {
	if actor == nil || t == nil || (scope != 0 && t.CommunityID != scope) {
		return TicketAccess{}
	}
	return TicketAccess{
		Staff:    actor.Memberships.Staff(t.CommunityID),
		Reporter: actor.ID != 0 && t.ReporterID == actor.ID,
		Follower: follower,
		Member:   actor.Memberships.Member(t.CommunityID),
	}
}

// TicketFor reads ticket id for actor (see Access) and what they may do
// with it. A ticket they may not see is ENOTFOUND "no_ticket", exactly as
// a number no ticket has.
func (tx *Tx) TicketFor(actor *Person, scope, id int64) (*Ticket, TicketAccess, error) {
	t, err := tx.Ticket(id)
	if err != nil {
		return nil, TicketAccess{}, err
	}
	acc := Access(actor, scope, t, false)
	if !acc.Whole() && actor != nil && (scope == 0 || t.CommunityID == scope) {
		if acc.Follower, err = tx.Follows(t.ID, actor.ID); err != nil {
			return nil, TicketAccess{}, err
		}
	}
	if !acc.Sees() {
		return nil, acc, Errorf(ENOTFOUND, "no_ticket", id)
	}
	return t, acc, nil
}

// Follows reports whether a person follows a ticket (/metoo).
func (tx *Tx) Follows(ticketID, personID int64) (bool, error) {
	var one int
	err := tx.queryRow(`SELECT 1 FROM ticket_followers WHERE ticket_id = ? AND person_id = ?`, ticketID, personID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
