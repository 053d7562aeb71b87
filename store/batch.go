package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync/atomic"
)

// MaxBatch caps how many waiting callers one group transaction takes (see
// Batch). A bigger group spreads the commit's fsync over more callers, but
// its first caller then also waits for the others' work.
const MaxBatch = 64

// ErrClosed is returned by Batch after Close.
var ErrClosed = errors.New("database closed")

// BatchStats counts what group commit did.
type BatchStats struct {
	Batches int64 // shared transactions committed (or failed)
	Calls   int64 // Batch calls they ran
	Waiting int64 // Batch calls waiting for their group now
}

type batchCounters struct {
	groups, calls, waiting atomic.Int64
}

// BatchStats returns group commit's counters.
func (db *DB) BatchStats() BatchStats {
	return BatchStats{Batches: db.gstats.groups.Load(), Calls: db.gstats.calls.Load(), Waiting: db.gstats.waiting.Load()}
}

// batchJob is one Batch call waiting for its group.
type batchJob struct {
	ctx   context.Context
	fn    func(tx *Tx) error
	done  chan error
	taken bool // in a group already (guarded by DB.gmu)
}

// panicError carries a panic out of the leader's goroutine into the caller's.
type panicError struct {
	val   any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic in transaction: %v", p.val) }

// Batch runs fn in a write transaction, like Update, but the transaction may
// be shared with other Batch calls that are waiting at the same time (group
// commit): the calls queue, and one of them at a time — the leader — takes
// every call that is waiting, up to MaxBatch, runs them one after another in
// a single transaction and commits once. With synchronous=FULL a commit costs
// an fsync, so a busy moment costs one fsync per group instead of one per
// call. A call that finds nobody leading leads at once and runs its own
// transaction on its own goroutine: alone, a call waits for no hand-over.
//
// Each call runs inside its own SAVEPOINT: when fn returns an error, what it
// wrote is rolled back and the others go on. Batch returns only after the
// shared commit succeeded (or failed: then nothing of the group was kept),
// and the OnOutbox hooks run after the commit, before the callers hear back.
// Calls are run in the order they arrived. Statements in fn run on a context
// without ctx's cancellation, because interrupting one statement would abort
// the whole shared transaction; a call whose ctx is done before its turn is
// skipped. If the shared transaction itself fails (begin, a savepoint, the
// commit), each call is retried alone in its own transaction, so that one
// caller's trouble stays its own. fn may therefore run more than once and
// must not keep state from a run whose transaction did not commit; it may run
// on another caller's goroutine.
//
// Transactions share a clock: every call in a group sees the same Tx.Now.
// fn must not call Update or Batch itself (the writer is taken).
func (db *DB) Batch(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &batchJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.gmu.Lock()
	if db.gclosed {
		db.gmu.Unlock()
		return ErrClosed
	}
	db.gqueue = append(db.gqueue, j)
	db.gstats.waiting.Add(1)
	db.gmu.Unlock()
	// Wait even if ctx ends now: the call may be in a transaction already,
	// and the caller must learn whether it was committed.
	var err error
	select {
	case err = <-j.done:
	case db.leader <- struct{}{}:
		db.lead(j)
		err = <-j.done
	}
	var p *panicError
	if errors.As(err, &p) {
		panic(fmt.Sprintf("%v\n\nleader stack:\n%s", p.val, p.stack))
	}
	return err
}

// lead runs the waiting calls, a group at a time; the caller holds the
// leader token. It gives the token back once no call is waiting. With a call
// j (queued, or already taken by an earlier leader) it returns as soon as j's
// group is done, and a goroutine leads on if calls are still waiting
// (lead(nil)), so that a caller whose call is done never serves the others.
func (db *DB) lead(j *batchJob) {
	for {
		db.gmu.Lock()
		if len(db.gqueue) == 0 {
			<-db.leader
			db.gmu.Unlock()
			return
		}
		if j != nil && j.taken {
			db.gmu.Unlock()
			go db.lead(nil)
			return
		}
		group := db.takeGroupLocked()
		db.gmu.Unlock()
		db.commitGroup(group)
	}
}

// takeGroupLocked takes the next group, up to MaxBatch calls, off the queue.
func (db *DB) takeGroupLocked() []*batchJob {
	n := min(len(db.gqueue), MaxBatch)
	group := slices.Clone(db.gqueue[:n])
	for _, g := range group {
		g.taken = true
	}
	rest := copy(db.gqueue, db.gqueue[n:])
	clear(db.gqueue[rest:])
	db.gqueue = db.gqueue[:rest]
	return group
}

// stopGroups is Close's part: new calls are refused, the group being run
// (if any) finishes, and calls still waiting are told ErrClosed.
func (db *DB) stopGroups() {
	db.gmu.Lock()
	db.gclosed = true
	db.gmu.Unlock()
	db.leader <- struct{}{} // wait for the leader; nobody leads from now on
	db.gmu.Lock()
	waiting := db.gqueue
	db.gqueue = nil
	db.gmu.Unlock()
	db.gstats.waiting.Add(-int64(len(waiting)))
	for _, j := range waiting {
		j.done <- ErrClosed
	}
}

// commitGroup runs and commits one group and tells each caller the outcome.
func (db *DB) commitGroup(group []*batchJob) {
	db.gstats.waiting.Add(-int64(len(group)))
	db.gstats.groups.Add(1)
	db.gstats.calls.Add(int64(len(group)))
	live := make([]*batchJob, 0, len(group))
	for _, j := range group {
		if err := j.ctx.Err(); err != nil {
			j.done <- err
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	if len(live) == 1 {
		// Alone: a transaction of its own, without the savepoint that keeps
		// a call's failure from the others.
		j := live[0]
		j.done <- db.updateCatching(context.WithoutCancel(j.ctx), j.fn)
		return
	}
	results := make([]error, len(live))
	queued, err := db.runGroup(live, results)
	if err != nil {
		// Nothing of the group was kept. Retry each call alone.
		for _, j := range live {
			j.done <- db.updateCatching(j.ctx, j.fn)
		}
		return
	}
	if queued {
		db.runHooks()
	}
	for i, j := range live {
		j.done <- results[i]
	}
}

// runGroup runs the calls in one transaction, each in a savepoint, and
// commits. results receives each call's own error. It reports whether a
// committed call queued outgoing messages.
func (db *DB) runGroup(jobs []*batchJob, results []error) (queued bool, err error) {
	db.writer.Lock()
	defer db.writer.Unlock()
	gtx, err := db.begin(context.Background())
	if err != nil {
		db.health.failed(err)
		return false, err
	}
	defer gtx.rollback()
	for i, j := range jobs {
		// Each call sees its own Tx (context, queued flag) on the shared transaction.
		tx := &Tx{ctx: context.WithoutCancel(j.ctx), now: gtx.now, db: db}
		results[i], err = tx.savepoint(func() error { return callCatching(tx, j.fn) })
		if err != nil {
			db.health.failed(err)
			return false, err
		}
		if results[i] != nil {
			db.health.failed(results[i])
		} else if tx.queued {
			queued = true
		}
	}
	if err := gtx.commit(); err != nil {
		db.health.failed(err)
		return false, err
	}
	db.health.committed()
	return queued, nil
}

// updateCatching is Update with a panic in fn returned as a *panicError, for
// the leader's goroutine.
func (db *DB) updateCatching(ctx context.Context, fn func(tx *Tx) error) error {
	return db.Update(ctx, func(tx *Tx) error { return callCatching(tx, fn) })
}

func callCatching(tx *Tx, fn func(tx *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{val: p, stack: debug.Stack()}
		}
	}()
	return fn(tx)
}

func (db *DB) runHooks() {
	db.mu.Lock()
	hooks := db.hooks
	db.mu.Unlock()
	for _, h := range hooks {
		h()
	}
}

// Savepoint runs fn inside a savepoint of the transaction: when fn returns
// an error, everything fn wrote is rolled back, the transaction goes on, and
// Savepoint returns fn's error. Savepoints nest.
func (tx *Tx) Savepoint(fn func(tx *Tx) error) error {
	ferr, err := tx.savepoint(func() error { return fn(tx) })
	if err != nil {
		return err
	}
	return ferr
}

// savepoint runs fn in a savepoint and returns fn's error and, separately,
// an error of the savepoint statements themselves (the transaction is then
// unusable, e.g. SQLite rolled it back after an I/O error).
func (tx *Tx) savepoint(fn func() error) (ferr, err error) {
	tx.depth++
	defer func() { tx.depth-- }()
	name := fmt.Sprintf("sp%d", tx.depth)
	if _, err := tx.exec("SAVEPOINT " + name); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	if ferr = fn(); ferr != nil {
		if _, err := tx.exec("ROLLBACK TO " + name); err != nil {
			return ferr, fmt.Errorf("rollback to savepoint: %w (after %w)", err, ferr)
		}
	}
	if _, err := tx.exec("RELEASE " + name); err != nil {
		return ferr, fmt.Errorf("release savepoint: %w", err)
	}
	return ferr, nil
}
