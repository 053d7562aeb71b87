package desk

import (
	"fmt"
	"slices"
	"strings"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// merge folds duplicates into t (/merge N M…): each duplicate closes as
// merged into t, its reporter and followers follow t, its resident hears so
// in its thread, and the cards of both are edited. Every duplicate must be
// an active ticket of t's community; the actor is its staff (Act checked t).
func (o *op) merge(t *store.Ticket, ids []int64) (Outcome, error) {
	if len(ids) == 0 {
		return Outcome{}, store.Errorf(store.EINVALID, "usage", i18n.UsageMerge)
	}
	var dups []*store.Ticket
	seen := map[int64]bool{}
	for _, id := range ids {
		if id == t.ID {
			return Outcome{}, store.Errorf(store.EINVALID, "merge_self", t.ID)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		dup, acc, err := o.d.Ticket(o.tx, o.a, id)
		if err != nil {
			return Outcome{}, err
		}
		switch {
		case dup.CommunityID != t.CommunityID:
			return Outcome{}, store.Errorf(store.EINVALID, "merge_other_community", dup.ID, t.ID)
		case !acc.Staff:
			return Outcome{}, store.Errorf(store.EUNAUTHORIZED, "not_staff")
		case dup.MergedInto != 0:
			return Outcome{}, store.Errorf(store.EINVALID, "merged", dup.ID, dup.MergedInto, dup.MergedInto)
		case !dup.Active():
			return Outcome{}, store.Errorf(store.EINVALID, "bad_transition", dup.ID, string(ActMerge), dup.Status)
		}
		dups = append(dups, dup)
	}
	if !t.Active() {
		return Outcome{}, store.Errorf(store.EINVALID, "bad_transition", t.ID, string(ActMerge), t.Status)
	}
	var nums []string
	for _, dup := range dups {
		into, after, err := o.tx.Merge(t, dup, o.me())
		if err != nil {
			return Outcome{}, err
		}
		t = into
		if err := o.refreshCards(after); err != nil {
			return Outcome{}, err
		}
		if err := o.toResident(after, o.t(i18n.MergedResident, dup.ID, t.ID, t.ID, t.ID), "", nil); err != nil {
			return Outcome{}, err
		}
		nums = append(nums, fmt.Sprintf("#%d", dup.ID))
	}
	if err := o.refreshCards(t); err != nil {
		return Outcome{}, err
	}
	list := strings.Join(nums, o.t(i18n.ListSep))
	if err := o.toStaff(t, o.t(i18n.MergeStaff, o.label(), list, t.ID)); err != nil {
		return Outcome{}, err
	}
	return answer(t, i18n.MergeDone, list, t.ID, t.ID), nil
}

// mergedLine is the line of a card about merges: the ticket a duplicate
// went into, or (on the staff card) the duplicates merged into it.
func (o *op) mergedLine(t *store.Ticket, staff bool) (string, error) {
	if t.MergedInto != 0 {
		return o.t(i18n.CardMergedInto, t.MergedInto), nil
	}
	if !staff {
		return "", nil
	}
	ids, err := o.tx.MergedFrom(t.ID)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	nums := make([]string, 0, len(ids))
	for _, id := range slices.Compact(ids) {
		nums = append(nums, fmt.Sprintf("#%d", id))
	}
	return o.t(i18n.CardMergedFrom, strings.Join(nums, o.t(i18n.ListSep))), nil
}
