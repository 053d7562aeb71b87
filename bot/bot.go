// Package bot holds Linli's platform-neutral vocabulary: the chat message every
// adapter produces, the outgoing message every adapter delivers, the Platform
// interface with its optional capabilities, the Router that feeds messages to
// handlers in order per chat, and the Sender that drains the outbox.
//
// Platform adapters (bot/telegram, bot/wechat, bot/console) import only this
// package and their SDK. The identifiers below are persisted in the database:
// changing how an adapter spells them breaks stored bindings and links.
package bot

import (
	"context"
	"time"
)

// PlatformID names a chat platform. It is persisted.
type PlatformID string

// The platforms Linli speaks.
const (
	Telegram PlatformID = "telegram"
	WeChat   PlatformID = "wechat"
	Console  PlatformID = "console"
)

// ChatID identifies a chat within its platform (a Telegram chat id in decimal,
// a WeChat group's bound name, a console chat name). It is persisted.
type ChatID string

// MessageID identifies a message within its chat. It is persisted.
type MessageID string

// UserID identifies a person within a platform. It is persisted.
type UserID string

// ChatKind says whether a chat is a group or a private chat with the bot.
type ChatKind string

// Chat kinds.
const (
	Group   ChatKind = "group"
	Private ChatKind = "private"
)

// EventKind marks a message that is a chat event rather than text.
type EventKind string

// Chat events that adapters report.
const (
	EventNone       EventKind = ""
	EventBotAdded   EventKind = "bot_added"   // the bot joined a group
	EventBotRemoved EventKind = "bot_removed" // the bot was removed or kicked
	EventMigrated   EventKind = "migrated"    // the chat moved to a new id (NewChat)
	EventRenamed    EventKind = "renamed"     // the group got a new title (ChatTitle is the new one)
)

// Message is one inbound chat message, translated from a platform's update.
type Message struct {
	Platform PlatformID
	Chat     ChatID
	ChatKind ChatKind
	// ChatTitle is the group's title, empty for private chats.
	ChatTitle string
	// Thread is the forum topic the message belongs to, if any; answers keep it.
	Thread string
	ID     MessageID
	Sender UserID
	// SenderName is the name people see (group card, or first and last name).
	SenderName string
	// SenderUsername is the @handle without the @, where the platform has one.
	SenderUsername string
	// WeakIdentity is set when the platform cannot vouch for Sender: a WeChat
	// group member known only by a group card anyone could copy. Staff and
	// manager rights are not granted on such a message.
	WeakIdentity bool
	Text         string
	// ReplyTo is the message this one replies to, if any.
	ReplyTo MessageID
	// ReplyToSender names the author of the replied-to message, where the
	// platform tells ("/assign 12" as a reply to someone names them).
	ReplyToSender     UserID
	ReplyToSenderName string
	// MentionsBot is true when the message mentions or replies to the bot.
	MentionsBot bool
	// BotNames are the names the bot answers to on this platform (for /cmd@name).
	BotNames []string
	Time     time.Time
	// Attachments are photos or files that came with the message.
	Attachments []Attachment
	// Callback is set when the message is a button press.
	Callback *Callback
	// Event is set when the message reports a chat event instead of text.
	Event EventKind
	// NewChat is the chat's new id for EventMigrated.
	NewChat ChatID
	// PollAnswer is set when the message is a vote in a native poll the bot
	// sent (it has no text; Chat is the voter's private chat).
	PollAnswer *PollAnswer
}

// Callback is a button press on a message the bot sent.
type Callback struct {
	ID   string // answer it with this id
	Data string // the button's data
	// Answer is set by the handler: the short notice shown to the presser.
	Answer string
}

// Attachment is a photo or file. Ref is the platform's reference to fetch it
// again (a Telegram file_id); Data holds the bytes when the adapter downloaded them.
type Attachment struct {
	Kind     string // "photo" or "file"
	Ref      string
	Name     string
	MIMEType string
	Data     []byte
	// Stored is the path of the copy of Data kept under the data directory
	// (store.KeepFiles), written before the transaction that records it.
	Stored string
}

// Button is an inline button under a message. Data comes back in a Callback.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data"`
}

