package store_test

import (
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
