// Command bot runs Linli: it opens the database, starts the enabled platforms
// (the console demo when none is configured), the router, the outbox senders
// and the scheduler, and shuts them down in order on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work on machines without zoneinfo

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/console"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/bot/wechatmp"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/schedules"
	"github.com/linli/linli/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if len(os.Args) > 1 && os.Args[1] == "backup" {
		if err := runBackup(ctx, os.Args[2:], os.Getenv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}

	m := NewMain()
	if err := m.ParseFlags(os.Args[1:], os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		m.Close()
		os.Exit(1)
	}
	select {
	case <-ctx.Done():
	case <-m.Done():
	}
	stop()
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Config is what flags and environment variables set.
type Config struct {
	DB            string
	TelegramToken string
	TelegramAPI   string
	// TelegramWebhook, when set, receives updates by webhook at this public
	// URL instead of long polling; TelegramListen is the local address.
	TelegramWebhook string
	TelegramListen  string
	TelegramSecret  string
	// TelegramNoLimits turns off Linli's own pacing (a self-hosted Bot API
	// server without Telegram's limits, or load tests against a fake).
	TelegramNoLimits bool
	WeChat           bool
	WeChatSession    string
	// WeChatPace is the least time between two WeChat sends.
	WeChatPace time.Duration
	// WeChatMP* configure the WeChat service account (服务号), enabled by
	// an app id; its callbacks arrive on the -http server at /wechatmp.
	WeChatMPAppID  string
	WeChatMPSecret string
	WeChatMPToken  string
	WeChatMPAESKey string
	// WeChatMPAPI is the MP API's base URL (a test server, or a proxy).
	WeChatMPAPI string
	// WeChatMPTemplates is a JSON file of template messages (wechatmp.go).
	WeChatMPTemplates string
	// PublicURL is where the -http server is reached from outside
	// (https://linli.example.com), for the links the bot sends.
	PublicURL string
	Managers  string
	TZ        string
	Lang      string
	HTTP      string
	// PProf serves Go's profiler under /debug/pprof/ on the HTTP address.
	PProf bool
	// Retention is how long handled messages' ids and sent messages are
	// kept before the retention job prunes them.
	Retention time.Duration
	// CatchUpGrace is how far back a schedule missed while the bot was down
	// is still run once at start.
	CatchUpGrace time.Duration
	// ShutdownGrace is how long the outbox may keep sending after intake stops.
	ShutdownGrace time.Duration
}

// Main is the program: tests run it too.
type Main struct {
	Config Config
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock, fixed in tests.
	Now func() time.Time
	// Platforms replaces the platforms built from the configuration (tests).
	Platforms []bot.Platform
	// TelegramLimits overrides the Telegram sending limits (tests).
	TelegramLimits *telegram.Limits
	// WeChatTransport replaces the WeChat client's transport (tests: wechattest).
	WeChatTransport http.RoundTripper
	// StoreOptions tunes the database (tests shorten the busy timeout).
	StoreOptions store.Options

	DB        *store.DB
	Service   *commands.Service
	Scheduler *schedules.Scheduler
	// Desk is the ticket workflow the commands and the jobs act through.
	Desk *desk.Desk
	// HTTPAddr is where /healthz and /metrics listen, once Run has started them.
	HTTPAddr net.Addr
	Router   *bot.Router
	Senders  map[bot.PlatformID]*bot.Sender
	Log      *slog.Logger

	mp         *serviceAccount // the WeChat service account, when configured
	loc        *time.Location
	lock       *instanceLock
	platforms  []bot.Platform
	monitor    *monitor
	httpCancel context.CancelFunc
	intake     context.CancelFunc
	sendCancel context.CancelFunc
	intakeWG   sync.WaitGroup
	sendWG     sync.WaitGroup
	done       chan struct{}
	doneOnce   sync.Once
	closeOnce  sync.Once
	closeErr   error
}

// NewMain returns a Main with the defaults and the process's standard streams.
func NewMain() *Main {
	return &Main{
		Config: Config{DB: "linli.db", TelegramAPI: "https://api.telegram.org", WeChatSession: "wechat-session.json", Lang: "zh",
			ShutdownGrace: 5 * time.Second, Retention: schedules.DefaultRetention},
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Now:    time.Now,
		done:   make(chan struct{}),
	}
}

