package commands_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/internal/fixture"
)

// BenchmarkIngest measures a tagged group message end to end through the
// handler: parsed, deduplicated, ticket + event + cards in the outbox,
// committed. It reports tickets/s and the p50/p99 latency of one message,
// and the rate as a share of the storage limit measured just before on the
// same machine (x-raw: fixture.RawInserts, as BenchmarkRawInsert; target
// 0.8). Concurrent messages share transactions (group commit).
func BenchmarkIngest(b *testing.B) {
	for _, senders := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			// The disk is shared and noisy: the storage limit is measured
			// before and after, and the mean taken.
			raw := fixture.RawInserts(b, b.TempDir(), 1000)
			h := newHarness(b)
			h.cfg.ThrottleCount = 1 << 30
			svc := h.svcWith(h.cfg)
			var next atomic.Int64
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := 0; w < senders; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						m := bot.Message{Platform: bot.Telegram, Chat: residentGroup, ChatKind: bot.Group, ID: bot.MessageID(fmt.Sprint("b", i)),
							Sender: bot.UserID(fmt.Sprint(10000 + i%5000)), SenderName: "业主", Text: fmt.Sprintf("#报修 %d号楼 %d 单元水管漏水", i%40, i), BotNames: []string{"Linli_bot"}}
						start := time.Now()
						if err := svc.Handle(context.Background(), &m); err != nil {
							b.Error(err)
							return
						}
						lat[i] = time.Since(start)
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			rate := float64(b.N) / b.Elapsed().Seconds()
			raw = (raw + fixture.RawInserts(b, b.TempDir(), 1000)) / 2
			b.ReportMetric(rate, "tickets/s")
			b.ReportMetric(raw, "raw-tickets/s")
			b.ReportMetric(rate/raw, "x-raw")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
