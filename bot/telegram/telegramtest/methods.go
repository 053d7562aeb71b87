package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif"  // photo uploads must decode, as on Telegram
	_ "image/jpeg" // photo uploads must decode, as on Telegram
	_ "image/png"  // photo uploads must decode, as on Telegram
	"mime"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

func success(v any) (result, *apiError) { return result{value: v}, nil }

func failWith(e *apiError) (result, *apiError) { return result{}, e }

var errNotModified = badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")

func (s *Server) getMe(*request) (result, *apiError) { return success(s.bot) }

// ---- webhook ----

type webhookState struct {
	url            string
	maxConnections int
	allowed        []string
}

func (s *Server) setWebhook(q *request) (result, *apiError) {
	url := strings.TrimSpace(q.str("url"))
	if q.bool("drop_pending_updates") {
		s.updates = nil
	}
	if url == "" {
		was := s.webhook.url != ""
		s.webhook = webhookState{}
		if was {
			return result{value: true, description: "Webhook was deleted"}, nil
		}
		return result{value: true, description: "Webhook is already deleted"}, nil
	}
	if !strings.HasPrefix(url, "https://") {
		return failWith(badRequest("bad webhook: An HTTPS URL must be provided for webhook"))
	}
	maxConn, e := q.int("max_connections")
	if e != nil {
		return failWith(e)
	}
	var allowed []string
	if raw := q.str("allowed_updates"); raw != "" {
		if json.Unmarshal([]byte(raw), &allowed) != nil {
			return failWith(badRequest("can't parse allowed updates JSON object"))
		}
	}
	s.webhook = webhookState{url: url, maxConnections: int(maxConn), allowed: allowed}
	return result{value: true, description: "Webhook was set"}, nil
}

func (s *Server) deleteWebhook(q *request) (result, *apiError) {
	if q.bool("drop_pending_updates") {
		s.updates = nil
	}
	was := s.webhook.url != ""
	s.webhook = webhookState{}
	if was {
		return result{value: true, description: "Webhook was deleted"}, nil
	}
	return result{value: true, description: "Webhook is already deleted"}, nil
}

func (s *Server) getWebhookInfo(*request) (result, *apiError) {
	info := models.WebhookInfo{URL: s.webhook.url, PendingUpdateCount: len(s.updates)}
	if s.webhook.url != "" {
		info.MaxConnections = s.webhook.maxConnections
		if info.MaxConnections == 0 {
			info.MaxConnections = 40
		}
		info.AllowedUpdates = s.webhook.allowed
	}
	return success(info)
}

// ---- sending ----

// placeLocked works out where a new bot message goes inside st: its
// message_thread_id, the message it replies to (as shown in
// reply_to_message) and the id of the explicit reply target.
func (s *Server) placeLocked(st *chatState, q *request) (thread int, reply *models.Message, replyTo int, e *apiError) {
	t, e := q.int("message_thread_id")
	if e != nil {
		return 0, nil, 0, e
	}
	thread = int(t)
	var rp models.ReplyParameters
	if raw := q.str("reply_parameters"); raw != "" {
		if json.Unmarshal([]byte(raw), &rp) != nil {
			return 0, nil, 0, badRequest("can't parse reply parameters JSON object")
		}
	} else if q.has("reply_to_message_id") {
		id, e := q.int("reply_to_message_id")
		if e != nil {
			return 0, nil, 0, e
		}
		rp.MessageID, rp.AllowSendingWithoutReply = int(id), q.bool("allow_sending_without_reply")
	}
	if rp.ChatID != nil && fmt.Sprint(rp.ChatID) != strconv.FormatInt(st.chat.ID, 10) {
		return 0, nil, 0, badRequest("replies to other chats are not supported by telegramtest")
	}
	var target *models.Message
	if rp.MessageID != 0 {
		target = st.msgs[rp.MessageID]
		if target == nil && !rp.AllowSendingWithoutReply {
			return 0, nil, 0, badRequest("message to be replied not found")
		}
	}
	if target != nil {
		reply, replyTo = replyCopy(target), target.ID
	}
	thread, reply, e = s.threadLocked(st, thread, target, reply)
	return thread, reply, replyTo, e
}

