package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli/bot"
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
	if !strings.HasSuffix(r.URL.Path, "/getUpdates") {
		return g.base.RoundTrip(r)
	}
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
	resp, err := g.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	// Every update of the batch is in flight from now on, before the SDK
	// has it: the SDK asks for the next batch as soon as it has handed this
	// one to the handler, which may not have recorded the last update yet,
	// and the gate would then let a request through that confirms it.
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var batch struct {
		Result []struct {
			ID int64 `json:"update_id"`
		} `json:"result"`
	}
	if json.Unmarshal(body, &batch) == nil {
		for _, u := range batch.Result {
			g.offsets.begin(u.ID)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// mark returns the highest update id such that it and all before it are done.
func (o *offsetTracker) mark() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// Retry waits for an update whose handler could not store it
// (bot.ErrUnavailable): base·2^n, capped.
const (
	retryBase = 500 * time.Millisecond
	retryMax  = 30 * time.Second
)

// maxHeld bounds the updates the lanes hold at once. Polling never comes
// near it (the gate lets one batch of at most 100 in at a time); a webhook
// that Telegram keeps posting to while nothing can be stored is answered
// 503 beyond it.
const maxHeld = 4096

// held is one update in its chat's lane.
type held struct {
	id       int64
	m        bot.Message
	attempts int // hand-ins whose handler could not store the update
	timer    *time.Timer
	// waiters hear how the next hand-in went: nil when the update is done
	// with, an error when it is not (webhook requests wait on them).
	waiters []chan error
}

// lanes keep the updates of each chat in order while they are handled: one
// update per chat is with the Router at a time, and one whose handler could
// not store it (bot.ErrUnavailable: the database locked by another process,
// a full disk) is handed in again, with growing waits, before any later
// update of its chat. Such an update is not finished, so the offset holds
// below it, the gate holds the next getUpdates (Telegram keeps everything
// after it) and a webhook request for it is answered 503; once writes work
// again, the lanes move on by themselves.
type lanes struct {
	s        *session
	mu       sync.Mutex
	chats    map[bot.ChatID][]*held
	byID     map[int64]*held
	n        int  // updates held
	retrying int  // chats whose first update waits for a retry
	stopped  bool // shutting down: no more retries
}

func newLanes(s *session) *lanes {
	return &lanes{s: s, chats: map[bot.ChatID][]*held{}, byID: map[int64]*held{}}
}

// add queues update id for its chat and hands it to the Router if nothing
// of its chat is there. waiter, if not nil, hears how the first hand-in
// went. add reports false when it took nothing: the lanes are full, or the
// update is held already (then waiter waits on that one).
func (l *lanes) add(id int64, m bot.Message, waiter chan error) bool {
	l.mu.Lock()
	if h := l.byID[id]; h != nil {
		// Telegram posts an update again that is still held here.
		if waiter != nil {
			h.waiters = append(h.waiters, waiter)
		}
		l.mu.Unlock()
		return true
	}
	if l.n >= maxHeld || l.stopped && l.s.offsets == nil {
		l.mu.Unlock()
		return false
	}
	h := &held{id: id, m: m}
	if waiter != nil {
		h.waiters = []chan error{waiter}
	}
	l.n++
	l.byID[id] = h
	q := append(l.chats[m.Chat], h)
	l.chats[m.Chat] = q
	first := len(q) == 1
	l.mu.Unlock()
	if first {
		l.handIn(h)
	}
	return true
}

// handIn enqueues h in the Router; the Router's report comes to after.
func (l *lanes) handIn(h *held) {
	s := l.s
	s.wg.Add(1)
	// The update is enqueued even if shutdown has begun (waiting, if need
	// be, for room in the Router, which keeps running until Run returns).
	err := s.in.Enqueue(s.ctx, h.m, func(herr error) {
		defer s.wg.Done()
		l.after(h, herr)
	})
	if err != nil {
		s.wg.Done()
		// Not finished: the offset stays below it, so a restart delivers it again.
		s.t.log.Warn("telegram update not queued", "update", h.id, "err", err)
		if h.m.Callback != nil {
			s.answer(*h.m.Callback) // stop the button's spinner anyway
		}
		l.abandon(h.m.Chat, err)
	}
}

// after takes the Router's report on h: done with (handled, or failed for
// a reason that handing it in again cannot fix), or to be retried.
func (l *lanes) after(h *held, herr error) {
	s := l.s
	t := s.t
	if errors.Is(herr, bot.ErrUnavailable) {
		l.mu.Lock()
		h.attempts++
		if h.attempts == 1 {
			l.retrying++
			if l.retrying == 1 {
				// Once for the spell, not for every chat or attempt.
				t.log.Warn("telegram updates cannot be stored now; holding them and trying again until they are", "err", herr)
			}
		}
		waiters := h.waiters
		h.waiters = nil
		stopped := l.stopped
		if !stopped {
			d := backoff(h.attempts-1, retryBase, retryMax)
			t.log.Debug("telegram update will be handed in again", "update", h.id, "attempt", h.attempts, "in", d)
			s.wg.Add(1) // the timer's
			h.timer = time.AfterFunc(d, func() {
				defer s.wg.Done()
				l.mu.Lock()
				h.timer = nil
				l.mu.Unlock()
				l.handIn(h)
			})
		}
		l.mu.Unlock()
		for _, w := range waiters {
			w <- herr
		}
		if stopped {
			l.abandon(h.m.Chat, herr)
		}
		return
	}
	if herr != nil && !errors.Is(herr, bot.ErrNoRoute) {
		// No chat or sender here: the message may be an anonymous suggestion.
		t.log.Error("telegram update handler failed", "update", h.id, "err", herr)
	}
	if h.m.Callback != nil {
		// The handler set Answer through the shared *Callback. Answer
		// off the Router's worker so that other chats are not held up.
		cb := *h.m.Callback
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.answer(cb)
		}()
	}
	s.finished(h.id)
	l.mu.Lock()
	if h.attempts > 0 {
		l.retrying--
		if l.retrying == 0 {
			t.log.Info("telegram updates are stored again; the held ones are handled", "update", h.id, "attempts", h.attempts+1)
		}
	}
	waiters := h.waiters
	h.waiters = nil
	next := l.popLocked(h)
	l.mu.Unlock()
	for _, w := range waiters {
		w <- nil
	}
	if next != nil {
		// Not on the Router's worker: Enqueue may wait for room in the
		// very queue that worker drains.
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			l.handIn(next)
		}()
	}
}

