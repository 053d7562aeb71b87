package bot

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Queue is the durable outbox the Sender drains. The store implements it.
type Queue interface {
	// Due returns pending rows of the platform that may be sent now, oldest
	// first, at most one run of consecutive rows per chat: a chat whose oldest
	// pending row is waiting for a retry contributes nothing, so order per chat holds.
	Due(ctx context.Context, p PlatformID, limit int) ([]Outgoing, error)
	// Sent marks a row delivered and records the platform's message id.
	Sent(ctx context.Context, id int64, msg MessageID) error
	// Retry schedules another attempt. counted says whether this attempt
	// counts towards parking the row: waits the platform asked for (rate
	// limits, a logged-out session) do not.
	Retry(ctx context.Context, id int64, at time.Time, reason string, counted bool) error
	// Fail parks a row that cannot be delivered. It is kept, counted and shown to managers.
	Fail(ctx context.Context, id int64, reason string) error
	// ChatGone marks a chat inactive and parks its pending rows.
	ChatGone(ctx context.Context, p PlatformID, chat ChatID, reason string) error
	// ChatMoved moves a chat's binding, links and pending rows to a new id.
	ChatMoved(ctx context.Context, p PlatformID, from, to ChatID) error
	// Fallback re-addresses a row whose private chat cannot be opened (a reply
	// in the person's group instead). It reports false when there is none.
	Fallback(ctx context.Context, id int64, reason string) (bool, error)
}

// Coalescer is a Queue that can merge a chat's pending cards into digests.
type Coalescer interface {
	// Coalesce merges the pending cards of chat into digest messages if the
	// chat has more pending rows than budget (others counts pending rows the
	// Sender holds that cannot be merged), and reports how many rows it merged.
	// Private chats are never merged. The merged rows are delivered by the
	// digest: they are marked sent with it, in one transaction.
	Coalesce(ctx context.Context, p PlatformID, chat ChatID, budget, others int) (int, error)
}

// DefaultCoalesceWithin is how soon a chat's pending messages should all be
// out: a chat with more than its limits let through in that time gets digests.
const DefaultCoalesceWithin = 10 * time.Second

// SenderConfig tunes a Sender. Zero values take the defaults.
type SenderConfig struct {
	MaxAttempts int           // attempts before a row is parked as failed (default 12)
	BaseBackoff time.Duration // first retry delay (default 1s)
	MaxBackoff  time.Duration // cap of the retry delay (default 5m)
	Poll        time.Duration // how often to look for due rows without a wake-up (default 1s)
	Batch       int           // rows fetched at a time (default 100)
	Parallel    int           // chats sent to in parallel (default 4)
	Now         func() time.Time
	// PollSent, if set, records the platform's id of a native poll sent for
	// a row, before the row is marked sent, so that its answers can be traced.
	PollSent func(ctx context.Context, out Outgoing, msg MessageID, poll string) error
	// Pinned, if set, hears how pinning a row's message went (nil: pinned).
	Pinned func(ctx context.Context, out Outgoing, msg MessageID, err error)
	// CoalesceWithin is how soon a chat's backlog should be out (default
	// DefaultCoalesceWithin); negative turns digests off.
	CoalesceWithin time.Duration
}

// SenderStats counts what a Sender did.
type SenderStats struct {
	Sent, Retried, Failed, RateLimited int64
	// Merged counts rows folded into digests.
	Merged int64
}

// Sender delivers outbox rows for one platform: in order per chat, within the
// platform's rate limits, retrying transient failures with capped exponential
// backoff and jitter. A row is marked sent only after the platform accepted it,
// so a crash re-sends at most the rows in flight, and never loses one.
type Sender struct {
	p     Platform
	q     Queue
	cfg   SenderConfig
	log   *slog.Logger
	limit Limiter

	wake chan struct{}

	mu    sync.Mutex
	stats SenderStats
	idle  []idleWaiter
	seq   uint64          // WaitIdle registrations so far
	busy  map[ChatID]bool // chats with a goroutine sending to them
	// held counts the chats the last pass left waiting for their own rate
	// limit (ChatLimiter); wakeAt and timer bring Run back for them.
	held int
	// skipped counts the chats the last pass found due but left for the
	// next one (worked already, or no free slot): the Sender is not idle.
	skipped int
	wakeAt  time.Time
	timer   *time.Timer

	inflight sync.WaitGroup

	// unrecorded holds the rows the platform accepted but the outbox could
	// not be told of (the database locked, a full disk): the row is still
	// pending there, and sending it again would post it twice, so the next
	// pass only records it. Guarded by mu.
	unrecorded map[int64]accepted
	// storeFailing is set while the outbox cannot be read or written: the
	// failure is logged once, not on every pass. Guarded by mu.
	storeFailing bool
}

