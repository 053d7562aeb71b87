// Package telegram is Linli's Telegram adapter over github.com/go-telegram/bot.
//
// It turns Bot API updates into neutral bot.Messages (inbound.go, a pure
// translation), delivers bot.Outgoing messages in HTML parse mode with all
// user text escaped (outbound.go), maps the Bot API's errors onto the
// Sender's vocabulary (errors.go) and paces sends within Telegram's flood
// limits (limits.go).
//
// The SDK leaves several gaps that this package covers: updates are handed
// to the Router (ordered per chat, parallel across chats, bounded) instead of
// one goroutine each; the last processed update_id is persisted so that a
// restart does not replay the last batch; shutdown waits for the handlers
// in flight; 429s, kicks and migrations become typed errors; and rate
// limiting happens before sending, so 429s stay rare.
//
// The adapter knows only package bot and the SDK. Chat ids are Telegram's
// chat ids in decimal, message ids the message_id in decimal, user ids the
// user id in decimal; all three are persisted by the store.
package telegram

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
)

// DefaultAPIURL is the Bot API server of Telegram's cloud.
const DefaultAPIURL = "https://api.telegram.org"

// Defaults of Config.
const (
	DefaultPollTimeout    = 50 * time.Second
	DefaultRequestTimeout = 30 * time.Second
)

// OffsetStore keeps the update_id of the last update that was fully handled,
// so that long polling resumes after it when the bot restarts. cmd/bot
// implements it over the database.
type OffsetStore interface {
	LoadOffset(ctx context.Context) (int64, error)
	SaveOffset(ctx context.Context, offset int64) error
}

// WebhookConfig switches the adapter from long polling to a webhook.
type WebhookConfig struct {
	// PublicURL is the HTTPS address Telegram posts updates to, e.g.
	// https://bot.example.org/telegram. Its path is where the handler is
	// served. TLS is usually terminated by a reverse proxy in front of Listen.
	PublicURL string
	// Listen is the local address to serve on, e.g. ":8443".
	Listen string
	// Listener, if set, is used instead of Listen (tests pass one bound to
	// port 0). Run closes it.
	Listener net.Listener
	// Secret is sent by Telegram in X-Telegram-Bot-Api-Secret-Token with
	// every update and checked on every request: 1–256 characters of
	// A-Z, a-z, 0-9, _ and -. Empty means a random secret for each run.
	Secret string
}