// ParseFlags reads flags, each defaulting to its environment variable.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	c := &m.Config
	fs.StringVar(&c.DB, "db", env("LINLI_DB", c.DB), "SQLite database file (LINLI_DB)")
	fs.StringVar(&c.TelegramToken, "telegram-token", env("TELEGRAM_BOT_TOKEN", ""), "Telegram bot token; enables Telegram (TELEGRAM_BOT_TOKEN)")
	fs.StringVar(&c.TelegramAPI, "telegram-api", env("TELEGRAM_API_URL", c.TelegramAPI), "Telegram Bot API server (TELEGRAM_API_URL)")
	fs.StringVar(&c.TelegramWebhook, "telegram-webhook", env("TELEGRAM_WEBHOOK_URL", ""), "public HTTPS URL for Telegram webhooks; empty means long polling (TELEGRAM_WEBHOOK_URL)")
	fs.StringVar(&c.TelegramListen, "telegram-listen", env("TELEGRAM_WEBHOOK_LISTEN", ":8443"), "local address for the webhook server (TELEGRAM_WEBHOOK_LISTEN)")
	fs.StringVar(&c.TelegramSecret, "telegram-secret", env("TELEGRAM_WEBHOOK_SECRET", ""), "webhook secret token, A-Z a-z 0-9 _ -; empty: random per run (TELEGRAM_WEBHOOK_SECRET)")
	fs.BoolVar(&c.TelegramNoLimits, "telegram-no-limits", env("LINLI_TELEGRAM_NO_LIMITS", "") == "1", "do not pace Telegram sends (self-hosted Bot API servers, load tests) (LINLI_TELEGRAM_NO_LIMITS=1)")
	fs.BoolVar(&c.WeChat, "wechat", env("LINLI_WECHAT", "") == "1", "enable WeChat (LINLI_WECHAT=1)")
	pace, err := time.ParseDuration(env("LINLI_WECHAT_PACE", "1.5s"))
	if err != nil {
		return fmt.Errorf("LINLI_WECHAT_PACE: %w", err)
	}
	fs.DurationVar(&c.WeChatPace, "wechat-pace", pace, "least time between two WeChat sends; WeChat's risk control watches bursts (LINLI_WECHAT_PACE)")
	fs.StringVar(&c.WeChatSession, "wechat-session", env("LINLI_WECHAT_SESSION", c.WeChatSession), "WeChat hot-login session file (LINLI_WECHAT_SESSION)")
	fs.StringVar(&c.WeChatMPAppID, "wechatmp-appid", env("LINLI_WECHATMP_APPID", ""), "WeChat service account's AppID (开发者ID); enables the service account, whose callbacks come to -http at /wechatmp (LINLI_WECHATMP_APPID)")
	fs.StringVar(&c.WeChatMPSecret, "wechatmp-secret", env("LINLI_WECHATMP_SECRET", ""), "the service account's AppSecret (开发者密码) (LINLI_WECHATMP_SECRET)")
	fs.StringVar(&c.WeChatMPToken, "wechatmp-token", env("LINLI_WECHATMP_TOKEN", ""), "the Token (令牌) of the service account's server configuration (LINLI_WECHATMP_TOKEN)")
	fs.StringVar(&c.WeChatMPAESKey, "wechatmp-aeskey", env("LINLI_WECHATMP_AESKEY", ""), "the EncodingAESKey (消息加解密密钥) for safe mode; empty: plaintext mode (LINLI_WECHATMP_AESKEY)")
	fs.StringVar(&c.WeChatMPAPI, "wechatmp-api", env("LINLI_WECHATMP_API", ""), "MP API base URL, for a test server or a proxy; default https://api.weixin.qq.com (LINLI_WECHATMP_API)")
	fs.StringVar(&c.WeChatMPTemplates, "wechatmp-templates", env("LINLI_WECHATMP_TEMPLATES", ""), "JSON file of the service account's template messages for ticket updates outside the 48-hour window (LINLI_WECHATMP_TEMPLATES)")
	fs.StringVar(&c.PublicURL, "public-url", env("LINLI_PUBLIC_URL", ""), "the address the -http server is reached at from outside, e.g. https://linli.example.com, for links the bot sends (LINLI_PUBLIC_URL)")
	fs.StringVar(&c.Managers, "managers", env("LINLI_MANAGERS", ""), "bootstrap managers, e.g. telegram:12345,wechat:张经理 (LINLI_MANAGERS)")
	fs.StringVar(&c.TZ, "tz", env("LINLI_TZ", ""), "time zone for schedules and reports, e.g. Asia/Shanghai (LINLI_TZ)")
	fs.StringVar(&c.Lang, "lang", env("LINLI_LANG", c.Lang), "default reply language, zh or en (LINLI_LANG)")
	grace, err := time.ParseDuration(env("LINLI_CATCHUP_GRACE", "6h"))
	if err != nil {
		return fmt.Errorf("LINLI_CATCHUP_GRACE: %w", err)
	}
	fs.DurationVar(&c.CatchUpGrace, "catchup-grace", grace, "run a schedule missed while the bot was down if it fell due within this long; 0 or less: never (LINLI_CATCHUP_GRACE)")
	fs.StringVar(&c.HTTP, "http", env("LINLI_HTTP", ""), "address for /healthz and /metrics; \":8080\" listens on every interface, 127.0.0.1:8080 only on this machine (LINLI_HTTP)")
	fs.BoolVar(&c.PProf, "pprof", env("LINLI_PPROF", "") == "1", "also serve Go's profiler under /debug/pprof/ on the -http address (LINLI_PPROF=1)")
	retention, err := time.ParseDuration(env("LINLI_RETENTION", c.Retention.String()))
	if err != nil {
		return fmt.Errorf("LINLI_RETENTION: %w", err)
	}
	fs.DurationVar(&c.Retention, "retention", retention, "keep handled messages' ids and sent messages this long, e.g. 720h (30 days); unsent ones are always kept (LINLI_RETENTION)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.Retention < 24*time.Hour {
		return fmt.Errorf("-retention %s is under a day: a message Telegram or WeChat delivers again must still be known", c.Retention)
	}
	if !i18n.Supported(c.Lang) {
		return fmt.Errorf("-lang must be zh or en, not %q", c.Lang)
	}
	if _, err := parseManagers(c.Managers); err != nil {
		return err
	}
	if err := c.checkWeChatMP(); err != nil {
		return err
	}
	if c.TZ != "" {
		if _, err := time.LoadLocation(c.TZ); err != nil {
			return fmt.Errorf("-tz: %w", err)
		}
	}
	return nil
}