// accepted is what the platform answered for a row it took.
type accepted struct {
	msg  MessageID
	poll string
}

// NewSender returns a Sender for p over q.
func NewSender(p Platform, q Queue, cfg SenderConfig, log *slog.Logger) *Sender {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CoalesceWithin == 0 {
		cfg.CoalesceWithin = DefaultCoalesceWithin
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Sender{p: p, q: q, cfg: cfg, log: log.With("platform", p.ID()), wake: make(chan struct{}, 1), busy: map[ChatID]bool{},
		unrecorded: map[int64]accepted{}}
	if rl, ok := p.(RateLimited); ok {
		s.limit = rl.Limiter()
	}
	return s
}

// Wake tells the Sender new rows may be due. It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Stats returns a copy of the counters.
func (s *Sender) Stats() SenderStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Run delivers rows until ctx is done, then waits for the sends in flight.
// Each chat is worked by its own goroutine (at most Parallel at once), so a
// chat whose sends hang until the request timeout holds up only itself.
func (s *Sender) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	defer s.inflight.Wait()
	for {
		// Only waiters registered before this pass's read of the outbox may
		// be told "idle": a later one may have rows this read did not see.
		s.mu.Lock()
		upto := s.seq
		s.mu.Unlock()
		n, err := s.dispatch(ctx)
		if ctx.Err() == nil {
			s.storeResult("outbox read", err)
		}
		if n == 0 && s.busyChats() == 0 {
			s.signalIdle(upto)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-t.C:
		}
	}
}

// busyChats counts the chats being worked or waiting for their own limit:
// the Sender is not idle while there are any.
func (s *Sender) busyChats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.busy) + s.held + s.skipped
}

// chatWait is how long chat must wait for its own limits; 0 when the
// platform's limiter cannot tell apart its own and the platform-wide ones.
func (s *Sender) chatWait(chat ChatID) time.Duration {
	if cl, ok := s.limit.(ChatLimiter); ok {
		return cl.ChatWait(chat)
	}
	return 0
}

// wakeIn makes Run look for due rows again in d (or sooner, if asked sooner).
func (s *Sender) wakeIn(d time.Duration) {
	now := time.Now()
	at := now.Add(d)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil && s.wakeAt.After(now) && !at.Before(s.wakeAt) {
		return
	}
	s.wakeAt = at
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.Wake)
	} else {
		s.timer.Reset(d)
	}
}

