package telegram

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// offsetTracker finds the update_id up to which every update is done with.
// Updates are enqueued in update_id order but finish in any order (different
// chats are handled in parallel), so the offset to persist is the highest id
// such that it and every earlier id have finished: a restart then resumes
// right after it, and at worst re-delivers updates that finished out of
// order, which the inbox de-duplicates.
type offsetTracker struct {
	mu       sync.Mutex
	pending  []int64 // begun and not yet below the mark, ascending
	finished map[int64]bool
	last     int64           // the mark
	waiters  []chan struct{} // closed when nothing is pending
}

func newOffsetTracker(start int64) *offsetTracker {
	return &offsetTracker{finished: map[int64]bool{}, last: start}
}

// begin records that update id is in flight.
func (o *offsetTracker) begin(id int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if id <= o.last {
		return
	}
	if n := len(o.pending); n == 0 || o.pending[n-1] < id {
		o.pending = append(o.pending, id)
		return
	}
	if i, found := slices.BinarySearch(o.pending, id); !found {
		o.pending = slices.Insert(o.pending, i, id)
	}
}

// done records that update id has finished and reports whether the mark advanced.
func (o *offsetTracker) done(id int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if id <= o.last {
		return false
	}
	o.finished[id] = true
	moved := false
	for len(o.pending) > 0 && o.finished[o.pending[0]] {
		o.last = o.pending[0]
		delete(o.finished, o.last)
		o.pending = o.pending[1:]
		moved = true
	}
	if len(o.pending) == 0 {
		for _, w := range o.waiters {
			close(w)
		}
		o.waiters = nil
	}
	return moved
}

// wait blocks until every begun update is done, or ctx ends.
func (o *offsetTracker) wait(ctx context.Context) error {
	o.mu.Lock()
	if len(o.pending) == 0 {
		o.mu.Unlock()
		return nil
	}
	w := make(chan struct{})
	o.waiters = append(o.waiters, w)
	o.mu.Unlock()
	select {
	case <-w:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// confirmGate holds back each getUpdates request until every update received
// so far has been handled and committed. Telegram counts an update as
// delivered as soon as getUpdates asks for a higher offset, and forgets it:
// without the gate, a crash after that request but before the commit would
// lose the update for good. The SDK stays the client; only its timing changes.
type confirmGate struct {
	base    http.RoundTripper
	offsets *offsetTracker
}

func (g confirmGate) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/getUpdates") {
		if err := g.offsets.wait(r.Context()); err != nil {
			// A RoundTripper closes the body even when it fails. The SDK
			// writes the body from another goroutine into a pipe: left open,
			// that goroutine would get the client's error through the pipe
			// and format it while the SDK rewrites the same error (a data
			// race the race detector caught at shutdown).
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, err
		}
	}
	return g.base.RoundTrip(r)
}

// mark returns the highest update id such that it and all before it are done.
func (o *offsetTracker) mark() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}
