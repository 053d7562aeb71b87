package board

import (
	"context"
	"sync"
	"time"
)

// Coalesce is the least time between two refreshes of a community's
// pinned boards asked for through a Queue.
const Coalesce = time.Second

// Queue runs the pinned-board refreshes that commands ask for, in the
// background, one at a time per community, at most once a Coalesce each: a
// burst of tickets costs a refresh a second instead of one a ticket, and a
// message never waits for a board. The first request after a quiet moment
// runs at once; requests that come while a refresh runs, or within Coalesce
// of the last one, are folded into one more refresh.
type Queue struct {
	refresh func(ctx context.Context, community int64)
	after   func(time.Duration) <-chan time.Time

	mu      sync.Mutex
	dirty   map[int64]bool // communities (0: all) asked for since their last refresh began
	running map[int64]bool // communities with a refresher goroutine
	closed  bool
	stop    chan struct{} // closed by Close: refreshers waiting out Coalesce end
	wg      sync.WaitGroup
}

// NewQueue returns a queue that calls refresh. It waits out Coalesce on
// after, the clock: time.After when nil; a test passes one it controls.
func NewQueue(refresh func(ctx context.Context, community int64), after func(time.Duration) <-chan time.Time) *Queue {
	if after == nil {
		after = time.After
	}
	return &Queue{refresh: refresh, after: after, dirty: map[int64]bool{}, running: map[int64]bool{}, stop: make(chan struct{})}
}

// Request asks for a refresh of a community's boards (0: every community's).
func (q *Queue) Request(community int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.dirty[community] = true
	if q.running[community] {
		return
	}
	q.running[community] = true
	q.wg.Add(1)
	go q.loop(community)
}

func (q *Queue) loop(community int64) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		if !q.dirty[community] || q.closed {
			delete(q.running, community)
			delete(q.dirty, community)
			q.mu.Unlock()
			return
		}
		q.dirty[community] = false
		q.mu.Unlock()
		q.refresh(context.Background(), community)
		select {
		case <-q.after(Coalesce):
		case <-q.stop:
		}
	}
}

// Close stops taking requests and waits for the refreshes under way; the
// board job catches up with what was still asked for.
func (q *Queue) Close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.stop)
	}
	q.mu.Unlock()
	q.wg.Wait()
}
