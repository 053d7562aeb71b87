package commands

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestBoardQueueFoldsBursts(t *testing.T) {
	var mu sync.Mutex
	calls := map[int64][]time.Time{}
	q := newBoardQueue(func(_ context.Context, community int64) {
		mu.Lock()
		calls[community] = append(calls[community], time.Now())
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	})
	count := func(c int64) int { mu.Lock(); defer mu.Unlock(); return len(calls[c]) }
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// The first request runs at once.
	start := time.Now()
	q.request(1)
	waitFor("the first refresh", func() bool { return count(1) == 1 })
	if d := time.Since(start); d > boardCoalesce/2 {
		t.Errorf("first refresh after %v", d)
	}
	// A burst meanwhile is folded into one more refresh, a boardCoalesce later.
	for range 200 {
		q.request(1)
	}
	// Another community does not wait for the first.
	q.request(2)
	waitFor("community 2", func() bool { return count(2) == 1 })
	waitFor("the folded refresh", func() bool { return count(1) == 2 })
	mu.Lock()
	gap := calls[1][1].Sub(calls[1][0])
	mu.Unlock()
	if gap < boardCoalesce-10*time.Millisecond {
		t.Errorf("second refresh %v after the first, want ≥ %v", gap, boardCoalesce)
	}
	time.Sleep(boardCoalesce + 200*time.Millisecond)
	if n := count(1); n != 2 {
		t.Errorf("%d refreshes for 201 requests, want 2", n)
	}

	// After close nothing runs and close waits for what runs.
	q.request(3)
	q.close()
	n := count(3)
	q.request(3)
	time.Sleep(50 * time.Millisecond)
	if count(3) != n {
		t.Error("a request after close ran")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.running) != 0 {
		t.Errorf("refreshers still running after close: %v", q.running)
	}
}
