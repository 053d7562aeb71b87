package wechat

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/eatmoreapple/openwechat"
	"github.com/skip2/go-qrcode"

	"github.com/linli/linli/bot"
)

// minSyncGap is the least time between two synccheck polls. The library polls
// again at once after each answer; if the server kept answering "new
// messages" while webwxsync brought none, that would be a hot loop.
const minSyncGap = 100 * time.Millisecond

// pushWait is how long a push login waits for the phone's confirmation.
const pushWait = 2 * time.Minute

// session is one login: an openwechat.Bot with its sync goroutine. A bot
// whose context has ended cannot log in again, so each attempt makes a new one.
type session struct {
	w      *WeChat
	b      *openwechat.Bot
	ctx    context.Context // the bot's context: cancelled to stop it
	cancel context.CancelFunc

	done     chan struct{} // closed by LogoutCallBack
	doneOnce sync.Once
	reason   error // why the session ended; written before done is closed

	lastCheck time.Time // sync goroutine only

	// Set once logged in, before the session is published in w.sess.
	selfUser, selfNick string
	since              time.Time
	started            time.Time

	// Guarded by w.mu.
	dir        directory
	syncFails  int
	syncErr    error
	alerted    map[string]bool
	refreshing bool
}

// Run logs in (hot, then push, then QR), receives messages until ctx ends,
// and logs in again, with back-off, whenever the session ends. It returns
// nil when ctx ends.
func (w *WeChat) Run(ctx context.Context, in bot.Inbound) error {
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return errors.New("wechat: Run called twice")
	}
	w.running = true
	w.mu.Unlock()

	if w.store != nil {
		defer w.store.close()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.deliver(ctx, in)
	}()
	defer wg.Wait()

	attempt := 0
	for {
		start := time.Now()
		s, err := w.login(ctx)
		w.flushAlerts()
		if ctx.Err() != nil {
			if s != nil {
				s.cancel()
			}
			w.setState("stopped")
			return nil
		}
		if err != nil {
			if time.Since(start) > w.cfg.RetryMax {
				attempt = 0 // a long wait (an unanswered QR code) is no failure streak
			}
			d := backoff(attempt, w.cfg.RetryBase, w.cfg.RetryMax)
			attempt++
			err = bot.Redact(err) // the URLs' queries carry the session's keys
			w.log.Warn("wechat login failed", "err", err, "retry_in", d)
			w.setState(fmt.Sprintf("login failed (%s); trying again in %s", errKind(err), d.Round(time.Millisecond)))
			if !sleep(ctx, d) {
				w.setState("stopped")
				return nil
			}
			continue
		}
		w.loggedIn(ctx, s)
		select {
		case <-s.done:
		case <-ctx.Done():
		}
		s.cancel()
		if ctx.Err() != nil {
			w.setState("stopped")
			w.loggedOut(s, nil)
			return nil
		}
		w.loggedOut(s, s.reason)
		w.flushAlerts()
		if time.Since(s.started) > w.cfg.RetryMax {
			attempt = 0
		}
		d := backoff(attempt, w.cfg.RetryBase, w.cfg.RetryMax)
		attempt++
		if !sleep(ctx, d) {
			w.setState("stopped")
			return nil
		}
	}
}