// threadLocked applies Telegram's thread rules to a new message in st: in
// a forum a reply inherits its target's topic and a topic message without
// a reply shows the topic's creation message as reply_to_message; in other
// supergroups a reply belongs to the thread of the message it answers.
func (s *Server) threadLocked(st *chatState, thread int, target, reply *models.Message) (int, *models.Message, *apiError) {
	switch {
	case st.chat.IsForum:
		if thread == 0 && target != nil && target.IsTopicMessage {
			thread = target.MessageThreadID
		}
		if thread != 0 && !st.topics[thread] {
			return 0, nil, badRequest("message thread not found")
		}
		if thread != 0 && reply == nil {
			reply = replyCopy(st.msgs[thread])
		}
	case st.chat.Type == models.ChatTypeSupergroup && thread == 0 && target != nil:
		thread = target.MessageThreadID
		if thread == 0 {
			thread = target.ID
		}
	}
	return thread, reply, nil
}

// replyCopy is m as shown inside reply_to_message: Telegram does not nest
// replies any deeper.
func replyCopy(m *models.Message) *models.Message {
	if m == nil {
		return nil
	}
	c := cloneMessage(m)
	c.ReplyToMessage = nil
	return c
}

func (s *Server) newBotMessageLocked(st *chatState, now time.Time, thread int, reply *models.Message) *models.Message {
	bot := s.bot
	return &models.Message{
		ID:              st.allocID(),
		MessageThreadID: thread,
		From:            &bot,
		Date:            int(now.Unix()),
		Chat:            st.chat,
		IsTopicMessage:  st.chat.IsForum && thread != 0,
		ReplyToMessage:  reply,
	}
}

func (s *Server) storeSentLocked(st *chatState, m *models.Message, rec *SentMessage, now time.Time) {
	st.msgs[m.ID] = m
	rec.ChatID, rec.MessageID, rec.ThreadID, rec.Time = st.chat.ID, m.ID, m.MessageThreadID, now
	s.sentIndex[msgKey{st.chat.ID, m.ID}] = len(s.sent)
	s.sent = append(s.sent, rec)
}

// parseMarkup validates reply_markup and returns the inline keyboard it
// holds (nil for none or for reply keyboards, which messages do not echo).
func parseMarkup(raw string) (*models.InlineKeyboardMarkup, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &probe) != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	if _, inline := probe["inline_keyboard"]; !inline {
		for _, k := range []string{"keyboard", "remove_keyboard", "force_reply"} {
			if _, ok := probe[k]; ok {
				return nil, nil
			}
		}
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	var kb models.InlineKeyboardMarkup
	if json.Unmarshal([]byte(raw), &kb) != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if e := checkButton(b); e != nil {
				return nil, e
			}
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		return nil, nil
	}
	return &kb, nil
}

func checkButton(b models.InlineKeyboardButton) *apiError {
	if strings.TrimSpace(b.Text) == "" {
		return badRequest("can't parse inline keyboard button: Text must be non-empty")
	}
	// go-telegram/bot always sends "copy_text":{"text":""}; an empty
	// copy_text counts as absent.
	actions := 0
	for _, set := range []bool{
		b.URL != "", b.CallbackData != "", b.WebApp != nil, b.LoginURL != nil,
		b.SwitchInlineQuery != "", b.SwitchInlineQueryCurrentChat != "", b.SwitchInlineQueryChosenChat != nil,
		b.CopyText.Text != "", b.CallbackGame != nil, b.Pay,
	} {
		if set {
			actions++
		}
	}
	if actions == 0 {
		return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	}
	if len(b.CallbackData) > 64 {
		return badRequest("BUTTON_DATA_INVALID")
	}
	if b.URL != "" && !(strings.HasPrefix(b.URL, "http://") || strings.HasPrefix(b.URL, "https://") || strings.HasPrefix(b.URL, "tg://")) {
		return badRequest("BUTTON_URL_INVALID")
	}
	return nil
}

