package telegram

import (
	"errors"
	"fmt"
	"strings"
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
//   - other 400s, 401 and 404 → wrapped bot.ErrPermanent;
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
	case errors.Is(err, tgbot.ErrorBadRequest), errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorNotFound):
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
