package telegram

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
)

var (
	_ bot.Pinner     = (*Telegram)(nil)
	_ bot.PollSender = (*Telegram)(nil)
)

// Telegram's poll limits, in UTF-16 code units.
const (
	maxPollQuestion = 300
	maxPollOption   = 100
	maxPollOptions  = 12
)

// SendPoll implements bot.PollSender: out.Poll goes out as a regular,
// non-anonymous poll, so that every answer comes back as a poll_answer with
// the voter. A group that does not allow polls gets out.Text (the numbered
// list) instead, and no poll id.
func (t *Telegram) SendPoll(ctx context.Context, out bot.Outgoing) (bot.MessageID, string, error) {
	chat, err := numericID[int64]("chat", string(out.Chat))
	if err != nil {
		return "", "", err
	}
	if out.Poll == nil || len(out.Poll.Options) < 2 || len(out.Poll.Options) > maxPollOptions {
		id, err := t.Send(ctx, out)
		return id, "", err
	}
	p := &tgbot.SendPollParams{
		ChatID:      chat,
		Question:    clip(out.Poll.Question, maxPollQuestion),
		IsAnonymous: tgbot.False(),
		Type:        "regular",
	}
	for _, o := range out.Poll.Options {
		p.Options = append(p.Options, models.InputPollOption{Text: clip(o, maxPollOption)})
	}
	if out.Thread != "" {
		if p.MessageThreadID, err = numericID[int]("thread", out.Thread); err != nil {
			return "", "", err
		}
	}
	rctx, cancel := t.request(ctx)
	msg, err := t.api.SendPoll(rctx, p)
	cancel()
	if err != nil {
		if errors.Is(err, tgbot.ErrorBadRequest) && !isBadRequest(err, "chat not found") && strings.TrimSpace(out.Text) != "" {
			t.log.Warn("telegram refused the poll; sending it as text", "chat", who(out), "err", err)
			id, err := t.Send(ctx, out)
			return id, "", err
		}
		return "", "", mapError(out.Chat, err)
	}
	var poll string
	if msg.Poll != nil {
		poll = msg.Poll.ID
	}
	return bot.MessageID(itoa(msg.ID)), poll, nil
}

// Pin implements bot.Pinner: it pins msg in chat without notifying the
// members. In supergroups the bot must be an administrator allowed to pin;
// lacking that right is a permanent error (bot.ErrPermanent).
func (t *Telegram) Pin(ctx context.Context, chat bot.ChatID, msg bot.MessageID) error {
	chatID, id, err := messageIDs(chat, msg)
	if err != nil {
		return err
	}
	rctx, cancel := t.request(ctx)
	defer cancel()
	_, err = t.api.PinChatMessage(rctx, &tgbot.PinChatMessageParams{ChatID: chatID, MessageID: id, DisableNotification: true})
	if err != nil && strings.Contains(description(err), "rights") {
		// "not enough rights to manage pinned messages": a 400, or a 403 in
		// some chats, which is no sign that the bot has left.
		return fmt.Errorf("%w: pin message: %w", bot.ErrPermanent, err)
	}
	return mapError(chat, err)
}

// fromPollAnswer reports a vote in a poll the bot sent. A poll_answer has no
// chat: the message is keyed to the voter's private chat, so one person's
// answers are handled in order. Anonymous votes (voter_chat) are skipped.
func fromPollAnswer(updateID int64, pa *models.PollAnswer, me identity, now time.Time) (bot.Message, bool) {
	if pa.User == nil || pa.PollID == "" {
		return bot.Message{}, false
	}
	m := base(models.Chat{ID: pa.User.ID, Type: models.ChatTypePrivate}, bot.Private, me, 0, now)
	m.ID = bot.MessageID("poll:" + itoa(updateID))
	setSender(&m, pa.User, nil)
	m.PollAnswer = &bot.PollAnswer{Poll: pa.PollID, Options: append([]int(nil), pa.OptionIDs...)}
	return m, true
}
