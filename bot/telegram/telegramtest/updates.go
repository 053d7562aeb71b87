package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// pendingUpdate is an update waiting to be confirmed by getUpdates.
type pendingUpdate struct {
	id   int64
	kind string // its allowed_updates name
	raw  json.RawMessage
}

// updateKind returns the allowed_updates name of u's payload.
func updateKind(u *models.Update) string {
	switch {
	case u.Message != nil:
		return models.AllowedUpdateMessage
	case u.EditedMessage != nil:
		return models.AllowedUpdateEditedMessage
	case u.ChannelPost != nil:
		return models.AllowedUpdateChannelPost
	case u.EditedChannelPost != nil:
		return models.AllowedUpdateEditedChannelPost
	case u.BusinessConnection != nil:
		return models.AllowedUpdateBusinessConnection
	case u.BusinessMessage != nil:
		return models.AllowedUpdateBusinessMessage
	case u.EditedBusinessMessage != nil:
		return models.AllowedUpdateEditedBusinessMessage
	case u.DeletedBusinessMessages != nil:
		return models.AllowedUpdateDeletedBusinessMessages
	case u.MessageReaction != nil:
		return models.AllowedUpdateMessageReaction
	case u.MessageReactionCount != nil:
		return models.AllowedUpdateMessageReactionCount
	case u.InlineQuery != nil:
		return models.AllowedUpdateInlineQuery
	case u.ChosenInlineResult != nil:
		return models.AllowedUpdateChosenInlineResult
	case u.CallbackQuery != nil:
		return models.AllowedUpdateCallbackQuery
	case u.ShippingQuery != nil:
		return models.AllowedUpdateShippingQuery
	case u.PreCheckoutQuery != nil:
		return models.AllowedUpdatePreCheckoutQuery
	case u.PurchasedPaidMedia != nil:
		return models.AllowedUpdatePurchasedPaidMedia
	case u.Poll != nil:
		return models.AllowedUpdatePoll
	case u.PollAnswer != nil:
		return models.AllowedUpdatePollAnswer
	case u.MyChatMember != nil:
		return models.AllowedUpdateMyChatMember
	case u.ChatMember != nil:
		return models.AllowedUpdateChatMember
	case u.ChatJoinRequest != nil:
		return models.AllowedUpdateChatJoinRequest
	case u.ChatBoost != nil:
		return models.AllowedUpdateChatBoost
	case u.RemovedChatBoost != nil:
		return models.AllowedUpdateRemovedChatBoost
	}
	return ""
}

// PushUpdate queues u for getUpdates and returns it. A zero u.ID is
// replaced by the next update id (ids increase from 1); an explicit id
// moves the counter past it. Updates are delivered in id order; one whose
// id is below an offset already confirmed is dropped by the next
// getUpdates, as on Telegram. PushUpdate panics if u cannot be encoded
// (for example a ChatMember with no Type).
func (s *Server) PushUpdate(u models.Update) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushLocked(u)
}

func (s *Server) pushLocked(u models.Update) models.Update {
	if u.ID == 0 {
		u.ID = s.nextUpdateID
	}
	if u.ID >= s.nextUpdateID {
		s.nextUpdateID = u.ID + 1
	}
	raw, err := json.Marshal(&u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: encode update %d: %v", u.ID, err))
	}
	p := pendingUpdate{id: u.ID, kind: updateKind(&u), raw: raw}
	i, _ := slices.BinarySearchFunc(s.updates, u.ID, func(p pendingUpdate, id int64) int {
		return int(min(max(p.id-id, -1), 1))
	})
	s.updates = slices.Insert(s.updates, i, p)
	s.bumpLocked()
	return u
}

// PendingUpdates returns the number of queued updates not yet confirmed by
// a getUpdates offset.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Polling reports whether a getUpdates request is in progress, i.e. a bot
// is long-polling the server.
func (s *Server) Polling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling > 0
}

// defaultExcluded are the update kinds Telegram leaves out unless
// allowed_updates names them.
var defaultExcluded = map[string]bool{
	models.AllowedUpdateChatMember:           true,
	models.AllowedUpdateMessageReaction:      true,
	models.AllowedUpdateMessageReactionCount: true,
}

