package schedules

import (
	"context"
	"path/filepath"

	"github.com/linli/linli/i18n"
)

// backup (daily) writes a consistent copy of the database next to it and
// keeps the newest Config.BackupKeep copies (store.DB.BackupRotate).
func (s *Scheduler) backup(ctx context.Context) (string, error) {
	path, err := s.db.BackupRotate(ctx, s.db.Now(), s.cfg.BackupKeep)
	if err != nil {
		return "", err
	}
	return i18n.T(s.cfg.Lang, i18n.JobResultBackup, filepath.Base(path)), nil
}