type managerRef struct {
	platform bot.PlatformID
	key      string
}

func parseManagers(s string) ([]managerRef, error) {
	var out []managerRef
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, key, ok := strings.Cut(part, ":")
		switch bot.PlatformID(p) {
		case bot.Telegram, bot.WeChat, bot.Console, wechatmp.Platform:
		default:
			ok = false
		}
		if !ok || strings.TrimSpace(key) == "" {
			return nil, fmt.Errorf("-managers: %q is not PLATFORM:ID (telegram:12345, wechat:张经理, wechatmp:OPENID)", part)
		}
		out = append(out, managerRef{bot.PlatformID(p), strings.TrimSpace(key)})
	}
	return out, nil
}

// Done is closed when every platform has stopped on its own (the console
// demo reached the end of its input, or :quit).
func (m *Main) Done() <-chan struct{} { return m.done }

// Run opens the database and starts everything. It returns once the bot is
// ready to receive; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	if m.Log == nil {
		level := slog.LevelInfo
		if m.Config.TelegramToken == "" && !m.Config.WeChat && m.Config.WeChatMPAppID == "" && m.Platforms == nil {
			level = slog.LevelWarn // keep the console demo readable
		}
		m.Log = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
	}
	m.loc = time.Local
	if m.Config.TZ != "" {
		loc, err := time.LoadLocation(m.Config.TZ)
		if err != nil {
			return fmt.Errorf("load time zone: %w", err)
		}
		m.loc = loc
	}
	// One bot per database: a second one would answer every message twice.
	lock, err := lockDatabase(m.Config.DB)
	if err != nil {
		return err
	}
	m.lock = lock
	db, err := store.OpenWith(ctx, m.Config.DB, m.StoreOptions)
	if err != nil {
		return err
	}
	db.Now = m.Now
	m.DB = db
	db.OnWriteHealth(func(h store.WriteHealth) {
		// Once each way, however many writes fail meanwhile.
		if h.OK {
			m.Log.Info("database writes work again; held messages are handled now")
		} else {
			m.Log.Error("database writes fail; messages are held and handled once writes work", "reason", h.Reason)
		}
	})
	privateDir(m.dataDir())
	if err := m.bootstrapManagers(ctx); err != nil {
		return err
	}

	platforms := m.Platforms
	if platforms == nil {
		platforms, err = m.buildPlatforms(ctx)
		if err != nil {
			return err
		}
	}
	m.platforms = platforms

	editable := map[bot.PlatformID]bool{bot.Telegram: true}
	buttons := map[bot.PlatformID]bool{bot.Telegram: true}
	attachments := filepath.Join(filepath.Dir(m.Config.DB), "attachments")
	m.Desk = desk.New(desk.Config{Lang: m.Config.Lang, Location: m.loc, Log: m.Log,
		Editable: editable, Buttons: buttons, DataDir: attachments, PageURL: m.Config.pageURL()})
	if err := m.startScheduler(ctx); err != nil {
		return err
	}
	m.Service = commands.New(db, commands.Config{
		Lang: m.Config.Lang, Location: m.loc, Log: m.Log,
		Editable: editable, Buttons: buttons, Desk: m.Desk,
		PrivacyMode: m.privacyMode, Jobs: m.Scheduler,
		DataDir:     attachments,
		Boards:      m.boardStyles(),
		Directories: directories(platforms),
		Account:     m.account(),
		WebURL:      m.Config.webURL(),
	})
	m.monitor = newMonitor(m)
	// Messages of different chats are handled side by side and share
	// transactions (store.DB.Group): 32 workers make groups big enough to
	// share the commits well. On the 1,000,000-ticket fixture the bot filed
	// 1,160–1,240 tickets/s with 8 workers, 1,450–1,630 with 32 and 1,449 with 64
	// (BenchmarkMemory, whose memory figure 32 keeps well inside its target).
	m.Router = bot.NewRouter(32, m.Log)
	m.Router.Use(m.monitor.middleware, m.logMiddleware, storageFaults)
	m.Router.Handle(bot.Any, m.Service)
	m.Router.Start()

	// Senders run under their own context: at shutdown they get a grace
	// period after intake has stopped, so queued answers still go out.
	sendCtx, sendCancel := context.WithCancel(context.WithoutCancel(ctx))
	m.sendCancel = sendCancel
	m.Senders = map[bot.PlatformID]*bot.Sender{}
	for _, p := range platforms {
		cfg := bot.SenderConfig{Now: m.Now, Pinned: m.Service.BoardPinned, PollSent: m.Service.PollPosted}
		if p.ID() == bot.Console {
			cfg.Parallel = 1 // print in the order the bot wrote
		}
		s := bot.NewSender(p, alertingQueue{db.Outbox().WithDigests(digestRender(m.Config.Lang)), m}, cfg, m.Log)
		m.Senders[p.ID()] = s
		db.OnOutbox(s.Wake)
		m.sendWG.Add(1)
		go func() {
			defer m.sendWG.Done()
			s.Run(sendCtx)
		}()
	}

	if m.Config.HTTP != "" {
		hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		m.httpCancel = cancel
		if m.HTTPAddr, err = m.monitor.serveHTTP(hctx, m.Config.HTTP, m.Config.PProf, m.webRoutes(m.httpRoutes())); err != nil {
			return fmt.Errorf("listen on %s: %w", m.Config.HTTP, err)
		}
		m.Log.Info("serving /healthz and /metrics", "addr", m.HTTPAddr)
	}

	intakeCtx, intakeCancel := context.WithCancel(ctx)
	m.intake = intakeCancel
	var left sync.WaitGroup
	for _, p := range platforms {
		m.intakeWG.Add(1)
		left.Add(1)
		go func() {
			defer m.intakeWG.Done()
			defer left.Done()
			err := p.Run(intakeCtx, m.Router)
			if err != nil && intakeCtx.Err() == nil {
				m.Log.Error("platform stopped", "platform", p.ID(), "err", err)
			}
		}()
	}
	go func() {
		left.Wait()
		m.doneOnce.Do(func() { close(m.done) })
	}()
	return nil
}

