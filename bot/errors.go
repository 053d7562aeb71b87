package bot

import (
	"errors"
	"fmt"
	"time"
)

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
