package schedules

import (
	"context"
	"time"

	"github.com/linli/linli/board"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// digestWindow is how late a daily board may go out when catch-up is off:
// the job runs every minute, so a few minutes cover a slow or skipped run.
const digestWindow = 10 * time.Minute

// board (every minute) keeps the bulletin boards up to date: each pinned
// board whose content changed is edited in place (commands refresh them at
// once too, at most once a minute per group; this catches up the rest and
// what jobs changed), and at the digest time the daily board goes to the
// groups of platforms that cannot pin. It also forgets announcements older
// than store.AnnouncementKeep.
func (s *Scheduler) board(ctx context.Context) (string, error) {
	var refreshed, digests int
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.PruneAnnouncements(); err != nil {
			return err
		}
		o := board.Options{Styles: s.cfg.Boards, Location: s.cfg.Location, Grace: max(s.cfg.Grace, digestWindow)}
		var err error
		if refreshed, err = board.Refresh(tx, o); err != nil {
			return err
		}
		digests, err = board.Digest(tx, o)
		return err
	})
	return i18n.T(s.cfg.Lang, i18n.JobResultBoard, refreshed, digests), err
}