// popLocked removes h, the first of its lane, and returns the next, if any.
func (l *lanes) popLocked(h *held) *held {
	chat := h.m.Chat
	q := l.chats[chat]
	if len(q) == 0 || q[0] != h {
		return nil
	}
	q = q[1:]
	delete(l.byID, h.id)
	l.n--
	if len(q) == 0 {
		delete(l.chats, chat)
		return nil
	}
	l.chats[chat] = q
	return q[0]
}

// abandon drops a chat's lane unfinished (shutdown, or the Router refused
// it): the offset stays below its updates, so Telegram delivers them again
// after a restart; webhook requests waiting for them are answered 503.
func (l *lanes) abandon(chat bot.ChatID, why error) {
	l.mu.Lock()
	q := l.chats[chat]
	delete(l.chats, chat)
	var waiters []chan error
	for _, h := range q {
		delete(l.byID, h.id)
		l.n--
		if h.attempts > 0 {
			l.retrying--
		}
		waiters = append(waiters, h.waiters...)
		h.waiters = nil
	}
	l.mu.Unlock()
	for _, w := range waiters {
		w <- why
	}
}

// stop ends the retries: updates waiting for one are left unfinished, with
// the rest of their chats' lanes, for the next run. Updates with the Router
// are still reported to after, which then retries nothing.
func (l *lanes) stop() {
	l.mu.Lock()
	l.stopped = true
	var waiting []bot.ChatID
	for chat, q := range l.chats {
		if h := q[0]; h.timer != nil && h.timer.Stop() {
			h.timer = nil
			l.s.wg.Done() // the timer's, which will not run
			waiting = append(waiting, chat)
		}
	}
	l.mu.Unlock()
	for _, chat := range waiting {
		l.abandon(chat, errStopping)
	}
}

var errStopping = errors.New("telegram adapter stopping")

// backoff is base·2^attempt capped at max, less up to a quarter at random
// so that the held chats do not all try again at the same instant.
func backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}
