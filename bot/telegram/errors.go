package telegram

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/linli/linli/bot"
)

// mapError turns a Bot API error for a send to chat into the Sender's
// vocabulary:
//
//   - 429 → *bot.RetryAfterError with Telegram's retry_after;
//   - 400 with migrate_to_chat_id → *bot.ChatMovedError;
//   - 403 in a private chat the person never started or has blocked, and
//     400 "chat not found" for a person → *bot.UnreachableError (the Sender
//     falls back to their group);
//   - any other 403 (kicked, not a member, deactivated) and 400 "chat not
//     found" for a group → *bot.ChatGoneError;
//   - 401 and 404 (the token refused, an API URL that knows no such bot) →
//     *bot.RetryAfterError of a minute: nothing can go out until the
//     operator fixes the configuration, and nothing queued should be given
//     up meanwhile (/healthz says what is wrong);
//   - other 400s → wrapped bot.ErrPermanent;
//   - 5xx, 409, network errors and timeouts → unchanged: transient, so the
//     Sender retries with capped backoff and jitter.
//
// The SDK's errors stay in the chain (errors.Is(err, tgbot.ErrorBadRequest)).
func mapError(chat bot.ChatID, err error) error {
	if err == nil {
		return nil
	}
	var tooMany *tgbot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		// IsTooManyRequestsError is a bare type assertion; errors.As also
		// finds it wrapped.
		return &bot.RetryAfterError{After: time.Duration(max(tooMany.RetryAfter, 1)) * time.Second, Reason: tooMany.Message}
	}
	var migrated *tgbot.MigrateError
	if errors.As(err, &migrated) {
		return &bot.ChatMovedError{From: chat, To: bot.ChatID(itoa(migrated.MigrateToChatID))}
	}
	desc := description(err)
	switch {
	case errors.Is(err, tgbot.ErrorForbidden):
		if isPrivate(chat) && (strings.Contains(desc, "bot can't initiate conversation") || strings.Contains(desc, "bot was blocked by the user")) {
			return &bot.UnreachableError{Chat: chat, Reason: desc}
		}
		return &bot.ChatGoneError{Chat: chat, Reason: desc}
	case errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(desc, "chat not found"):
		if isPrivate(chat) {
			// A person the bot has never met: as good as never started.
			return &bot.UnreachableError{Chat: chat, Reason: desc}
		}
		return &bot.ChatGoneError{Chat: chat, Reason: desc}
	case errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorNotFound):
		return &bot.RetryAfterError{After: time.Minute, Reason: "the Bot API refuses the bot (" + desc + "): check the token and API URL"}
	case errors.Is(err, tgbot.ErrorBadRequest):
		return fmt.Errorf("%w: %w", bot.ErrPermanent, err)
	}
	return err
}

// description is the Bot API's description of err ("Forbidden: bot was
// kicked from the group chat"), lower-cased: the SDK formats its errors as
// "<sentinel>, <description>".
func description(err error) string {
	s := err.Error()
	for _, sentinel := range []error{tgbot.ErrorForbidden, tgbot.ErrorBadRequest, tgbot.ErrorUnauthorized, tgbot.ErrorNotFound, tgbot.ErrorConflict} {
		if rest, ok := strings.CutPrefix(s, sentinel.Error()+", "); ok {
			s = rest
			break
		}
	}
	return strings.ToLower(s)
}

// isPrivate reports whether chat is a private chat (users have positive ids).
func isPrivate(chat bot.ChatID) bool {
	return len(chat) > 0 && chat[0] != '-'
}

// isBadRequest reports a 400 whose description contains what.
func isBadRequest(err error, what string) bool {
	return err != nil && errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(description(err), what)
}

// Bad Request descriptions the adapter reacts to.
const (
	errParseEntities = "can't parse entities"
	errNotModified   = "message is not modified"
	errEditNotFound  = "message to edit not found"
	errCantEdit      = "message can't be edited"
	errNoTextToEdit  = "there is no text in the message to edit"

	errDeleteNotFound = "message to delete not found"
)

