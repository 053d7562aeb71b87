package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Storage faults: reasons a write fails that have nothing to do with what
// was being written. They pass once the cause does (the other process lets
// go of the lock, space is freed), so the work that met one should be tried
// again later, never answered as if it had been done or refused.
const (
	FaultLocked   = "the database is locked by another process"
	FaultFull     = "the disk is full"
	FaultIO       = "the disk reports an I/O error"
	FaultReadOnly = "the database file is read-only"
	FaultOpen     = "the database file cannot be opened"
	FaultMemory   = "out of memory"
)

// Fault reports whether err comes from the storage rather than from the
// data (see the Fault… reasons), and which reason it is. It never returns
// the driver's own text, so the reason may be shown where raw errors may not
// (/healthz).
func Fault(err error) (reason string, ok bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", false
	}
	switch se.Code() & 0xff { // the primary code, without the extended bits
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL:
		return FaultLocked, true
	case sqlite3.SQLITE_FULL:
		return FaultFull, true
	case sqlite3.SQLITE_IOERR:
		return FaultIO, true
	case sqlite3.SQLITE_READONLY:
		return FaultReadOnly, true
	case sqlite3.SQLITE_CANTOPEN:
		return FaultOpen, true
	case sqlite3.SQLITE_NOMEM:
		return FaultMemory, true
	}
	return "", false
}

// WriteHealth is whether writes work: OK, or since when they fail and why.
type WriteHealth struct {
	OK     bool
	Since  time.Time // the first failure of this spell
	Reason string    // one of the Fault… reasons
}

// writeHealth follows the outcome of write transactions: the first storage
// fault starts a spell of failures, the next commit ends it. Observers hear
// of each change once, not of every failed write.
type writeHealth struct {
	mu        sync.Mutex
	failing   bool
	since     time.Time
	reason    string
	observers []func(WriteHealth)
}

func (h *writeHealth) get() WriteHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	return WriteHealth{OK: !h.failing, Since: h.since, Reason: h.reason}
}

// failed records err if it is a storage fault.
func (h *writeHealth) failed(err error) {
	reason, ok := Fault(err)
	if !ok {
		return
	}
	h.mu.Lock()
	if h.failing && h.reason == reason {
		h.mu.Unlock()
		return
	}
	if !h.failing {
		h.since = time.Now()
	}
	h.failing, h.reason = true, reason
	st, obs := WriteHealth{Since: h.since, Reason: reason}, h.observers
	h.mu.Unlock()
	for _, f := range obs {
		f(st)
	}
}

// committed ends a spell of failures.
func (h *writeHealth) committed() {
	h.mu.Lock()
	if !h.failing {
		h.mu.Unlock()
		return
	}
	h.failing, h.reason, h.since = false, "", time.Time{}
	obs := h.observers
	h.mu.Unlock()
	for _, f := range obs {
		f(WriteHealth{OK: true})
	}
}

// WriteHealth reports whether the last write transactions worked, or since
// when they have failed with a storage fault and why.
func (db *DB) WriteHealth() WriteHealth { return db.health.get() }

// OnWriteHealth registers f to hear when writes start failing with a storage
// fault (or fail for another such reason) and when they work again: once per
// change, however many writes fail meanwhile. f must not block.
func (db *DB) OnWriteHealth(f func(WriteHealth)) {
	db.health.mu.Lock()
	db.health.observers = append(db.health.observers, f)
	db.health.mu.Unlock()
}

// CapPages caps the database file at n pages on the writers' connection, so
// that a write needing more fails with SQLITE_FULL, as on a full disk: tests
// of what the bot does then use it. SQLite never sets the cap below the
// file's size; CapPages returns the cap it set. A large n lifts the cap.
func (db *DB) CapPages(ctx context.Context, n int64) (int64, error) {
	db.writer.Lock()
	defer db.writer.Unlock()
	if db.wconn == nil {
		return 0, ErrClosed
	}
	var got int64
	if err := db.wconn.QueryRowContext(ctx, "PRAGMA max_page_count = "+strconv.FormatInt(n, 10)).Scan(&got); err != nil {
		return 0, fmt.Errorf("cap pages: %w", err)
	}
	return got, nil
}