func (s *Server) sendMessage(q *request) (result, *apiError) {
	st, e := s.chatForSendLocked(q)
	if e != nil {
		return failWith(e)
	}
	ft, e := s.formatText(q.str("text"), q.str("parse_mode"), q.str("entities"), false)
	if e != nil {
		return failWith(e)
	}
	markup, e := parseMarkup(q.str("reply_markup"))
	if e != nil {
		return failWith(e)
	}
	thread, reply, replyTo, e := s.placeLocked(st, q)
	if e != nil {
		return failWith(e)
	}
	if e := s.checkLimitsLocked(st.chat.ID, q.now); e != nil {
		return failWith(e)
	}
	m := s.newBotMessageLocked(st, q.now, thread, reply)
	m.Text, m.Entities, m.ReplyMarkup = ft.text, ft.entities, markup
	s.storeSentLocked(st, m, &SentMessage{
		Kind: KindMessage, Text: ft.text, RawText: ft.raw, ParseMode: ft.mode, Entities: ft.entities,
		ReplyTo: replyTo, Markup: markup, RawMarkup: q.str("reply_markup"),
	}, q.now)
	return success(m)
}

// fileEntry is a file the server can hand out by file_id and path.
type fileEntry struct {
	id, uniqueID, path string
	name, mimeType     string
	data               []byte
	width, height      int
}

func (s *Server) addFileLocked(data []byte, name, mimeType string, kind Kind) *fileEntry {
	s.serial++
	n := s.serial
	dir, ext := "documents", path.Ext(name)
	if kind == KindPhoto {
		dir, ext = "photos", ".jpg"
	}
	f := &fileEntry{
		id:       fmt.Sprintf("%s-file-%d", kind, n),
		uniqueID: fmt.Sprintf("uniq-%d", n),
		path:     fmt.Sprintf("%s/file_%d%s", dir, n, ext),
		name:     name,
		mimeType: mimeType,
		data:     data,
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		f.width, f.height = cfg.Width, cfg.Height
	}
	s.files[f.id] = f
	s.filesByPath[f.path] = f
	return f
}

func mimeByName(name string) string {
	t := mime.TypeByExtension(path.Ext(name))
	if t == "" {
		return "application/octet-stream"
	}
	mt, _, err := mime.ParseMediaType(t)
	if err != nil {
		return t
	}
	return mt
}

// inputFileLocked resolves a media parameter: an uploaded file part, a
// known file_id or an HTTP URL.
func (s *Server) inputFileLocked(q *request, field string, kind Kind) (*fileEntry, *UploadedFile, *apiError) {
	if up, ok := q.files[field]; ok {
		if len(up.Data) == 0 {
			return nil, nil, badRequest("file must be non-empty")
		}
		if kind == KindPhoto {
			if _, _, err := image.DecodeConfig(bytes.NewReader(up.Data)); err != nil {
				return nil, nil, badRequest("IMAGE_PROCESS_FAILED")
			}
		}
		mt := mimeByName(up.Filename)
		if kind == KindPhoto {
			mt = "image/jpeg"
		}
		return s.addFileLocked(up.Data, up.Filename, mt, kind), &up, nil
	}
	v := strings.TrimSpace(q.str(field))
	if v == "" {
		return nil, nil, badRequest("there is no %s in the request", field)
	}
	if f := s.files[v]; f != nil {
		return f, nil, nil
	}
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		return s.addFileLocked(nil, path.Base(v), mimeByName(v), kind), nil, nil
	}
	return nil, nil, badRequest("wrong file identifier/HTTP URL specified")
}

