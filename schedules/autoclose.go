package schedules

import (
	"context"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// AutocloseAfter is how long a resolved ticket waits for its rating.
const AutocloseAfter = 3 * 24 * time.Hour

// autoclose closes resolved tickets nobody rated within AutocloseAfter, and
// tells the resident in the ticket's thread how to reopen it.
func (s *Scheduler) autoclose(ctx context.Context) (string, error) {
	closed := 0
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		closed = 0
		comms := s.communities(tx)
		ts, err := tx.ResolvedUnratedBefore(tx.Now().Add(-AutocloseAfter))
		if err != nil {
			return err
		}
		for _, t := range ts {
			comm, err := comms.get(t.CommunityID)
			if err != nil {
				return err
			}
			if t, err = tx.Apply(t, store.Change{Action: store.ActClose}); err != nil {
				return err
			}
			if err := toResidentThread(tx, t, i18n.T(comm.Lang, i18n.AutoCloseResident, t.ID, t.ID)); err != nil {
				return err
			}
			closed++
		}
		return nil
	})
	return i18n.T(s.cfg.Lang, i18n.JobResultAutoClose, closed), err
}
