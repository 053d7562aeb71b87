package telegram

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/linli/linli/bot"
)

// Limits are the sending rates the adapter keeps to, so that Telegram's
// flood control (429 with retry_after) stays rare. Zero fields take the
// defaults, which are the limits of Telegram's bot FAQ.
type Limits struct {
	// PerSecond caps messages per second for the whole bot (default 30).
	PerSecond int
	// PerGroupPerMinute caps messages per minute in one group or
	// supergroup, i.e. a negative chat id (default 20).
	PerGroupPerMinute int
	// PerPrivatePerSecond is the sustained rate in any one chat, private or
	// group (default 1): Telegram asks bots to keep to about one message a
	// second in a chat, allowing short bursts.
	PerPrivatePerSecond int
	// Burst is how many messages may go to one chat back to back before its
	// per-second rate applies (default 3).
	Burst int
	// Disabled turns pacing off (a self-hosted Bot API server, tests).
	Disabled bool
	// Now and Sleep are the limiter's clock; both must be set to take
	// effect (tests set them to a fake clock), otherwise real time is used.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Default limits (Telegram's bot FAQ).
const (
	DefaultPerSecond           = 30
	DefaultPerGroupPerMinute   = 20
	DefaultPerPrivatePerSecond = 1
	DefaultBurst               = 3
)

// rule is a token bucket in GCRA form: one event per interval on average,
// with tolerance/interval extra events allowed ahead of schedule (the burst).
// Its whole state is one time, the theoretical arrival time of the next
// event, so a thousand chats cost a thousand map entries and no goroutines.
type rule struct {
	interval, tolerance time.Duration
}

// wait returns how long until an event is allowed, given the bucket's tat.
func (r rule) wait(tat, now time.Time) time.Duration {
	return tat.Add(-r.tolerance).Sub(now)
}

// next returns the tat after an event at now.
func (r rule) next(tat, now time.Time) time.Time {
	if tat.Before(now) {
		tat = now
	}
	return tat.Add(r.interval)
}

// Slack is added to Telegram's windows (a second for the bot, a minute for a
// group): the server counts a message when it arrives, a little after the
// limiter let it go, and by a little more or less each time; a window
// exactly as long as Telegram's would let the odd pair of messages land a
// millisecond too close together and draw a 429.
const (
	secondSlack = 10 * time.Millisecond
	minuteSlack = time.Second
)

// windowRule allows at most n events in any window w, burst of them back to
// back. A bucket of capacity b refilled at rate r lets fewer than b + r·w
// events through in any span shorter than w; refilling at (n+1-b)/w caps
// that at n. (Rounding the interval up only makes it stricter.)
func windowRule(n int, w time.Duration, burst int) rule {
	burst = min(max(burst, 1), n)
	iv := ceilDiv(w, n+1-burst)
	return rule{interval: iv, tolerance: time.Duration(burst-1) * iv}
}

// rateRule allows perSecond events a second on average, burst back to back.
func rateRule(perSecond, burst int) rule {
	burst = max(burst, 1)
	iv := ceilDiv(time.Second, perSecond)
	return rule{interval: iv, tolerance: time.Duration(burst-1) * iv}
}

func ceilDiv(d time.Duration, n int) time.Duration {
	return (d + time.Duration(n) - 1) / time.Duration(n)
}

// limiter implements bot.Limiter over Limits.
//
// A group's limit is a count in a sliding minute, kept exactly: the times of
// its last PerGroupPerMinute messages. A token bucket could only keep to it
// by refilling at the rate of the whole minute, so a group's ten messages
// would take half a minute instead of the ten seconds its per-chat pace
// allows, and a burst to many groups would finish long after the bot-wide
// limit allows.
type limiter struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	global, chat rule
	groupN       int           // messages in any groupW in one group
	groupW       time.Duration // a minute and its slack

	mu      sync.Mutex
	tat     time.Time // the bot-wide bucket
	chats   map[bot.ChatID]*chatPace
	sweepAt int // len(chats) that triggers the next sweep
}

// chatPace is one chat's state: its bucket, and for a group the times of its
// last groupN messages, oldest first.
type chatPace struct {
	tat  time.Time
	sent []time.Time
}

var _ bot.ChatLimiter = (*limiter)(nil)

func newLimiter(l Limits) *limiter {
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	perSecond := def(l.PerSecond, DefaultPerSecond)
	perGroup := def(l.PerGroupPerMinute, DefaultPerGroupPerMinute)
	perPrivate := def(l.PerPrivatePerSecond, DefaultPerPrivatePerSecond)
	burst := def(l.Burst, DefaultBurst)
	lim := &limiter{
		now:   time.Now,
		sleep: sleep,
		// Messages to different chats need no burst of their own: spacing
		// them evenly keeps every one-second window at PerSecond.
		global:  windowRule(perSecond, time.Second+secondSlack, 1),
		chat:    rateRule(perPrivate, burst),
		groupN:  perGroup,
		groupW:  time.Minute + minuteSlack,
		chats:   map[bot.ChatID]*chatPace{},
		sweepAt: 1024,
	}
	if l.Now != nil && l.Sleep != nil {
		lim.now, lim.sleep = l.Now, l.Sleep
	}
	return lim
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wait implements bot.Limiter: it blocks until a message to chat may go
// without breaking the bot-wide or the chat's limit, and counts it.
func (l *limiter) Wait(ctx context.Context, chat bot.ChatID) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := l.take(chat, l.now())
		if d <= 0 {
			return nil
		}
		// Nothing is reserved while sleeping, so a chat waiting for its
		// group limit never holds up messages to other chats.
		if err := l.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// ChatWait implements bot.ChatLimiter: how long until chat's own limits
// (its pace, a group's minute) allow a message, counting nothing.
func (l *limiter) ChatWait(chat bot.ChatID) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(l.chatWait(chat, l.chats[chat], now), 0)
}