func (s *Server) allowedLocked(kind string) bool {
	if len(s.allowed) == 0 {
		return !defaultExcluded[kind]
	}
	return slices.Contains(s.allowed, kind)
}

// confirmLocked applies a getUpdates offset: updates below a positive
// offset are confirmed and forgotten; a negative offset keeps only the last
// -offset updates.
func (s *Server) confirmLocked(offset int64) {
	switch {
	case offset > 0:
		s.updates = slices.DeleteFunc(s.updates, func(p pendingUpdate) bool { return p.id < offset })
	case offset < 0:
		if n := int(-offset); n < len(s.updates) {
			s.updates = slices.Delete(s.updates, 0, len(s.updates)-n)
		}
	}
}

// batchLocked returns up to limit deliverable updates, dropping those that
// allowed_updates filters out.
func (s *Server) batchLocked(limit int) []json.RawMessage {
	s.updates = slices.DeleteFunc(s.updates, func(p pendingUpdate) bool { return !s.allowedLocked(p.kind) })
	var out []json.RawMessage
	for _, p := range s.updates {
		if len(out) == limit {
			break
		}
		out = append(out, p.raw)
	}
	return out
}

var errConflictTerminated = &apiError{
	code: http.StatusConflict,
	desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
}

var errConflictWebhook = &apiError{
	code: http.StatusConflict,
	desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
}

// getUpdates serves long polling: it confirms the offset, then answers at
// once if updates are queued, or waits for one until timeout seconds pass,
// the client goes away, the server closes, or a newer getUpdates call
// terminates it with 409 as Telegram does.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, q *request) {
	offset, e := q.int("offset")
	var limit, timeout int64
	if e == nil {
		limit, e = q.int("limit")
	}
	if e == nil {
		timeout, e = q.int("timeout")
	}
	var allowed []string
	if raw := q.str("allowed_updates"); e == nil && raw != "" && json.Unmarshal([]byte(raw), &allowed) != nil {
		e = badRequest("can't parse allowed updates JSON object")
	}
	if e != nil {
		s.finish(w, q, e, 0)
		return
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}

	s.mu.Lock()
	if s.webhook.url != "" {
		s.mu.Unlock()
		s.finish(w, q, errConflictWebhook, 0)
		return
	}
	if s.pollKick != nil {
		close(s.pollKick)
	}
	kick := make(chan struct{})
	s.pollKick = kick
	if q.has("allowed_updates") {
		s.allowed = allowed
	}
	s.confirmLocked(offset)
	s.polling++
	s.bumpLocked()

	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		timer = t.C
	}
	var (
		batch   []json.RawMessage
		outcome string
	)
	for {
		batch = s.batchLocked(int(limit))
		if len(batch) > 0 || timeout <= 0 || outcome != "" {
			break
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer:
			outcome = "timeout"
		case <-s.done:
			outcome = "closed"
		case <-kick:
			outcome = "terminated"
		case <-r.Context().Done():
			outcome = "gone"
		}
		s.mu.Lock()
		if outcome == "terminated" || outcome == "gone" {
			break
		}
	}
	s.polling--
	if s.pollKick == kick {
		s.pollKick = nil
	}
	s.mu.Unlock()

	switch outcome {
	case "terminated":
		s.finish(w, q, errConflictTerminated, 0)
	case "gone":
		s.mu.Lock()
		s.recordLocked(q, 0, "client gone", 0)
		s.mu.Unlock()
	default:
		var buf bytes.Buffer
		buf.WriteByte('[')
		for i, raw := range batch {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(raw)
		}
		buf.WriteByte(']')
		s.finishOK(w, q, buf.Bytes(), "")
	}
}

// ---- builders: the users' side ----

// substrUTF16 returns the part of text at UTF-16 offset off, length n.
func substrUTF16(text string, off, n int) string {
	u := utf16.Encode([]rune(text))
	if off < 0 || off+n > len(u) {
		return ""
	}
	return string(utf16.Decode(u[off : off+n]))
}

