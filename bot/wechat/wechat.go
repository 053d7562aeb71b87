// Package wechat is Linli's WeChat adapter, over github.com/eatmoreapple/openwechat
// in its UOS desktop mode (the web protocol a desktop client speaks).
//
// # Identity
//
// WeChat's web protocol has no stable ids: every QR or push login hands out new
// "@…" / "@@…" UserNames for every contact, and a group cannot be given a remark.
// So this adapter keys chats and people by NAME, and re-resolves names to the
// session's UserNames after every login and every rename:
//
//   - a group's bot.ChatID is its exact group name (群名称);
//   - a private chat's bot.ChatID is the friend's remark (备注) or, without one,
//     their nickname;
//   - a person's bot.UserID is their card in the group (群昵称) or, without one,
//     their nickname; in a private chat it is the chat's id (remark or nickname).
//
// The limits follow from that: two groups with the same name cannot be told
// apart (the adapter refuses to post to such a name and alerts managers); a
// renamed group gets a new chat id (reported as bot.EventRenamed with NewChat set,
// so the core can move the binding); a person who changes their group card is a
// new person to the bot, and the same person is a different UserID in each group
// where their card differs, and in private chat. Only groups saved to the
// address book (保存到通讯录) are listed by WeChat after a login; others are found
// only once one of their messages arrives, so managers are told to save every
// bound group.
//
// # Threads
//
// openwechat runs one sync goroutine per session that long-polls, runs the
// library's message processors (which fill its contact cache without locks) and
// then our handler. That goroutine is the only one that touches openwechat's
// contact cache. Every call this adapter makes on the client (sends, contact
// fetches, sender look-ups, picture downloads) is serialized by one mutex, and
// contact fetches for sending go straight to the Caller, never through the
// cache. The handler only translates and hands messages to a queue; a separate
// goroutine enqueues them on the router, so the sync loop never waits for a
// handler.
package wechat

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/linli/linli/bot"
)

// Defaults of Config.
const (
	DefaultPace             = 1500 * time.Millisecond
	DefaultRetryBase        = time.Second
	DefaultRetryMax         = time.Minute
	DefaultFrequencyBackoff = 30 * time.Second
	// maxFrequencyBackoff caps the growing wait after repeated Ret 1205.
	maxFrequencyBackoff = 10 * time.Minute
	// PhotoWindow is how long after a person's tagged message their pictures
	// are delivered (to be attached to the ticket the message opened).
	PhotoWindow = 5 * time.Minute
)

// Config configures the adapter. Zero values take the defaults.
type Config struct {
	// SessionFile is the hot-login file (written 0600). Empty disables hot and
	// push login: every start shows a QR code.
	SessionFile string
	Log         *slog.Logger
	// Out is where the login QR code is drawn (the terminal); nil draws none.
	Out io.Writer
	// Pace is the least time between two sends (default 1.5 s); each gap gets a
	// random extra of up to Jitter (default Pace/3) so sends do not tick like a
	// machine, which WeChat's risk control notices.
	Pace   time.Duration
	Jitter time.Duration
	// Transport, if set, replaces the transport of openwechat's HTTP client
	// (tests: wechattest.Server.Transport()). Nil keeps the library's client on
	// http.DefaultTransport, which honours HTTPS_PROXY and NO_PROXY.
	Transport http.RoundTripper
	// OnLoginURL is called with the URL of the login QR code each time one is
	// shown, so the link can be sent to managers on another platform.
	OnLoginURL func(url string)
	// OnAlert is called with what managers should hear of: the session
	// ended or is back, a name is shared by two chats, a chat is missing
	// from the contacts or a group not saved to them. cmd/bot words it. It
	// is never called with a lock held.
	OnAlert func(bot.Alert)
	// OnStatus, if set, is called with Status() after each login (once the
	// contact names are resolved) and each logout.
	OnStatus func(up bool, detail string)
	Now      func() time.Time
	// RetryBase and RetryMax bound the exponential back-off of the sync loop
	// and of login attempts (defaults 1 s and 1 min).
	RetryBase, RetryMax time.Duration
	// FrequencyBackoff is the first wait after WeChat's frequency control
	// (Ret 1205), doubled for each further refusal up to 10 min (default 30 s).
	FrequencyBackoff time.Duration
}

// Errors Send returns (wrapped, with the chat or the cause).
var (
	// ErrNotLoggedIn: there is no WeChat session now. The error also carries
	// a *bot.RetryAfterError, so the outbox keeps the row (without counting it
	// towards the attempts that park a row) until the session is back.
	ErrNotLoggedIn = errors.New("wechat: not logged in")
	// ErrUnknownChat: no group or friend of that name, even after fetching the
	// contact list again. It is transient: saving the group to contacts fixes it.
	ErrUnknownChat = errors.New("wechat: no chat of that name in the contact list")
)

var (
	_ bot.Platform    = (*WeChat)(nil)
	_ bot.RateLimited = (*WeChat)(nil)
)

