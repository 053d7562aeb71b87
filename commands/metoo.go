package commands

import (
	"strings"
	"time"
	"unicode"

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
		if r.p.Form == FormBare {
			return errSkip // a "+1" in passing, about nothing we track
		}
		return usage("metoo")
	}
	t, err := r.ticketFor(id)
	if err != nil {
		return err
	}
	switch {
	case t.ReporterID == r.me.ID:
		return r.reply(r.t("metoo.own", t.ID))
	case !t.Active():
		return r.reply(r.t("metoo.closed", t.ID))
	}
	added, err := r.tx.Follow(t.ID, r.me.ID)
	if err != nil {
		return err
	}
	if !added {
		return r.reply(r.t("metoo.already", t.ID))
	}
	fs, err := r.tx.Followers(t.ID)
	if err != nil {
		return err
	}
	if err := r.toStaff(t, r.t("metoo.staff", t.ID, r.me.Label(), len(fs)+1)); err != nil {
		return err
	}
	return r.reply(r.t("metoo.done", t.ID, len(fs)+1))
}

// similarHint points a new ticket's reporter to a recent ticket that looks
// the same (same community, last 24 hours), so they can follow it instead.
func (r *req) similarHint(t *store.Ticket) error {
	recent, err := r.tx.RecentTickets(t.CommunityID, r.tx.Now().Add(-24*time.Hour), 50)
	if err != nil {
		return err
	}
	for _, o := range recent {
		if o.ID == t.ID || o.ReporterID == t.ReporterID || !o.Active() {
			continue
		}
		if similarity(o.Text, t.Text) >= 0.5 {
			_, err := r.tx.Enqueue(storeOut(r, r.t("metoo.hint", o.ID, truncate(o.Text, 30)), o.ID))
			return err
		}
	}
	return nil
}

// storeOut is a reply in the message's chat linked to a ticket, so that
// replying "+1" to it follows that ticket.
func storeOut(r *req, text string, ticketID int64) store.Out {
	return store.Out{Platform: r.m.Platform, Chat: r.m.Chat, Thread: r.m.Thread, ReplyTo: r.m.ID, Text: text, TicketID: ticketID, LinkRole: "hint"}
}

// similarity is the Jaccard index of two texts' character bigrams (letters
// and digits only, case-folded). It works for Chinese, which has no spaces.
func similarity(a, b string) float64 {
	ga, gb := bigrams(a), bigrams(b)
	if len(ga) == 0 || len(gb) == 0 {
		return 0
	}
	inter := 0
	for g := range ga {
		if gb[g] {
			inter++
		}
	}
	return float64(inter) / float64(len(ga)+len(gb)-inter)
}

func bigrams(s string) map[[2]rune]bool {
	var rs []rune
	for _, c := range strings.ToLower(s) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			rs = append(rs, c)
		}
	}
	out := map[[2]rune]bool{}
	for i := 0; i+1 < len(rs); i++ {
		out[[2]rune{rs[i], rs[i+1]}] = true
	}
	return out
}