// visibleLocked applies group privacy mode: with it on, a non-admin bot
// only sees commands (not addressed to another bot), mentions of itself,
// replies to its messages and service messages.
func (s *Server) visibleLocked(st *chatState, m *models.Message) bool {
	t := st.chat.Type
	if t != models.ChatTypeGroup && t != models.ChatTypeSupergroup {
		return true
	}
	if s.bot.CanReadAllGroupMessages || st.bot == models.ChatMemberTypeAdministrator || st.bot == models.ChatMemberTypeOwner {
		return true
	}
	if m.Text == "" && m.Caption == "" && m.Photo == nil && m.Document == nil {
		return true // service message
	}
	if r := m.ReplyToMessage; r != nil && r.From != nil && r.From.ID == s.bot.ID {
		return true
	}
	text, ents := m.Text, m.Entities
	if text == "" {
		text, ents = m.Caption, m.CaptionEntities
	}
	for _, e := range ents {
		v := substrUTF16(text, e.Offset, e.Length)
		switch e.Type {
		case models.MessageEntityTypeBotCommand:
			_, to, addressed := strings.Cut(v, "@")
			if !addressed || strings.EqualFold(to, s.bot.Username) {
				return true
			}
		case models.MessageEntityTypeMention:
			if strings.EqualFold(strings.TrimPrefix(v, "@"), s.bot.Username) {
				return true
			}
		}
	}
	return false
}

// userMessageLocked stores m as sent by from in chat (allocating its id and
// date, resolving its reply and thread) and queues it if the bot can see
// it. The returned update has ID 0 when privacy mode hid the message.
func (s *Server) userMessageLocked(chat models.Chat, from models.User, m *models.Message, replyTo, thread int) models.Update {
	now := s.now()
	if chat.ID > 0 && chat.Type == "" {
		chat.Type = models.ChatTypePrivate
	}
	if chat.Type == models.ChatTypePrivate && chat.FirstName == "" && chat.ID == from.ID {
		chat = privateChat(from)
	}
	st := s.ensureChatLocked(chat)
	anonymous := from.ID == 0 // SendWithoutSender: no from at all
	if !anonymous {
		s.users[from.ID] = from
	}
	if st.chat.Type == models.ChatTypePrivate {
		st.blocked, st.notStarted = false, false // writing to the bot starts it
	} else if _, ok := st.members[from.ID]; !ok && !anonymous {
		st.members[from.ID] = models.ChatMemberTypeMember
	}
	if m.Text != "" && m.Entities == nil {
		m.Entities = DetectEntities(m.Text)
	}
	if m.Caption != "" && m.CaptionEntities == nil {
		m.CaptionEntities = DetectEntities(m.Caption)
	}
	var target *models.Message
	if replyTo != 0 {
		target = st.msgs[replyTo]
		if target == nil {
			panic(fmt.Sprintf("telegramtest: chat %d has no message %d to reply to", st.chat.ID, replyTo))
		}
		m.ReplyToMessage = replyCopy(target)
	}
	if st.chat.IsForum && thread != 0 && !st.topics[thread] {
		s.createTopicLocked(st, thread, "", now)
	}
	m.MessageThreadID, m.ReplyToMessage, _ = s.threadLocked(st, thread, target, m.ReplyToMessage)
	m.IsTopicMessage = st.chat.IsForum && m.MessageThreadID != 0
	m.ID = st.allocID()
	if !anonymous {
		m.From = &from
	}
	m.Date = int(now.Unix())
	m.Chat = st.chat
	st.msgs[m.ID] = cloneMessage(m)
	if !s.visibleLocked(st, m) {
		s.bumpLocked()
		return models.Update{Message: cloneMessage(m)}
	}
	return s.pushLocked(models.Update{Message: cloneMessage(m)})
}

// SendText queues a text message from user from in chat (registering the
// chat if new) and returns the update. Its entities are what Telegram's
// clients would attach (see DetectEntities) and its message id is the
// chat's next one, shared with the bot's messages. In a private chat it
// also means the user has started (and not blocked) the bot. If privacy
// mode hides the message (see WithPrivacyMode) it is stored but not queued,
// and the returned update has ID 0.
func (s *Server) SendText(chat models.Chat, from models.User, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userMessageLocked(chat, from, &models.Message{Text: text}, 0, 0)
}