// photoSizes lists the sizes Telegram reports for a photo, smallest first:
// a thumbnail (served with the original bytes) and the original.
func (s *Server) photoSizesLocked(f *fileEntry) []models.PhotoSize {
	full := models.PhotoSize{FileID: f.id, FileUniqueID: f.uniqueID, Width: f.width, Height: f.height, FileSize: len(f.data)}
	if f.width <= 90 && f.height <= 90 {
		return []models.PhotoSize{full}
	}
	scale := 90.0 / float64(max(f.width, f.height))
	thumb := s.addFileLocked(f.data, f.name, f.mimeType, KindPhoto)
	return []models.PhotoSize{{
		FileID: thumb.id, FileUniqueID: thumb.uniqueID,
		Width: max(1, int(float64(f.width)*scale)), Height: max(1, int(float64(f.height)*scale)),
		FileSize: len(f.data),
	}, full}
}

func (s *Server) sendPhoto(q *request) (result, *apiError) {
	return s.sendMedia(q, "photo", KindPhoto)
}

func (s *Server) sendDocument(q *request) (result, *apiError) {
	return s.sendMedia(q, "document", KindDocument)
}

func (s *Server) sendMedia(q *request, field string, kind Kind) (result, *apiError) {
	st, e := s.chatForSendLocked(q)
	if e != nil {
		return failWith(e)
	}
	f, up, e := s.inputFileLocked(q, field, kind)
	if e != nil {
		return failWith(e)
	}
	ft, e := s.formatText(q.str("caption"), q.str("parse_mode"), q.str("caption_entities"), true)
	if e != nil {
		return failWith(e)
	}
	markup, e := parseMarkup(q.str("reply_markup"))
	if e != nil {
		return failWith(e)
	}
	thread, reply, replyTo, e := s.placeLocked(st, q)
	if e != nil {
		return failWith(e)
	}
	if e := s.checkLimitsLocked(st.chat.ID, q.now); e != nil {
		return failWith(e)
	}
	m := s.newBotMessageLocked(st, q.now, thread, reply)
	m.Caption, m.CaptionEntities, m.ReplyMarkup = ft.text, ft.entities, markup
	if kind == KindPhoto {
		m.Photo = s.photoSizesLocked(f)
	} else {
		m.Document = &models.Document{
			FileID: f.id, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: f.mimeType, FileSize: int64(len(f.data)),
		}
	}
	s.storeSentLocked(st, m, &SentMessage{
		Kind: kind, Text: ft.text, RawText: ft.raw, ParseMode: ft.mode, Entities: ft.entities,
		ReplyTo: replyTo, Markup: markup, RawMarkup: q.str("reply_markup"), File: up, FileID: f.id,
	}, q.now)
	return success(m)
}

// pollState is a poll the bot sent.
type pollState struct {
	poll   *models.Poll
	chatID int64
	msgID  int
	votes  map[int64][]int
}

