package commands_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/internal/fixture"
)

// BenchmarkIngest measures a tagged group message end to end through the
// handler: parsed, deduplicated, ticket + event + cards in the outbox,
// committed. It reports tickets/s and the p50/p99 latency of one message,
// and the rate as a share of the storage limit measured just before and
// after on the same machine (x-raw: fixture.RawInserts, as BenchmarkRawInsert;
// target 0.8). Concurrent messages share transactions (group commit).
// BenchmarkIngestFloor (store) is the same with nothing but the rows a ticket
// must write.
func BenchmarkIngest(b *testing.B) {
	for _, senders := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			h := newHarness(b)
			h.cfg.ThrottleCount = 1 << 30
			svc := h.svcWith(h.cfg)
			fixture.AgainstRaw(b, func() float64 {
				return fixture.ClosedLoop(b, senders, func(i int) error {
					m := bot.Message{Platform: bot.Telegram, Chat: residentGroup, ChatKind: bot.Group, ID: bot.MessageID(fmt.Sprint("b", i)),
						Sender: bot.UserID(fmt.Sprint(10000 + i%5000)), SenderName: "业主", Text: fmt.Sprintf("#报修 %d号楼 %d 单元水管漏水", i%40, i), BotNames: []string{"Linli_bot"}}
					return svc.Handle(context.Background(), &m)
				})
			})
		})
	}
}
