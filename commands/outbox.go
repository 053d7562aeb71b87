package commands

import (
	"strconv"
	"strings"
)

// outbox shows managers what is waiting or could not be delivered:
// "/outbox" counts, "/outbox failed" lists parked messages, "/outbox retry ID" re-queues one.
func (r *req) outbox() error {
	f := strings.Fields(r.p.Args)
	switch {
	case len(f) == 0:
		st, err := r.tx.OutboxStats()
		if err != nil {
			return err
		}
		oldest := r.t("outbox.none_waiting")
		if !st.OldestPending.IsZero() {
			oldest = r.t("outbox.oldest", r.when(st.OldestPending))
		}
		return r.reply(r.t("outbox.stats", st.Pending, st.Failed, oldest))
	case f[0] == "failed" || f[0] == "失败":
		rows, err := r.tx.FailedOutbox(20)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return r.reply(r.t("outbox.no_failed"))
		}
		ls := []string{r.t("outbox.failed_header", len(rows))}
		for _, row := range rows {
			ls = append(ls, r.t("outbox.failed_line", row.ID, string(row.Platform), string(row.Chat), truncate(row.Text, 30), truncate(row.LastError, 60)))
		}
		return r.reply(lines(ls...))
	case (f[0] == "retry" || f[0] == "重发") && len(f) == 2:
		id, err := strconv.ParseInt(strings.TrimPrefix(f[1], "#"), 10, 64)
		if err != nil || id <= 0 {
			return usage("outbox")
		}
		if err := r.tx.RequeueOutbox(id); err != nil {
			return err
		}
		return r.reply(r.t("outbox.requeued", id))
	}
	return usage("outbox")
}

var outboxMessages = map[string]map[string]string{
	"zh": {
		"outbox.stats":         "发件箱：待发送 %d 条，发送失败 %d 条。%s\n/outbox failed 查看失败的消息，/outbox retry 编号 重新发送。",
		"outbox.oldest":        "最早一条排队自 %s。",
		"outbox.none_waiting":  "没有排队的消息。",
		"outbox.no_failed":     "没有发送失败的消息。",
		"outbox.failed_header": "发送失败的消息（最近 %d 条）：",
		"outbox.failed_line":   "%d · %s %s · “%s” · 原因：%s",
		"outbox.requeued":      "已将 %d 号消息放回发件箱，马上重新发送。",
		"err.no_outbox_row":    "没有找到发送失败的 %v 号消息。",
		"usage.outbox":         "/outbox [failed | retry 编号]",
	},
	"en": {
		"outbox.stats":         "Outbox: %d waiting, %d failed. %s\n/outbox failed lists the failed ones; /outbox retry ID sends one again.",
		"outbox.oldest":        "The oldest has waited since %s.",
		"outbox.none_waiting":  "Nothing is waiting.",
		"outbox.no_failed":     "No message has failed.",
		"outbox.failed_header": "Failed messages (latest %d):",
		"outbox.failed_line":   "%d · %s %s · \"%s\" · reason: %s",
		"outbox.requeued":      "Message %d is back in the outbox and will be sent again now.",
		"err.no_outbox_row":    "There is no failed message %v.",
		"usage.outbox":         "/outbox [failed | retry ID]",
	},
}