func (s *Server) sendPoll(q *request) (result, *apiError) {
	st, e := s.chatForSendLocked(q)
	if e != nil {
		return failWith(e)
	}
	question := strings.TrimSpace(q.str("question"))
	switch n := utf16Len(question); {
	case n == 0:
		return failWith(badRequest("poll question must be non-empty"))
	case n > 300:
		return failWith(badRequest("poll question length must not exceed 300"))
	}
	var opts []models.InputPollOption
	if json.Unmarshal([]byte(q.str("options")), &opts) != nil {
		return failWith(badRequest("can't parse options JSON object"))
	}
	switch {
	case len(opts) < 2:
		return failWith(badRequest("poll must have at least 2 option"))
	case len(opts) > 12:
		return failWith(badRequest("poll can't have more than 12 options"))
	}
	poll := &models.Poll{Question: question, IsAnonymous: q.str("is_anonymous") != "false", IsClosed: q.bool("is_closed")}
	for _, o := range opts {
		text := strings.TrimSpace(o.Text)
		switch n := utf16Len(text); {
		case n == 0:
			return failWith(badRequest("poll options must be non-empty"))
		case n > 100:
			return failWith(badRequest("poll options length must not exceed 100"))
		}
		poll.Options = append(poll.Options, models.PollOption{Text: text})
	}
	switch poll.Type = q.str("type"); poll.Type {
	case "", "regular":
		poll.Type = "regular"
		poll.AllowsMultipleAnswers = q.bool("allows_multiple_answers")
	case "quiz":
		correct, e := q.int("correct_option_id")
		if e != nil || !q.has("correct_option_id") || correct < 0 || int(correct) >= len(opts) {
			return failWith(badRequest("wrong correct option ID specified"))
		}
		poll.CorrectOptionID, poll.Explanation = int(correct), q.str("explanation")
	default:
		return failWith(badRequest("wrong poll type specified"))
	}
	markup, e := parseMarkup(q.str("reply_markup"))
	if e != nil {
		return failWith(e)
	}
	thread, reply, replyTo, e := s.placeLocked(st, q)
	if e != nil {
		return failWith(e)
	}
	if e := s.checkLimitsLocked(st.chat.ID, q.now); e != nil {
		return failWith(e)
	}
	s.serial++
	poll.ID = strconv.FormatInt(5000000000000000000+s.serial, 10)
	m := s.newBotMessageLocked(st, q.now, thread, reply)
	m.Poll, m.ReplyMarkup = poll, markup
	s.polls[poll.ID] = &pollState{poll: poll, chatID: st.chat.ID, msgID: m.ID, votes: map[int64][]int{}}
	s.storeSentLocked(st, m, &SentMessage{
		Kind: KindPoll, Text: question, RawText: q.str("question"), ReplyTo: replyTo,
		Markup: markup, RawMarkup: q.str("reply_markup"), Poll: poll,
	}, q.now)
	return success(m)
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func (s *Server) sendChatAction(q *request) (result, *apiError) {
	if _, e := s.chatForSendLocked(q); e != nil {
		return failWith(e)
	}
	if !chatActions[q.str("action")] {
		return failWith(badRequest("wrong parameter action in request"))
	}
	return success(true)
}

// ---- editing ----

// editTargetLocked finds the bot message an edit* call names.
func (s *Server) editTargetLocked(q *request) (*chatState, *models.Message, *apiError) {
	if q.str("inline_message_id") != "" && q.str("chat_id") == "" {
		return nil, nil, badRequest("inline messages are not supported by telegramtest")
	}
	st, e := s.chatForSendLocked(q)
	if e != nil {
		return nil, nil, e
	}
	id, e := q.int("message_id")
	if e != nil {
		return nil, nil, e
	}
	if id == 0 {
		return nil, nil, badRequest("message identifier is not specified")
	}
	m := st.msgs[int(id)]
	if m == nil {
		return nil, nil, badRequest("message to edit not found")
	}
	if m.From == nil || m.From.ID != s.bot.ID {
		return nil, nil, badRequest("message can't be edited")
	}
	return st, m, nil
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func sameEntities(a, b []models.MessageEntity) bool {
	return (len(a) == 0 && len(b) == 0) || sameJSON(a, b)
}

func (s *Server) recordEditLocked(chatID int64, id int, ed Edit, apply func(*SentMessage)) {
	i, ok := s.sentIndex[msgKey{chatID, id}]
	if !ok {
		return
	}
	rec := s.sent[i]
	apply(rec)
	rec.Edits = append(rec.Edits, ed)
}

func (s *Server) editMessageText(q *request) (result, *apiError) { return s.editBody(q, false) }

func (s *Server) editMessageCaption(q *request) (result, *apiError) { return s.editBody(q, true) }

// editBody is editMessageText (the text of a text message) and, with
// caption, editMessageCaption (the caption of a photo or document): the same
// checks and the same record, on the other fields and parameters.
func (s *Server) editBody(q *request, caption bool) (result, *apiError) {
	st, m, e := s.editTargetLocked(q)
	if e != nil {
		return failWith(e)
	}
	text, entities, textParam, entitiesParam := &m.Text, &m.Entities, "text", "entities"
	if caption {
		if m.Photo == nil && m.Document == nil {
			return failWith(badRequest("there is no caption in the message to edit"))
		}
		text, entities, textParam, entitiesParam = &m.Caption, &m.CaptionEntities, "caption", "caption_entities"
	} else if m.Text == "" {
		return failWith(badRequest("there is no text in the message to edit"))
	}
	ft, e := s.formatText(q.str(textParam), q.str("parse_mode"), q.str(entitiesParam), caption)
	if e != nil {
		return failWith(e)
	}
	// Leaving reply_markup out removes the inline keyboard, as on Telegram.
	markup, e := parseMarkup(q.str("reply_markup"))
	if e != nil {
		return failWith(e)
	}
	if ft.text == *text && sameEntities(ft.entities, *entities) && sameJSON(markup, m.ReplyMarkup) {
		return failWith(errNotModified)
	}
	*text, *entities, m.ReplyMarkup, m.EditDate = ft.text, ft.entities, markup, int(q.now.Unix())
	s.recordEditLocked(st.chat.ID, m.ID, Edit{
		Method: q.method, Text: ft.text, RawText: ft.raw, ParseMode: ft.mode, Entities: ft.entities, Markup: markup, Time: q.now,
	}, func(r *SentMessage) {
		r.Text, r.RawText, r.ParseMode, r.Entities, r.Markup, r.RawMarkup = ft.text, ft.raw, ft.mode, ft.entities, markup, q.str("reply_markup")
	})
	return success(m)
}

func (s *Server) editMessageReplyMarkup(q *request) (result, *apiError) {
	st, m, e := s.editTargetLocked(q)
	if e != nil {
		return failWith(e)
	}
	markup, e := parseMarkup(q.str("reply_markup"))
	if e != nil {
		return failWith(e)
	}
	if sameJSON(markup, m.ReplyMarkup) {
		return failWith(errNotModified)
	}
	m.ReplyMarkup, m.EditDate = markup, int(q.now.Unix())
	text, ents := m.Text, m.Entities
	if m.Text == "" {
		text, ents = m.Caption, m.CaptionEntities
	}
	s.recordEditLocked(st.chat.ID, m.ID, Edit{Method: q.method, Text: text, Entities: ents, Markup: markup, Time: q.now},
		func(r *SentMessage) { r.Markup, r.RawMarkup = markup, q.str("reply_markup") })
	return success(m)
}

func (s *Server) deleteMessage(q *request) (result, *apiError) {
	st, e := s.chatForSendLocked(q)
	if e != nil {
		return failWith(e)
	}
	id, e := q.int("message_id")
	if e != nil {
		return failWith(e)
	}
	if st.msgs[int(id)] == nil {
		return failWith(badRequest("message to delete not found"))
	}
	delete(st.msgs, int(id))
	st.pinned = slices.DeleteFunc(st.pinned, func(p int) bool { return p == int(id) })
	if i, ok := s.sentIndex[msgKey{st.chat.ID, int(id)}]; ok {
		s.sent[i].Deleted = true
	}
	return success(true)
}

// ---- callbacks and commands ----

type callbackState struct {
	chatID   int64
	answered bool
}

func (s *Server) answerCallbackQuery(q *request) (result, *apiError) {
	id := q.str("callback_query_id")
	cb := s.callbacks[id]
	if cb == nil || cb.answered {
		return failWith(badRequest("query is too old and response timeout expired or query ID is invalid"))
	}
	if utf16Len(q.str("text")) > 200 {
		return failWith(badRequest("MESSAGE_TOO_LONG"))
	}
	cache, e := q.int("cache_time")
	if e != nil {
		return failWith(e)
	}
	cb.answered = true
	s.answers = append(s.answers, CallbackAnswer{
		CallbackQueryID: id, Text: q.str("text"), ShowAlert: q.bool("show_alert"),
		URL: q.str("url"), CacheTime: int(cache), Time: q.now,
	})
	return success(true)
}

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// commandScope parses the scope parameter into its type and a key that
// identifies the scope.
func commandScope(raw string) (typ, key string, e *apiError) {
	if strings.TrimSpace(raw) == "" {
		return "default", "default", nil
	}
	var sc struct {
		Type   string `json:"type"`
		ChatID any    `json:"chat_id"`
		UserID int64  `json:"user_id"`
	}
	if json.Unmarshal([]byte(raw), &sc) != nil {
		return "", "", badRequest("can't parse BotCommandScope JSON object")
	}
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return sc.Type, sc.Type, nil
	case "chat", "chat_administrators", "chat_member":
		if sc.ChatID == nil {
			return "", "", badRequest("chat_id is empty")
		}
		id := fmt.Sprint(sc.ChatID)
		if f, ok := sc.ChatID.(float64); ok {
			id = strconv.FormatFloat(f, 'f', -1, 64)
		}
		return sc.Type, fmt.Sprintf("%s:%s:%d", sc.Type, id, sc.UserID), nil
	}
	return "", "", badRequest("unsupported bot command scope type")
}

func (s *Server) commandIndexLocked(key, lang string) int {
	return slices.IndexFunc(s.commands, func(c CommandSet) bool { return c.key == key && c.LanguageCode == lang })
}

func (s *Server) setMyCommands(q *request) (result, *apiError) {
	var cmds []models.BotCommand
	if json.Unmarshal([]byte(q.str("commands")), &cmds) != nil {
		return failWith(badRequest("can't parse commands JSON object"))
	}
	if len(cmds) > 100 {
		return failWith(badRequest("BOT_COMMANDS_TOO_MUCH"))
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return failWith(badRequest("BOT_COMMAND_INVALID"))
		}
		if n := utf16Len(strings.TrimSpace(c.Description)); n == 0 || n > 256 {
			return failWith(badRequest("BOT_COMMAND_DESCRIPTION_INVALID"))
		}
	}
	typ, key, e := commandScope(q.str("scope"))
	if e != nil {
		return failWith(e)
	}
	lang := q.str("language_code")
	i := s.commandIndexLocked(key, lang)
	switch {
	case len(cmds) == 0 && i >= 0:
		s.commands = slices.Delete(s.commands, i, i+1)
	case len(cmds) == 0:
	case i >= 0:
		s.commands[i].Commands, s.commands[i].Scope = cmds, q.str("scope")
	default:
		s.commands = append(s.commands, CommandSet{Commands: cmds, ScopeType: typ, Scope: q.str("scope"), LanguageCode: lang, key: key})
	}
	return success(true)
}

