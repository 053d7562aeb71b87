package schedules

import (
	"context"
	"time"

	"github.com/linli/linli/i18n"
)

// DefaultRetention is how long handled messages' ids and sent messages are
// kept (Config.Retention): 30 days.
const DefaultRetention = 30 * 24 * time.Hour

// retention (daily) prunes what the bot no longer needs once it is older
// than Config.Retention: the inbox's ids of handled messages and the
// outbox's sent messages that nothing refers to any more (store.DB.Prune).
// Nothing unsent is ever pruned, nor a ticket's cards, a board's message or
// a poll's post. It also removes the photos and files kept under
// Config.DataDir that no ticket or message refers to (their transaction
// failed after they were written, store.KeepFiles) and that are as old.
func (s *Scheduler) retention(ctx context.Context) (string, error) {
	before := s.db.Now().Add(-s.cfg.Retention)
	p, err := s.db.Prune(ctx, before)
	if err != nil {
		return "", err
	}
	res := i18n.T(s.cfg.Lang, i18n.JobResultRetention, p.Inbox, p.Outbox, int(s.cfg.Retention.Hours()/24))
	if s.cfg.DataDir != "" {
		n, err := s.db.PruneFiles(ctx, s.cfg.DataDir, before)
		if err != nil {
			return "", err
		}
		if n > 0 {
			res += i18n.T(s.cfg.Lang, i18n.JobResultRetentionFiles, n)
		}
	}
	return res, nil
}
