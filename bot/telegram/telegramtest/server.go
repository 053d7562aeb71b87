// Package telegramtest provides a fake Telegram Bot API server for end-to-end
// tests, in the spirit of net/http/httptest.
//
// A Server speaks the Bot API wire format that github.com/go-telegram/bot
// uses (POST multipart/form-data to /bot<token>/<method>, nested values as
// JSON strings, files as multipart file parts) and answers with Telegram's
// envelope ({"ok":true,"result":...} or {"ok":false,"error_code":N,...}).
// Point the real client at it with tgbot.WithServerURL(srv.URL).
//
// The server keeps the state a bot can observe: chats and the bot's standing
// in them, messages and their ids, pending updates for getUpdates, files,
// callback queries, polls, pins and commands. Tests drive the user's side
// with PushUpdate and the builders (SendText, ReplyText, Callback, …), read
// what the bot did with Calls and Sent, and wait for it with WaitFor,
// WaitSent or WaitCalls, which wake on every state change instead of
// polling.
//
// Telegram's behaviour is reproduced where an adapter can trip over it: HTML
// parse_mode validation with Telegram's error texts, the 4096-character
// limit counted in UTF-16 units, "message is not modified", 403 for kicked
// or blocked chats, 400 with migrate_to_chat_id for upgraded groups, 409 for
// competing getUpdates calls, flood limits with retry_after (opt-in, on an
// injectable clock) and injected failures (500, 429, hangs, resets).
package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Server is a fake Telegram Bot API server listening on a local address.
// All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, of the form http://ipaddr:port with
	// no trailing slash; pass it to tgbot.WithServerURL.
	URL string

	srv             *httptest.Server
	token           string
	now             func() time.Time
	lenientEntities bool

	closeOnce sync.Once
	done      chan struct{}

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change

	bot     models.User
	limits  Limits
	rate    rateState
	tooMany int

	chats map[int64]*chatState
	users map[int64]models.User

	updates      []pendingUpdate
	nextUpdateID int64
	allowed      []string // sticky allowed_updates; nil means Telegram's default
	pollKick     chan struct{}
	polling      int
	webhook      webhookState

	calls     []Call
	sent      []*SentMessage
	sentIndex map[msgKey]int

	callbacks map[string]*callbackState
	answers   []CallbackAnswer
	commands  []CommandSet

	files       map[string]*fileEntry
	filesByPath map[string]*fileEntry
	polls       map[string]*pollState
	serial      int64 // source of file, poll and callback ids

	failNext  map[string][]Failure
	failRate  float64
	failRNG   *rand.Rand
	failKinds []FailureKind
}

// Option configures a Server in NewServer.
type Option func(*Server)

// WithBotUser sets the user returned by getMe and used as the sender of the
// bot's messages. IsBot is forced to true; a zero ID keeps the id taken
// from the token. Note that CanReadAllGroupMessages false means group
// privacy mode is on (see WithPrivacyMode).
func WithBotUser(u models.User) Option {
	return func(s *Server) {
		u.IsBot = true
		if u.ID == 0 {
			u.ID = s.bot.ID
		}
		s.bot = u
	}
}

// WithUsername sets the bot's username (without the @).
func WithUsername(username string) Option {
	return func(s *Server) { s.bot.Username = strings.TrimPrefix(username, "@") }
}

// WithPrivacyMode turns BotFather's group privacy mode on or off. With it on
// (can_read_all_group_messages=false) the builders only deliver group
// messages that are commands, replies to the bot, mentions of the bot or
// service messages, unless the bot is an administrator of the chat. The
// default is off, which is what a bot that reads "#tag" messages needs.
func WithPrivacyMode(on bool) Option {
	return func(s *Server) { s.bot.CanReadAllGroupMessages = !on }
}

// WithCanJoinGroups sets can_join_groups in getMe (default true).
func WithCanJoinGroups(can bool) Option {
	return func(s *Server) { s.bot.CanJoinGroups = can }
}

// WithClock makes the server read time from now: message dates, Call.Time
// and the flood limits use it. Long-poll timeouts still use real time.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithLimits enables Telegram's flood limits from the start; see SetLimits.
func WithLimits(l Limits) Option {
	return func(s *Server) { s.limits = l }
}

// WithLenientHTMLEntities makes the HTML parser keep unknown named entities
// such as "&foo;" as literal text, which is what the real Bot API does. By
// default the fake rejects them with a "can't parse entities" error, so that
// text that was not escaped properly fails in tests.
func WithLenientHTMLEntities() Option {
	return func(s *Server) { s.lenientEntities = true }
}

// DefaultBotID is the bot's id when the token does not start with digits.
const DefaultBotID int64 = 1000001

