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
// a poll's post.
func (s *Scheduler) retention(ctx context.Context) (string, error) {
	p, err := s.db.Prune(ctx, s.db.Now().Add(-s.cfg.Retention))
	if err != nil {
		return "", err
	}
	return i18n.T(s.cfg.Lang, i18n.JobResultRetention, p.Inbox, p.Outbox, int(s.cfg.Retention.Hours()/24)), nil
}
