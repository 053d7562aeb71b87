// Package wechatmptest is a fake of the WeChat MP API for tests, in the
// manner of net/http/httptest: a local HTTP server that answers the
// endpoints Linli's service-account adapter uses, with WeChat's JSON shapes
// and errcodes, and a Client that posts signed callbacks (plaintext or safe
// mode, AES) to a handler, retrying as WeChat does.
//
// It enforces the rules the adapter must live with:
//
//   - access tokens (cgi-bin/token) live TokenTTL (7,200 s); a new one retires
//     the last after five minutes; at most TokenQuota (2,000) are handed out a
//     day (Beijing time), then 45009;
//   - customer-service messages need the follower to have interacted within
//     48 hours (45015) and at most WindowLimit (5) messages since (45047);
//     someone who unfollowed gets 45015 too (WeChat's errmsg says "or
//     subscription is canceled"), an unknown openid 40003;
//   - template messages need a follower (43004) and a known template (40037);
//   - QR tickets are base64 and hold a '+', so an unescaped ticket is lost;
//     showqrcode serves a JPEG, as WeChat does;
//   - OAuth codes work once (40163) within five minutes (40029).
//
// Times come from the server's clock (WithClock), so tests can move past
// windows and token expiries without sleeping.
package wechatmptest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults of the fake's rules (WeChat's).
const (
	DefaultTokenTTL    = 7200 * time.Second
	DefaultTokenQuota  = 2000
	DefaultWindowLimit = 5
	// Window is how long after an interaction customer-service messages may go.
	Window = 48 * time.Hour
	// tokenOverlap is how long a retired token still works.
	tokenOverlap = 5 * time.Minute
	// mediaTTL is how long WeChat keeps temporary media.
	mediaTTL = 72 * time.Hour
	// codeTTL is how long an OAuth code works.
	codeTTL = 5 * time.Minute
)

// Option configures a Server.
type Option func(*Server)

// WithClock sets the server's clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithApp sets the account's app id and secret (default random ones).
func WithApp(appID, secret string) Option {
	return func(s *Server) { s.AppID, s.AppSecret = appID, secret }
}

// WithTokenTTL sets how long access tokens live (default 7,200 s).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithTokenQuota sets how many access tokens are handed out a day (default 2,000).
func WithTokenQuota(n int) Option { return func(s *Server) { s.tokenQuota = n } }

// WithWindowLimit sets how many customer-service messages a window allows (default 5).
func WithWindowLimit(n int) Option { return func(s *Server) { s.windowLimit = n } }

// WithTemplates adds template ids the account has.
func WithTemplates(ids ...string) Option {
	return func(s *Server) {
		for _, id := range ids {
			s.templates[id] = true
		}
	}
}

// Server is a fake MP API. Its exported fields are the account's settings
// (as on the 公众平台): give them to the adapter.
type Server struct {
	// URL is the base URL of the API (for api.weixin.qq.com and mp.weixin.qq.com).
	URL string
	// AppID and AppSecret are the account's 开发者ID and 开发者密码.
	AppID, AppSecret string
	// Token and EncodingAESKey are the server configuration's 令牌 and 消息加解密密钥.
	Token, EncodingAESKey string
	// OriginalID is the account's 原始ID (gh_…), the ToUserName of callbacks.
	OriginalID string

	hs *httptest.Server

	tokenTTL    time.Duration
	tokenQuota  int
	windowLimit int

	mu        sync.Mutex
	now       func() time.Time
	tokens    map[string]*token
	current   string // the newest token
	quotaDay  string
	quotaUsed int
	issued    int // tokens handed out
	followers map[string]*follower
	media     map[string]*medium
	tickets   map[string]*qrTicket
	templates map[string]bool
	codes     map[string]*oauthCode
	menu      []MenuButton
	customs   []CustomMessage
	sentTpls  []TemplateMessage
	uploads   []Upload
	failures  map[string][]int
	stalls    map[string]*Stall
	calls     map[string]int
	queries   []string
	msgSeq    int64
	watchers  []chan struct{} // woken on every token issued
	changed   chan struct{}   // closed after every request answered (WaitFor)
}

type token struct {
	expires time.Time
	retires time.Time // zero while current
	revoked bool
}

type follower struct {
	following bool
	since     time.Time
	scene     string // qr scene they followed by
	last      time.Time
	sent      int
}

type medium struct {
	data    []byte
	ctype   string
	name    string
	created time.Time
}

type qrTicket struct {
	scene string
	url   string
}

type oauthCode struct {
	openID string
	issued time.Time
	used   bool
}

