package desk

import (
	"fmt"

	"github.com/linli/linli/store"
)

func (o *op) merge(t *store.Ticket, ids []int64) (Outcome, error) {
	return Outcome{}, fmt.Errorf("desk: merge of %v into #%d: not built yet", ids, t.ID)
}
