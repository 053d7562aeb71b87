package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime/debug"
	"sync"
)

// Matcher decides whether a route takes a message.
type Matcher func(m *Message) bool

// Middleware wraps a Handler. The first one added with Use is the outermost.
type Middleware func(next Handler) Handler

// IsCallback matches button presses.
func IsCallback(m *Message) bool { return m.Callback != nil }

// IsEvent matches chat events (bot added or removed, migrations, renames).
func IsEvent(m *Message) bool { return m.Event != EventNone }

// Any matches every message.
func Any(*Message) bool { return true }

type route struct {
	match Matcher
	h     Handler
}

type job struct {
	ctx  context.Context
	msg  Message
	done func(error)
}

var _ Inbound = (*Router)(nil)

// Router passes inbound messages to the first matching handler. Messages of
// one chat are handled one after another, in the order they were submitted;
// different chats are handled in parallel by a fixed number of workers, so a
// flood in one group cannot starve the others and nothing grows without bound.
type Router struct {
	routes []route
	mws    []Middleware
	shards []chan job
	wg     sync.WaitGroup
	log    *slog.Logger

	mu      sync.Mutex
	started bool
	closed  bool
}

// ErrRouterClosed is returned by Submit after Close.
var ErrRouterClosed = errors.New("router closed")

// ErrNoRoute is returned for a message that no route takes.
var ErrNoRoute = errors.New("no route for message")

// NewRouter returns a Router with the given number of workers (at least 1).
func NewRouter(workers int, log *slog.Logger) *Router {
	if workers < 1 {
		workers = 1
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Router{log: log}
	for range workers {
		r.shards = append(r.shards, make(chan job, 64))
	}
	return r
}

// Handle adds a route. Routes are tried in the order they were added.
func (r *Router) Handle(match Matcher, h Handler) {
	r.routes = append(r.routes, route{match, h})
}

// Use adds middleware around every route.
func (r *Router) Use(mw ...Middleware) { r.mws = append(r.mws, mw...) }

// Dispatch handles one message now, in the caller's goroutine. A panic in a
// handler is recovered and returned as an error.
func (r *Router) Dispatch(ctx context.Context, m *Message) (err error) {
	var h Handler
	for _, rt := range r.routes {
		if rt.match(m) {
			h = rt.h
			break
		}
	}
	if h == nil {
		return ErrNoRoute
	}
	for i := len(r.mws) - 1; i >= 0; i-- {
		h = r.mws[i](h)
	}
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("handler panic", "platform", m.Platform, "chat", m.Chat, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return h.Handle(ctx, m)
}

// Start starts the workers. They stop after Close once their queues are empty.
func (r *Router) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	r.started = true
	for _, ch := range r.shards {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for j := range ch {
				m := j.msg
				err := r.Dispatch(j.ctx, &m)
				if j.done != nil {
					j.done(err)
				}
			}
		}()
	}
}

// Submit queues a message for its chat's worker and waits until it has been
// handled, returning the handler's error. It blocks while the chat's queue is
// full, which pushes back on the platform instead of buffering without limit.
func (r *Router) Submit(ctx context.Context, m Message) error {
	ch := make(chan error, 1)
	if err := r.Enqueue(ctx, m, func(err error) { ch <- err }); err != nil {
		return err
	}
	// Once queued, the message is handled even if ctx ends: a handler is never
	// cut off half-way, so shutdown drains instead of dropping.
	return <-ch
}

// Enqueue queues a message for its chat's worker and returns; done gets the
// handler's result. Messages of one chat are handled in Enqueue order.
func (r *Router) Enqueue(ctx context.Context, m Message, done func(error)) error {
	r.mu.Lock()
	if r.closed || !r.started {
		r.mu.Unlock()
		return ErrRouterClosed
	}
	ch := r.shards[r.shardOf(m)]
	// Sending under the lock keeps Close from closing ch underneath us; the
	// worker never takes the lock, so a full queue only delays other submitters.
	select {
	case ch <- job{ctx: context.WithoutCancel(ctx), msg: m, done: done}:
	case <-ctx.Done():
		r.mu.Unlock()
		return ctx.Err()
	}
	r.mu.Unlock()
	return nil
}

func (r *Router) shardOf(m Message) int {
	h := fnv.New32a()
	h.Write([]byte(m.Platform))
	h.Write([]byte{0})
	h.Write([]byte(m.Chat))
	return int(h.Sum32() % uint32(len(r.shards)))
}

// Close stops taking messages, lets the workers finish what is queued, and waits.
func (r *Router) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	started := r.started
	for _, ch := range r.shards {
		close(ch)
	}
	r.mu.Unlock()
	if started {
		r.wg.Wait()
	}
}
