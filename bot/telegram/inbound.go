package telegram

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
)

// translate turns one update into a neutral message. It is pure: me is what
// getMe said about the bot, now stands in for a missing date. It reports
// false for updates Linli does not use (edits, channel posts, service
// messages other than migrations and renames, inline-mode callbacks).
//
// "/cmd@OtherBot" messages are passed on: the command parser recognises and
// ignores them, as it needs BotNames anyway for "/cmd@ThisBot".
func translate(u *models.Update, me identity, now time.Time) (bot.Message, bool) {
	switch {
	case u.Message != nil:
		return fromMessage(u.Message, me, now)
	case u.CallbackQuery != nil:
		return fromCallback(u.CallbackQuery, me, now)
	case u.MyChatMember != nil:
		return fromMyChatMember(u.ID, u.MyChatMember, me, now)
	case u.PollAnswer != nil:
		return fromPollAnswer(u.ID, u.PollAnswer, me, now)
	}
	return bot.Message{}, false
}

// chatKind maps Telegram's chat types; channels are not Linli's business.
func chatKind(c models.Chat) (bot.ChatKind, bool) {
	switch c.Type {
	case models.ChatTypePrivate:
		return bot.Private, true
	case models.ChatTypeGroup, models.ChatTypeSupergroup:
		return bot.Group, true
	}
	return "", false
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// base fills what every message from chat c has.
func base(c models.Chat, kind bot.ChatKind, me identity, date int, now time.Time) bot.Message {
	m := bot.Message{
		Platform: bot.Telegram,
		Chat:     bot.ChatID(itoa(c.ID)),
		ChatKind: kind,
		Time:     now,
	}
	if kind == bot.Group {
		m.ChatTitle = c.Title
	}
	if me.Username != "" {
		m.BotNames = []string{me.Username}
	}
	if date > 0 {
		m.Time = time.Unix(int64(date), 0).UTC()
	}
	return m
}

// setSender fills the sender and reports whether there is one Linli
// listens to.
//
// A message sent on behalf of a chat is keyed by that chat (sender_chat):
// an anonymous group admin's from is GroupAnonymousBot and a member posting
// as a channel's is Channel_Bot, one shared account each for everyone on
// Telegram, so keyed by from they would all be one person (one anonymous
// admin could see and cancel another's tickets in any group). Chat ids are
// negative and user ids positive, so the two keys never meet. Anonymous
// admins of one group stay one sender: Telegram tells them apart to nobody.
//
// Messages from bots (this bot's own included) and without a sender are
// not listened to: they report false.
func setSender(m *bot.Message, from *models.User, senderChat *models.Chat) bool {
	switch {
	case senderChat != nil:
		m.Sender = bot.UserID(itoa(senderChat.ID))
		m.SenderName = senderChat.Title
		if m.SenderName == "" {
			m.SenderName = strings.TrimSpace(senderChat.FirstName + " " + senderChat.LastName)
		}
		m.SenderUsername = senderChat.Username
		return true
	case from == nil:
		return false
	}
	m.Sender = bot.UserID(itoa(from.ID))
	m.SenderName = strings.TrimSpace(from.FirstName + " " + from.LastName)
	m.SenderUsername = from.Username
	return !from.IsBot
}

// topic is the forum topic of a message, if it is in one.
func topic(m *models.Message) string {
	if m.IsTopicMessage && m.MessageThreadID != 0 {
		return itoa(m.MessageThreadID)
	}
	return ""
}

func fromMessage(tm *models.Message, me identity, now time.Time) (bot.Message, bool) {
	kind, ok := chatKind(tm.Chat)
	if !ok || tm.IsAutomaticForward {
		return bot.Message{}, false
	}
	m := base(tm.Chat, kind, me, tm.Date, now)
	m.ID = bot.MessageID(itoa(tm.ID))
	m.Thread = topic(tm)
	listened := setSender(&m, tm.From, tm.SenderChat)
	switch {
	case tm.MigrateToChatID != 0:
		m.Event = bot.EventMigrated
		m.NewChat = bot.ChatID(itoa(tm.MigrateToChatID))
		return m, true
	case tm.MigrateFromChatID != 0:
		return bot.Message{}, false // the old chat's migrate_to_chat_id reports it
	case tm.NewChatTitle != "":
		m.Event = bot.EventRenamed
		m.ChatTitle = tm.NewChatTitle
		return m, true
	}
	if !listened {
		return bot.Message{}, false // a bot's message, or nobody's: never a ticket
	}
	text, ents := tm.Text, tm.Entities
	if text == "" {
		text, ents = tm.Caption, tm.CaptionEntities
	}
	m.Attachments = attachments(tm)
	if strings.TrimSpace(text) == "" && len(m.Attachments) == 0 {
		return bot.Message{}, false // stickers, joins, pins and other service messages
	}
	m.Text = text
	reply := replyTarget(tm)
	if reply != nil {
		m.ReplyTo = bot.MessageID(itoa(reply.ID))
		var to bot.Message
		if setSender(&to, reply.From, reply.SenderChat) {
			m.ReplyToSender, m.ReplyToSenderName = to.Sender, to.SenderName
		}
	}
	m.MentionsBot = (reply != nil && reply.From != nil && me.ID != 0 && reply.From.ID == me.ID) ||
		mentions(text, ents, me)
	return m, true
}

// replyTarget is the message tm answers. In a forum topic Telegram fills
// reply_to_message with the topic's creation message even when the person
// did not reply to anything; that is not a reply.
func replyTarget(tm *models.Message) *models.Message {
	r := tm.ReplyToMessage
	if r == nil {
		return nil
	}
	if tm.IsTopicMessage && (r.ID == tm.MessageThreadID || r.ForumTopicCreated != nil) {
		return nil
	}
	return r
}

// attachments lists the photo (its largest size) and the document of tm.
func attachments(tm *models.Message) []bot.Attachment {
	var out []bot.Attachment
	if len(tm.Photo) > 0 {
		best := tm.Photo[0]
		for _, p := range tm.Photo[1:] {
			if p.Width*p.Height > best.Width*best.Height ||
				(p.Width*p.Height == best.Width*best.Height && p.FileSize > best.FileSize) {
				best = p
			}
		}
		out = append(out, bot.Attachment{Kind: "photo", Ref: best.FileID, MIMEType: "image/jpeg"})
	}
	if d := tm.Document; d != nil {
		out = append(out, bot.Attachment{Kind: "file", Ref: d.FileID, Name: d.FileName, MIMEType: d.MimeType})
	}
	return out
}

// mentions reports whether text mentions the bot: "@username" (in any case,
// not inside a longer name and not as the tail of "/cmd@username", which is
// a command, not a mention) or a text_mention of the bot's user.
func mentions(text string, ents []models.MessageEntity, me identity) bool {
	for _, e := range ents {
		if e.Type == models.MessageEntityTypeTextMention && e.User != nil && me.ID != 0 && e.User.ID == me.ID {
			return true
		}
	}
	if me.Username == "" {
		return false
	}
	name := "@" + strings.ToLower(me.Username)
	lower := strings.ToLower(text)
	for i := 0; ; {
		j := strings.Index(lower[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		before, _ := utf8.DecodeLastRuneInString(lower[:start])
		after, _ := utf8.DecodeRuneInString(lower[end:])
		if (start == 0 || !isNameChar(before)) && (end == len(lower) || !isNameChar(after)) {
			return true
		}
		i = end
	}
}

// isNameChar reports whether r can be part of a Telegram username or
// command name, which are ASCII.
func isNameChar(r rune) bool {
	return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

func fromCallback(cq *models.CallbackQuery, me identity, now time.Time) (bot.Message, bool) {
	var (
		chat   models.Chat
		msgID  int
		thread string
	)
	switch {
	case cq.Message.Message != nil:
		tm := cq.Message.Message
		chat, msgID, thread = tm.Chat, tm.ID, topic(tm)
	case cq.Message.InaccessibleMessage != nil:
		im := cq.Message.InaccessibleMessage
		chat, msgID = im.Chat, im.MessageID
	default:
		return bot.Message{}, false // a button under an inline-mode message: no chat
	}
	kind, ok := chatKind(chat)
	if !ok {
		return bot.Message{}, false
	}
	m := base(chat, kind, me, 0, now) // a query has no date: it happens now
	// Every press is its own event: keyed by the query id, not the
	// message id, so the inbox does not take a second press for a replay.
	m.ID = bot.MessageID("cb:" + cq.ID)
	m.Thread = thread
	m.ReplyTo = bot.MessageID(itoa(msgID)) // the message carrying the button
	if !setSender(&m, &cq.From, nil) {
		return bot.Message{}, false
	}
	m.Callback = &bot.Callback{ID: cq.ID, Data: cq.Data}
	return m, true
}

// inChat reports whether a member with this standing is in the chat.
func inChat(cm models.ChatMember) bool {
	switch cm.Type {
	case models.ChatMemberTypeOwner, models.ChatMemberTypeAdministrator, models.ChatMemberTypeMember:
		return true
	case models.ChatMemberTypeRestricted:
		return cm.Restricted != nil && cm.Restricted.IsMember
	}
	return false
}

// fromMyChatMember reports the bot joining or leaving a group. Private chats
// (a person blocking the bot) are left to the send errors.
func fromMyChatMember(updateID int64, cm *models.ChatMemberUpdated, me identity, now time.Time) (bot.Message, bool) {
	kind, ok := chatKind(cm.Chat)
	if !ok || kind != bot.Group {
		return bot.Message{}, false
	}
	m := base(cm.Chat, kind, me, cm.Date, now)
	was, is := inChat(cm.OldChatMember), inChat(cm.NewChatMember)
	switch {
	case !was && is:
		m.Event = bot.EventBotAdded
	case was && !is:
		m.Event = bot.EventBotRemoved
	default:
		return bot.Message{}, false // promoted, demoted or restricted: still there
	}
	m.ID = bot.MessageID("member:" + itoa(updateID))
	if !setSender(&m, &cm.From, nil) {
		m.Sender, m.SenderName, m.SenderUsername = "", "", "" // added by a bot: nobody to tell
	}
	return m, true
}
