package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/linli/linli/schedules"
)

// startScheduler builds the scheduler over the open database and starts it:
// it loads the managers' schedules and, before returning, catches up on runs
// missed while the bot was down. The commands reach it as commands.Config.Jobs.
// It runs before the senders start; what it queues waits in the outbox.
func (m *Main) startScheduler(ctx context.Context) error {
	grace := m.Config.CatchUpGrace
	if grace <= 0 {
		grace = -1 // no catch-up at all
	}
	s, err := schedules.New(m.DB, schedules.Config{Location: m.loc, Lang: m.Config.Lang, Log: m.Log, Grace: grace, Boards: m.boardStyles(), DataDir: m.dataDir(),
		Retention: m.Config.Retention, Desk: m.Desk})
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	if err := s.Start(ctx); err != nil {
		return fmt.Errorf("start scheduler: %w", err)
	}
	m.Scheduler = s
	return nil
}

// dataDir is where photos, exports and charts are kept: "attachments" beside
// the database (the commands get the same folder in Run).
func (m *Main) dataDir() string { return filepath.Join(filepath.Dir(m.Config.DB), "attachments") }

// stopScheduler stops the clock and waits, up to the shutdown grace, for
// running jobs, so that what they queue still goes out with the outbox.
func (m *Main) stopScheduler() {
	if m.Scheduler == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownGrace)
	defer cancel()
	if err := m.Scheduler.Stop(ctx); err != nil {
		m.Log.Warn("stop scheduler", "err", err)
	}
}