func (m *Main) privacyMode(p bot.PlatformID) bool {
	for _, pl := range m.platforms {
		if pv, ok := pl.(interface{ PrivacyMode() bool }); ok && pl.ID() == p {
			return pv.PrivacyMode()
		}
	}
	return false
}

func (m *Main) logMiddleware(next bot.Handler) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, msg *bot.Message) error {
		start := time.Now()
		err := next.Handle(ctx, msg)
		// Never log message text, sender or a private chat (its id is the
		// person's): an anonymous suggestion must stay anonymous.
		chat := msg.Chat
		if msg.ChatKind == bot.Private {
			chat = "(private)"
		}
		m.Log.Debug("message handled", "platform", msg.Platform, "chat", chat, "took", time.Since(start), "err", err)
		return err
	})
}

var _ commands.NameDirectory = (*wechat.WeChat)(nil)

// directories lists the platforms that know people by name before they
// write (WeChat), for /grant.
func directories(ps []bot.Platform) map[bot.PlatformID]commands.NameDirectory {
	out := map[bot.PlatformID]commands.NameDirectory{}
	for _, p := range ps {
		if d, ok := p.(commands.NameDirectory); ok {
			out[p.ID()] = d
		}
	}
	return out
}

func (m *Main) bootstrapManagers(ctx context.Context) error {
	refs, err := parseManagers(m.Config.Managers)
	if err != nil || len(refs) == 0 {
		return err
	}
	return m.DB.Update(ctx, func(tx *store.Tx) error {
		for _, r := range refs {
			// A Telegram private chat has the user's id; on WeChat and the
			// console the private chat is keyed by the person's name.
			private := bot.ChatID(r.key)
			if r.platform == bot.Console {
				private = console.PrivateChat(r.key)
			}
			if _, err := tx.EnsureManager(r.platform, bot.UserID(r.key), "", private); err != nil {
				return fmt.Errorf("bootstrap manager %s:%s: %w", r.platform, r.key, err)
			}
		}
		return nil
	})
}

