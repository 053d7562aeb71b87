package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/go-telegram/bot/models"
)

// UploadedFile is a file sent as a multipart file part.
type UploadedFile struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Call is one Bot API request the server received.
type Call struct {
	// Method is the canonical method name, e.g. "sendMessage".
	Method string
	// Params holds the form fields as sent: scalars as text, nested values
	// (reply_markup, reply_parameters, entities, options, commands, scope)
	// as JSON text.
	Params map[string]string
	// Files holds the multipart file parts by field name.
	Files map[string]UploadedFile
	// Time is the server clock's reading when the call arrived.
	Time time.Time
	// Status is the HTTP status (and error_code) of the answer; 0 when none
	// was sent (FailTimeout, FailReset).
	Status int
	// Description is the error description, empty on success.
	Description string
	// Failure is the injected failure that decided the answer, if any.
	Failure FailureKind
}

// OK reports whether the call was answered with "ok":true.
func (c Call) OK() bool { return c.Status == 200 }

// Kind is what a sent message carries.
type Kind string

// The kinds of message the bot can send.
const (
	KindMessage  Kind = "message"
	KindPhoto    Kind = "photo"
	KindDocument Kind = "document"
	KindPoll     Kind = "poll"
)

// Edit is one successful edit of a sent message: its content afterwards.
type Edit struct {
	Method    string // editMessageText, editMessageCaption or editMessageReplyMarkup
	Text      string
	RawText   string
	ParseMode string
	Entities  []models.MessageEntity
	Markup    *models.InlineKeyboardMarkup
	Time      time.Time
}

// SentMessage is a message the bot sent successfully, as it stands now.
type SentMessage struct {
	ChatID    int64
	MessageID int
	Kind      Kind
	// Text is the text (or caption, or poll question) as users see it:
	// HTML entities decoded, tags stripped, white space trimmed.
	Text string
	// RawText is the text parameter exactly as sent.
	RawText   string
	ParseMode string
	Entities  []models.MessageEntity
	// ReplyTo is the message replied to (reply_parameters.message_id), 0
	// if none or if the target was missing and allow_sending_without_reply
	// was set.
	ReplyTo  int
	ThreadID int
	// Markup is the inline keyboard, nil if none.
	Markup *models.InlineKeyboardMarkup
	// RawMarkup is the reply_markup parameter as sent (any keyboard type).
	RawMarkup string
	// File is the uploaded photo or document; nil when sent by file_id/URL.
	File   *UploadedFile
	FileID string
	Poll   *models.Poll
	// Edits lists the successful edits in order; the fields above already
	// show the latest state.
	Edits   []Edit
	Deleted bool
	Time    time.Time
}

type msgKey struct {
	chat int64
	id   int
}

func cloneMarkup(m *models.InlineKeyboardMarkup) *models.InlineKeyboardMarkup {
	if m == nil {
		return nil
	}
	out := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, len(m.InlineKeyboard))}
	for i, row := range m.InlineKeyboard {
		out.InlineKeyboard[i] = append([]models.InlineKeyboardButton(nil), row...)
	}
	return out
}

func cloneEntities(e []models.MessageEntity) []models.MessageEntity {
	if e == nil {
		return nil
	}
	return append([]models.MessageEntity(nil), e...)
}

func (m *SentMessage) clone() SentMessage {
	c := *m
	c.Entities = cloneEntities(m.Entities)
	c.Markup = cloneMarkup(m.Markup)
	if m.File != nil {
		f := *m.File
		c.File = &f
	}
	if m.Poll != nil {
		p := *m.Poll
		p.Options = append([]models.PollOption(nil), m.Poll.Options...)
		c.Poll = &p
	}
	c.Edits = make([]Edit, len(m.Edits))
	for i, e := range m.Edits {
		e.Entities = cloneEntities(e.Entities)
		e.Markup = cloneMarkup(e.Markup)
		c.Edits[i] = e
	}
	if m.Edits == nil {
		c.Edits = nil
	}
	return c
}

// cloneMessage deep-copies a message through its JSON form.
func cloneMessage(m *models.Message) *models.Message {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal message: %v", err))
	}
	var out models.Message
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("telegramtest: unmarshal message: %v", err))
	}
	return &out
}

// Calls returns every API call received so far, in order of completion.
func (s *Server) Calls() []Call {
	return s.CallsTo("")
}

// CallsTo returns the calls of one method (all calls if method is "").
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			c.Params = maps.Clone(c.Params)
			c.Files = maps.Clone(c.Files)
			out = append(out, c)
		}
	}
	return out
}

// Sent returns the messages the bot has sent successfully, in order.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMessage, len(s.sent))
	for i, m := range s.sent {
		out[i] = m.clone()
	}
	return out
}

// SentTo returns the messages the bot has sent to chatID, in order.
func (s *Server) SentTo(chatID int64) []SentMessage {
	var out []SentMessage
	for _, m := range s.Sent() {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor blocks until cond returns true or ctx ends. cond is evaluated
// without the server's lock held (it may call Sent, Calls and the like)
// once at the start and again after every change of the server's state:
// each call answered, update queued, chat changed.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("telegramtest: wait: %w", ctx.Err())
		}
	}
}

// WaitSent waits until the bot has sent at least n messages and returns
// them all.
func (s *Server) WaitSent(ctx context.Context, n int) ([]SentMessage, error) {
	var sent []SentMessage
	err := s.WaitFor(ctx, func() bool {
		sent = s.Sent()
		return len(sent) >= n
	})
	return sent, err
}

// WaitCalls waits until method has been called at least n times (counting
// failed calls) and returns those calls.
func (s *Server) WaitCalls(ctx context.Context, method string, n int) ([]Call, error) {
	var calls []Call
	err := s.WaitFor(ctx, func() bool {
		calls = s.CallsTo(method)
		return len(calls) >= n
	})
	return calls, err
}

// CallbackAnswer is one answerCallbackQuery call that succeeded.
type CallbackAnswer struct {
	CallbackQueryID string
	Text            string
	ShowAlert       bool
	URL             string
	CacheTime       int
	Time            time.Time
}

// AnsweredCallbacks returns the callback query answers, in order.
func (s *Server) AnsweredCallbacks() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answers...)
}

// CommandSet is the command list set by setMyCommands for one scope and
// language.
type CommandSet struct {
	Commands []models.BotCommand
	// ScopeType is the scope's type ("default", "all_group_chats", "chat",
	// …); Scope is the scope parameter as sent ("" for the default).
	ScopeType    string
	Scope        string
	LanguageCode string

	key string // identifies the scope: its type plus chat and user ids
}

// Commands returns the command lists currently set, in the order their
// scope and language were first set.
func (s *Server) Commands() []CommandSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CommandSet, len(s.commands))
	for i, c := range s.commands {
		c.Commands = append([]models.BotCommand(nil), c.Commands...)
		out[i] = c
	}
	return out
}