func (s *Server) getMyCommands(q *request) (result, *apiError) {
	_, key, e := commandScope(q.str("scope"))
	if e != nil {
		return failWith(e)
	}
	if i := s.commandIndexLocked(key, q.str("language_code")); i >= 0 {
		return success(s.commands[i].Commands)
	}
	return success([]models.BotCommand{})
}

func (s *Server) deleteMyCommands(q *request) (result, *apiError) {
	_, key, e := commandScope(q.str("scope"))
	if e != nil {
		return failWith(e)
	}
	if i := s.commandIndexLocked(key, q.str("language_code")); i >= 0 {
		s.commands = slices.Delete(s.commands, i, i+1)
	}
	return success(true)
}

// ---- chats ----

// canPinLocked reports whether the bot may pin in st: in supergroups and
// channels it must be an administrator.
func (s *Server) canPinLocked(st *chatState) *apiError {
	t := st.chat.Type
	if (t == models.ChatTypeSupergroup || t == models.ChatTypeChannel) &&
		st.bot != models.ChatMemberTypeAdministrator && st.bot != models.ChatMemberTypeOwner {
		return badRequest("not enough rights to manage pinned messages in the chat")
	}
	return nil
}

func (s *Server) pinChatMessage(q *request) (result, *apiError) {
	st, e := s.chatForSendLocked(q)
	if e != nil {
		return failWith(e)
	}
	if e := s.canPinLocked(st); e != nil {
		return failWith(e)
	}
	id, e := q.int("message_id")
	if e != nil {
		return failWith(e)
	}
	if st.msgs[int(id)] == nil {
		return failWith(badRequest("message to pin not found"))
	}
	st.pinned = slices.DeleteFunc(st.pinned, func(p int) bool { return p == int(id) })
	st.pinned = append(st.pinned, int(id))
	return success(true)
}