// Close stops intake, lets the router finish and the outbox drain for the
// grace period, then closes the database.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		if m.intake != nil {
			m.intake()
			m.intakeWG.Wait()
		}
		if m.Router != nil {
			m.Router.Close()
		}
		if m.Service != nil {
			m.Service.Close() // board refreshes under way
		}
		m.stopScheduler()
		if m.sendCancel != nil {
			grace, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownGrace)
			for _, s := range m.Senders {
				_ = s.WaitIdle(grace)
			}
			cancel()
			m.sendCancel()
			m.sendWG.Wait()
		}
		if m.httpCancel != nil {
			m.httpCancel()
		}
		if m.DB != nil {
			m.closeErr = m.DB.Close()
		}
		m.lock.release()
		m.doneOnce.Do(func() { close(m.done) })
	})
	return m.closeErr
}

// storageFaults marks a handler's storage faults (the database locked by
// another process, a full disk, an I/O error) as bot.ErrUnavailable: the
// message was not stored, and its adapter holds it and hands it in again
// instead of confirming it to the platform.
func storageFaults(next bot.Handler) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, msg *bot.Message) error {
		err := next.Handle(ctx, msg)
		if _, fault := store.Fault(err); fault {
			return fmt.Errorf("%w: %w", bot.ErrUnavailable, err)
		}
		return err
	})
}

// privateDir takes the access of others away from a data folder an older
// version made (0755); new ones are made 0700.
func privateDir(dir string) {
	if st, err := os.Stat(dir); err == nil && st.IsDir() && st.Mode().Perm()&0o077 != 0 {
		_ = os.Chmod(dir, st.Mode().Perm()&0o700)
	}
}