// NewServer starts a fake Bot API server for token and returns it. The
// caller must call Close when finished, after stopping any bot that polls
// it.
func NewServer(token string, opts ...Option) *Server {
	id, err := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	if err != nil || id <= 0 {
		id = DefaultBotID
	}
	s := &Server{
		token:        token,
		now:          time.Now,
		done:         make(chan struct{}),
		changed:      make(chan struct{}),
		chats:        map[int64]*chatState{},
		users:        map[int64]models.User{},
		nextUpdateID: 1,
		sentIndex:    map[msgKey]int{},
		callbacks:    map[string]*callbackState{},
		files:        map[string]*fileEntry{},
		filesByPath:  map[string]*fileEntry{},
		polls:        map[string]*pollState{},
		failNext:     map[string][]Failure{},
		bot: models.User{
			ID:                      id,
			IsBot:                   true,
			FirstName:               "Test Bot",
			Username:                "test_bot",
			CanJoinGroups:           true,
			CanReadAllGroupMessages: true,
		},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
}

// Close wakes every pending long poll and hanging request, then shuts the
// server down and waits for outstanding requests to finish.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.srv.Close()
}

// Client returns an HTTP client configured for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Bot returns the bot user (what getMe returns).
func (s *Server) Bot() models.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bot
}

// bumpLocked wakes everyone waiting for a state change. s.mu must be held.
func (s *Server) bumpLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// apiError is a Bot API error response.
type apiError struct {
	code       int
	desc       string
	retryAfter int
	migrateTo  int64
}

func badRequest(format string, a ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, a...)}
}

func forbidden(format string, a ...any) *apiError {
	return &apiError{code: http.StatusForbidden, desc: "Forbidden: " + fmt.Sprintf(format, a...)}
}

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{
		code:       http.StatusTooManyRequests,
		desc:       fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
		retryAfter: retryAfter,
	}
}

var (
	errNotFound     = &apiError{code: http.StatusNotFound, desc: "Not Found"}
	errUnauthorized = &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"}
	errInternal     = &apiError{code: http.StatusInternalServerError, desc: "Internal Server Error"}
)

type responseParameters struct {
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	RetryAfter      int   `json:"retry_after,omitempty"`
}

type errorEnvelope struct {
	OK          bool                `json:"ok"`
	ErrorCode   int                 `json:"error_code"`
	Description string              `json:"description"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

type okEnvelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	Description string          `json:"description,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	env := errorEnvelope{ErrorCode: e.code, Description: e.desc}
	if e.retryAfter != 0 || e.migrateTo != 0 {
		env.Parameters = &responseParameters{RetryAfter: e.retryAfter, MigrateToChatID: e.migrateTo}
	}
	writeJSON(w, e.code, env)
}

func writeResult(w http.ResponseWriter, result json.RawMessage, description string) {
	writeJSON(w, http.StatusOK, okEnvelope{OK: true, Result: result, Description: description})
}

// request is one parsed Bot API call.
type request struct {
	method string
	params map[string]string
	files  map[string]UploadedFile
	now    time.Time
}

func (q *request) str(k string) string { return q.params[k] }

func (q *request) has(k string) bool { _, ok := q.params[k]; return ok }

// int parses an integer parameter; absent or empty is 0.
func (q *request) int(k string) (int64, *apiError) {
	v := strings.TrimSpace(q.params[k])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badRequest("invalid %s specified", k)
	}
	return n, nil
}

func (q *request) bool(k string) bool {
	b, _ := strconv.ParseBool(q.params[k])
	return b
}

// result is what a method handler produces: a value marshalled as the
// result, plus an optional description sent next to it.
type result struct {
	value       any
	description string
}

type handler func(s *Server, q *request) (result, *apiError)

type methodEntry struct {
	name string  // canonical spelling
	h    handler // nil for getUpdates, which is served separately
}

// methods maps lower-cased Bot API method names (Telegram ignores their
// case) to the canonical name and handler.
var methods = methodTable(
	methodEntry{"getMe", (*Server).getMe},
	methodEntry{"getUpdates", nil},
	methodEntry{"setWebhook", (*Server).setWebhook},
	methodEntry{"deleteWebhook", (*Server).deleteWebhook},
	methodEntry{"getWebhookInfo", (*Server).getWebhookInfo},
	methodEntry{"sendMessage", (*Server).sendMessage},
	methodEntry{"sendPhoto", (*Server).sendPhoto},
	methodEntry{"sendDocument", (*Server).sendDocument},
	methodEntry{"sendPoll", (*Server).sendPoll},
	methodEntry{"sendChatAction", (*Server).sendChatAction},
	methodEntry{"editMessageText", (*Server).editMessageText},
	methodEntry{"editMessageCaption", (*Server).editMessageCaption},
	methodEntry{"editMessageReplyMarkup", (*Server).editMessageReplyMarkup},
	methodEntry{"deleteMessage", (*Server).deleteMessage},
	methodEntry{"answerCallbackQuery", (*Server).answerCallbackQuery},
	methodEntry{"setMyCommands", (*Server).setMyCommands},
	methodEntry{"getMyCommands", (*Server).getMyCommands},
	methodEntry{"deleteMyCommands", (*Server).deleteMyCommands},
	methodEntry{"pinChatMessage", (*Server).pinChatMessage},
	methodEntry{"unpinChatMessage", (*Server).unpinChatMessage},
	methodEntry{"getChat", (*Server).getChat},
	methodEntry{"getChatMember", (*Server).getChatMember},
	methodEntry{"getFile", (*Server).getFile},
)

