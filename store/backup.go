package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Backup writes a consistent copy of the database to path with VACUUM INTO,
// while the bot keeps running: it reads one snapshot, so the copy is exactly
// the database at one moment, and writers are not blocked (WAL). The copy is
// compacted and has no WAL file of its own. path must not exist. Like the
// database, the copy is readable by its owner only (0600), and a folder made
// for it is the owner's only (0700).
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	// VACUUM INTO fills an empty file as it would a new one, and a file
	// created here gets the mode asked for, not the process's default.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// BackupRotate writes a timestamped backup next to the database
// (linli.db → linli-backup-20261126-030000.db) and keeps the newest keep copies.
func (db *DB) BackupRotate(ctx context.Context, now time.Time, keep int) (string, error) {
	base := strings.TrimSuffix(filepath.Base(db.path), filepath.Ext(db.path))
	dir := filepath.Dir(db.path)
	path := filepath.Join(dir, fmt.Sprintf("%s-backup-%s.db", base, now.UTC().Format("20060102-150405")))
	if err := db.Backup(ctx, path); err != nil {
		return "", err
	}
	old, err := filepath.Glob(filepath.Join(dir, base+"-backup-*.db"))
	if err != nil {
		return path, err
	}
	sort.Strings(old) // the timestamp sorts by time
	for len(old) > keep {
		if err := os.Remove(old[0]); err != nil {
			return path, fmt.Errorf("remove old backup: %w", err)
		}
		old = old[1:]
	}
	return path, nil
}