// NewServer starts a fake MP API. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		AppID:          "wx" + randHex(8),
		AppSecret:      randHex(16),
		Token:          "linli" + randHex(6),
		EncodingAESKey: strings.TrimRight(base64.StdEncoding.EncodeToString(randBytes(32)), "="),
		OriginalID:     "gh_" + randHex(6),
		tokenTTL:       DefaultTokenTTL,
		tokenQuota:     DefaultTokenQuota,
		windowLimit:    DefaultWindowLimit,
		now:            time.Now,
		tokens:         map[string]*token{},
		followers:      map[string]*follower{},
		media:          map[string]*medium{},
		tickets:        map[string]*qrTicket{},
		templates:      map[string]bool{},
		codes:          map[string]*oauthCode{},
		failures:       map[string][]int{},
		stalls:         map[string]*Stall{},
		calls:          map[string]int{},
		msgSeq:         24_000_000_000_000_000,
	}
	for _, o := range opts {
		o(s)
	}
	s.hs = httptest.NewServer(s.routes())
	s.URL = s.hs.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() {
	s.mu.Lock()
	stalls := make([]*Stall, 0, len(s.stalls))
	for _, st := range s.stalls {
		stalls = append(stalls, st)
	}
	s.mu.Unlock()
	for _, st := range stalls {
		st.Release()
	}
	s.hs.Close()
}

// AddFollower makes openID a follower since now (without an interaction:
// no window is open).
func (s *Server) AddFollower(openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.followerLocked(openID)
	f.following, f.since = true, s.now()
}

func (s *Server) followerLocked(openID string) *follower {
	f := s.followers[openID]
	if f == nil {
		f = &follower{}
		s.followers[openID] = f
	}
	return f
}

// interact records an interaction of openID at at: the window opens anew.
func (s *Server) interact(openID string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.followerLocked(openID)
	if at.After(f.last) {
		f.last, f.sent = at, 0
	}
}

func (s *Server) follow(openID, scene string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.followerLocked(openID)
	if !f.following {
		f.following, f.since, f.scene = true, at, scene
	}
}

func (s *Server) unfollow(openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.followerLocked(openID).following = false
}

// RevokeTokens makes every token handed out so far invalid (40001), as when
// someone else fetched tokens with the same secret.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
}

// ExpireTokens makes every token handed out so far expired (42001).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.tokens {
		t.expires = now
	}
}

// FailNext makes the next calls of an endpoint ("/cgi-bin/message/custom/send")
// answer the errcodes given, one call each, after the access token (or, for
// cgi-bin/token and OAuth, the app id and secret) is checked.
func (s *Server) FailNext(path string, codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[path] = append(s.failures[path], codes...)
}

// Stall holds calls of path until Release (or until the caller gives up).
func (s *Server) Stall(path string) *Stall {
	st := &Stall{s: s, path: path, release: make(chan struct{}), arrived: make(chan struct{})}
	s.mu.Lock()
	s.stalls[path] = st
	s.mu.Unlock()
	return st
}

// Stall is a hold on an endpoint's calls.
type Stall struct {
	s       *Server
	path    string
	release chan struct{}
	arrived chan struct{}
	once    sync.Once
	in      sync.Once
}

// Arrived is closed once a call is being held.
func (st *Stall) Arrived() <-chan struct{} { return st.arrived }

// Release lets the held calls (and later ones) through.
func (st *Stall) Release() {
	st.once.Do(func() {
		st.s.mu.Lock()
		if st.s.stalls[st.path] == st {
			delete(st.s.stalls, st.path)
		}
		st.s.mu.Unlock()
		close(st.release)
	})
}

// AddMedia stores a temporary medium (as if a follower had sent it) and
// returns its media id.
func (s *Server) AddMedia(data []byte, contentType string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := randMediaID()
	ext := ".jpg"
	if contentType == "image/png" {
		ext = ".png"
	}
	s.media[id] = &medium{data: data, ctype: contentType, name: id + ext, created: s.now()}
	return id
}

// IssueCode returns an OAuth code for openID, as WeChat appends it to the
// redirect after the person opened an OAuth link.
func (s *Server) IssueCode(openID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := randHex(16)
	s.codes[code] = &oauthCode{openID: openID, issued: s.now()}
	return code
}

// CustomMessage is a customer-service message the server accepted.
type CustomMessage struct {
	ToUser  string
	MsgType string
	Text    string // text messages
	MediaID string // image messages
	At      time.Time
}

// TemplateMessage is a template message the server accepted.
type TemplateMessage struct {
	ToUser     string
	TemplateID string
	URL        string
	Data       map[string]string
	MsgID      int64
}