// ReplyText is SendText as a reply to message replyToMessageID of chat,
// which the server must know (a user's or the bot's). reply_to_message is
// filled from the stored message, and in supergroups message_thread_id
// follows Telegram's thread rules.
func (s *Server) ReplyText(chat models.Chat, from models.User, text string, replyToMessageID int) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userMessageLocked(chat, from, &models.Message{Text: text}, replyToMessageID, 0)
}

// GroupAnonymousBot and ChannelBot are the accounts Telegram puts in from
// on messages sent on behalf of a chat: by an anonymous group admin, and
// by a member posting as a channel. Everyone on Telegram shares them; the
// chat is in sender_chat.
var (
	GroupAnonymousBot = models.User{ID: 1087968824, IsBot: true, FirstName: "Group", Username: "GroupAnonymousBot"}
	ChannelBot        = models.User{ID: 136817688, IsBot: true, FirstName: "Channel", Username: "Channel_Bot"}
)

// SendAs queues a text message in chat sent on behalf of the chat as, the
// way Telegram sends it: as chat itself is an anonymous admin of chat
// (from GroupAnonymousBot), any other chat a channel the member posts as
// (from ChannelBot); sender_chat is as.
func (s *Server) SendAs(chat, as models.Chat, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := ChannelBot
	if as.ID == chat.ID {
		from = GroupAnonymousBot
		as = s.ensureChatLocked(chat).chat
	}
	return s.userMessageLocked(chat, from, &models.Message{Text: text, SenderChat: &as}, 0, 0)
}

// SendWithoutSender queues a text message in chat with neither from nor
// sender_chat (which the Bot API allows: such messages name nobody).
func (s *Server) SendWithoutSender(chat models.Chat, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userMessageLocked(chat, models.User{}, &models.Message{Text: text}, 0, 0)
}

// SendTopicText is SendText in forum topic threadID of chat (created if
// unknown, and the chat marked as a forum): the message has
// message_thread_id, is_topic_message and, like on Telegram,
// reply_to_message set to the topic's creation message.
func (s *Server) SendTopicText(chat models.Chat, from models.User, threadID int, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	if threadID != 0 {
		chat.IsForum = true
	}
	return s.userMessageLocked(chat, from, &models.Message{Text: text}, 0, threadID)
}

// SendPhoto queues a photo message from from in chat. The photo bytes are
// stored as a file: getFile and the /file/bot<token>/<path> download serve
// them.
func (s *Server) SendPhoto(chat models.Chat, from models.User, caption string, photo []byte) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.addFileLocked(photo, "photo.jpg", "image/jpeg", KindPhoto)
	if _, _, err := image.DecodeConfig(bytes.NewReader(photo)); err != nil {
		f.width, f.height = 1280, 960 // not a decodable image; report plausible sizes
	}
	return s.userMessageLocked(chat, from, &models.Message{Photo: s.photoSizesLocked(f), Caption: caption}, 0, 0)
}

// PushMessage queues an arbitrary message from from in chat, filling in the
// message id, date, chat, sender and (if nil) entities. A non-nil
// m.ReplyToMessage names the replied message by its ID only; a non-zero
// m.MessageThreadID names the thread.
func (s *Server) PushMessage(chat models.Chat, from models.User, m models.Message) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	replyTo := 0
	if m.ReplyToMessage != nil {
		replyTo = m.ReplyToMessage.ID
		m.ReplyToMessage = nil
	}
	thread := m.MessageThreadID
	m.MessageThreadID = 0
	return s.userMessageLocked(chat, from, &m, replyTo, thread)
}

// EditText queues an edited_message update for a user's text message
// messageID in chatID, now reading text.
func (s *Server) EditText(chatID int64, messageID int, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.chats[chatID]
	if st == nil || st.msgs[messageID] == nil || st.msgs[messageID].Text == "" {
		panic(fmt.Sprintf("telegramtest: chat %d has no text message %d to edit", chatID, messageID))
	}
	m := st.msgs[messageID]
	m.Text, m.Entities, m.EditDate = text, DetectEntities(text), int(s.now().Unix())
	return s.pushLocked(models.Update{EditedMessage: cloneMessage(m)})
}