func (s *Server) unpinChatMessage(q *request) (result, *apiError) {
	st, e := s.chatForSendLocked(q)
	if e != nil {
		return failWith(e)
	}
	if e := s.canPinLocked(st); e != nil {
		return failWith(e)
	}
	id, e := q.int("message_id")
	if e != nil {
		return failWith(e)
	}
	switch {
	case id == 0 && len(st.pinned) > 0:
		st.pinned = st.pinned[:len(st.pinned)-1]
	case id != 0 && st.msgs[int(id)] == nil:
		return failWith(badRequest("message to unpin not found"))
	case id != 0:
		st.pinned = slices.DeleteFunc(st.pinned, func(p int) bool { return p == int(id) })
	}
	return success(true)
}

func (s *Server) getChat(q *request) (result, *apiError) {
	st, e := s.resolveChatLocked(q)
	if e != nil {
		return failWith(e)
	}
	if e := s.writableLocked(st); e != nil && e.code == 403 {
		return failWith(e)
	}
	c := st.chat
	info := models.ChatFullInfo{
		ID: c.ID, Type: c.Type, Title: c.Title, Username: c.Username,
		FirstName: c.FirstName, LastName: c.LastName, IsForum: c.IsForum, MaxReactionCount: 11,
	}
	if n := len(st.pinned); n > 0 {
		if m := st.msgs[st.pinned[n-1]]; m != nil {
			info.PinnedMessage = m
		}
	}
	return success(info)
}

