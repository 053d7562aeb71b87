package telegramtest

import (
	"sync"
	"time"
)

// Limits are Telegram's flood limits for sending messages (sendMessage,
// sendPhoto, sendDocument, sendPoll). A zero field disables that limit; the
// zero Limits disables them all. Exceeding a limit answers 429 "Too Many
// Requests: retry after N" with parameters.retry_after = N, the whole
// seconds until the call would have been allowed.
type Limits struct {
	// PerSecond is the number of messages per second across all chats.
	PerSecond int
	// PerGroupPerMinute is the number of messages per minute in one group,
	// supergroup or channel (negative chat ids).
	PerGroupPerMinute int
	// PerPrivatePerSecond is the sustained rate of messages per second in
	// one private chat, with PrivateBurst messages allowed back to back.
	PerPrivatePerSecond int
	PrivateBurst        int
}

// TelegramLimits returns the limits from Telegram's bot FAQ: 30 messages per
// second overall, 20 per minute per group, and about one per second per
// private chat (with a burst of 3).
func TelegramLimits() Limits {
	return Limits{PerSecond: 30, PerGroupPerMinute: 20, PerPrivatePerSecond: 1, PrivateBurst: 3}
}

// SetLimits replaces the flood limits and forgets past sends. Pass Limits{}
// to disable them.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
	s.rate = rateState{}
}

// TooManyCount returns how many 429 responses the server has sent, from
// the flood limits and injected failures alike.
func (s *Server) TooManyCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooMany
}

type bucket struct {
	tokens float64
	last   time.Time
}

type rateState struct {
	global  []time.Time
	groups  map[int64][]time.Time
	private map[int64]*bucket
}

// prune drops the times older than window before now.
func prune(ts []time.Time, now time.Time, window time.Duration) []time.Time {
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= window {
		i++
	}
	return ts[i:]
}

// waitSeconds rounds d up to whole seconds, at least 1.
func waitSeconds(d time.Duration) int {
	n := int((d + time.Second - 1) / time.Second)
	if n < 1 {
		n = 1
	}
	return n
}

// windowWait returns how long until ts (pruned, oldest first) has room for
// one more event under limit, or 0 if it has room now.
func windowWait(ts []time.Time, limit int, window time.Duration, now time.Time) time.Duration {
	if len(ts) < limit {
		return 0
	}
	return ts[len(ts)-limit].Add(window).Sub(now)
}

// checkLimitsLocked applies the flood limits to one message for chatID and,
// if it is allowed, counts it.
func (s *Server) checkLimitsLocked(chatID int64, now time.Time) *apiError {
	l := s.limits
	if l == (Limits{}) {
		return nil
	}
	r := &s.rate
	var wait time.Duration
	if l.PerSecond > 0 {
		r.global = prune(r.global, now, time.Second)
		wait = max(wait, windowWait(r.global, l.PerSecond, time.Second, now))
	}
	if l.PerGroupPerMinute > 0 && chatID < 0 {
		if r.groups == nil {
			r.groups = map[int64][]time.Time{}
		}
		r.groups[chatID] = prune(r.groups[chatID], now, time.Minute)
		wait = max(wait, windowWait(r.groups[chatID], l.PerGroupPerMinute, time.Minute, now))
	}
	var b *bucket
	if l.PerPrivatePerSecond > 0 && chatID > 0 {
		if r.private == nil {
			r.private = map[int64]*bucket{}
		}
		capacity := float64(max(l.PrivateBurst, 1))
		b = r.private[chatID]
		if b == nil {
			b = &bucket{tokens: capacity, last: now}
			r.private[chatID] = b
		}
		if elapsed := now.Sub(b.last); elapsed > 0 {
			b.tokens = min(capacity, b.tokens+elapsed.Seconds()*float64(l.PerPrivatePerSecond))
			b.last = now
		}
		if b.tokens < 1 {
			need := (1 - b.tokens) / float64(l.PerPrivatePerSecond)
			wait = max(wait, time.Duration(need*float64(time.Second)))
		}
	}
	if wait > 0 {
		return tooManyRequests(waitSeconds(wait))
	}
	if l.PerSecond > 0 {
		r.global = append(r.global, now)
	}
	if l.PerGroupPerMinute > 0 && chatID < 0 {
		r.groups[chatID] = append(r.groups[chatID], now)
	}
	if b != nil {
		b.tokens--
	}
	return nil
}

// ManualClock is a clock for WithClock that only moves when told to.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a ManualClock reading t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