func methodTable(entries ...methodEntry) map[string]methodEntry {
	m := make(map[string]methodEntry, len(entries))
	for _, e := range entries {
		m[strings.ToLower(e.name)] = e
	}
	return m
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/file/bot"); ok {
		s.serveFile(w, rest)
		return
	}
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		writeError(w, errNotFound)
		return
	}
	token, method, _ := strings.Cut(rest, "/")
	method = strings.TrimPrefix(method, "test/") // tgbot.UseTestEnvironment
	if token != s.token {
		writeError(w, errUnauthorized)
		return
	}
	params, files := readParams(r)
	q := &request{params: params, files: files, now: s.now()}
	m, known := methods[strings.ToLower(method)]
	if !known {
		q.method = method
		s.finish(w, q, errNotFound, 0)
		return
	}
	q.method = m.name

	f, injected := s.takeFailure(q.method)
	if injected && (!f.Delivered || m.h == nil) {
		s.fail(w, r, q, f)
		return
	}
	if m.h == nil {
		s.getUpdates(w, r, q)
		return
	}

	s.mu.Lock()
	res, aerr := m.h(s, q)
	var raw json.RawMessage
	if aerr == nil {
		// Marshal under the lock: results share pointers with stored state.
		b, err := json.Marshal(res.value)
		if err != nil {
			aerr = errInternal
		}
		raw = b
	}
	s.mu.Unlock()
	switch {
	case injected: // Failure.Delivered: the call took effect, the answer is lost
		s.fail(w, r, q, f)
	case aerr != nil:
		s.finish(w, q, aerr, 0)
	default:
		s.finishOK(w, q, raw, res.description)
	}
}

// finish records the call and writes the error response.
func (s *Server) finish(w http.ResponseWriter, q *request, e *apiError, kind FailureKind) {
	s.mu.Lock()
	if e.code == http.StatusTooManyRequests {
		s.tooMany++
	}
	s.recordLocked(q, e.code, e.desc, kind)
	s.mu.Unlock()
	writeError(w, e)
}

func (s *Server) finishOK(w http.ResponseWriter, q *request, raw json.RawMessage, description string) {
	s.mu.Lock()
	s.recordLocked(q, http.StatusOK, "", 0)
	s.mu.Unlock()
	writeResult(w, raw, description)
}

func (s *Server) recordLocked(q *request, status int, desc string, kind FailureKind) {
	s.calls = append(s.calls, Call{
		Method:      q.method,
		Params:      q.params,
		Files:       q.files,
		Time:        q.now,
		Status:      status,
		Description: desc,
		Failure:     kind,
	})
	s.bumpLocked()
}

// readParams collects the call's parameters from the query string and the
// body. go-telegram/bot streams multipart/form-data; methods without
// parameters send an empty body that still has a multipart Content-Type,
// so parse errors are ignored and simply leave no parameters.
func readParams(r *http.Request) (map[string]string, map[string]UploadedFile) {
	params := map[string]string{}
	files := map[string]UploadedFile{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		_ = r.ParseMultipartForm(32 << 20)
		if r.MultipartForm == nil {
			break
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			f, err := fhs[0].Open()
			if err != nil {
				continue
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				continue
			}
			files[k] = UploadedFile{
				Filename:    fhs[0].Filename,
				ContentType: fhs[0].Header.Get("Content-Type"),
				Data:        data,
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err == nil {
			for k, v := range r.PostForm {
				if len(v) > 0 {
					params[k] = v[0]
				}
			}
		}
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil || len(bytes.TrimSpace(body)) == 0 {
			break
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			break
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(v)
			}
		}
	}
	_, _ = io.Copy(io.Discard, r.Body)
	return params, files
}

// serveFile serves /file/bot<token>/<path>, the download URL of getFile.
func (s *Server) serveFile(w http.ResponseWriter, rest string) {
	token, path, _ := strings.Cut(rest, "/")
	if token != s.token {
		writeError(w, errUnauthorized)
		return
	}
	s.mu.Lock()
	f := s.filesByPath[path]
	s.mu.Unlock()
	if f == nil {
		writeError(w, errNotFound)
		return
	}
	ct := f.mimeType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}
