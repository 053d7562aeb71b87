package commands

import (
	"fmt"

	"github.com/linli/linli/i18n"
)

// digestShown is how many of a digest's ticket numbers the question names.
const digestShown = 6

// askWhich answers a reply to a digest (a message that carries several
// tickets, store.Outbox.Coalesce) that names none of them: it asks which one
// is meant. It reports whether the message replied to is a digest.
func (r *req) askWhich() (bool, error) {
	if r.m.ReplyTo == "" {
		return false, nil
	}
	ids, err := r.tx.DigestTickets(r.m.Platform, r.m.Chat, r.m.ReplyTo)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	var nums []string
	for _, id := range ids[:min(len(ids), digestShown)] {
		nums = append(nums, fmt.Sprintf("#%d", id))
	}
	if len(ids) > digestShown {
		nums = append(nums, "…")
	}
	return true, r.reply(r.t(i18n.DigestWhich, len(ids), i18n.List(r.lang, nums), ids[0]))
}
