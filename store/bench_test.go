package store_test

import (
	"fmt"

	"testing"

	gen "github.com/linli/linli/internal/fixture"
)

// BenchmarkRawInsert is the storage limit: one transaction per ticket with a
// ticket row, an event row and an outbox row, through the store's own DSN and
// pragmas (synchronous=FULL: each commit waits for the disk).
func BenchmarkRawInsert(b *testing.B) {
	rate := gen.RawInserts(b, b.TempDir(), b.N)
	b.ReportMetric(rate, "tickets/s")
}

// BenchmarkIngestFloor is the least that filing a ticket can write
// (fixture.FloorInserts: the inbox row, the ticket, its event and two cards,
// in a savepoint each), with as many messages to a transaction as
// BenchmarkIngest has senders. mean-ms is what that rate leaves for a
// message's latency when that many senders each wait for their answer
// (Little's law: senders ÷ rate), a lower bound of BenchmarkIngest's p50.
func BenchmarkIngestFloor(b *testing.B) {
	for _, group := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("senders=%d", group), func(b *testing.B) {
			rate := gen.FloorInserts(b, b.TempDir(), b.N, group)
			b.ReportMetric(rate, "tickets/s")
			b.ReportMetric(float64(group)/rate*1000, "mean-ms")
		})
	}
}
