// Package wechattest is a fake web-WeChat (UOS desktop protocol) server for
// end-to-end tests that drive the real openwechat client.
//
// The openwechat client hard-codes https URLs on login.wx.qq.com, wx.qq.com,
// webpush.wx.qq.com, file.wx.qq.com and login.weixin.qq.com, so the fake is
// reached through Transport: a RoundTripper that keeps the original host in
// the X-Orig-Host header and sends the request to an httptest server, which
// routes by that host and the path. Install puts it on an openwechat.Bot.
//
// The fake keeps one account: self, friends and groups (each group with its
// members and a "saved to contacts" flag). Every new login (QR or push)
// starts a new session with a new sid/skey and new "@…"/"@@…" UserNames for
// every contact, as the real server does; hot login keeps the session.
// Messages are injected with GroupText, PrivateText, GroupImage, RenameGroup,
// SelfText and ReplayOld, and sit in one account-wide log: the sync key
// handed to the client is a cursor into that log, so a client that comes back
// with an old sync key (hot login after downtime) is given the messages it
// missed, or given them again (openwechat issue #430 reports such replays).
// Sends are recorded and can be refused (1205 frequency control, one-shot
// failures, stale UserNames), and the whole network can be taken down to
// check that a client backs off.
//
// Not implemented (answered Ret -1 or 404 and listed by Unhandled):
// revoking, remarks, pinning, creating or changing groups, friend requests,
// and fetching voice, video and file attachments.
//
// Where the real server's answer is not known, the fake's choice is
// documented on the method or option concerned.
package wechattest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/eatmoreapple/openwechat"
)

// HeaderOrigHost is the request header in which Transport keeps the host the
// client meant to reach (for example "webpush.wx.qq.com").
const HeaderOrigHost = "X-Orig-Host"

// The hosts the openwechat client talks to.
const (
	hostLogin  = "login.wx.qq.com"
	hostQRCode = "login.weixin.qq.com"
	hostBase   = "wx.qq.com"
	hostPush   = "webpush.wx.qq.com"
	hostFile   = "file.wx.qq.com"
)

// Defaults of the fake account and its timings.
const (
	// DefaultSelfNick is the account's nickname unless WithSelf is given.
	DefaultSelfNick = "物业助手"
	// DefaultUin is the account's uin unless WithSelf is given.
	DefaultUin = int64(2961234501)
	// DefaultPollHold is how long long-polls are held unless WithPollHold is given.
	DefaultPollHold = time.Second
)

// Server is a fake web-WeChat server. All methods are safe for concurrent use.
type Server struct {
	ts     *httptest.Server
	target *url.URL
	closed chan struct{}
	once   sync.Once

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change

	// configuration
	pollHold        time.Duration
	autoConfirm     bool
	pushAllowed     bool
	strictCookies   bool
	webLoginAllowed bool
	echoSent        bool
	pageSize        int
	minSendInterval time.Duration

	// account
	selfNick    string
	selfUserNm  string
	uin         int64
	people      map[string]*person // by nickname: friends and group members
	peopleOrder []*person
	groups      []*groupState
	byUserName  map[string]any // current session: UserName → *person / *groupState
	everLogged  bool

	// login
	logins     map[string]*loginReq
	loginOrder []*loginReq
	qrUUIDs    []string
	pushCount  int
	loginCount int
	initCount  int
	sess       *session

	// messages
	syncBase      int64
	log           []*entry
	nextID        int64
	delivered     map[string]int
	issuedKeys    map[int64]bool
	newestKey     int64
	syncKeyErrors int
	staleSyncs    int

	// sending
	sent        []SentMessage
	rejected    []SentMessage
	lastSend    time.Time
	failRet     int
	failLeft    int
	failSkip    int                // accepted sends to let through before failLeft applies
	uploads     map[string]*upload // in progress, by ClientMediaId+name
	media       map[string]*upload // finished, by MediaId
	msgImages   map[string][]byte  // injected pictures by MsgId
	placeholder []byte

	// failure injection and accounting
	down       bool
	downStatus int
	reqTimes   []time.Time
	hits       map[string]int
	unhandled  []string
}

// Option configures a Server in NewServer.
type Option func(*Server)

// WithSelf sets the account's own nickname and uin (the numeric id the real
// server hands out in webwxnewloginpage and that push login is keyed on).
func WithSelf(nickName string, uin int64) Option {
	return func(s *Server) { s.selfNick, s.uin = nickName, uin }
}

// WithFriend adds a friend with an optional remark name (备注).
func WithFriend(nickName, remarkName string) Option {
	return func(s *Server) { s.addFriendLocked(nickName, remarkName) }
}

// WithGroup adds a group chat. Only groups with Saved set are listed by
// webwxgetcontact, as on the real server (保存到通讯录).
func WithGroup(g Group) Option {
	return func(s *Server) { s.addGroupLocked(g) }
}

