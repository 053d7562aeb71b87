package bot

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ErrUnavailable marks a handler's error that says nothing about the
// message: the storage failed (the database locked by another process, a
// full disk, an I/O error), so the message was not handled and nothing of it
// was kept. Adapters hold such a message and hand it in again, in order
// with the rest of its chat, until it is handled, and never confirm it to
// the platform meanwhile. Wrap it: fmt.Errorf("%w: %w", ErrUnavailable, err).
var ErrUnavailable = errors.New("storage unavailable")

// ErrPermanent marks a send error that retrying cannot fix (a malformed
// message, a chat that does not exist). Wrap it: fmt.Errorf("%w: …", ErrPermanent).
var ErrPermanent = errors.New("permanent failure")

// ErrNotModified is returned by an edit that would not change the message; the
// Sender treats it as success.
var ErrNotModified = errors.New("message not modified")

// RetryAfterError asks the Sender to wait before trying again (Telegram 429,
// WeChat frequency control).
type RetryAfterError struct {
	After  time.Duration
	Reason string
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %s", e.After, e.Reason)
}

// ChatGoneError says the bot can no longer post in the chat (kicked, blocked,
// the chat was deleted). The chat is marked inactive and the row parked.
type ChatGoneError struct {
	Chat   ChatID
	Reason string
}

func (e *ChatGoneError) Error() string {
	return fmt.Sprintf("chat %s is gone: %s", e.Chat, e.Reason)
}

// ChatMovedError says the chat now lives under another id (a Telegram group
// upgraded to a supergroup). Bindings and pending rows move, then the send is retried.
type ChatMovedError struct {
	From, To ChatID
}

func (e *ChatMovedError) Error() string {
	return fmt.Sprintf("chat %s moved to %s", e.From, e.To)
}

// UnreachableError says a private chat cannot be opened (the person never
// started the bot). The Sender asks the Queue for a fallback (a reply in the
// person's group) before parking the row.
type UnreachableError struct {
	Chat   ChatID
	Reason string
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s privately: %s", e.Chat, e.Reason)
}

// urlPattern finds URLs in error texts, up to their query or fragment.
var urlPattern = regexp.MustCompile(`(?i)\b(https?|wss?)://[^\s"'<>]+`)

// Redact returns err with a text fit for logs, /healthz and the outbox's
// stored errors: URLs keep their scheme, host and path but lose any user
// name, query and fragment (web WeChat puts sid, skey, uin and pass_ticket
// in its queries), and every secret (a bot token, as such and path-escaped)
// becomes "[redacted]". The result still unwraps to err, so errors.Is and
// errors.As see what they saw; only its text changes. nil stays nil.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := RedactText(err.Error(), secrets...)
	if msg == err.Error() {
		return err
	}
	return &redacted{msg: msg, err: err}
}

// RedactText is Redact for a text.
func RedactText(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		s = strings.ReplaceAll(s, sec, "[redacted]")
		if esc := urlPathEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, "[redacted]")
		}
	}
	return urlPattern.ReplaceAllStringFunc(s, func(u string) string {
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		if scheme, rest, ok := strings.Cut(u, "://"); ok {
			host, path, _ := strings.Cut(rest, "/")
			if at := strings.LastIndexByte(host, '@'); at >= 0 {
				host = host[at+1:]
			}
			u = scheme + "://" + host
			if path != "" {
				u += "/" + path
			}
		}
		return u
	})
}

// urlPathEscape escapes what a URL path would (a token's ":" is kept by Go
// but escaped by some servers).
func urlPathEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ':' || c == '/' || c == '?' || c == '#' || c == '%' || c == ' ' || c >= 0x80 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }
