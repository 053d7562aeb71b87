package telegram

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestOffsetTracker(t *testing.T) {
	o := newOffsetTracker(100)
	for _, id := range []int64{101, 102, 103, 105} {
		o.begin(id)
	}
	steps := []struct {
		done  int64
		moved bool
		mark  int64
	}{
		{102, false, 100}, // 101 is still being handled
		{101, true, 102},
		{105, false, 102}, // 103 is not done
		{103, true, 105},  // 104 never came: ids may skip
		{105, false, 105}, // a repeat changes nothing
		{99, false, 105},  // nor does an old id
	}
	for _, s := range steps {
		if moved := o.done(s.done); moved != s.moved || o.mark() != s.mark {
			t.Fatalf("done(%d): moved %v mark %d, want %v %d", s.done, moved, o.mark(), s.moved, s.mark)
		}
	}
	// Ids at or below the mark (a replay of the last batch) are not tracked.
	o.begin(104)
	if o.done(104) || o.mark() != 105 {
		t.Fatalf("replayed id moved the mark to %d", o.mark())
	}
	// Out-of-order begins are kept sorted.
	o.begin(108)
	o.begin(107)
	o.begin(106)
	o.done(106)
	o.done(107)
	if o.mark() != 107 {
		t.Fatalf("mark %d, want 107", o.mark())
	}
	o.done(108)
	if o.mark() != 108 || len(o.pending) != 0 || len(o.finished) != 0 {
		t.Fatalf("mark %d, pending %v, finished %v", o.mark(), o.pending, o.finished)
	}
}

func TestOffsetTrackerWaitHoldsUntilAllDone(t *testing.T) {
	o := newOffsetTracker(0)
	if err := o.wait(context.Background()); err != nil {
		t.Fatalf("wait with nothing pending: %v", err)
	}
	o.begin(1)
	o.begin(2)
	released := make(chan error, 1)
	go func() { released <- o.wait(context.Background()) }()
	o.done(2)
	select {
	case <-released:
		t.Fatal("wait returned while update 1 was still in flight")
	default:
	}
	o.done(1)
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	o.begin(3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.wait(ctx); err == nil {
		t.Error("wait ignored a cancelled context")
	}
}

// closeRecorder is a request body that records being closed.
type closeRecorder struct {
	io.Reader
	closed chan struct{}
}

func (c *closeRecorder) Close() error { close(c.closed); return nil }

// failTransport fails the test if a request gets through the gate.
type failTransport struct{ t *testing.T }

func (f failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.t.Error("the request passed the gate")
	return nil, errors.New("unreachable")
}

func TestConfirmGateClosesBodyWhenCancelled(t *testing.T) {
	o := newOffsetTracker(0)
	o.begin(1) // still being handled: getUpdates waits
	ctx, cancel := context.WithCancel(context.Background())
	body := &closeRecorder{Reader: strings.NewReader("offset=2"), closed: make(chan struct{})}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://api.test/botT/getUpdates", body)
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		_, err := confirmGate{base: failTransport{t}, offsets: o}.RoundTrip(req)
		res <- err
	}()
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	select {
	case <-body.closed:
	default:
		t.Fatal("RoundTrip failed without closing the request body")
	}
}

// batchTransport answers getUpdates with a batch of updates.
type batchTransport struct{ body string }

func (b batchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(b.body)), Header: http.Header{}, Request: r}, nil
}

func TestConfirmGateHoldsABatchFromItsArrival(t *testing.T) {
	// The SDK asks for the next batch as soon as its handler has the last
	// update of this one, which may not have recorded it yet: the batch is
	// in flight from the moment getUpdates answers.
	o := newOffsetTracker(4)
	g := confirmGate{base: batchTransport{`{"ok":true,"result":[{"update_id":5},{"update_id":6}]}`}, offsets: o}
	req, _ := http.NewRequest(http.MethodPost, "http://api.test/botT/getUpdates", nil)
	resp, err := g.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); !strings.Contains(string(b), `"update_id":6`) {
		t.Fatalf("the SDK would read %q", b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.wait(ctx); err == nil {
		t.Fatal("the next getUpdates would go through before updates 5 and 6 are handled")
	}
	o.begin(5) // the handler records what the gate recorded already
	o.done(5)
	o.done(6)
	if err := o.wait(context.Background()); err != nil || o.mark() != 6 {
		t.Errorf("after both are done: %v, mark %d", err, o.mark())
	}
}
