// Package wechatmp is Linli's adapter for a WeChat service account (服务号,
// the "MP" of mp.weixin.qq.com), over the officialaccount package of
// github.com/silenceper/wechat/v2.
//
// # Why a service account
//
// The web-WeChat route of bot/wechat (a personal account driven through the
// web protocol) is refused for most accounts since January 2025: logins are
// dropped and accounts warned or banned. A service account is WeChat's
// official, durable route to residents: they follow the property office's
// account (by scanning its QR code in the lobby) and write to it privately,
// with the same grammar as a private chat with the bot.
//
// # The 48-hour window
//
// An account cannot write to a follower whenever it likes. Customer-service
// messages (客服消息, the only free-form messages) may go only within 48 hours
// of the follower's last interaction (a message, a menu click, a QR scan, a
// follow), and at most 5 of them in that window; outside it WeChat answers
// errcode 45015, past the count 45047. The follower's next message opens a new
// window and resets the count. Template messages (模板消息) are not bound to
// the window but need templates the manager set up.
//
// The adapter keeps the window itself: it records each follower's last
// interaction and the messages sent since, persisted through a StateStore, so
// that it answers "wait for this follower" (*WindowClosedError) without
// calling the API when it already knows WeChat would refuse.
//
// # Receiving
//
// WeChat posts every message and event to the account's server URL (Handler)
// and waits 5 seconds for an answer, then retries, three times. The handler
// verifies the signature (and decrypts safe-mode messages), hands the message
// to the Router, and answers "success" once it has been handled and committed,
// normally within milliseconds; if that fails, or takes too long, it answers
// 503 so that WeChat delivers it again, and the inbox de-duplicates the retry
// (by MsgId, or FromUserName+CreateTime for events). Replies never go in the
// callback's body: they are queued in the outbox and sent by Send as
// customer-service messages.
//
// # The SDK's HTTP
//
// The SDK builds https://api.weixin.qq.com URLs itself and sends every request
// through the package-global util.DefaultHTTPClient (http.DefaultClient, no
// timeout), most of them without a context. The adapter installs, once per
// process, a client whose transport finds the adapter call each request belongs
// to (sdkhttp.go), sends it to that adapter's API base URL (Config.APIURL: a
// test server, or a proxy) with its timeout and context, through a transport
// that honours HTTPS_PROXY/NO_PROXY, and keeps the raw answer so that errcodes
// are read exactly and no URL (which carries the access token or the app
// secret) reaches an error or a log line. Nothing else in the process may
// change util.DefaultHTTPClient or the SDK's URI modifier.
//
// # Identity
//
// A follower's openid (unique per account) is both the bot.ChatID of their
// private chat with the account and their bot.UserID; both are persisted.
package wechatmp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linli/linli/bot"
)

// Platform is the PlatformID of WeChat service accounts. It is persisted.
const Platform bot.PlatformID = "wechatmp"

// Events this adapter reports besides bot.EventBotRemoved (a follower who
// unfollowed: their chat is gone).
const (
	// EventJoin: someone followed the account or scanned one of its QR
	// codes. Message.Text is the QR code's scene (empty when they followed
	// without a code, e.g. by searching for the account); see Scene.
	EventJoin bot.EventKind = "join"
	// EventMenuView: a follower opened a link of the account's menu;
	// Message.Text is the link. It does not open the 48-hour window.
	EventMenuView bot.EventKind = "menu_view"
)

// Scene returns the QR scene of an EventJoin message, and whether m is one.
func Scene(m *bot.Message) (string, bool) {
	if m.Platform != Platform || m.Event != EventJoin {
		return "", false
	}
	return m.Text, true
}

// The MP API's public servers.
const (
	DefaultAPIURL = "https://api.weixin.qq.com"
	DefaultMPURL  = "https://mp.weixin.qq.com"
)

// Defaults of Config.
const (
	DefaultRequestTimeout = 10 * time.Second
	DefaultCallbackBudget = 3 * time.Second
	DefaultMaxPerWindow   = 5
	DefaultWindowRecheck  = 15 * time.Minute
	DefaultTokenMargin    = 5 * time.Minute
)

