package commands

import (
	"strings"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// metoo makes the sender a co-reporter of a ticket: "/metoo 12", or "+1",
// "同", "我家也是", "me too" as a reply to one of the ticket's messages.
func (r *req) metoo() error {
	var id int64
	if strings.TrimSpace(r.p.Args) != "" {
		n, _, err := r.ticketArg(r.p.Args)
		if err != nil {
			return err
		}
		id = n
	} else if r.m.ReplyTo != "" {
		n, err := r.tx.TicketByMessage(r.m.Platform, r.m.Chat, r.m.ReplyTo)
		if err != nil {
			return err
		}
		id = n
	}
	if id == 0 {
		if asked, err := r.askWhich(); asked || err != nil {
			return err
		}
		if r.p.Form == FormBare {
			return errSkip // a "+1" in passing, about nothing we track
		}
		return usage(i18n.UsageMeToo)
	}
	// Members of the ticket's community may follow it (in a group, only a
	// ticket of the group's community); a complaint is its reporter's own.
	o, err := r.s.desk.Follow(r.tx, r.actor(), id)
	if store.ErrorCode(err) == store.ENOTFOUND && r.p.Form == FormBare {
		return errSkip
	} else if err != nil {
		return err
	}
	return r.tell(o)
}
