// Package desk is the ticket workflow: the one place that changes tickets.
// Chat commands, jobs and the web desk hand it an actor (who acts, and
// where) and a change; desk checks the rule (rights per community, through
// store.TicketFor), records the event and queues every consequence in the
// caller's transaction: the resident's thread, the followers, the staff
// groups, the managers and the edits of the ticket's cards. It knows none
// of its callers.
package desk

import (
	"log/slog"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Where says where an actor acts.
type Where int

// Where an actor acts: in a group, a private chat, on the web desk, or as
// a job of the bot's own.
const (
	InGroup Where = iota + 1
	InPrivate
	OnWeb
	ByJob
)

// Actor is who acts and where.
type Actor struct {
	Person   *store.Person // Memberships read; nil for a job
	Scope    int64         // the bound group's community when acting in a group; 0 elsewhere
	Where    Where
	Platform bot.PlatformID // the chat they act in (group/private): what is said there is not repeated
	Chat     bot.ChatID
	Button   bool // a button press: the answer is a toast
}

// Config tunes a Desk.
type Config struct {
	// Lang is the language where no community says otherwise.
	Lang string
	// Location is the time zone of communities that set none.
	Location *time.Location
	// Editable lists the platforms whose sent messages can be edited in
	// place (ticket cards are then updated).
	Editable map[bot.PlatformID]bool
	// Buttons lists the platforms that show inline buttons.
	Buttons map[bot.PlatformID]bool
	// DataDir is where photos and files that come with tickets are kept.
	DataDir string
	// PageURL, when set, gives the link to a ticket's page (the web desk
	// implements it): with reporter, the reporter's own page, where they
	// add to the ticket and rate it; else its read-only view page. The
	// resident card shows it on its own line: the reporter's link only on
	// a card sent privately to the reporter, the view link everywhere else
	// (whoever holds the reporter's link acts as the reporter). nil: no link.
	PageURL func(tx *store.Tx, t *store.Ticket, reporter bool) (string, error)
	Log     *slog.Logger
}

// Desk is the ticket workflow. It is safe for concurrent use; every method
// works inside the caller's transaction.
type Desk struct {
	cfg    Config
	recent recentTickets // candidates for the similar-ticket hint (similar.go)
}

// New returns a Desk.
func New(cfg Config) *Desk {
	cfg.Lang = i18n.Normalize(cfg.Lang)
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Desk{cfg: cfg}
}

// ActMerge folds duplicates into a ticket (Change.Merge): their reporters
// and followers follow it, and each closes as merged into it.
const ActMerge store.Action = "merge"

// Change is what an actor does to a ticket.
type Change struct {
	// Action is one of store.ActTake, ActAssign, ActProgress, ActHold,
	// ActResolve, ActReopen, ActCancel, ActRate, ActNote, ActComment,
	// ActClose (jobs) and ActMerge.
	Action      store.Action
	Note        string
	Assignee    *store.Person
	Rating      int
	Merge       []int64          // ActMerge: the duplicates folded into the ticket
	Attachments []bot.Attachment // ActComment: photos that come with a follow-up
}

// Outcome is what came of an action.
type Outcome struct {
	Ticket    *store.Ticket
	Unchanged bool // it already was so: nothing recorded, nothing sent
	key       i18n.Key
	args      []any
	reply     bool
}

// Answer is what the actor is told (toast, reply, or the web's flash), in lang.
func (o Outcome) Answer(lang string) string {
	if o.key == (i18n.Key{}) {
		return ""
	}
	return i18n.T(lang, o.key, o.args...)
}

// Reply reports whether the answer is a reply in the chat even to a button
// press: what residents do themselves is answered where they can read it
// again; staff acknowledgements of a button are toasts.
func (o Outcome) Reply() bool { return o.reply }

func answer(t *store.Ticket, k i18n.Key, args ...any) Outcome {
	return Outcome{Ticket: t, key: k, args: args}
}

func (o Outcome) asReply() Outcome { o.reply = true; return o }

// unchanged is an answer with nothing done: a reply.
func (o Outcome) unchanged() Outcome { o.reply, o.Unchanged = true, true; return o }

// Ticket is the one read: the ticket and what the actor may do with it
// (store.TicketFor, with the actor's memberships and scope). A ticket they
// may not see is ENOTFOUND "no_ticket", as for a number no ticket has.
func (d *Desk) Ticket(tx *store.Tx, a Actor, id int64) (*store.Ticket, store.TicketAccess, error) {
	if a.Where == ByJob && a.Person == nil {
		t, err := tx.Ticket(id)
		return t, store.TicketAccess{Staff: true}, err
	}
	return tx.TicketFor(a.Person, a.Scope, id)
}