// login tries hot login from the session file, then push login (the phone
// is asked to confirm), then a QR code. A network error stops the sequence:
// a QR code cannot help while the server is unreachable.
func (w *WeChat) login(ctx context.Context) (*session, error) {
	if w.store != nil && w.store.exists() {
		s := w.newSession(ctx)
		view, uin := w.store.open(false)
		w.setState("logging in with the saved session")
		err := s.b.HotLogin(view)
		if err == nil {
			return s, nil
		}
		s.cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if openwechat.IsNetworkError(err) {
			return nil, fmt.Errorf("hot login: %w", err)
		}
		w.log.Info("wechat hot login refused; trying push login", "err", bot.Redact(err))
		if uin != 0 {
			s = w.newSession(ctx)
			view, _ = w.store.open(false)
			w.setState("push login: confirm the login on the phone")
			// The phone may never answer; after pushWait a QR code is the way.
			timer := time.AfterFunc(pushWait, s.cancel)
			err = s.b.PushLogin(view)
			timedOut := !timer.Stop()
			if err == nil && !timedOut {
				return s, nil
			}
			s.cancel()
			switch {
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case timedOut:
				w.log.Info("wechat push login not confirmed in time; showing a QR code", "waited", pushWait)
			case openwechat.IsNetworkError(err):
				return nil, fmt.Errorf("push login: %w", err)
			default:
				w.log.Info("wechat push login refused; showing a QR code", "err", bot.Redact(err))
			}
		}
	}
	s := w.newSession(ctx)
	w.setState("QR login: fetching a QR code")
	var err error
	if w.store != nil {
		// Hot login on a blank view fails, and the retry option falls back to
		// a QR login; unlike Login, it leaves the view as the bot's storage,
		// so the new session is saved for the next start.
		view, _ := w.store.open(true)
		err = s.b.HotLogin(view, openwechat.NewRetryLoginOption())
	} else {
		err = s.b.Login()
	}
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("qr login: %w", err)
	}
	return s, nil
}

// newSession makes an openwechat bot wired to this adapter.
func (w *WeChat) newSession(ctx context.Context) *session {
	sctx, cancel := context.WithCancel(ctx)
	b := openwechat.DefaultBot(openwechat.Desktop, openwechat.WithContextOption(sctx))
	s := &session{
		w: w, b: b, ctx: b.Context(), cancel: cancel,
		done:    make(chan struct{}),
		dir:     newDirectory(),
		alerted: map[string]bool{},
	}
	c := b.Caller.Client
	if w.cfg.Transport != nil {
		c.HTTPClient().Transport = w.cfg.Transport
	}
	// Our supervision retries with back-off; the library's immediate retries
	// only multiply the load on a server that is already failing.
	c.MaxRetryTimes = 1
	c.AddHttpHook(&jarHook{c: c})
	// DefaultBot's UUIDCallback runs xdg-open, and its other callbacks log
	// every poll through the standard logger.
	b.UUIDCallback = w.showQR
	b.ScanCallBack = func(openwechat.CheckLoginResponse) {
		w.log.Info("wechat QR code scanned; waiting for the confirmation on the phone")
		w.setState("QR code scanned: confirm the login on the phone")
	}
	b.LoginCallBack = nil
	b.SyncCheckCallback = s.onSyncCheck
	b.MessageHandler = s.onMessage
	b.MessageErrorHandler = s.onSyncError
	b.LogoutCallBack = s.onLogout
	return s
}

// qrContent is what WeChat's QR code encodes (the image at
// openwechat.GetQrcodeUrl shows the same).
func qrContent(uuid string) string { return "https://login.weixin.qq.com/l/" + uuid }

// showQR draws the login QR code and passes its link on.
func (w *WeChat) showQR(uuid string) {
	link := openwechat.GetQrcodeUrl(uuid)
	w.log.Info("wechat login QR code", "url", link)
	if w.cfg.Out != nil {
		if q, err := qrcode.New(qrContent(uuid), qrcode.Low); err == nil {
			fmt.Fprintf(w.cfg.Out, "\n请用微信扫码登录 Linli / Scan with WeChat to log Linli in:\n%s%s\n\n", q.ToSmallString(false), link)
		} else {
			fmt.Fprintf(w.cfg.Out, "\n请用微信扫码登录 / Scan with WeChat to log in: %s\n\n", link)
		}
	}
	// Not the link: anyone who scans it with their own phone would log
	// their account in as the bot's, and /healthz is no place for it.
	w.setState("QR login: waiting for the QR code to be scanned (the link is in the log and went to the managers)")
	if w.cfg.OnLoginURL != nil {
		w.callback(func() { w.cfg.OnLoginURL(link) })
	}
}