// Outgoing is one message to deliver, read from the outbox.
type Outgoing struct {
	// ID is the outbox row.
	ID       int64
	Platform PlatformID
	Chat     ChatID
	Thread   string
	ReplyTo  MessageID
	// Text is plain text. Adapters escape it for their markup; the first line
	// may be shown as a title (bold) where the platform has formatting.
	Text    string
	Buttons [][]Button
	// Edit, when set, asks to edit that earlier message in place instead of
	// sending a new one. Platforms that cannot edit send a new message.
	Edit MessageID
	// Attachment is sent with the message (as a photo or document) if set.
	Attachment *Attachment
	// Attempts counts earlier delivery attempts.
	Attempts int
	// Anonymous marks the receipt of an anonymous suggestion: its chat must
	// not appear in logs.
	Anonymous bool
	// Delete, when set, asks to delete that message from the chat (a group
	// message that should have been private) instead of sending anything.
	// Platforms that cannot delete skip it.
	Delete MessageID
	// Pin asks to pin the message once it is sent (a bulletin board), on
	// platforms that can (Pinner).
	Pin bool
	// Poll, when set, is sent as a native poll by platforms that have them
	// (PollSender); the others send Text, a numbered list to answer by number.
	Poll *Poll
	// Mentions are spans of Text that name a person: platforms that can
	// (Telegram) turn them into mentions, the others send Text as it is.
	Mentions []Mention
	// Mergeable marks a ticket card the Sender may fold into a digest when
	// its chat has more pending than its limits let through soon (Coalescer).
	Mergeable bool
}

// Mention is a span of an Outgoing's Text, in bytes, that names User.
type Mention struct {
	Offset int    `json:"offset"`
	Length int    `json:"length"`
	User   UserID `json:"user"`
}

// Handler handles one inbound message. A nil error means the message is done
// with: its effects and replies are committed.
type Handler interface {
	Handle(ctx context.Context, m *Message) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m *Message) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m *Message) error { return f(ctx, m) }

// Platform is a chat platform adapter.
type Platform interface {
	// ID names the platform.
	ID() PlatformID
	// Run receives messages and passes each to in until ctx is done or the
	// platform fails for good.
	Run(ctx context.Context, in Inbound) error
	// Send delivers one message and returns the platform's id for it.
	Send(ctx context.Context, out Outgoing) (MessageID, error)
}

// Inbound takes messages from a platform. The Router implements it.
type Inbound interface {
	// Submit hands over a message and waits until it has been handled and
	// committed, so the adapter may then acknowledge it.
	Submit(ctx context.Context, m Message) error
	// Enqueue hands over a message without waiting: messages of one chat are
	// handled in the order they were enqueued, different chats in parallel.
	// done (if not nil) is called with the handler's result. Enqueue blocks
	// only while the chat's queue is full.
	Enqueue(ctx context.Context, m Message, done func(error)) error
}

// CallbackAnswerer is implemented by platforms whose button presses must be
// answered (Telegram shows a spinner until then).
type CallbackAnswerer interface {
	AnswerCallback(ctx context.Context, id, text string) error
}

// Deleter is implemented by platforms that can delete a message in a chat
// (where the bot has the right to).
type Deleter interface {
	Delete(ctx context.Context, chat ChatID, msg MessageID) error
}

// RateLimited is implemented by platforms with sending limits; the Sender
// waits on the limiter before each send so that limit errors stay rare.
type RateLimited interface {
	Limiter() Limiter
}

// Limiter paces sends to one chat.
type Limiter interface {
	Wait(ctx context.Context, chat ChatID) error
}

// Budgeter is a Limiter that can tell how many messages a chat could take
// within d from now, counting nothing: the Sender merges a chat's cards into
// digests when it has more pending than that.
type Budgeter interface {
	ChatBudget(chat ChatID, d time.Duration) int
}

// ChatLimiter is a Limiter that can also tell, without waiting or counting
// anything, how long a chat must wait for its own limits (a group's messages
// per minute), as opposed to the platform-wide one. The Sender then works
// other chats meanwhile instead of holding a sending slot for that one.
type ChatLimiter interface {
	Limiter
	ChatWait(chat ChatID) time.Duration
}
