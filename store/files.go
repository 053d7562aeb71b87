package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli/bot"
)

// filesMu orders keeping a file against pruning it: KeepFiles holds it shared
// while it finds or writes a file and freshens its time, PruneFiles holds it
// alone while it checks and removes one, so a file about to be recorded again
// is never removed under it.
var filesMu sync.RWMutex

// KeepFiles writes each attachment's bytes under dir (the data directory) and
// records the path in its Stored field. It runs before the transaction that
// records the attachments (SaveAttachment), so that a transaction run again
// (DB.Batch retries a message alone when its group failed) or rolled back
// neither writes a second copy nor leaves one behind: the name is the
// content's SHA-256, a file is written once (to a temporary name, then
// renamed, mode 0600) and the same bytes later find it there. Attachments
// without bytes, or with Stored set already, are left as they are.
func KeepFiles(dir string, as []bot.Attachment) error {
	for i := range as {
		a := &as[i]
		if len(a.Data) == 0 || a.Stored != "" {
			continue
		}
		path, err := keepFile(dir, a)
		if err != nil {
			return err
		}
		a.Stored = path
	}
	return nil
}

// keepFile writes a's bytes to dir/<sha256><ext> unless that file is there
// already, and returns its path.
func keepFile(dir string, a *bot.Attachment) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("keep attachment: no data directory")
	}
	sum := sha256.Sum256(a.Data)
	path := filepath.Join(dir, hex.EncodeToString(sum[:])+fileExt(a))
	filesMu.RLock()
	defer filesMu.RUnlock()
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(a.Data)) {
		// Freshen its time: PruneFiles removes only files unreferenced for
		// a while, and this one is about to be referenced.
		now := time.Now()
		if err := os.Chtimes(path, now, now); err != nil {
			return "", fmt.Errorf("keep attachment: %w", err)
		}
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("attachment dir: %w", err)
	}
	f, err := os.CreateTemp(dir, keepTemp+"*")
	if err != nil {
		return "", fmt.Errorf("keep attachment: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(a.Data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Two chats sending the same picture at once both rename: the
		// bytes are the same, so whichever lands last is as good.
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("keep attachment: %w", err)
	}
	return path, nil
}

// keepTemp starts the names of files KeepFiles is still writing.
const keepTemp = ".keep-"

// fileExt is the extension a kept copy of a gets: the picture's format for
// photos, the file's own extension (letters and digits only) for files.
func fileExt(a *bot.Attachment) string {
	switch {
	case strings.Contains(a.MIMEType, "png"):
		return ".png"
	case strings.Contains(a.MIMEType, "gif"):
		return ".gif"
	case a.Kind == "photo":
		return ".jpg"
	}
	ext := filepath.Ext(a.Name)
	if len(ext) < 2 || len(ext) > 11 {
		return ""
	}
	for _, r := range ext[1:] {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return ""
		}
	}
	return ext
}

// keptName matches the files PruneFiles may remove: content-hash names,
// the per-ticket names SaveAttachment wrote before them, and temporary files
// a crash left behind.
var keptName = regexp.MustCompile(`^([0-9a-f]{64}(\.[A-Za-z0-9]+)?|ticket-[0-9]+-[0-9]+(\.[A-Za-z0-9]+)?|\.keep-[0-9]+)$`)

// PruneFiles removes the photos and files in dir that no ticket attachment
// and no outbox row refers to and that were last written before the time
// given: copies kept for a transaction that then failed. It looks at dir's
// own files only (not exports, charts or QR codes in its folders) and
// returns how many it removed.
func (db *DB) PruneFiles(ctx context.Context, dir string, before time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("prune files: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && keptName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return 0, nil
	}
	// The paths in use, read before the files are looked at: a file kept
	// after this read has a fresh time and is spared below.
	used := map[string]bool{}
	err = db.View(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`SELECT path FROM ticket_attachments WHERE path <> ''`,
			`SELECT attach_path FROM outbox WHERE attach_path <> ''`,
		} {
			rows, err := tx.query(q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var p string
				if err := rows.Scan(&p); err != nil {
					rows.Close()
					return err
				}
				// By name: the names are unique (a content hash, or a
				// ticket's number and a random part), and a database
				// opened by another path than before (relative, moved)
				// still recognises its files.
				used[filepath.Base(p)] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune files: %w", err)
	}
	n := 0
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if used[name] {
			continue
		}
		removed, err := pruneFile(filepath.Join(dir, name), before)
		if err != nil {
			return n, fmt.Errorf("prune files: %w", err)
		}
		if removed {
			n++
		}
	}
	return n, nil
}

// pruneFile removes path if it was last written before the time given.
func pruneFile(path string, before time.Time) (bool, error) {
	filesMu.Lock()
	defer filesMu.Unlock()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.ModTime().Before(before) {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return false, err
	}
	return true, nil
}