func (s *Server) getChatMember(q *request) (result, *apiError) {
	st, e := s.resolveChatLocked(q)
	if e != nil {
		return failWith(e)
	}
	if e := s.writableLocked(st); e != nil && e.code == 403 {
		return failWith(e)
	}
	uid, e := q.int("user_id")
	if e != nil || uid == 0 {
		return failWith(badRequest("invalid user_id specified"))
	}
	if uid == s.bot.ID {
		status := st.bot
		if st.chat.Type == models.ChatTypePrivate {
			status = models.ChatMemberTypeMember
		}
		return success(memberValue(status, s.bot))
	}
	u, known := s.users[uid]
	if !known {
		u = models.User{ID: uid}
	}
	if status, ok := st.members[uid]; ok {
		return success(memberValue(status, u))
	}
	if st.chat.Type == models.ChatTypePrivate && uid == st.chat.ID {
		return success(memberValue(models.ChatMemberTypeMember, u))
	}
	if known {
		return success(memberValue(models.ChatMemberTypeLeft, u))
	}
	return failWith(badRequest("user not found"))
}

func (s *Server) getFile(q *request) (result, *apiError) {
	f := s.files[q.str("file_id")]
	if f == nil {
		return failWith(badRequest("invalid file_id"))
	}
	return success(models.File{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: int64(len(f.data)), FilePath: f.path})
}
