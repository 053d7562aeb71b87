package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// errRunning is returned by Run when another bot holds the database's lock.
var errRunning = errors.New("another Linli is already running on this database")

// lockPath is the lock file beside the database.
func lockPath(db string) string { return db + ".lock" }

// instanceLock is the exclusive lock one bot holds on its database for as
// long as it runs. Two bots on one database would both answer every message
// and send every outbox row (seen: 17 of 17 messages sent twice). The lock
// is the kernel's (flock), so it ends with the process however it ends, and
// a lock file left behind by a crash holds nothing. The file holds the pid
// of the bot that has it, to name it in the refusal. `bot backup` takes no
// lock: it only reads, and runs beside the bot.
type instanceLock struct {
	f *os.File
}

// lockDatabase takes the lock for the database at db, or says who has it.
func lockDatabase(db string) (*instanceLock, error) {
	path := lockPath(db)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := flock(f); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf(" (pid %d)", pid)
			}
		}
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("%w%s: %s is locked by it; stop it first, or give this one its own -db", errRunning, holder, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &instanceLock{f: f}, nil
}

// release lets the lock go (a restart in the same process, tests).
func (l *instanceLock) release() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Truncate(0)
	funlock(l.f)
	l.f.Close()
	l.f = nil
}
