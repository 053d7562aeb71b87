package wechat

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/linli/linli/bot"
)

// Send implements bot.Platform. WeChat gets plain text: buttons are dropped
// (the core writes command hints into the text), there is no quote (ReplyTo
// is ignored) and no edit (an edit goes out as a new message). An attachment
// with its bytes follows the text as an image or a file message (see
// sendWithMedia). It returns the server's MsgID (the text's, if there is one).
//
// Errors: not logged in, or the session refused (Ret 1100/1101/1102) →
// ErrNotLoggedIn with a *bot.RetryAfterError, so the row waits for the next
// login; frequency control (Ret 1205) → *bot.RetryAfterError with a growing
// back-off, and no send at all until it has passed; a name shared by two
// chats → bot.ErrPermanent; an unknown name (after one more contact fetch) →
// ErrUnknownChat; network errors → plain, transient errors.
func (w *WeChat) Send(ctx context.Context, out bot.Outgoing) (bot.MessageID, error) {
	defer w.flushAlerts()
	if hasMedia(out) {
		return w.sendWithMedia(ctx, out)
	}
	if strings.TrimSpace(out.Text) == "" {
		return "", fmt.Errorf("%w: nothing to send (WeChat gets text only)", bot.ErrPermanent)
	}
	return w.paced(ctx, out, sendText(out.Text))
}

// sendFunc sends one message to userName in session s. w.callMu is held.
type sendFunc func(ctx context.Context, s *session, userName string) (*openwechat.SentMessage, error)

func sendText(text string) sendFunc {
	return func(ctx context.Context, s *session, userName string) (*openwechat.SentMessage, error) {
		msg := openwechat.NewTextSendMessage(text, s.selfUser, userName)
		return s.b.Caller.WebWxSendMsg(ctx, &openwechat.CallerWebWxSendMsgOptions{
			LoginInfo: s.b.Storage.LoginInfo, BaseRequest: s.b.Storage.Request, Message: msg,
		})
	}
}

// paced sends one message to out.Chat with send, at least Pace after the
// previous send ended.
func (w *WeChat) paced(ctx context.Context, out bot.Outgoing, send sendFunc) (bot.MessageID, error) {
	for {
		// Keep Pace between the end of one send and the start of the next,
		// whatever called Send: the server sees the gap at least that wide.
		// The wait is outside callMu so the sync goroutine is not held up.
		w.mu.Lock()
		wait := time.Until(w.lastSendEnd.Add(w.cfg.Pace))
		w.mu.Unlock()
		if wait > 0 && !sleep(ctx, wait) {
			return "", ctx.Err()
		}
		w.callMu.Lock()
		w.mu.Lock()
		ready := !time.Now().Before(w.lastSendEnd.Add(w.cfg.Pace))
		w.mu.Unlock()
		if !ready {
			w.callMu.Unlock()
			continue
		}
		id, err := w.sendLocked(ctx, out, send)
		w.callMu.Unlock()
		return id, err
	}
}

// sendLocked resolves the chat and sends with send. w.callMu is held.
func (w *WeChat) sendLocked(ctx context.Context, out bot.Outgoing, send sendFunc) (bot.MessageID, error) {
	w.mu.Lock()
	s := w.sess
	cool := time.Until(w.coolUntil)
	w.mu.Unlock()
	if s == nil {
		return "", w.notLoggedIn(nil)
	}
	if cool > 0 {
		return "", &bot.RetryAfterError{After: cool, Reason: "WeChat frequency control (Ret 1205)"}
	}
	userName, err := w.resolveLocked(ctx, s, out.Chat, !out.Anonymous)
	if err != nil {
		return "", err
	}
	sent, err := send(ctx, s, userName)
	now := time.Now()
	w.mu.Lock()
	// A refused send counts for the frequency control too.
	w.lastSendEnd = now
	if err == nil {
		w.freqBackoff = 0
		w.known.add(sent.MsgId)
		w.mu.Unlock()
		return bot.MessageID(sent.MsgId), nil
	}
	var ret openwechat.Ret
	switch {
	case errors.As(err, &ret) && ret == 1205:
		d := w.freqBackoff
		if d == 0 {
			d = w.cfg.FrequencyBackoff
		}
		w.freqBackoff = min(2*d, maxFrequencyBackoff)
		w.coolUntil = now.Add(d)
		w.mu.Unlock()
		w.log.Warn("wechat frequency control: holding all sends", "for", d)
		return "", &bot.RetryAfterError{After: d, Reason: "WeChat frequency control (Ret 1205)"}
	case errors.As(err, &ret) && ret == 1204:
		// The recipient is not a contact of this session: a UserName from
		// before a login, or a chat that left. Look the name up again next time.
		delete(s.dir.byUser, userName)
		delete(s.dir.missed, string(out.Chat))
		w.mu.Unlock()
		return "", fmt.Errorf("wechat send to %q: recipient refused (Ret 1204): %w", out.Chat, err)
	}
	w.mu.Unlock()
	return "", w.callError("send to "+string(out.Chat), err)
}