func (l *limiter) chatWait(chat bot.ChatID, p *chatPace, now time.Time) time.Duration {
	if p == nil {
		return 0
	}
	d := l.chat.wait(p.tat, now)
	if !isPrivate(chat) && len(p.sent) >= l.groupN {
		d = max(d, p.sent[len(p.sent)-l.groupN].Add(l.groupW).Sub(now))
	}
	return d
}

var _ bot.Budgeter = (*limiter)(nil)

// ChatBudget implements bot.Budgeter: how many messages chat's own limits
// (its pace and burst, a group's minute) let through from now until d from
// now, counting nothing. (The bot-wide rate is shared, and left out.)
func (l *limiter) ChatBudget(chat bot.ChatID, d time.Duration) int {
	now := l.now()
	end := now.Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	var tat time.Time
	var sent []time.Time
	if p := l.chats[chat]; p != nil {
		tat, sent = p.tat, slices.Clone(p.sent)
	}
	group := !isPrivate(chat)
	n, at := 0, now
	for n < maxBudget {
		if w := l.chat.wait(tat, at); w > 0 {
			at = at.Add(w)
		}
		if group && len(sent) >= l.groupN {
			if g := sent[len(sent)-l.groupN].Add(l.groupW); g.After(at) {
				at = g
			}
		}
		if at.After(end) {
			break
		}
		n++
		tat = l.chat.next(tat, at)
		if group {
			sent = append(sent, at)
		}
	}
	return n
}

// maxBudget bounds ChatBudget's count: no chat takes more in ten seconds.
const maxBudget = 1000

// take counts a message to chat at now and returns 0 if the bot-wide and the
// chat's limits allow it, or else how long to wait before asking again (and
// counts nothing).
func (l *limiter) take(chat bot.ChatID, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.chats[chat]
	if d := max(l.global.wait(l.tat, now), l.chatWait(chat, p, now)); d > 0 {
		return d
	}
	if p == nil {
		p = &chatPace{}
		l.chats[chat] = p
	}
	l.tat = l.global.next(l.tat, now)
	p.tat = l.chat.next(p.tat, now)
	if !isPrivate(chat) {
		if len(p.sent) == l.groupN {
			p.sent = append(p.sent[:0], p.sent[1:]...)
		}
		p.sent = append(p.sent, now)
	}
	if len(l.chats) >= l.sweepAt {
		l.sweep(now)
	}
	return 0
}

// sweep forgets chats whose limits have all refilled: a missing entry means
// a fresh chat. It runs when the map has doubled since the last sweep, so
// its cost per message stays constant.
func (l *limiter) sweep(now time.Time) {
	for chat, p := range l.chats {
		if !p.tat.After(now) && (len(p.sent) == 0 || !p.sent[len(p.sent)-1].Add(l.groupW).After(now)) {
			delete(l.chats, chat)
		}
	}
	l.sweepAt = max(1024, 2*len(l.chats))
}

// record counts a message to chat that went out at at (before this run
// began), as take counts one, without asking whether it may go. Messages
// must be recorded in the order they went out.
func (l *limiter) record(chat bot.ChatID, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.chats[chat]
	if p == nil {
		p = &chatPace{}
		l.chats[chat] = p
	}
	l.tat = l.global.next(l.tat, at)
	p.tat = l.chat.next(p.tat, at)
	if !isPrivate(chat) {
		if len(p.sent) == l.groupN {
			p.sent = append(p.sent[:0], p.sent[1:]...)
		}
		p.sent = append(p.sent, at)
	}
}

// Sent is a message an earlier run sent, read from the outbox for SeedLimits.
type Sent struct {
	Chat bot.ChatID
	// At is when it went out, or a little later: a later time only makes
	// the limits stricter.
	At time.Time
	// Text is the message's text; a long one went out as several messages.
	Text string
}

// SeedLimits counts what the previous run sent in the last minute, so that
// the limiter's windows survive a restart: without it, a bot restarted after
// a busy minute would send a group's 20 messages of the minute again at once
// and draw 429s. sent must be in the order the messages went out; call it
// before the first Send.
func (t *Telegram) SeedLimits(sent []Sent) {
	if t.limiter == nil {
		return
	}
	since := t.limiter.now().Add(-(time.Minute + minuteSlack))
	for _, s := range sent {
		if s.At.Before(since) {
			continue
		}
		for range max(1, len(splitText(s.Text, maxText))) {
			t.limiter.record(s.Chat, s.At)
		}
	}
}
