package commands

import (
	"context"
	"sync"
	"time"
)

// boardCoalesce is the least time between two refreshes of a community's
// pinned boards asked for by commands.
const boardCoalesce = time.Second

// boardQueue runs the pinned-board refreshes that commands ask for, in the
// background, one at a time per community, at most once a boardCoalesce
// each: a burst of tickets costs a refresh a second instead of one a ticket,
// and a message never waits for a board. The first request after a quiet
// moment runs at once; requests that come while a refresh runs, or within
// boardCoalesce of the last one, are folded into one more refresh.
type boardQueue struct {
	refresh func(ctx context.Context, community int64)

	mu      sync.Mutex
	dirty   map[int64]bool // communities (0: all) asked for since their last refresh began
	running map[int64]bool // communities with a refresher goroutine
	closed  bool
	stop    chan struct{} // closed by close: refreshers waiting out boardCoalesce end
	wg      sync.WaitGroup
}

func newBoardQueue(refresh func(ctx context.Context, community int64)) *boardQueue {
	return &boardQueue{refresh: refresh, dirty: map[int64]bool{}, running: map[int64]bool{}, stop: make(chan struct{})}
}

// request asks for a refresh of a community's boards (0: every community's).
func (q *boardQueue) request(community int64) {
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

func (q *boardQueue) loop(community int64) {
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
		case <-time.After(boardCoalesce):
		case <-q.stop:
		}
	}
}

// close stops taking requests and waits for the refreshes under way; the
// board job catches up with what was still asked for.
func (q *boardQueue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.stop)
	}
	q.mu.Unlock()
	q.wg.Wait()
}