// Config configures the adapter. Only Token is required.
type Config struct {
	Token string
	// APIURL is the Bot API server (a self-hosted telegram-bot-api, or a test
	// server). Default DefaultAPIURL.
	APIURL string
	// HTTPClient makes the requests. The default is a client with the
	// standard transport, so HTTPS_PROXY/NO_PROXY and the system's CAs apply.
	// Its Timeout, if set, must exceed PollTimeout.
	HTTPClient *http.Client
	// Offsets persists the long-polling offset; nil starts from whatever
	// Telegram still holds (the inbox de-duplicates replays either way).
	Offsets OffsetStore
	Log     *slog.Logger
	// Webhook, if set, receives updates by webhook instead of long polling.
	Webhook *WebhookConfig
	// PollTimeout is the long-poll duration (at least 2s; default 50s).
	PollTimeout time.Duration
	// RequestTimeout bounds every other API call (default 30s).
	RequestTimeout time.Duration
	// Limits paces sends; zero fields take Telegram's documented limits.
	Limits Limits
	// Menu is the command menu set with setMyCommands; nil sets none.
	Menu *Menu
	// Lang is the language of the menu shown to users whose language has no
	// menu of its own ("zh" or "en"; default "zh").
	Lang string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// identity is what getMe told us about the bot.
type identity struct {
	ID         int64
	Username   string
	CanReadAll bool
}

// Telegram is the Telegram platform adapter.
type Telegram struct {
	cfg     Config
	api     *tgbot.Bot // requests other than getUpdates
	client  *http.Client
	log     *slog.Logger
	limiter *limiter

	me        atomic.Pointer[identity]
	ready     chan struct{}
	readyOnce sync.Once
	forged    forgeries // webhook requests with a wrong secret
	health    apiHealth // whether Bot API calls work (Status)

	progMu   sync.Mutex
	progress map[int64]progress // outbox rows partly sent (outbound.go)
}

var (
	_ bot.Platform         = (*Telegram)(nil)
	_ bot.CallbackAnswerer = (*Telegram)(nil)
	_ bot.RateLimited      = (*Telegram)(nil)
	_ bot.Deleter          = (*Telegram)(nil)
)

var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// New returns an adapter for cfg. It makes no request: Run calls getMe.
func New(cfg Config) (*Telegram, error) {
	cfg.Token = strings.TrimSpace(cfg.Token)
	if cfg.Token == "" {
		return nil, errors.New("telegram: no bot token")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("telegram: bad API URL %q: want http(s)://host[:port]", cfg.APIURL)
	}
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = DefaultPollTimeout
	}
	if cfg.PollTimeout < 2*time.Second {
		// The SDK asks Telegram for PollTimeout-1s; zero would poll in a hot loop.
		return nil, fmt.Errorf("telegram: poll timeout %s is below 2s", cfg.PollTimeout)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	client := cfg.HTTPClient
	if client == nil {
		// A nil Transport is http.DefaultTransport: proxy from the
		// environment and the system's certificates.
		client = &http.Client{Timeout: cfg.PollTimeout + 15*time.Second}
	} else if client.Timeout != 0 && client.Timeout <= cfg.PollTimeout {
		return nil, fmt.Errorf("telegram: HTTP client timeout %s must exceed the poll timeout %s", client.Timeout, cfg.PollTimeout)
	}
	client = &http.Client{Transport: client.Transport, CheckRedirect: client.CheckRedirect, Jar: client.Jar, Timeout: client.Timeout}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Lang == "" {
		cfg.Lang = "zh"
	}
	if w := cfg.Webhook; w != nil {
		u, err := url.Parse(w.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("telegram: bad webhook URL %q", w.PublicURL)
		}
		if w.Listen == "" && w.Listener == nil {
			return nil, errors.New("telegram: webhook needs a listen address")
		}
		if w.Secret != "" && !secretPattern.MatchString(w.Secret) {
			return nil, errors.New("telegram: webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
		}
	}
	t := &Telegram{
		cfg:    cfg,
		client: client,
		log:    cfg.Log.With("platform", string(bot.Telegram)),
		ready:  make(chan struct{}),
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client.Transport = apiTransport{base: base, t: t}
	if !cfg.Limits.Disabled {
		t.limiter = newLimiter(cfg.Limits)
	}
	api, err := t.newSDK()
	if err != nil {
		return nil, err
	}
	t.api = api
	return t, nil
}

// newSDK returns an SDK client with the adapter's server, HTTP client and
// error log, plus opts.
func (t *Telegram) newSDK(opts ...tgbot.Option) (*tgbot.Bot, error) {
	base := []tgbot.Option{
		tgbot.WithSkipGetMe(),
		tgbot.WithServerURL(t.cfg.APIURL),
		tgbot.WithHTTPClient(t.cfg.PollTimeout, t.client),
		tgbot.WithErrorsHandler(func(err error) { t.log.Warn("telegram client", "err", t.redact(err)) }),
		tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}),
	}
	b, err := tgbot.New(t.cfg.Token, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	return b, nil
}

// ID implements bot.Platform.
func (t *Telegram) ID() bot.PlatformID { return bot.Telegram }

// Limiter implements bot.RateLimited. It is nil when Limits.Disabled is set.
func (t *Telegram) Limiter() bot.Limiter {
	if t.limiter == nil {
		return nil
	}
	return t.limiter
}

// Ready is closed once Run has started: getMe answered, the command menu
// set and the update source (polling or webhook) prepared.
func (t *Telegram) Ready() <-chan struct{} { return t.ready }

// Username is the bot's @username without the @, known once Run has called getMe.
func (t *Telegram) Username() string {
	if me := t.me.Load(); me != nil {
		return me.Username
	}
	return ""
}

// PrivacyMode reports whether BotFather's group privacy mode is on
// (can_read_all_group_messages is false): the bot then sees in groups only
// /commands, replies to its own messages and @mentions, so "#报修" tags are
// missed unless the bot is a group administrator. Known once Run has called getMe.
func (t *Telegram) PrivacyMode() bool {
	if me := t.me.Load(); me != nil {
		return !me.CanReadAll
	}
	return false
}

func (t *Telegram) identity() identity {
	if me := t.me.Load(); me != nil {
		return *me
	}
	return identity{}
}

// request returns a context for one API call other than getUpdates.
func (t *Telegram) request(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, t.cfg.RequestTimeout)
}

// Run implements bot.Platform: it identifies the bot, sets its command menu,
// then receives updates (long polling, or the webhook) and enqueues each in
// in until ctx ends. It returns after the handlers of every enqueued update
// have finished, so the Router must not be closed before Run returns.
func (t *Telegram) Run(ctx context.Context, in bot.Inbound) error {
	if err := t.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if t.cfg.Webhook != nil {
		return t.runWebhook(ctx, in)
	}
	return t.runPolling(ctx, in)
}

// start makes the calls every run begins with.
func (t *Telegram) start(ctx context.Context) error {
	var me *models.User
	err := t.retry(ctx, "getMe", func(ctx context.Context) error {
		var err error
		me, err = t.api.GetMe(ctx)
		return err
	})
	if err != nil {
		return err
	}
	t.me.Store(&identity{ID: me.ID, Username: me.Username, CanReadAll: me.CanReadAllGroupMessages})
	t.log.Info("telegram bot identified", "bot", "@"+me.Username, "id", me.ID)
	if !me.CanReadAllGroupMessages {
		t.log.Warn("telegram privacy mode is on: in groups the bot sees only /commands, replies to its messages and @mentions, "+
			"so #报修/#repair tags are missed; turn it off with BotFather (/setprivacy → Disable) and re-add the bot, or make it a group admin",
			"bot", "@"+me.Username)
	}
	t.setCommands(ctx)
	if t.cfg.Webhook == nil {
		// A webhook left over from an earlier deployment makes every
		// getUpdates fail with 409 Conflict.
		err := t.retry(ctx, "deleteWebhook", func(ctx context.Context) error {
			_, err := t.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// retry calls f until it succeeds, fails for good (a bad token) or ctx
// ends, backing off between attempts: the network may be down when the
// process starts.
func (t *Telegram) retry(ctx context.Context, what string, f func(context.Context) error) error {
	delay := 500 * time.Millisecond
	for {
		rctx, cancel := t.request(ctx)
		err := f(rctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		err = t.redact(err)
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			return fmt.Errorf("telegram %s (check the bot token and API URL): %w", what, err)
		}
		if errors.Is(err, tgbot.ErrorBadRequest) {
			return fmt.Errorf("telegram %s: %w", what, err)
		}
		if t.health.isDown() {
			t.log.Debug("telegram call failed, will retry", "method", what, "in", delay, "err", err)
		} else {
			t.log.Warn("telegram call failed, will retry", "method", what, "in", delay, "err", err)
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		delay = min(2*delay, 30*time.Second)
	}
}

func (t *Telegram) markReady() { t.readyOnce.Do(func() { close(t.ready) }) }

// allowedUpdates are the update kinds the adapter uses; Telegram drops the
// others before they cost a request.
var allowedUpdates = []string{
	models.AllowedUpdateMessage,
	models.AllowedUpdateCallbackQuery,
	models.AllowedUpdateMyChatMember,
	models.AllowedUpdatePollAnswer, // votes in the bot's polls (poll.go)
}

// session is one Run: the Inbound, the handlers in flight, the lanes that
// keep each chat's updates in order, and the offsets.
type session struct {
	t       *Telegram
	in      bot.Inbound
	ctx     context.Context // for the Router: never cancelled, so a handler is not cut off
	wg      sync.WaitGroup
	lanes   *lanes
	offsets *offsetTracker // nil for webhooks
	kick    chan struct{}  // wakes the offset saver
}

func (t *Telegram) newSession(ctx context.Context, in bot.Inbound, offsets *offsetTracker) *session {
	s := &session{t: t, in: in, ctx: context.WithoutCancel(ctx), offsets: offsets, kick: make(chan struct{}, 1)}
	s.lanes = newLanes(s)
	return s
}

func (t *Telegram) runPolling(ctx context.Context, in bot.Inbound) error {
	var start int64
	if t.cfg.Offsets != nil {
		off, err := t.cfg.Offsets.LoadOffset(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("telegram: load update offset: %w", err)
		}
		start = off
	} else {
		t.log.Warn("telegram update offset is not persisted: the last batch of updates comes again after a restart")
	}
	s := t.newSession(ctx, in, newOffsetTracker(start))
	base := t.client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	pollClient := &http.Client{Timeout: t.client.Timeout, Transport: confirmGate{base: base, offsets: s.offsets}}
	poller, err := t.newSDK(
		tgbot.WithHTTPClient(t.cfg.PollTimeout, pollClient),
		tgbot.WithInitialOffset(start),
		tgbot.WithAllowedUpdates(allowedUpdates),
		// One worker calling the handler synchronously keeps updates in
		// order; the handler only enqueues, the Router does the work.
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithWorkers(1),
		// No buffer between the poller and the worker: the SDK confirms a
		// batch to Telegram (the next getUpdates offset) as soon as it has
		// handed the batch on, and drops what is still buffered at shutdown,
		// which would lose updates for good. Unbuffered, it hands an update
		// on only when the handler takes it, and the handler always
		// enqueues what it has taken.
		tgbot.WithUpdatesChannelCap(0),
		tgbot.WithDefaultHandler(s.handle),
		tgbot.WithErrorsHandler(func(err error) {
			switch {
			case ctx.Err() != nil:
			case t.health.isDown():
				// Said once when it went down (apiHealth); the SDK tries
				// again every few seconds.
				t.log.Debug("telegram polling", "err", t.redact(err))
			default:
				t.log.Warn("telegram polling", "err", t.redact(err))
			}
		}),
	)
	if err != nil {
		return err
	}
	saverCtx, stopSaver := context.WithCancel(context.WithoutCancel(ctx))
	saverDone := make(chan struct{})
	saved := start
	go func() {
		defer close(saverDone)
		saved = s.saveOffsets(saverCtx, start)
	}()

	t.log.Info("telegram long polling", "offset", start+1)
	t.markReady()
	poller.Start(ctx) // returns when ctx ends; never waits for handlers
	s.lanes.stop()
	s.wg.Wait()
	stopSaver()
	<-saverDone
	if t.cfg.Offsets != nil {
		fctx, cancel := t.request(context.WithoutCancel(ctx))
		defer cancel()
		if mark := s.offsets.mark(); mark > saved {
			if err := t.cfg.Offsets.SaveOffset(fctx, mark); err != nil {
				t.log.Error("telegram save update offset", "offset", mark, "err", err)
			}
		}
	}
	return nil
}

// saveOffsets persists the offset whenever it advances, until ctx ends, and
// returns the last offset saved. Saves are coalesced: a burst of updates
// costs one write.
func (s *session) saveOffsets(ctx context.Context, saved int64) int64 {
	store := s.t.cfg.Offsets
	for {
		select {
		case <-ctx.Done():
			return saved
		case <-s.kick:
		}
		mark := s.offsets.mark()
		if store == nil || mark <= saved {
			continue
		}
		rctx, cancel := s.t.request(ctx)
		err := store.SaveOffset(rctx, mark)
		cancel()
		if err != nil {
			s.t.log.Error("telegram save update offset", "offset", mark, "err", err)
			continue
		}
		saved = mark
	}
}

// handle is the SDK's handler for every polled update: it goes into its
// chat's lane, even if shutdown has begun (Telegram may count it delivered
// once the SDK has it).
func (s *session) handle(_ context.Context, _ *tgbot.Bot, u *models.Update) {
	s.take(u, nil)
}

// take translates an update and puts it in its chat's lane, which hands it
// to the Router in turn; waiter (if set) hears how the first hand-in went.
// It reports whether the update was taken (an ignored one counts as taken
// and done with).
func (s *session) take(u *models.Update, waiter chan error) bool {
	if s.offsets != nil {
		s.offsets.begin(u.ID)
	}
	m, ok := translate(u, s.t.identity(), s.t.cfg.Now())
	if !ok {
		s.finished(u.ID)
		if waiter != nil {
			waiter <- nil
		}
		return true
	}
	if m.Event == bot.EventMigrated && waiter == nil {
		// A group became a supergroup: its messages come from the new chat
		// id from now on, in another lane, and must find the binding moved.
		// Polling waits for the move before it takes the next update.
		moved := make(chan error, 1)
		if !s.lanes.add(u.ID, m, moved) {
			return false
		}
		<-moved
		return true
	}
	return s.lanes.add(u.ID, m, waiter)
}

// answer answers a button press; Telegram shows a spinner until then.
func (s *session) answer(cb bot.Callback) {
	if err := s.t.AnswerCallback(s.ctx, cb.ID, cb.Answer); err != nil {
		s.t.log.Warn("telegram answer callback", "callback", cb.ID, "err", err)
	}
}

func (s *session) finished(id int64) {
	if s.offsets == nil {
		return
	}
	if s.offsets.done(id) {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
}

// AnswerCallback implements bot.CallbackAnswerer: text is the short notice
// shown to the person who pressed the button (empty: none).
func (t *Telegram) AnswerCallback(ctx context.Context, id, text string) error {
	rctx, cancel := t.request(ctx)
	defer cancel()
	_, err := t.api.AnswerCallbackQuery(rctx, &tgbot.AnswerCallbackQueryParams{
		CallbackQueryID: id,
		Text:            clip(text, maxCallbackAnswer),
	})
	if err != nil {
		return fmt.Errorf("answer callback query: %w", err)
	}
	return nil
}

func (t *Telegram) runWebhook(ctx context.Context, in bot.Inbound) error {
	w := t.cfg.Webhook
	secret := w.Secret
	if secret == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("telegram: webhook secret: %w", err)
		}
		secret = hex.EncodeToString(b[:])
	}
	ln := w.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", w.Listen); err != nil {
			return fmt.Errorf("telegram: webhook listen: %w", err)
		}
	}
	s := t.newSession(ctx, in, nil)
	path := "/"
	if u, _ := url.Parse(w.PublicURL); u != nil && u.Path != "" {
		path = u.Path
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+path, s.webhook(secret))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // an update is at most a few kB
		// A request waits for its update to be handled (webhookWait).
		WriteTimeout: webhookWait + 10*time.Second,
		// Keep-alive connections Telegram leaves open are closed after a while.
		IdleTimeout: webhookIdle,
		ErrorLog:    slog.NewLogLogger(t.log.Handler(), slog.LevelDebug),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	stop := func() {
		s.lanes.stop() // requests waiting on a retry are answered 503
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // waits for requests in flight
		s.wg.Wait()
	}

	err := t.retry(ctx, "setWebhook", func(ctx context.Context) error {
		_, err := t.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL:            w.PublicURL,
			SecretToken:    secret,
			AllowedUpdates: allowedUpdates,
		})
		return err
	})
	if err != nil {
		stop()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	t.log.Info("telegram webhook set", "url", w.PublicURL, "listen", ln.Addr().String())
	t.markReady()
	select {
	case <-ctx.Done():
		stop()
		return nil
	case err := <-serveErr:
		stop()
		return fmt.Errorf("telegram: webhook server: %w", err)
	}
}

// webhookWait bounds how long a webhook request waits for its update to be
// handled; past it, Telegram is answered 503 and posts the update again
// (the lanes know it and let the new request wait for the same outcome).
const webhookWait = 30 * time.Second

// webhookIdle is how long the webhook server keeps an idle keep-alive
// connection (a variable: a test shortens it).
var webhookIdle = 2 * time.Minute

// webhook serves the updates Telegram posts. Unlike the SDK's
// WebhookHandler, which answers 200 before the update is handled (so updates
// still in its channel at shutdown are lost for good), it answers 200 only
// once the update is handled and stored, and 503 otherwise (the database
// could not store it, shutdown, too many held) so that Telegram delivers it
// again. It checks the secret on every request.
func (s *session) webhook(secret string) http.Handler {
	want := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			s.t.forged.seen(s.t.log, r.RemoteAddr)
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		var u models.Update
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&u); err != nil {
			s.t.log.Warn("telegram webhook: bad update", "err", err)
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		outcome := make(chan error, 1)
		if !s.take(&u, outcome) {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		timer := time.NewTimer(webhookWait)
		defer timer.Stop()
		select {
		case err := <-outcome:
			if err != nil {
				http.Error(w, "not stored yet, try again", http.StatusServiceUnavailable)
				return
			}
		case <-timer.C:
			http.Error(w, "still being handled, try again", http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// forgeries counts webhook requests with a wrong secret, which anyone who
// finds the URL can send: they are logged at most once a minute, with the
// number seen since the last line, so that a flood cannot fill the log.
type forgeries struct {
	mu     sync.Mutex
	n      int
	logged time.Time
}

func (f *forgeries) seen(log *slog.Logger, remote string) {
	f.mu.Lock()
	f.n++
	if !f.logged.IsZero() && time.Since(f.logged) < time.Minute {
		f.mu.Unlock()
		return
	}
	n := f.n
	f.n, f.logged = 0, time.Now()
	f.mu.Unlock()
	log.Warn("telegram webhook requests with a wrong secret", "count", n, "last_from", remote)
}