// WithAutoConfirm makes every login confirm itself: a QR login is answered
// "scanned" (201) on its first check and "confirmed" (200) on the next, a push
// login is confirmed at once. Without it the test calls Scan/ConfirmLogin.
func WithAutoConfirm() Option { return func(s *Server) { s.autoConfirm = true } }

// WithPollHold sets how long a long-poll (login check, synccheck) is held
// when nothing happens before it is answered with "waiting" (408 / selector
// "0"). The real server holds about 25 s; the default here is DefaultPollHold.
func WithPollHold(d time.Duration) Option { return func(s *Server) { s.pollHold = d } }

// WithPushLogin sets whether webwxpushloginurl is granted (default true).
func WithPushLogin(allowed bool) Option { return func(s *Server) { s.pushAllowed = allowed } }

// WithStrictCookies makes the wx.qq.com endpoints (webwxinit, webwxsync,
// webwxsendmsg…, contacts) also require the wxsid and wxuin cookies of the
// session, answering Ret 1101 without them. The real server's cookie checks
// are not documented; this mode lets a test reproduce openwechat's lossy
// cookie persistence (the second hot login after a restart has no cookies).
// synccheck (webpush host) never checks cookies.
func WithStrictCookies() Option { return func(s *Server) { s.strictCookies = true } }

// WithWebLoginAllowed lets the account log in without the UOS desktop
// headers (openwechat.Normal mode). By default webwxnewloginpage refuses such
// a login with ret 1203, like the real server does for most accounts.
func WithWebLoginAllowed() Option { return func(s *Server) { s.webLoginAllowed = true } }

// WithEchoSent makes every accepted send come back through webwxsync as a
// message from self (FromUserName = self), the way messages sent from another
// device of the account arrive. Off by default.
func WithEchoSent() Option { return func(s *Server) { s.echoSent = true } }

// WithContactPageSize makes webwxgetcontact answer in pages of n contacts,
// using the Seq continuation the real server uses for large address books.
func WithContactPageSize(n int) Option { return func(s *Server) { s.pageSize = n } }

// WithMinSendInterval turns on frequency control: a send that comes less than
// d after the previous accepted send is refused with Ret 1205.
func WithMinSendInterval(d time.Duration) Option {
	return func(s *Server) { s.minSendInterval = d }
}

// NewServer starts a fake server. Call Close when done (after the bots using
// it have stopped, or they will see connection errors).
func NewServer(opts ...Option) *Server {
	s := &Server{
		closed:      make(chan struct{}),
		changed:     make(chan struct{}),
		pollHold:    DefaultPollHold,
		pushAllowed: true,
		pageSize:    1000,
		selfNick:    DefaultSelfNick,
		uin:         DefaultUin,
		people:      map[string]*person{},
		byUserName:  map[string]any{},
		logins:      map[string]*loginReq{},
		syncBase:    600000000 + randInt(100000000),
		nextID:      7000000000000000000 + randInt(1000000000),
		delivered:   map[string]int{},
		issuedKeys:  map[int64]bool{},
		uploads:     map[string]*upload{},
		media:       map[string]*upload{},
		msgImages:   map[string][]byte{},
		hits:        map[string]int{},
		placeholder: placeholderPNG(),
	}
	for _, opt := range opts {
		opt(s)
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.target, _ = url.Parse(s.ts.URL)
	return s
}

// Close releases held long-polls and shuts the server down.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// URL is the base URL of the underlying httptest server.
func (s *Server) URL() string { return s.ts.URL }

// Transport returns a RoundTripper that sends every request to the fake:
// it clones the request, keeps the original host in HeaderOrigHost and
// rewrites scheme and host. Cookies stay keyed on the original https host
// because the client's cookie jar sees the original URL.
func (s *Server) Transport() http.RoundTripper {
	return &rewriteTransport{target: s.target, base: s.ts.Client().Transport}
}

// Install points bot at the fake (its HTTP client's Transport) and lowers
// Client.MaxRetryTimes to 1 so failures surface at once. It does not touch the
// bot's callbacks: replace DefaultBot's UUIDCallback, which runs xdg-open.
func (s *Server) Install(b *openwechat.Bot) {
	c := b.Caller.Client
	c.HTTPClient().Transport = s.Transport()
	c.MaxRetryTimes = 1
}

type rewriteTransport struct {
	target *url.URL
	base   http.RoundTripper
}

// RoundTrip sends a copy of r to the fake, remembering the original host.
func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c := r.Clone(r.Context())
	c.Header.Set(HeaderOrigHost, r.URL.Host)
	c.URL.Scheme, c.URL.Host, c.Host = t.target.Scheme, t.target.Host, t.target.Host
	return t.base.RoundTrip(c)
}

// SetDown(true) makes every request fail: the connection is closed without
// an answer (a network error for the client), held long-polls included.
// SetDown(false) restores service.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
	s.notifyLocked()
}

// SetDownStatus makes every request be answered with the HTTP status code
// (for example 502) and no WeChat body; 0 restores service.
func (s *Server) SetDownStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downStatus = code
	s.notifyLocked()
}