// Callback queues a callback_query update: from pressed a button with data
// on message messageID of chat. The query's message is the stored message,
// or an inaccessible message (date 0) if the server does not know it. The
// query id is accepted once by answerCallbackQuery.
func (s *Server) Callback(chat models.Chat, from models.User, messageID int, data string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.ensureChatLocked(chat)
	s.users[from.ID] = from
	s.serial++
	id := strconv.FormatInt(4000000000000000000+s.serial, 10)
	cq := &models.CallbackQuery{
		ID:           id,
		From:         from,
		ChatInstance: strconv.FormatUint(uint64(st.chat.ID)*2654435761, 10),
		Data:         data,
	}
	if m := st.msgs[messageID]; m != nil {
		cq.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: cloneMessage(m)}
	} else {
		cq.Message = models.MaybeInaccessibleMessage{
			Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
			InaccessibleMessage: &models.InaccessibleMessage{Chat: st.chat, MessageID: messageID},
		}
	}
	s.callbacks[id] = &callbackState{chatID: st.chat.ID}
	return s.pushLocked(models.Update{CallbackQuery: cq})
}

// MyChatMember queues a my_chat_member update: from changed the bot's
// status in chat to newStatus (member or administrator when adding it,
// left or kicked when removing it), and applies it, so sends to a chat the
// bot left or was kicked from answer 403. In a private chat kicked means
// the user blocked the bot and member that they unblocked it.
func (s *Server) MyChatMember(chat models.Chat, from models.User, newStatus models.ChatMemberType) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, known := s.chats[chat.ID]
	st := s.ensureChatLocked(chat)
	s.users[from.ID] = from
	old := st.bot
	if !known {
		old = models.ChatMemberTypeLeft
	}
	if st.chat.Type == models.ChatTypePrivate {
		old = models.ChatMemberTypeMember
		if st.blocked {
			old = models.ChatMemberTypeBanned
		}
		st.blocked = newStatus == models.ChatMemberTypeBanned
		st.notStarted = false
	} else {
		st.bot = newStatus
	}
	return s.pushLocked(models.Update{MyChatMember: &models.ChatMemberUpdated{
		Chat:          st.chat,
		From:          from,
		Date:          int(s.now().Unix()),
		OldChatMember: chatMember(old, s.bot),
		NewChatMember: chatMember(newStatus, s.bot),
	}})
}

// AnswerPoll records from's vote (optionIDs; none retracts it) in a poll
// the bot sent and queues what Telegram sends the bot: a poll_answer update
// for non-anonymous polls, then a poll update with the new counts. It
// returns the poll_answer update, or the poll update for anonymous polls.
func (s *Server) AnswerPoll(pollID string, from models.User, optionIDs ...int) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.polls[pollID]
	if ps == nil {
		panic(fmt.Sprintf("telegramtest: no poll %q", pollID))
	}
	p := ps.poll
	for _, o := range optionIDs {
		if o < 0 || o >= len(p.Options) {
			panic(fmt.Sprintf("telegramtest: poll %q has no option %d", pollID, o))
		}
	}
	s.users[from.ID] = from
	for _, o := range ps.votes[from.ID] {
		p.Options[o].VoterCount--
	}
	if len(optionIDs) == 0 {
		delete(ps.votes, from.ID)
	} else {
		ps.votes[from.ID] = append([]int(nil), optionIDs...)
	}
	for _, o := range optionIDs {
		p.Options[o].VoterCount++
	}
	p.TotalVoterCount = len(ps.votes)
	var answer models.Update
	if !p.IsAnonymous {
		u := from
		answer = s.pushLocked(models.Update{PollAnswer: &models.PollAnswer{PollID: pollID, User: &u, OptionIDs: append([]int(nil), optionIDs...)}})
	}
	pc := *p
	pc.Options = append([]models.PollOption(nil), p.Options...)
	pollUpdate := s.pushLocked(models.Update{Poll: &pc})
	if p.IsAnonymous {
		return pollUpdate
	}
	return answer
}