// WeChat is the WeChat platform. Run logs in and receives; Send delivers.
type WeChat struct {
	cfg   Config
	log   *slog.Logger
	store *sessionStore // nil without a session file
	pacer *pacer
	jobs  chan inboundJob

	// callMu serializes every call this adapter makes on the openwechat
	// client: sends, contact fetches, sender look-ups, downloads.
	callMu sync.Mutex

	mu          sync.Mutex
	running     bool
	sess        *session // the live session; nil while logged out
	state       string   // what Status says while there is no session
	wasUp       bool     // a session has existed (a later login is a re-login)
	downSince   time.Time
	freqBackoff time.Duration
	coolUntil   time.Time // no sends before (frequency control)
	lastSendEnd time.Time
	known       idRing // message ids a quote may name (ReplyTo)
	tagged      map[personKey]time.Time
	alerts      []bot.Alert // pending, fired by flushAlerts outside locks

	// textSent holds the outbox rows whose text went out before their
	// attachment failed, so that a retry sends only the attachment (media.go).
	textSent map[int64]bot.MessageID
}

// New returns the adapter. It makes no network call; Run logs in.
func New(cfg Config) (*WeChat, error) {
	if cfg.Pace < 0 || cfg.Jitter < 0 || cfg.RetryBase < 0 || cfg.RetryMax < 0 || cfg.FrequencyBackoff < 0 {
		return nil, errors.New("wechat: negative durations in config")
	}
	if cfg.Pace == 0 {
		cfg.Pace = DefaultPace
	}
	if cfg.Jitter == 0 {
		cfg.Jitter = cfg.Pace / 3
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = cfg.RetryBase
	}
	if cfg.FrequencyBackoff == 0 {
		cfg.FrequencyBackoff = DefaultFrequencyBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	w := &WeChat{
		cfg:       cfg,
		log:       cfg.Log.With("platform", bot.WeChat),
		pacer:     &pacer{pace: cfg.Pace, jitter: cfg.Jitter},
		jobs:      make(chan inboundJob, 256),
		state:     "not started",
		downSince: time.Now(),
		known:     newIDRing(4096),
		tagged:    map[personKey]time.Time{},
	}
	if cfg.SessionFile != "" {
		w.store = &sessionStore{path: cfg.SessionFile, log: w.log}
	}
	return w, nil
}

// ID implements bot.Platform.
func (w *WeChat) ID() bot.PlatformID { return bot.WeChat }

// Limiter implements bot.RateLimited: one pace for the whole account, whatever
// the chat, because WeChat's frequency control counts the account's sends.
func (w *WeChat) Limiter() bot.Limiter { return w.pacer }

// Status reports whether WeChat is usable now, for /healthz: down while logged
// out (or logging in), and while the sync loop keeps failing.
func (w *WeChat) Status() (up bool, detail string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.sess
	if s == nil {
		return false, w.state
	}
	// No account name and no raw error: /healthz may be seen by more
	// people than the log.
	if s.syncFails >= 3 {
		return false, fmt.Sprintf("logged in, but receiving fails (%s, %d times in a row)", errKind(s.syncErr), s.syncFails)
	}
	return true, "logged in since " + s.since.UTC().Format(time.RFC3339)
}

// alertLocked queues an alert for managers; flushAlerts sends it. w.mu is held.
func (w *WeChat) alertLocked(a bot.Alert) {
	w.alerts = append(w.alerts, a)
}

// flushAlerts calls OnAlert for the queued alerts. Call it with no lock held.
func (w *WeChat) flushAlerts() {
	w.mu.Lock()
	pending := w.alerts
	w.alerts = nil
	w.mu.Unlock()
	for _, a := range pending {
		w.log.Warn("wechat alert", "kind", a.Kind, "name", a.Name, "count", a.Count, "reason", a.Reason)
		if w.cfg.OnAlert != nil {
			w.callback(func() { w.cfg.OnAlert(a) })
		}
	}
}

// reportStatus calls OnStatus. Call it with no lock held.
func (w *WeChat) reportStatus() {
	if w.cfg.OnStatus != nil {
		up, detail := w.Status()
		w.callback(func() { w.cfg.OnStatus(up, detail) })
	}
}

// callback runs a caller's function; a panic in it is logged, not spread
// into the sync loop or the login loop.
func (w *WeChat) callback(f func()) {
	defer func() {
		if p := recover(); p != nil {
			w.log.Error("wechat: callback panic", "panic", p)
		}
	}()
	f()
}

func (w *WeChat) setState(state string) {
	w.mu.Lock()
	w.state = state
	w.mu.Unlock()
}

// idRing remembers the last n message ids (sent and received), so that the
// svrid of a quote can be trusted as a ReplyTo only when it names a message
// this adapter keyed.
type idRing struct {
	ids  []string
	set  map[string]bool
	next int
}

func newIDRing(n int) idRing {
	return idRing{ids: make([]string, n), set: make(map[string]bool, n)}
}

func (r *idRing) add(id string) {
	if id == "" || r.set[id] {
		return
	}
	if old := r.ids[r.next]; old != "" {
		delete(r.set, old)
	}
	r.ids[r.next] = id
	r.set[id] = true
	r.next = (r.next + 1) % len(r.ids)
}

func (r *idRing) has(id string) bool { return r.set[id] }

// GroupState is what the current session knows of a group name.
type GroupState int

// Group states.
const (
	GroupUnknown GroupState = iota // no group of that name in the contact list (not saved to contacts?)
	GroupFound                     // exactly one group has that name
	GroupShared                    // several chats share the name: the bot will not post there
)

// Group tells whether the current session knows a group by that exact name.
// It answers GroupUnknown while logged out.
func (w *WeChat) Group(name string) GroupState {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sess == nil {
		return GroupUnknown
	}
	switch cs := w.sess.dir.lookup(name); len(cs) {
	case 0:
		return GroupUnknown
	case 1:
		return GroupFound
	}
	return GroupShared
}