// loggedIn publishes a new session and resolves the contact names.
func (w *WeChat) loggedIn(ctx context.Context, s *session) {
	// The sync goroutine already runs; the init response it will not write
	// again carries the account.
	if u := s.b.Storage.Response.User; u != nil {
		s.selfUser, s.selfNick = u.UserName, openwechat.FormatEmoji(u.NickName)
	}
	s.started = time.Now()
	s.since = w.cfg.Now()
	w.mu.Lock()
	relogin := w.wasUp
	w.wasUp = true
	w.sess = s
	w.state = ""
	if relogin {
		w.alertLocked(bot.Alert{Kind: bot.AlertLoggedIn, Name: s.selfNick})
	}
	w.mu.Unlock()
	w.log.Info("wechat logged in", "account", s.selfNick)

	w.callMu.Lock()
	err := w.fetchContactsLocked(ctx, s)
	w.callMu.Unlock()
	if err != nil {
		w.log.Warn("wechat: fetch contacts after login", "err", bot.Redact(err))
	}
	w.flushAlerts()
	w.reportStatus()
}

// loggedOut unpublishes a session that ended; reason is nil when we stopped it.
func (w *WeChat) loggedOut(s *session, reason error) {
	w.mu.Lock()
	if w.sess == s {
		w.sess = nil
		w.downSince = time.Now()
	}
	if reason == nil {
		w.mu.Unlock()
		w.reportStatus()
		return
	}
	reason = bot.Redact(reason)
	w.state = "logged out (" + errKind(reason) + "); logging in again"
	w.alertLocked(bot.Alert{Kind: bot.AlertLoggedOut, Reason: reason.Error()})
	w.mu.Unlock()
	w.log.Warn("wechat logged out", "reason", reason)
	w.reportStatus()
}

// onLogout is openwechat's LogoutCallBack: the server ended the session, or
// the sync loop gave up (onSyncError returned an error).
func (s *session) onLogout(b *openwechat.Bot) {
	s.reason = b.CrashReason()
	if s.reason == nil {
		s.reason = errors.New("session ended")
	}
	s.doneOnce.Do(func() { close(s.done) })
}

// isLogoutRet reports the Ret codes that mean the session is no longer valid.
func isLogoutRet(err error) bool {
	var ret openwechat.Ret
	if !errors.As(err, &ret) {
		return false
	}
	switch ret {
	case 1100, 1101, 1102:
		return true
	}
	return false
}

// onSyncError is openwechat's MessageErrorHandler. The library's default
// returns nil at once on network errors, so a dead network becomes a hot
// loop; this one waits, exponentially longer, and ends the session only on
// the Ret codes that mean logged out.
func (s *session) onSyncError(err error) error {
	if s.ctx.Err() != nil {
		return nil // we are stopping it; the loop ends by itself
	}
	if isLogoutRet(err) {
		return err
	}
	w := s.w
	w.mu.Lock()
	s.syncFails++
	n := s.syncFails
	s.syncErr = bot.Redact(err)
	w.mu.Unlock()
	d := backoff(n-1, w.cfg.RetryBase, w.cfg.RetryMax)
	w.log.Warn("wechat sync failed", "err", bot.Redact(err), "failures", n, "retry_in", d)
	sleep(s.ctx, d)
	return nil
}

// onSyncCheck is openwechat's SyncCheckCallback, run after each poll.
func (s *session) onSyncCheck(resp openwechat.SyncCheckResponse) {
	if resp.Success() {
		s.w.mu.Lock()
		s.syncFails, s.syncErr = 0, nil
		s.w.mu.Unlock()
	}
	if gap := time.Since(s.lastCheck); gap < minSyncGap {
		sleep(s.ctx, minSyncGap-gap)
	}
	s.lastCheck = time.Now()
}

// alertOnceLocked queues an alert unless this session already sent one with
// that key. w.mu is held.
func (s *session) alertOnceLocked(key string, a bot.Alert) {
	if s.alerted[key] {
		return
	}
	s.alerted[key] = true
	s.w.alertLocked(a)
}

// backoff is base·2^attempt capped at max, less up to a quarter at random so
// that retries do not line up.
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

// sleep waits for d and reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// errKind says what kind of failure err is, for /healthz, which shows no
// raw errors (they may name the account or carry session keys).
func errKind(err error) string {
	var ret openwechat.Ret
	switch {
	case err == nil:
		return "no reason given"
	case openwechat.IsNetworkError(err):
		return "network error"
	case errors.As(err, &ret):
		return fmt.Sprintf("WeChat answered Ret %d", int(ret))
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return "refused by WeChat"
}