// Upload is a medium uploaded with media/upload.
type Upload struct {
	MediaID  string
	Type     string
	FileName string
	Data     []byte
}

// MenuButton is a button of the menu set with menu/create, as WeChat takes it.
type MenuButton struct {
	Type      string       `json:"type,omitempty"`
	Name      string       `json:"name"`
	Key       string       `json:"key,omitempty"`
	URL       string       `json:"url,omitempty"`
	SubButton []MenuButton `json:"sub_button,omitempty"`
}

// Customs returns the customer-service messages accepted so far.
func (s *Server) Customs() []CustomMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CustomMessage(nil), s.customs...)
}

// Templates returns the template messages accepted so far.
func (s *Server) Templates() []TemplateMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TemplateMessage(nil), s.sentTpls...)
}

// Uploads returns the media uploaded so far.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// Menu returns the menu set last (nil: none).
func (s *Server) Menu() []MenuButton {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]MenuButton(nil), s.menu...)
}

// Scene returns the scene of a QR ticket the server issued.
func (s *Server) Scene(ticket string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[ticket]
	if !ok {
		return "", false
	}
	return t.scene, true
}

// WaitFor waits until cond holds, checking it again after every request
// the server answers, or until ctx ends.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wechatmptest: wait: %w", ctx.Err())
		}
	}
}

// TokensIssued counts the access tokens handed out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// TokenIssued returns a channel that is closed when the next access token
// is handed out.
func (s *Server) TokenIssued() <-chan struct{} {
	ch := make(chan struct{})
	s.mu.Lock()
	s.watchers = append(s.watchers, ch)
	s.mu.Unlock()
	return ch
}

// Calls counts the requests to path ("/cgi-bin/token"), answered or not.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// RawQueries returns the query of every request so far, in order.
func (s *Server) RawQueries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

// nextMsgID returns a new MsgId for a callback.
func (s *Server) nextMsgID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgSeq++
	return s.msgSeq
}

// clock returns the server's time.
func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// errmsgs are WeChat's messages for the errcodes the fake answers.
var errmsgs = map[int]string{
	-1:    "system error",
	40001: "invalid credential, access_token is invalid or not latest",
	40002: "invalid grant_type",
	40003: "invalid openid",
	40004: "invalid media type",
	40005: "invalid file type",
	40007: "invalid media_id",
	40008: "invalid message type",
	40009: "invalid image size",
	40013: "invalid appid",
	40014: "invalid access_token",
	40016: "invalid button size",
	40017: "invalid button type",
	40018: "invalid button name size",
	40019: "invalid button key size",
	40020: "invalid button url size",
	40023: "invalid sub button size",
	40024: "invalid sub button type",
	40025: "invalid sub button name size",
	40026: "invalid sub button key size",
	40027: "invalid sub button url size",
	40029: "invalid code",
	40037: "invalid template_id",
	40053: "invalid action info",
	40125: "invalid appsecret",
	40163: "code been used",
	40164: "invalid ip, not in whitelist",
	41001: "access_token missing",
	42001: "access_token expired",
	43004: "require subscribe",
	44002: "empty post data",
	44004: "empty content",
	45002: "content size out of limit",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit  mustslower  retry next minute",
	45015: "response out of time limit or subscription is canceled",
	45047: "out of response count limit",
	47001: "data format error",
	48001: "api unauthorized",
}

// writeErr answers an errcode, with a request id as WeChat adds.
func writeErr(w http.ResponseWriter, code int) {
	msg := errmsgs[code]
	if msg == "" {
		msg = "error"
	}
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg + " rid: " + randHex(4) + "-" + randHex(4) + "-" + randHex(4)})
}

func writeOK(w http.ResponseWriter, extra map[string]any) {
	out := map[string]any{"errcode": 0, "errmsg": "ok"}
	for k, v := range extra {
		out[k] = v
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randHex(n int) string { return hex.EncodeToString(randBytes(n)) }

func randMediaID() string { return base64.RawURLEncoding.EncodeToString(randBytes(48)) }

// randTicket is a QR ticket: base64 with at least one '+', as WeChat's
// often are, so that a client that does not escape it loses it.
func randTicket() string {
	t := "gQ" + base64.StdEncoding.EncodeToString(randBytes(60))
	if !strings.Contains(t, "+") {
		t = t[:10] + "+" + t[11:]
	}
	return t
}

// day is the Beijing date of t: WeChat's quotas are per day there.
func day(t time.Time) string { return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }

// query parses r's query, as WeChat would.
func query(r *http.Request) url.Values { return r.URL.Query() }