// redact cleans err's text of the bot token and of URL queries (bot.Redact).
func (t *Telegram) redact(err error) error { return bot.Redact(err, t.cfg.Token) }

// apiTransport is the transport of every request the adapter makes. It keeps
// the bot token out of the response bodies the SDK reads: a server that is
// no Bot API (a wrong -telegram-api, a proxy's error page) may answer
// "Cannot POST /bot<token>/getMe", and the SDK quotes a body it cannot
// decode in its error, which would carry the token into logs and the
// outbox's stored errors. It also tells the adapter's health how each call
// went.
type apiTransport struct {
	base http.RoundTripper
	t    *Telegram
}

func (a apiTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	method := path.Base(r.URL.Path)
	resp, err := a.base.RoundTrip(r)
	if err != nil {
		if r.Context().Err() == nil {
			a.t.health.observe(a.t.log, method, 0)
		}
		return nil, a.t.redact(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		if r.Context().Err() == nil {
			a.t.health.observe(a.t.log, method, 0)
		}
		return nil, a.t.redact(err)
	}
	if tok := a.t.cfg.Token; bytes.Contains(body, []byte(tok)) || bytes.Contains(body, []byte(url.PathEscape(tok))) {
		body = []byte(bot.RedactText(string(body), tok, url.PathEscape(tok)))
		resp.Header.Del("Content-Length")
		resp.ContentLength = int64(len(body))
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	a.t.health.observe(a.t.log, method, resp.StatusCode)
	return resp, nil
}

// apiHealth follows whether Bot API calls work, for /healthz (Status): the
// token refused (401), an API URL that knows no such bot (404) or another
// program taking the updates (409) make the adapter down at once; three
// failed calls in a row (no answer, 5xx) make it down too. Any call that is
// answered as a Bot API answers (2xx, 400, 403, 429) makes it up again.
// Each change is logged once.
type apiHealth struct {
	mu     sync.Mutex
	calls  int // answered calls so far
	fails  int // failed calls in a row
	down   bool
	reason string
	since  time.Time
}

// observe records a call of method answered with status (0: no answer).
func (h *apiHealth) observe(log *slog.Logger, method string, status int) {
	reason := ""
	switch {
	case status == http.StatusUnauthorized:
		reason = "Telegram refuses the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN"
	case status == http.StatusNotFound:
		reason = "the Bot API server does not know this bot (404 Not Found): check the token and -telegram-api"
	case status == http.StatusConflict && method == "getUpdates":
		reason = "another program receives this bot's updates (409 Conflict): a second Linli with the same token, or a webhook"
	case status == 0 || status >= 500:
		reason = "the Bot API server does not answer or fails (" + statusText(status) + ")"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if reason == "" {
		h.calls++
		h.fails = 0
		if h.down {
			h.down, h.reason = false, ""
			log.Info("telegram API calls work again", "down_for", time.Since(h.since).Round(time.Second))
		}
		return
	}
	h.fails++
	if status != 0 && status < 500 || h.fails >= 3 {
		if !h.down || h.reason != reason {
			if !h.down {
				h.since = time.Now()
			}
			h.down, h.reason = true, reason
			log.Warn("telegram API calls fail", "reason", reason, "method", method)
		}
	}
}

// isDown reports whether the adapter is down: its own retries log quietly then.
func (h *apiHealth) isDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

func statusText(status int) string {
	if status == 0 {
		return "no answer"
	}
	return strconv.Itoa(status) + " " + http.StatusText(status)
}

// Status reports whether Telegram works, for /healthz: down while the Bot
// API refuses the token, knows no such bot, sees another program take the
// updates, or does not answer. The detail names no account and quotes no
// error.
func (t *Telegram) Status() (up bool, detail string) {
	h := &t.health
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.down:
		return false, h.reason + " since " + h.since.UTC().Format(time.RFC3339)
	case h.calls == 0:
		return true, "starting"
	}
	return true, "connected"
}
