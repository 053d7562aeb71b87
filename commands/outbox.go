package commands

import (
	"strconv"
	"strings"

	"github.com/linli/linli/i18n"
)

// outbox shows managers what is waiting or could not be delivered:
// "/outbox" counts, "/outbox failed" lists parked messages, "/outbox held"
// those waiting for a service-account follower to write again (they are
// pending, not failed), "/outbox retry ID" re-queues one.
func (r *req) outbox() error {
	f := strings.Fields(r.p.Args)
	switch {
	case len(f) == 0:
		st, err := r.tx.OutboxStats()
		if err != nil {
			return err
		}
		oldest := r.t(i18n.OutboxNoneWaiting)
		if !st.OldestPending.IsZero() {
			oldest = r.t(i18n.OutboxOldest, r.when(st.OldestPending))
		}
		text := r.t(i18n.OutboxStats, st.Pending-st.Held, st.Failed, oldest)
		if st.Held > 0 {
			text = lines(text, r.t(i18n.OutboxHeld, st.Held))
		}
		return r.reply(text)
	case f[0] == "held" || f[0] == "等待":
		rows, err := r.tx.HeldOutbox(20)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return r.reply(r.t(i18n.OutboxNoHeld))
		}
		ls := []string{r.t(i18n.OutboxHeldHeader, len(rows))}
		for _, row := range rows {
			ls = append(ls, r.t(i18n.OutboxHeldLine, row.ID, string(row.Platform), string(row.Chat), truncate(row.Text, 30), r.when(row.HeldSince)))
		}
		return r.reply(lines(ls...))
	case f[0] == "failed" || f[0] == "失败":
		rows, err := r.tx.FailedOutbox(20)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return r.reply(r.t(i18n.OutboxNoFailed))
		}
		ls := []string{r.t(i18n.OutboxFailedHeader, len(rows))}
		for _, row := range rows {
			ls = append(ls, r.t(i18n.OutboxFailedLine, row.ID, string(row.Platform), string(row.Chat), truncate(row.Text, 30), truncate(row.LastError, 60)))
		}
		return r.reply(lines(ls...))
	case (f[0] == "retry" || f[0] == "重发") && len(f) == 2:
		id, err := strconv.ParseInt(strings.TrimPrefix(foldWidth(f[1]), "#"), 10, 64)
		if err != nil || id <= 0 {
			return usage(i18n.UsageOutbox)
		}
		if err := r.tx.RequeueOutbox(id); err != nil {
			return err
		}
		return r.reply(r.t(i18n.OutboxRequeued, id))
	}
	return usage(i18n.UsageOutbox)
}
