package board

import (
	"context"
	"testing"
	"time"
)

// fakeClock is a Queue's clock that the test drives: each wait the queue
// starts is handed to the test, which ends it when it likes.
type fakeClock struct{ waits chan wait }

type wait struct {
	d    time.Duration
	fire chan time.Time
}

func (c *fakeClock) after(d time.Duration) <-chan time.Time {
	w := wait{d: d, fire: make(chan time.Time, 1)}
	c.waits <- w
	return w.fire
}

func TestQueueFoldsBursts(t *testing.T) {
	calls := make(chan int64, 1000)
	clock := &fakeClock{waits: make(chan wait, 100)}
	q := NewQueue(func(_ context.Context, community int64) { calls <- community }, clock.after)

	// Nothing here sleeps: a deadline only bounds how long a step that
	// must happen may take.
	const deadline = 5 * time.Second
	refreshed := func(want int64) {
		t.Helper()
		select {
		case got := <-calls:
			if got != want {
				t.Fatalf("refreshed community %d, want %d", got, want)
			}
		case <-time.After(deadline):
			t.Fatalf("community %d was not refreshed", want)
		}
	}
	waiting := func() wait {
		t.Helper()
		select {
		case w := <-clock.waits:
			if w.d != Coalesce {
				t.Errorf("the queue waits %v between refreshes, want %v", w.d, Coalesce)
			}
			return w
		case <-time.After(deadline):
			t.Fatal("the queue did not wait out Coalesce")
		}
		return wait{}
	}
	none := func(why string) {
		t.Helper()
		select {
		case got := <-calls:
			t.Fatalf("community %d refreshed %s", got, why)
		default:
		}
	}

	// The first request runs at once, then the queue waits out Coalesce.
	q.Request(1)
	refreshed(1)
	w1 := waiting()
	// A burst meanwhile is folded into one more refresh, after the wait.
	for range 200 {
		q.Request(1)
	}
	// Another community does not wait for the first.
	q.Request(2)
	refreshed(2)
	w2 := waiting()
	none("before Coalesce was over")
	w1.fire <- time.Time{}
	refreshed(1)
	w1 = waiting()
	// Nothing more was asked: community 1's refresher ends after this wait.
	w1.fire <- time.Time{}
	w2.fire <- time.Time{}

	// Close waits for what runs, ending a wait under way.
	q.Request(3)
	refreshed(3)
	waiting() // never fired: Close ends it
	q.Close()
	none("more than once a burst") // 201 requests of community 1 made 2 refreshes
	// After Close nothing runs.
	q.Request(3)
	none("after Close")
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.running) != 0 {
		t.Errorf("refreshers still running after Close: %v", q.running)
	}
	select {
	case w := <-clock.waits:
		t.Errorf("a wait of %v began after the last refresh", w.d)
	default:
	}
}