// WindowLength is how long after a follower's last interaction
// customer-service messages may go to them.
const WindowLength = 48 * time.Hour

// Config configures the adapter. AppID, AppSecret and Token are required.
type Config struct {
	// AppID and AppSecret are the account's 开发者ID and 开发者密码
	// (设置与开发 → 基本配置).
	AppID     string
	AppSecret string
	// Token is the 令牌 of the server configuration (服务器配置): WeChat signs
	// every callback with it.
	Token string
	// EncodingAESKey is the 消息加解密密钥 (43 characters). Needed for safe
	// mode (安全模式) and compatible mode; empty accepts plaintext callbacks only.
	EncodingAESKey string
	// APIURL is where requests for api.weixin.qq.com go (a test server, or a
	// proxy that forwards to WeChat). Default DefaultAPIURL.
	APIURL string
	// MPURL is where requests for mp.weixin.qq.com (the QR code images) go.
	// Default DefaultMPURL, or APIURL when that is set: a test server or
	// proxy serves both (their paths do not overlap).
	MPURL string
	// Proxy chooses the HTTP proxy for API requests. Default
	// http.ProxyFromEnvironment (HTTPS_PROXY, NO_PROXY).
	Proxy func(*http.Request) (*url.URL, error)
	// RequestTimeout bounds every API request (default 10 s; the SDK has none).
	RequestTimeout time.Duration
	// CallbackBudget is the longest a callback waits for its message to be
	// handled before it answers 503, so that WeChat, which gives up after 5 s,
	// retries (default 3 s).
	CallbackBudget time.Duration
	// MaxPerWindow is how many customer-service messages may go to a follower
	// in one window (default 5, WeChat's rule since 2023).
	MaxPerWindow int
	// WindowRecheck is how long a message waiting for its follower is put off
	// each time (see WindowClosedError); default 15 min.
	WindowRecheck time.Duration
	// TokenMargin: the access token is renewed this long before it expires
	// (default 5 min).
	TokenMargin time.Duration
	// State persists the access token and the followers' windows, so that a
	// restart neither fetches a new token (the token endpoint has a daily
	// quota) nor forgets who may be written to. Nil keeps them in memory only.
	State StateStore
	// OnWindowOpen, if set, is called when a follower whose window was closed
	// (or used up) opens a new one by writing: messages waiting for them may
	// go now. It is called from the callback and must not block.
	OnWindowOpen func(chat bot.ChatID)
	Log          *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// MP is the service-account platform adapter. Handler receives; Send
// delivers; the other methods are the API calls the product needs.
type MP struct {
	cfg     Config
	log     *slog.Logger
	route   *route
	tokens  *tokenSource
	windows *windows
	seq     atomic.Uint64 // ids of sent messages

	// in is the Inbound of the current Run; nil outside Run. mu guards it
	// and the registration of callbacks in flight.
	mu       sync.Mutex
	in       bot.Inbound
	inflight sync.WaitGroup
	running  bool
	ready    chan struct{}
	readyOne sync.Once

	// textSent holds outbox rows whose text went out before their image
	// failed, so that a retry sends only the image.
	textMu   sync.Mutex
	textSent map[int64]bot.MessageID
}

var (
	_ bot.Platform = (*MP)(nil)
	_ http.Handler = (*handler)(nil)
)

// New returns an adapter for cfg. It makes no request: Run or the first
// call fetches the access token (unless State holds a valid one).
func New(cfg Config) (*MP, error) {
	cfg.AppID = strings.TrimSpace(cfg.AppID)
	cfg.AppSecret = strings.TrimSpace(cfg.AppSecret)
	cfg.Token = strings.TrimSpace(cfg.Token)
	cfg.EncodingAESKey = strings.TrimSpace(cfg.EncodingAESKey)
	switch {
	case cfg.AppID == "":
		return nil, errors.New("wechatmp: no app id")
	case cfg.AppSecret == "":
		return nil, errors.New("wechatmp: no app secret")
	case cfg.Token == "":
		return nil, errors.New("wechatmp: no callback token")
	}
	if cfg.EncodingAESKey != "" {
		// Never echo the key itself.
		if len(cfg.EncodingAESKey) != 43 {
			return nil, errors.New("wechatmp: the EncodingAESKey must be 43 characters")
		}
		if k, err := base64.StdEncoding.DecodeString(cfg.EncodingAESKey + "="); err != nil || len(k) != 32 {
			return nil, errors.New("wechatmp: the EncodingAESKey is not valid base64 for a 32-byte key")
		}
	}
	if cfg.RequestTimeout < 0 || cfg.CallbackBudget < 0 || cfg.WindowRecheck < 0 || cfg.TokenMargin < 0 || cfg.MaxPerWindow < 0 {
		return nil, errors.New("wechatmp: negative values in config")
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.CallbackBudget == 0 {
		cfg.CallbackBudget = DefaultCallbackBudget
	}
	if cfg.CallbackBudget >= 5*time.Second {
		return nil, fmt.Errorf("wechatmp: callback budget %s must stay below WeChat's 5 s", cfg.CallbackBudget)
	}
	if cfg.MaxPerWindow == 0 {
		cfg.MaxPerWindow = DefaultMaxPerWindow
	}
	if cfg.WindowRecheck == 0 {
		cfg.WindowRecheck = DefaultWindowRecheck
	}
	if cfg.TokenMargin == 0 {
		cfg.TokenMargin = DefaultTokenMargin
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r, err := newRoute(cfg)
	if err != nil {
		return nil, err
	}
	a := &MP{cfg: cfg, log: cfg.Log.With("platform", string(Platform)), route: r, ready: make(chan struct{})}
	a.tokens = &tokenSource{a: a, sem: make(chan struct{}, 1), changed: make(chan struct{}, 1)}
	a.windows = &windows{a: a, m: map[bot.ChatID]*windowEntry{}}
	if cfg.State == nil {
		a.log.Warn("wechatmp state is not persisted: a restart fetches a new access token and forgets the followers' 48-hour windows")
	}
	installSDKClient()
	return a, nil
}

// ID implements bot.Platform.
func (a *MP) ID() bot.PlatformID { return Platform }

// Handler returns the callback endpoint to mount at the server URL
// configured on the 公众平台 (设置与开发 → 基本配置 → 服务器配置). It takes
// messages only while Run runs, and answers 503 otherwise so that WeChat
// delivers them again.
func (a *MP) Handler() http.Handler { return &handler{a: a} }

// Run implements bot.Platform: callbacks are handed to in until ctx ends,
// and the access token is renewed before it expires. It returns once the
// callbacks in flight have been answered.
func (a *MP) Run(ctx context.Context, in bot.Inbound) error {
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return errors.New("wechatmp: already running")
	}
	a.running = true
	a.in = in
	a.mu.Unlock()
	a.readyOne.Do(func() { close(a.ready) })
	defer func() {
		a.mu.Lock()
		a.in = nil
		a.running = false
		a.mu.Unlock()
		a.inflight.Wait()
	}()
	if err := a.tokens.load(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.log.Info("wechatmp service account ready", "app", a.cfg.AppID)
	a.tokens.keep(ctx)
	return nil
}

// Ready is closed once Run takes callbacks.
func (a *MP) Ready() <-chan struct{} { return a.ready }

// inbound returns the Inbound of the current Run and registers a callback
// in flight, or reports false outside Run.
func (a *MP) inbound() (bot.Inbound, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.in == nil {
		return nil, false
	}
	a.inflight.Add(1)
	return a.in, true
}

// nextID returns an id for a message the adapter sent: customer-service
// messages have none of their own.
func (a *MP) nextID(kind string) bot.MessageID {
	return bot.MessageID(fmt.Sprintf("%s-%d-%d", kind, a.cfg.Now().Unix(), a.seq.Add(1)))
}

// callback runs a caller's function; a panic in it is logged, not spread.
func (a *MP) callback(f func()) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("wechatmp: callback panic", "panic", p)
		}
	}()
	f()
}