// RequestCount is the number of requests the server has received, failed
// ones included.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqTimes)
}

// RequestsSince is the number of requests received at or after t; with a
// known duration it tells whether a client hot-loops.
func (s *Server) RequestsSince(t time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := len(s.reqTimes) - 1; i >= 0 && !s.reqTimes[i].Before(t); i-- {
		n++
	}
	return n
}

// Hits is the number of requests received for one endpoint, named by the
// last element of its path: "jslogin", "login", "webwxnewloginpage",
// "webwxinit", "synccheck", "webwxsync", "webwxsendmsg", "webwxuploadmedia",
// "webwxpushloginurl", "qrcode"…
func (s *Server) Hits(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[endpoint]
}

// WaitHits waits until the endpoint (see Hits) has received n requests.
func (s *Server) WaitHits(endpoint string, n int, timeout time.Duration) error {
	if !s.waitUntil(context.Background(), timeout, func() bool { return s.hits[endpoint] >= n }) {
		return fmt.Errorf("wechattest: %d %s requests within %v, want %d", s.Hits(endpoint), endpoint, timeout, n)
	}
	return nil
}

// Unhandled lists "host path" of requests the fake does not implement (they
// were answered with Ret -1 or 404).
func (s *Server) Unhandled() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unhandled...)
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitUntil blocks until cond (called with s.mu held) is true, and reports
// whether it became true before the timeout, the cancellation of ctx or the
// closing of the server.
func (s *Server) waitUntil(ctx context.Context, timeout time.Duration, cond func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		case <-s.closed:
			return false
		}
	}
}

// WaitFor waits until cond is true, checking it at once and again after each
// change of the server's state (every request, send, login or injected
// message), or until ctx ends. cond runs without the server's lock, so it may
// call the server's methods.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wechattest: wait: %w", ctx.Err())
		case <-s.closed:
			return errors.New("wechattest: wait: server closed")
		}
	}
}

type route struct {
	host string
	h    func(http.ResponseWriter, *http.Request)
}

func (s *Server) routes() map[string]route {
	return map[string]route{
		"jslogin":              {hostLogin, s.handleJSLogin},
		"login":                {hostLogin, s.handleCheckLogin},
		"qrcode":               {hostQRCode, s.handleImage},
		"webwxnewloginpage":    {hostBase, s.handleNewLoginPage},
		"webwxpushloginurl":    {hostBase, s.handlePushLogin},
		"webwxinit":            {hostBase, s.handleInit},
		"webwxstatusnotify":    {hostBase, s.handleStatusNotify},
		"webwxlogout":          {hostBase, s.handleLogout},
		"synccheck":            {hostPush, s.handleSyncCheck},
		"webwxsync":            {hostBase, s.handleSync},
		"webwxgetcontact":      {hostBase, s.handleGetContact},
		"webwxbatchgetcontact": {hostBase, s.handleBatchGetContact},
		"webwxsendmsg":         {hostBase, s.handleSend},
		"webwxsendmsgimg":      {hostBase, s.handleSend},
		"webwxsendappmsg":      {hostBase, s.handleSend},
		"webwxsendvideomsg":    {hostBase, s.handleSend},
		"webwxsendemoticon":    {hostBase, s.handleSend},
		"webwxuploadmedia":     {hostFile, s.handleUpload},
		"webwxgetmsgimg":       {hostBase, s.handleGetMsgImg},
		"webwxgeticon":         {hostBase, s.handleImage},
		"webwxgetheadimg":      {hostBase, s.handleImage},
	}
}

func endpointName(p string) string {
	if strings.HasPrefix(p, "/qrcode/") {
		return "qrcode"
	}
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Header.Get(HeaderOrigHost)
	if host == "" {
		host = r.Host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	name := endpointName(r.URL.Path)

	s.mu.Lock()
	s.reqTimes = append(s.reqTimes, time.Now())
	s.hits[name]++
	s.notifyLocked()
	down, status := s.down, s.downStatus
	s.mu.Unlock()

	if down {
		hangUp(w)
		return
	}
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	rt, ok := s.routes()[name]
	if !ok || rt.host != host {
		s.mu.Lock()
		s.unhandled = append(s.unhandled, host+" "+r.URL.Path)
		s.mu.Unlock()
		if host == hostBase || host == hostFile {
			writeJSON(w, struct{ BaseResponse baseResponse }{baseResponse{Ret: -1, ErrMsg: "not implemented by wechattest"}})
			return
		}
		http.NotFound(w, r)
		return
	}
	rt.h(w, r)
}

// hangUp closes the connection without an answer, which the client sees as a
// network error.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = conn.Close()
}

// isDown reports whether a held request must now fail.
func (s *Server) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

// handleImage serves a small placeholder picture (QR code, avatars).
func (s *Server) handleImage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(s.placeholder)
}

func placeholderPNG() []byte {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range 4 {
		img.Set(i, i, color.White)
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
