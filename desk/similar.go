package desk

import (
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// similarHint is the line of a new ticket's card that points its reporter to
// the earliest recent ticket that looks the same (same community, last 24
// hours, still active), so they can follow it instead; "" when there is none.
func (o *op) similarHint(t *store.Ticket) (string, error) {
	sim, err := o.d.recent.similar(o.tx, t)
	if err != nil || sim == nil {
		return "", err
	}
	// The hint quotes the other ticket: only a repair whose text its
	// community may read (store.TicketAccess.SeesText), never a complaint.
	other, err := o.tx.Ticket(sim.ID)
	if err != nil {
		return "", err
	}
	origin, err := o.tx.ChatByID(other.OriginChatID)
	if err != nil {
		return "", err
	}
	if !(store.TicketAccess{Member: true}).SeesText(other, origin.Kind == bot.Group) {
		return "", nil
	}
	return o.t(i18n.MeTooHint, sim.ID, i18n.Clip(sim.Text, 30), sim.ID), nil
}

// Two texts are alike by the Jaccard index of their character bigrams, which
// works for Chinese, which has no spaces. bigrams returns a text's distinct
// bigrams of letters and digits, case-folded, each packed in a uint64, sorted.
func bigrams(s string) []uint64 {
	var prev rune = -1
	out := make([]uint64, 0, len(s)/2)
	for _, c := range s {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			continue
		}
		c = unicode.ToLower(c)
		if prev >= 0 {
			out = append(out, uint64(prev)<<32|uint64(c))
		}
		prev = c
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sameNumbers reports whether two texts could be about the same thing as
// far as their numbers go: "2号楼第2单元" and "1号楼第1单元" share most
// bigrams but not the building. The numbers are compared in order, as far
// as the shorter list goes, so that one text saying more ("3号楼电梯坏了2天")
// is still like the other ("3号楼电梯坏了").
func sameNumbers(a, b string) bool {
	na, nb := numbers(a), numbers(b)
	for i := range min(len(na), len(nb)) {
		if na[i] != nb[i] {
			return false
		}
	}
	return true
}

// numbers lists the numbers a text writes in digits (full-width ones too),
// without leading zeros.
func numbers(s string) []string {
	var out []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			n := strings.TrimLeft(string(cur), "0")
			if n == "" {
				n = "0"
			}
			out = append(out, n)
			cur = cur[:0]
		}
	}
	for _, c := range s {
		if c >= '０' && c <= '９' {
			c = '0' + (c - '０')
		}
		if c >= '0' && c <= '9' {
			cur = append(cur, byte(c))
			continue
		}
		flush()
	}
	flush()
	return out
}

// jaccard is |a∩b| / |a∪b| of two sorted sets (0 when either is empty).
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// hintWindow and hintCandidates bound the duplicate hint: a new ticket is
// compared with its community's latest tickets of the last day.
const (
	hintWindow     = 24 * time.Hour
	hintCandidates = 50
	hintThreshold  = 0.5 // Jaccard index of the texts' bigrams
)

// recentTickets remembers each community's latest tickets with their bigram
// sets, so that filing a ticket compares it with the day's others in memory
// instead of reading them all back from the database (it ran for every
// ticket, and was the biggest part of filing one). A community's list is read
// from the database once, on its first ticket after a start.
//
// The list is only a list of candidates: a ticket is added when it is
// created, before its transaction commits, and may have been rolled back or
// closed since. The one candidate that matches is checked in the database
// (it must exist with the same reporter and text, and still be active) before
// the hint names it.
type recentTickets struct {
	mu sync.Mutex
	by map[int64][]recentTicket // community → oldest first, at most hintCandidates
}

type recentTicket struct {
	store.TicketBrief
	grams []uint64
}

// similar returns the earliest still-active ticket like t from someone else,
// or nil, and remembers t. (The earliest: in a burst of reports of one
// fault, every card points to the first report, not to a chain of them.)
func (c *recentTickets) similar(tx *store.Tx, t *store.Ticket) (*store.TicketBrief, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	since := tx.Now().Add(-hintWindow)
	list, ok := c.by[t.CommunityID]
	if !ok {
		rows, err := tx.RecentActiveTickets(t.CommunityID, since, hintCandidates)
		if err != nil {
			return nil, err
		}
		for i := len(rows) - 1; i >= 0; i-- { // newest first → oldest first
			if rows[i].ID != t.ID {
				list = append(list, recentTicket{TicketBrief: rows[i], grams: bigrams(rows[i].Text)})
			}
		}
	}
	mine := bigrams(t.Text)
	var found *store.TicketBrief
	for i := 0; i < len(list) && found == nil; i++ {
		o := &list[i]
		if o.ID == t.ID || o.ReporterID == t.ReporterID || o.CreatedAt.Before(since) || jaccard(o.grams, mine) < hintThreshold ||
			!sameNumbers(o.Text, t.Text) {
			continue
		}
		now, err := tx.TicketBrief(o.ID)
		if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
			return nil, err
		}
		if err == nil && now.ReporterID == o.ReporterID && now.Text == o.Text && now.Active() {
			found = now
			continue
		}
		// Rolled back, or closed: no longer a candidate.
		list = slices.Delete(list, i, i+1)
		i--
	}
	list = append(list, recentTicket{TicketBrief: store.TicketBrief{ID: t.ID, ReporterID: t.ReporterID, Status: t.Status, Text: t.Text, CreatedAt: t.CreatedAt}, grams: mine})
	if over := len(list) - hintCandidates; over > 0 {
		list = slices.Delete(list, 0, over)
	}
	if c.by == nil {
		c.by = make(map[int64][]recentTicket)
	}
	c.by[t.CommunityID] = list
	return found, nil
}
