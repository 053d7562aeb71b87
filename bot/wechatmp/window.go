package wechatmp

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/linli/linli/bot"
)

// StateStore persists what the adapter must not forget on a restart: the
// access token (the token endpoint has a daily quota) and the followers'
// 48-hour windows (who may be written to, and how many messages are left).
// cmd/bot implements it over the database. Calls come from the callbacks and
// the Sender concurrently, never twice at once for the same follower.
type StateStore interface {
	// LoadToken returns the saved token; a zero Token when there is none.
	LoadToken(ctx context.Context) (Token, error)
	SaveToken(ctx context.Context, t Token) error
	// LoadWindow returns what is saved of a follower's window; a zero
	// Window when nothing is.
	LoadWindow(ctx context.Context, chat bot.ChatID) (Window, error)
	SaveWindow(ctx context.Context, w Window) error
}

// Window is what the adapter knows of one follower's 48-hour window, as saved.
type Window struct {
	Chat bot.ChatID
	// Last is the follower's last interaction (a message, a menu click, a QR
	// scan, a follow), as WeChat dated it: the window runs WindowLength from it.
	Last time.Time
	// Sent counts the customer-service messages delivered since Last.
	Sent int
	// Refused is the errcode (45015 or 45047) with which WeChat refused a
	// message although the adapter thought the window open (a clock that
	// differs, state lost); 0 otherwise. The next interaction clears it.
	Refused int
	// Unfollowed is set when the follower unfollowed the account; following
	// again clears it.
	Unfollowed bool
}

// windowSlack closes a window this much early, for clocks that differ.
const windowSlack = time.Minute

// open reports whether a message may go at now, with max messages a window.
func (w Window) open(now time.Time, max int) (bool, int) {
	switch {
	case w.Last.IsZero() || !now.Before(w.Last.Add(WindowLength-windowSlack)):
		return false, codeWindowTime
	case w.Refused != 0:
		return false, w.Refused
	case w.Sent >= max:
		return false, codeWindowCount
	}
	return true, 0
}

// windows keeps every follower's window, loaded from the StateStore on first
// use and saved on every change.
type windows struct {
	a  *MP
	mu sync.Mutex
	m  map[bot.ChatID]*windowEntry
}

type windowEntry struct {
	mu     sync.Mutex // held across load, change and save
	loaded bool
	w      Window
}

// with runs f on chat's window with its lock held, and saves it if f
// reports a change.
func (ws *windows) with(ctx context.Context, chat bot.ChatID, f func(w *Window) bool) error {
	ws.mu.Lock()
	e := ws.m[chat]
	if e == nil {
		e = &windowEntry{w: Window{Chat: chat}}
		ws.m[chat] = e
	}
	ws.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	st := ws.a.cfg.State
	if !e.loaded && st != nil {
		w, err := st.LoadWindow(ctx, chat)
		if err != nil {
			return fmt.Errorf("wechatmp: load window: %w", err)
		}
		w.Chat = chat
		e.w = w
	}
	e.loaded = true
	next := e.w
	if !f(&next) {
		return nil
	}
	if st != nil {
		if err := st.SaveWindow(ctx, next); err != nil {
			return fmt.Errorf("wechatmp: save window: %w", err)
		}
	}
	e.w = next
	return nil
}

// interacted records an interaction of the follower at at (WeChat's
// CreateTime); a follow also clears Unfollowed. It reports whether this
// opened a window that was closed or used up.
func (ws *windows) interacted(ctx context.Context, chat bot.ChatID, at time.Time, follow bool) (bool, error) {
	now := ws.a.cfg.Now()
	if at.After(now) {
		at = now // a clock ahead of ours must not stretch the window
	}
	reopened := false
	err := ws.with(ctx, chat, func(w *Window) bool {
		changed := false
		if follow && w.Unfollowed {
			w.Unfollowed, changed = false, true
		}
		// A retried delivery has the same CreateTime: it must not reset
		// the count of messages already sent in answer.
		if at.After(w.Last) {
			wasOpen, _ := w.open(now, ws.a.cfg.MaxPerWindow)
			reopened = !wasOpen
			w.Last, w.Sent, w.Refused, changed = at, 0, 0, true
		}
		return changed
	})
	return reopened, err
}

// unfollowed records that the follower unfollowed.
func (ws *windows) unfollowed(ctx context.Context, chat bot.ChatID) error {
	return ws.with(ctx, chat, func(w *Window) bool {
		if w.Unfollowed {
			return false
		}
		w.Unfollowed = true
		return true
	})
}

// check returns nil if n customer-service messages may go to chat now, and
// otherwise the error to return without asking WeChat.
func (ws *windows) check(ctx context.Context, chat bot.ChatID, n int) error {
	var out error
	err := ws.with(ctx, chat, func(w *Window) bool {
		if w.Unfollowed {
			out = &bot.ChatGoneError{Chat: chat, Reason: "the follower unfollowed the account"}
			return false
		}
		now := ws.a.cfg.Now()
		ok, code := w.open(now, ws.a.cfg.MaxPerWindow)
		if ok && w.Sent+n > ws.a.cfg.MaxPerWindow {
			ok, code = false, codeWindowCount
		}
		if !ok {
			out = ws.closed(chat, *w, code, false)
		}
		return false
	})
	if err != nil {
		return err
	}
	return out
}

// closed is the error for a closed window.
func (ws *windows) closed(chat bot.ChatID, w Window, code int, asked bool) *WindowClosedError {
	return &WindowClosedError{Chat: chat, Code: code, Since: w.Last, Asked: asked, after: ws.a.cfg.WindowRecheck}
}

// sent counts a delivered message. A failed save is logged: the message is
// out, and at worst WeChat refuses one more later (45047).
func (ws *windows) sent(ctx context.Context, chat bot.ChatID) {
	// The message is out, whatever happens to the caller's context now.
	ctx = context.WithoutCancel(ctx)
	err := ws.with(ctx, chat, func(w *Window) bool {
		w.Sent++
		return true
	})
	if err != nil {
		ws.a.log.Error("wechatmp count a sent message", "err", err)
	}
}

// refused records that WeChat refused a message with code (45015, 45047)
// and returns the error for the Sender.
func (ws *windows) refused(ctx context.Context, chat bot.ChatID, code int) error {
	ctx = context.WithoutCancel(ctx)
	var w0 Window
	err := ws.with(ctx, chat, func(w *Window) bool {
		w.Refused = code
		w0 = *w
		return true
	})
	if err != nil {
		ws.a.log.Error("wechatmp record a closed window", "err", err)
	}
	return ws.closed(chat, w0, code, true)
}

// Window returns what the adapter knows of chat's window (for status pages).
func (a *MP) Window(ctx context.Context, chat bot.ChatID) (Window, error) {
	var out Window
	err := a.windows.with(ctx, chat, func(w *Window) bool {
		out = *w
		return false
	})
	return out, err
}