// WaitIdle blocks until the Sender has found nothing due, or ctx ends. The
// console demo uses it to print replies before reading the next line.
func (s *Sender) WaitIdle(ctx context.Context) error {
	ch := make(chan struct{})
	s.mu.Lock()
	s.seq++
	s.idle = append(s.idle, idleWaiter{seq: s.seq, ch: ch})
	s.mu.Unlock()
	s.Wake()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type idleWaiter struct {
	seq uint64
	ch  chan struct{}
}

// signalIdle releases the waiters registered up to seq.
func (s *Sender) signalIdle(upto uint64) {
	s.mu.Lock()
	var keep []idleWaiter
	for _, w := range s.idle {
		if w.seq <= upto {
			close(w.ch)
		} else {
			keep = append(keep, w)
		}
	}
	s.idle = keep
	s.mu.Unlock()
}

// Flush sends what is due now, once, waits for it, and reports how many
// rows it took on.
func (s *Sender) Flush(ctx context.Context) (int, error) {
	n, err := s.dispatch(ctx)
	s.inflight.Wait()
	return n, err
}

// dispatch starts a goroutine for each chat with due rows that is not
// already being worked, up to Parallel chats at once, and returns at once.
// A finished chat wakes the loop, which picks up what is due next.
func (s *Sender) dispatch(ctx context.Context) (int, error) {
	// Chats being worked now may finish while Due runs; rows read for them
	// could then be stale (already sent), so they wait for the next pass.
	s.mu.Lock()
	wasBusy := make(map[ChatID]bool, len(s.busy))
	for c := range s.busy {
		wasBusy[c] = true
	}
	s.mu.Unlock()
	rows, err := s.q.Due(ctx, s.p.ID(), s.cfg.Batch)
	if err != nil || len(rows) == 0 {
		s.mu.Lock()
		s.held, s.skipped = 0, 0
		s.mu.Unlock()
		return 0, err
	}
	// Group by chat, keeping each chat's order.
	var chats [][]Outgoing
	idx := map[ChatID]int{}
	for _, r := range rows {
		i, ok := idx[r.Chat]
		if !ok {
			i = len(chats)
			idx[r.Chat] = i
			chats = append(chats, nil)
		}
		chats[i] = append(chats[i], r)
	}
	started, held, skipped := 0, 0, 0
	defer func() {
		s.mu.Lock()
		s.held, s.skipped = held, skipped
		s.mu.Unlock()
	}()
	for _, batch := range chats {
		chat := batch[0].Chat
		// A chat waiting for its own limit (a group's minute) takes no slot
		// while it waits: the other chats go meanwhile.
		if batch[0].Delete == "" {
			if d := s.chatWait(chat); d > 0 {
				held++
				s.wakeIn(d)
				continue
			}
		}
		s.mu.Lock()
		if wasBusy[chat] || s.busy[chat] || len(s.busy) >= s.cfg.Parallel {
			// Its worker (or a free one) wakes the loop when done.
			s.mu.Unlock()
			skipped++
			continue
		}
		s.busy[chat] = true
		s.mu.Unlock()
		started += len(batch)
		s.inflight.Add(1)
		go func() {
			defer func() {
				s.mu.Lock()
				delete(s.busy, chat)
				s.mu.Unlock()
				s.inflight.Done()
				s.Wake()
			}()
			if s.coalesce(ctx, chat, batch) {
				return // the next pass reads the digests
			}
			for _, r := range batch {
				if !s.deliver(ctx, r) {
					return // keep order: later rows of this chat wait
				}
			}
		}()
	}
	return started, nil
}

// coalesce asks the queue to merge chat's cards into digests when the chat
// has more pending than its limits let through within CoalesceWithin, and
// reports whether it did (batch is then stale). It runs in the chat's own
// goroutine, so none of the chat's rows is being sent meanwhile.
func (s *Sender) coalesce(ctx context.Context, chat ChatID, batch []Outgoing) bool {
	c, ok := s.q.(Coalescer)
	b, ok2 := s.limit.(Budgeter)
	if !ok || !ok2 || s.cfg.CoalesceWithin < 0 {
		return false
	}
	others, mergeable := 0, false
	for _, r := range batch {
		if r.Mergeable {
			mergeable = true
		} else {
			others++
		}
	}
	if !mergeable {
		return false
	}
	s.mu.Lock()
	// A row the platform took but the outbox was not told of may be a
	// digest: it must not take more entries. Wait until it is recorded.
	unrecorded := len(s.unrecorded) > 0
	s.mu.Unlock()
	if unrecorded {
		return false
	}
	n, err := c.Coalesce(context.WithoutCancel(ctx), s.p.ID(), chat, b.ChatBudget(chat, s.cfg.CoalesceWithin), others)
	if err != nil {
		s.log.Error("merge into digests", "chat", chat, "err", err)
		return false
	}
	if n == 0 {
		return false
	}
	s.count(func(st *SenderStats) { st.Merged += int64(n) })
	s.log.Info("merged cards into digests", "chat", chat, "rows", n)
	return true
}

// deliver sends one row and records the outcome. It reports whether later rows
// of the same chat may go now.
func (s *Sender) deliver(ctx context.Context, r Outgoing) bool {
	// Bookkeeping must land even when shutdown cancels ctx mid-send.
	bg := context.WithoutCancel(ctx)
	if s.limit != nil && r.Delete == "" {
		if d := s.chatWait(r.Chat); d > 0 {
			// The chat's own limit: free the slot; the chat's turn comes
			// back once the limit allows (its later rows wait, in order).
			s.wakeIn(d)
			return false
		}
		if err := s.limit.Wait(ctx, r.Chat); err != nil {
			return false
		}
	}
	s.mu.Lock()
	acc, done := s.unrecorded[r.ID]
	s.mu.Unlock()
	if done {
		// Sent by an earlier pass: only the outbox needs telling.
		return s.record(bg, r, acc)
	}
	var id MessageID
	var poll string
	var err error
	if r.Delete != "" {
		if d, ok := s.p.(Deleter); ok {
			err = d.Delete(ctx, r.Chat, r.Delete)
		}
	} else {
		id, poll, err = s.send(ctx, r)
	}
	if errors.Is(err, ErrNotModified) {
		id, err = r.Edit, nil
	}
	// Errors are logged and stored without URL queries (session keys) or
	// user info; adapters keep their own secrets out of them.
	lc, lerr := r.Chat, Redact(err)
	if r.Anonymous && err != nil {
		// Whatever went wrong, no log line or stored error may say who it was for.
		lc, lerr = "(anonymous)", errors.New("delivery of an anonymous receipt failed")
	}
	if err == nil {
		return s.record(bg, r, accepted{msg: id, poll: poll})
	}
	var (
		retry  *RetryAfterError
		gone   *ChatGoneError
		moved  *ChatMovedError
		unreac *UnreachableError
	)
	switch {
	case ctx.Err() != nil:
		// Shutting down: the row stays pending and goes out after the restart.
		return false
	case errors.As(err, &retry):
		s.count(func(st *SenderStats) { st.RateLimited++ })
		s.log.Warn("rate limited", "id", r.ID, "chat", lc, "after", retry.After)
		s.retryAt(bg, r, s.cfg.Now().Add(retry.After), lerr, false)
		return false
	case errors.As(err, &moved):
		s.log.Warn("chat moved", "from", moved.From, "to", moved.To)
		if err := s.q.ChatMoved(bg, s.p.ID(), moved.From, moved.To); err != nil {
			s.log.Error("move chat", "err", err)
		}
		s.Wake()
		return false
	case errors.As(err, &gone) && r.Anonymous:
		s.fail(bg, r, lerr)
		return true
	case errors.As(err, &gone):
		s.log.Warn("chat gone", "chat", lc, "reason", gone.Reason)
		if err := s.q.ChatGone(bg, s.p.ID(), r.Chat, gone.Reason); err != nil {
			s.log.Error("mark chat gone", "err", err)
		}
		s.count(func(st *SenderStats) { st.Failed++ })
		return false
	case errors.As(err, &unreac):
		ok, ferr := s.q.Fallback(bg, r.ID, unreac.Reason)
		if ferr != nil {
			s.log.Error("outbox fallback", "id", r.ID, "err", ferr)
		}
		if ok {
			s.log.Info("private chat unreachable, answered in the group instead", "id", r.ID)
			s.Wake()
			return true
		}
		s.fail(bg, r, lerr)
		return true
	case errors.Is(err, ErrPermanent):
		s.fail(bg, r, lerr)
		return true // the failed row no longer holds the chat's order
	}
	if r.Attempts+1 >= s.cfg.MaxAttempts {
		s.fail(bg, r, lerr)
		return true
	}
	s.count(func(st *SenderStats) { st.Retried++ })
	delay := Backoff(r.Attempts, s.cfg.BaseBackoff, s.cfg.MaxBackoff)
	s.log.Warn("send failed, will retry", "id", r.ID, "chat", lc, "attempt", r.Attempts+1, "in", delay, "err", lerr)
	s.retryAt(bg, r, s.cfg.Now().Add(delay), lerr, true)
	return false
}

// record tells the outbox that the platform took r. If the outbox cannot
// be written now, the row is remembered as sent, so that it is not sent
// again, and recorded on a later pass; the chat's later rows wait.
func (s *Sender) record(ctx context.Context, r Outgoing, acc accepted) bool {
	s.pollSent(ctx, r, acc.msg, acc.poll)
	err := s.q.Sent(ctx, r.ID, acc.msg)
	s.storeResult("outbox mark sent", err)
	s.mu.Lock()
	if err != nil {
		s.unrecorded[r.ID] = acc
	} else {
		delete(s.unrecorded, r.ID)
	}
	s.mu.Unlock()
	if err != nil {
		// Come back for it: nothing else will wake the loop while the
		// database is locked.
		s.wakeIn(s.cfg.BaseBackoff)
		return false
	}
	s.count(func(st *SenderStats) { st.Sent++ })
	s.pin(ctx, r, acc.msg)
	return true
}

// storeResult logs the first failure of a spell in which the outbox cannot
// be read or written, and its end, instead of a line on every pass.
func (s *Sender) storeResult(what string, err error) {
	s.mu.Lock()
	was := s.storeFailing
	s.storeFailing = err != nil
	s.mu.Unlock()
	switch {
	case err != nil && !was:
		s.log.Error(what+" failed; trying again until it works", "err", err)
	case err != nil:
		s.log.Debug(what+" failed", "err", err)
	case was:
		s.log.Info("outbox works again")
	}
}

func (s *Sender) retryAt(ctx context.Context, r Outgoing, at time.Time, cause error, counted bool) {
	if err := s.q.Retry(ctx, r.ID, at, cause.Error(), counted); err != nil {
		s.log.Error("outbox retry", "id", r.ID, "err", err)
	}
}

func (s *Sender) fail(ctx context.Context, r Outgoing, cause error) {
	s.count(func(st *SenderStats) { st.Failed++ })
	chat := r.Chat
	if r.Anonymous {
		chat = "(anonymous)"
	}
	s.log.Error("message parked as failed", "id", r.ID, "chat", chat, "err", cause)
	if err := s.q.Fail(ctx, r.ID, cause.Error()); err != nil {
		s.log.Error("outbox fail", "id", r.ID, "err", err)
	}
}

func (s *Sender) count(f func(*SenderStats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// Backoff returns the delay before retry number attempt+1: base·2^attempt,
// capped, with full jitter in its upper half so that many failed rows do not
// all come back at the same instant.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}
