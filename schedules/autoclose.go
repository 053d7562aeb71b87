package schedules

import (
	"context"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// AutocloseAfter is how long a resolved ticket waits for its rating.
const AutocloseAfter = 3 * 24 * time.Hour

// autoclose closes resolved tickets nobody rated within AutocloseAfter
// through the desk: the cards are edited, the resident is told in the
// ticket's thread how to reopen it, and the followers hear of it.
func (s *Scheduler) autoclose(ctx context.Context) (string, error) {
	closed := 0
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		closed = 0
		run := s.desk.Run(tx)
		ts, err := tx.ResolvedUnratedBefore(tx.Now().Add(-AutocloseAfter))
		if err != nil {
			return err
		}
		for _, t := range ts {
			// The cards show it closed; the resident hears how to reopen
			// it, the followers that it is closed (desk.Run.Close).
			if _, err := run.Close(t); err != nil {
				return err
			}
			closed++
		}
		return nil
	})
	return i18n.T(s.cfg.Lang, i18n.JobResultAutoClose, closed), err
}