// callError turns an openwechat error into a Send error: a session refusal
// becomes ErrNotLoggedIn (the sync loop notices the logout on its own).
func (w *WeChat) callError(doing string, err error) error {
	if isLogoutRet(err) {
		return w.notLoggedIn(err)
	}
	return fmt.Errorf("wechat %s: %w", doing, err)
}

// notLoggedIn is the error for a send without a session: the row waits (the
// Sender never parks a row for a retry-after) and comes back soon after the
// next login. The wait grows with the time logged out, from 5·RetryBase to
// 30 s, so a long outage does not poll the outbox every few seconds.
func (w *WeChat) notLoggedIn(cause error) error {
	w.mu.Lock()
	var down time.Duration
	if w.sess == nil {
		down = time.Since(w.downSince)
	}
	w.mu.Unlock()
	after := min(max(5*w.cfg.RetryBase, down/4, time.Second), 30*time.Second)
	retry := &bot.RetryAfterError{After: after, Reason: "WeChat is not logged in"}
	if cause != nil {
		return fmt.Errorf("%w (%v): %w", ErrNotLoggedIn, cause, retry)
	}
	return fmt.Errorf("%w: %w", ErrNotLoggedIn, retry)
}

// resolveLocked finds this session's UserName for a chat name, fetching the
// contact list once more for a name it does not know. w.callMu is held.
//
// Alerts name the chat; alert is false for the receipt of an anonymous
// suggestion, whose chat must not appear anywhere.
func (w *WeChat) resolveLocked(ctx context.Context, s *session, chat bot.ChatID, alert bool) (string, error) {
	name := string(chat)
	w.mu.Lock()
	found := s.dir.lookup(name)
	last, missedBefore := s.dir.missed[name]
	refetch := len(found) == 0 && (!missedBefore || time.Since(last) >= refetchEvery)
	if refetch {
		s.dir.missed[name] = time.Now()
	}
	w.mu.Unlock()
	if refetch {
		if err := w.fetchContactsLocked(ctx, s); err != nil {
			return "", w.callError("fetch contacts", err)
		}
		w.mu.Lock()
		found = s.dir.lookup(name)
		w.mu.Unlock()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	alertOnce := func(key string, a bot.Alert) {
		if alert {
			s.alertOnceLocked(key, a)
		}
	}
	switch len(found) {
	case 0:
		alertOnce("missing:"+name, missingAlert(name))
		return "", fmt.Errorf("%w: %q (save the group to contacts, 保存到通讯录)", ErrUnknownChat, name)
	case 1:
		delete(s.dir.missed, name)
		if c := found[0]; c.group && !c.saved {
			alertOnce("unsaved:"+name, unsavedAlert(name))
		}
		return found[0].userName, nil
	}
	alertOnce("shared:"+name, sharedNameAlert(name, len(found)))
	return "", fmt.Errorf("%w: %d WeChat chats are named %q; rename one so the bot can tell them apart",
		bot.ErrPermanent, len(found), name)
}

// pacer is the account-wide send limiter: each Wait reserves the next slot,
// Pace plus up to Jitter after the previous one.
type pacer struct {
	pace, jitter time.Duration

	mu   sync.Mutex
	next time.Time
}

var _ bot.Budgeter = (*pacer)(nil)

// ChatBudget implements bot.Budgeter: the sends the account's pace allows
// until d from now, with the average jitter, whatever the chat (WeChat paces
// the account, so this is an upper bound when several chats are busy).
func (p *pacer) ChatBudget(_ bot.ChatID, d time.Duration) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	gap := p.pace + p.jitter/2
	if gap <= 0 {
		return 1000
	}
	left := d - max(time.Until(p.next), 0)
	if left < 0 {
		return 0
	}
	return int(left/gap) + 1
}

// Wait implements bot.Limiter. The chat does not matter: WeChat counts the
// account's sends.
func (p *pacer) Wait(ctx context.Context, _ bot.ChatID) error {
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	gap := p.pace
	if p.jitter > 0 {
		gap += time.Duration(rand.Int64N(int64(p.jitter) + 1))
	}
	p.next = at.Add(gap)
	p.mu.Unlock()
	if !sleep(ctx, time.Until(at)) {
		return ctx.Err()
	}
	return nil
}
