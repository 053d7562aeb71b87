package telegram

import (
	"reflect"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
)

func TestTranslate(t *testing.T) {
	me := identity{ID: 9000, Username: "Linli_bot", CanReadAll: true}
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	const date = 1772352000 // 2026-03-01 08:00:00 UTC
	at := time.Unix(date, 0).UTC()

	group := models.Chat{ID: -1001234, Type: models.ChatTypeSupergroup, Title: "阳光花园业主群"}
	basic := models.Chat{ID: -4321, Type: models.ChatTypeGroup, Title: "物业群"}
	forum := models.Chat{ID: -1005555, Type: models.ChatTypeSupergroup, Title: "阳光花园", IsForum: true}
	li := models.User{ID: 42, FirstName: "阿姨", LastName: "李", Username: "li_ayi"}
	private := models.Chat{ID: 42, Type: models.ChatTypePrivate, FirstName: "阿姨"}
	tom := models.User{ID: 43, FirstName: "Tom"}
	botUser := models.User{ID: 9000, IsBot: true, FirstName: "Linli", Username: "Linli_bot"}
	// The accounts Telegram puts in from for messages sent on behalf of a chat.
	anonymousAdmin := models.User{ID: 1087968824, IsBot: true, FirstName: "Group", Username: "GroupAnonymousBot"}
	channelBot := models.User{ID: 136817688, IsBot: true, FirstName: "Channel", Username: "Channel_Bot"}
	channel := models.Chat{ID: -1009876, Type: models.ChatTypeChannel, Title: "3号楼住户频道", Username: "building3"}
	otherBot := models.User{ID: 777, IsBot: true, FirstName: "Weather", Username: "weather_bot"}
	names := []string{"Linli_bot"}

	// want builds the expected message for a message from li in chat.
	want := func(chat models.Chat, kind bot.ChatKind, id, text string, edit func(*bot.Message)) bot.Message {
		m := bot.Message{
			Platform: bot.Telegram, Chat: bot.ChatID(itoa(chat.ID)), ChatKind: kind,
			ID: bot.MessageID(id), Sender: "42", SenderName: "阿姨 李", SenderUsername: "li_ayi",
			Text: text, BotNames: names, Time: at,
		}
		if kind == bot.Group {
			m.ChatTitle = chat.Title
		}
		if edit != nil {
			edit(&m)
		}
		return m
	}
	msg := func(chat models.Chat, id int, text string, edit func(*models.Message)) *models.Update {
		m := &models.Message{ID: id, Chat: chat, From: &li, Date: date, Text: text}
		if edit != nil {
			edit(m)
		}
		return &models.Update{ID: 1, Message: m}
	}
	member := func(status models.ChatMemberType) models.ChatMember {
		cm := models.ChatMember{Type: status}
		switch status {
		case models.ChatMemberTypeMember:
			cm.Member = &models.ChatMemberMember{Status: status, User: &botUser}
		case models.ChatMemberTypeAdministrator:
			cm.Administrator = &models.ChatMemberAdministrator{Status: status, User: botUser}
		case models.ChatMemberTypeLeft:
			cm.Left = &models.ChatMemberLeft{Status: status, User: &botUser}
		case models.ChatMemberTypeBanned:
			cm.Banned = &models.ChatMemberBanned{Status: status, User: &botUser}
		case models.ChatMemberTypeRestricted:
			cm.Restricted = &models.ChatMemberRestricted{Status: status, User: &botUser}
		}
		return cm
	}
	memberUpdate := func(chat models.Chat, from, to models.ChatMemberType) *models.Update {
		return &models.Update{ID: 77, MyChatMember: &models.ChatMemberUpdated{
			Chat: chat, From: li, Date: date, OldChatMember: member(from), NewChatMember: member(to),
		}}
	}
	cardInForum := &models.Message{ID: 30, MessageThreadID: 7, IsTopicMessage: true, Chat: forum, From: &botUser, Date: date, Text: "工单 #3"}

	tests := []struct {
		name string
		u    *models.Update
		want bot.Message
		ok   bool
	}{
		{
			name: "group text",
			u:    msg(group, 10, "#报修 3号楼电梯按钮坏了", nil),
			want: want(group, bot.Group, "10", "#报修 3号楼电梯按钮坏了", nil),
			ok:   true,
		},
		{
			name: "basic group text",
			u:    msg(basic, 11, "/tickets open", nil),
			want: want(basic, bot.Group, "11", "/tickets open", nil),
			ok:   true,
		},
		{
			name: "private text",
			u:    msg(private, 12, "/suggest 希望增加路灯", nil),
			want: want(private, bot.Private, "12", "/suggest 希望增加路灯", nil),
			ok:   true,
		},
		{
			name: "photo with caption keeps the largest size",
			u: msg(group, 13, "", func(m *models.Message) {
				m.Caption = "#报修 厨房漏水"
				m.Photo = []models.PhotoSize{
					{FileID: "small", Width: 90, Height: 67, FileSize: 1000},
					{FileID: "large", Width: 1280, Height: 960, FileSize: 90000},
					{FileID: "medium", Width: 320, Height: 240, FileSize: 9000},
				}
			}),
			want: want(group, bot.Group, "13", "#报修 厨房漏水", func(m *bot.Message) {
				m.Attachments = []bot.Attachment{{Kind: "photo", Ref: "large", MIMEType: "image/jpeg"}}
			}),
			ok: true,
		},
		{
			name: "photo without caption",
			u: msg(group, 14, "", func(m *models.Message) {
				m.Photo = []models.PhotoSize{{FileID: "only", Width: 10, Height: 10}}
			}),
			want: want(group, bot.Group, "14", "", func(m *bot.Message) {
				m.Attachments = []bot.Attachment{{Kind: "photo", Ref: "only", MIMEType: "image/jpeg"}}
			}),
			ok: true,
		},
		{
			name: "document with caption",
			u: msg(private, 15, "", func(m *models.Message) {
				m.Caption = "/expense add 120 维修 配件"
				m.Document = &models.Document{FileID: "doc1", FileName: "发票.pdf", MimeType: "application/pdf"}
			}),
			want: want(private, bot.Private, "15", "/expense add 120 维修 配件", func(m *bot.Message) {
				m.Attachments = []bot.Attachment{{Kind: "file", Ref: "doc1", Name: "发票.pdf", MIMEType: "application/pdf"}}
			}),
			ok: true,
		},
		{
			name: "reply to the bot mentions it",
			u: msg(group, 16, "已派师傅", func(m *models.Message) {
				m.ReplyToMessage = &models.Message{ID: 5, Chat: group, From: &botUser, Date: date, Text: "工单 #12"}
			}),
			want: want(group, bot.Group, "16", "已派师傅", func(m *bot.Message) {
				m.ReplyTo, m.MentionsBot = "5", true
			}),
			ok: true,
		},
		{
			name: "reply to a person",
			u: msg(group, 17, "同上", func(m *models.Message) {
				m.ReplyToMessage = &models.Message{ID: 6, Chat: group, From: &tom, Date: date, Text: "#报修 路灯不亮"}
			}),
			want: want(group, bot.Group, "17", "同上", func(m *bot.Message) {
				m.ReplyTo, m.ReplyToSender, m.ReplyToSenderName = "6", "43", "Tom"
			}),
			ok: true,
		},
		{
			name: "mention in any case",
			u:    msg(group, 18, "@linli_BOT 报修 电梯", nil),
			want: want(group, bot.Group, "18", "@linli_BOT 报修 电梯", func(m *bot.Message) { m.MentionsBot = true }),
			ok:   true,
		},
		{
			name: "mention after Chinese text",
			u:    msg(group, 19, "请问@Linli_bot，电梯什么时候修好？", nil),
			want: want(group, bot.Group, "19", "请问@Linli_bot，电梯什么时候修好？", func(m *bot.Message) { m.MentionsBot = true }),
			ok:   true,
		},
		{
			name: "a longer name is no mention",
			u:    msg(group, 20, "@Linli_bot2 hello", nil),
			want: want(group, bot.Group, "20", "@Linli_bot2 hello", nil),
			ok:   true,
		},
		{
			name: "command to this bot is no mention",
			u:    msg(group, 21, "/status@Linli_bot 12", nil),
			want: want(group, bot.Group, "21", "/status@Linli_bot 12", nil),
			ok:   true,
		},
		{
			name: "command to another bot is passed through",
			u:    msg(group, 22, "/repair@OtherBot 电梯", nil),
			want: want(group, bot.Group, "22", "/repair@OtherBot 电梯", nil),
			ok:   true,
		},
		{
			name: "text mention of the bot",
			u: msg(group, 23, "物业 帮忙看下", func(m *models.Message) {
				m.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeTextMention, Offset: 0, Length: 2, User: &botUser}}
			}),
			want: want(group, bot.Group, "23", "物业 帮忙看下", func(m *bot.Message) { m.MentionsBot = true }),
			ok:   true,
		},
		{
			name: "forum topic message: thread kept, topic root is no reply",
			u: msg(forum, 24, "#报修 车库门坏了", func(m *models.Message) {
				m.MessageThreadID, m.IsTopicMessage = 7, true
				m.ReplyToMessage = &models.Message{ID: 7, MessageThreadID: 7, IsTopicMessage: true, Chat: forum, Date: date,
					ForumTopicCreated: &models.ForumTopicCreated{Name: "报修"}}
			}),
			want: want(forum, bot.Group, "24", "#报修 车库门坏了", func(m *bot.Message) { m.Thread = "7" }),
			ok:   true,
		},
		{
			name: "forum topic reply to a card",
			u: msg(forum, 31, "师傅下午到", func(m *models.Message) {
				m.MessageThreadID, m.IsTopicMessage = 7, true
				m.ReplyToMessage = cardInForum
			}),
			want: want(forum, bot.Group, "31", "师傅下午到", func(m *bot.Message) {
				m.Thread, m.ReplyTo, m.MentionsBot = "7", "30", true
			}),
			ok: true,
		},
		{
			name: "reply thread in a plain supergroup is no topic",
			u: msg(group, 25, "收到", func(m *models.Message) {
				m.MessageThreadID = 5
				m.ReplyToMessage = &models.Message{ID: 5, Chat: group, From: &tom, Date: date, Text: "hi"}
			}),
			want: want(group, bot.Group, "25", "收到", func(m *bot.Message) {
				m.ReplyTo, m.ReplyToSender, m.ReplyToSenderName = "5", "43", "Tom"
			}),
			ok: true,
		},
		{
			// from is the GroupAnonymousBot every anonymous admin of every
			// group shares: the sender is the group they speak for.
			name: "anonymous admin speaks as the group",
			u:    &models.Update{ID: 2, Message: &models.Message{ID: 26, Chat: group, From: &anonymousAdmin, SenderChat: &group, Date: date, Text: "/bind 阳光花园"}},
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-1001234", ChatKind: bot.Group, ChatTitle: group.Title, ID: "26",
				Sender: "-1001234", SenderName: group.Title, Text: "/bind 阳光花园", BotNames: names, Time: at,
			},
			ok: true,
		},
		{
			name: "anonymous admin of another group is someone else",
			u:    &models.Update{ID: 2, Message: &models.Message{ID: 27, Chat: basic, From: &anonymousAdmin, SenderChat: &basic, Date: date, Text: "/cancel 1"}},
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-4321", ChatKind: bot.Group, ChatTitle: basic.Title, ID: "27",
				Sender: "-4321", SenderName: basic.Title, Text: "/cancel 1", BotNames: names, Time: at,
			},
			ok: true,
		},
		{
			name: "a member posting as a channel is the channel",
			u:    &models.Update{ID: 2, Message: &models.Message{ID: 28, Chat: group, From: &channelBot, SenderChat: &channel, Date: date, Text: "#报修 路灯坏了"}},
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-1001234", ChatKind: bot.Group, ChatTitle: group.Title, ID: "28",
				Sender: "-1009876", SenderName: "3号楼住户频道", SenderUsername: "building3", Text: "#报修 路灯坏了", BotNames: names, Time: at,
			},
			ok: true,
		},
		{
			name: "reply to an anonymous admin names the group",
			u: msg(group, 29, "/assign 3", func(m *models.Message) {
				m.ReplyToMessage = &models.Message{ID: 26, Chat: group, From: &anonymousAdmin, SenderChat: &group, Date: date, Text: "x"}
			}),
			want: want(group, bot.Group, "29", "/assign 3", func(m *bot.Message) {
				m.ReplyTo, m.ReplyToSender, m.ReplyToSenderName = "26", "-1001234", group.Title
			}),
			ok: true,
		},
		{
			name: "reply to a bot names nobody",
			u: msg(group, 29, "/assign 3", func(m *models.Message) {
				m.ReplyToMessage = &models.Message{ID: 26, Chat: group, From: &otherBot, Date: date, Text: "x"}
			}),
			want: want(group, bot.Group, "29", "/assign 3", func(m *bot.Message) { m.ReplyTo = "26" }),
			ok:   true,
		},
		{
			name: "another bot's message is ignored",
			u:    &models.Update{ID: 2, Message: &models.Message{ID: 30, Chat: group, From: &otherBot, Date: date, Text: "#报修 电梯坏了"}},
		},
		{
			name: "the bot's own message is ignored",
			u:    &models.Update{ID: 2, Message: &models.Message{ID: 31, Chat: group, From: &botUser, Date: date, Text: "工单 #1 · 报修"}},
		},
		{
			name: "a message without a sender is ignored",
			u:    &models.Update{ID: 2, Message: &models.Message{ID: 32, Chat: group, Date: date, Text: "#报修 电梯坏了"}},
		},
		{
			name: "migrated to a supergroup",
			u:    msg(basic, 27, "", func(m *models.Message) { m.MigrateToChatID = -1009999 }),
			want: want(basic, bot.Group, "27", "", func(m *bot.Message) {
				m.Event, m.NewChat = bot.EventMigrated, "-1009999"
			}),
			ok: true,
		},
		{
			name: "migrated from a group is reported by the old chat",
			u:    msg(group, 1, "", func(m *models.Message) { m.MigrateFromChatID = -4321 }),
		},
		{
			name: "renamed",
			u:    msg(group, 28, "", func(m *models.Message) { m.NewChatTitle = "阳光花园1期业主群" }),
			want: want(group, bot.Group, "28", "", func(m *bot.Message) {
				m.Event, m.ChatTitle = bot.EventRenamed, "阳光花园1期业主群"
			}),
			ok: true,
		},
		{
			name: "callback on a card in a topic",
			u: &models.Update{ID: 3, CallbackQuery: &models.CallbackQuery{
				ID: "4000000000000000001", From: tom, Data: "t:3:take",
				Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: cardInForum},
			}},
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-1005555", ChatKind: bot.Group, ChatTitle: forum.Title, Thread: "7",
				ID: "cb:4000000000000000001", Sender: "43", SenderName: "Tom", ReplyTo: "30", BotNames: names, Time: now,
				Callback: &bot.Callback{ID: "4000000000000000001", Data: "t:3:take"},
			},
			ok: true,
		},
		{
			name: "callback on an inaccessible message",
			u: &models.Update{ID: 4, CallbackQuery: &models.CallbackQuery{
				ID: "q2", From: li, Data: "rate:3:5",
				Message: models.MaybeInaccessibleMessage{
					Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
					InaccessibleMessage: &models.InaccessibleMessage{Chat: private, MessageID: 88},
				},
			}},
			want: bot.Message{
				Platform: bot.Telegram, Chat: "42", ChatKind: bot.Private, ID: "cb:q2", Sender: "42",
				SenderName: "阿姨 李", SenderUsername: "li_ayi", ReplyTo: "88", BotNames: names, Time: now,
				Callback: &bot.Callback{ID: "q2", Data: "rate:3:5"},
			},
			ok: true,
		},
		{
			name: "callback from an inline-mode message has no chat",
			u:    &models.Update{ID: 5, CallbackQuery: &models.CallbackQuery{ID: "q3", From: li, InlineMessageID: "x", Data: "t:1:take"}},
		},
		{
			name: "bot added to a group",
			u:    memberUpdate(group, models.ChatMemberTypeLeft, models.ChatMemberTypeMember),
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-1001234", ChatKind: bot.Group, ChatTitle: group.Title, ID: "member:77",
				Sender: "42", SenderName: "阿姨 李", SenderUsername: "li_ayi", BotNames: names, Time: at, Event: bot.EventBotAdded,
			},
			ok: true,
		},
		{
			name: "bot added by another bot: the event, with nobody to tell",
			u: func() *models.Update {
				u := memberUpdate(group, models.ChatMemberTypeLeft, models.ChatMemberTypeMember)
				u.MyChatMember.From = otherBot
				return u
			}(),
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-1001234", ChatKind: bot.Group, ChatTitle: group.Title, ID: "member:77",
				BotNames: names, Time: at, Event: bot.EventBotAdded,
			},
			ok: true,
		},
		{
			name: "bot added as administrator",
			u:    memberUpdate(basic, models.ChatMemberTypeBanned, models.ChatMemberTypeAdministrator),
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-4321", ChatKind: bot.Group, ChatTitle: basic.Title, ID: "member:77",
				Sender: "42", SenderName: "阿姨 李", SenderUsername: "li_ayi", BotNames: names, Time: at, Event: bot.EventBotAdded,
			},
			ok: true,
		},
		{
			name: "bot kicked",
			u:    memberUpdate(group, models.ChatMemberTypeAdministrator, models.ChatMemberTypeBanned),
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-1001234", ChatKind: bot.Group, ChatTitle: group.Title, ID: "member:77",
				Sender: "42", SenderName: "阿姨 李", SenderUsername: "li_ayi", BotNames: names, Time: at, Event: bot.EventBotRemoved,
			},
			ok: true,
		},
		{
			name: "bot left",
			u:    memberUpdate(group, models.ChatMemberTypeMember, models.ChatMemberTypeLeft),
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-1001234", ChatKind: bot.Group, ChatTitle: group.Title, ID: "member:77",
				Sender: "42", SenderName: "阿姨 李", SenderUsername: "li_ayi", BotNames: names, Time: at, Event: bot.EventBotRemoved,
			},
			ok: true,
		},
		{
			name: "bot promoted: still there",
			u:    memberUpdate(group, models.ChatMemberTypeMember, models.ChatMemberTypeAdministrator),
		},
		{
			name: "bot restricted and no longer a member",
			u:    memberUpdate(group, models.ChatMemberTypeMember, models.ChatMemberTypeRestricted),
			want: bot.Message{
				Platform: bot.Telegram, Chat: "-1001234", ChatKind: bot.Group, ChatTitle: group.Title, ID: "member:77",
				Sender: "42", SenderName: "阿姨 李", SenderUsername: "li_ayi", BotNames: names, Time: at, Event: bot.EventBotRemoved,
			},
			ok: true,
		},
		{
			name: "private chat blocked: left to send errors",
			u:    memberUpdate(private, models.ChatMemberTypeMember, models.ChatMemberTypeBanned),
		},
		{
			name: "edited message ignored",
			u:    &models.Update{ID: 6, EditedMessage: &models.Message{ID: 10, Chat: group, From: &li, Date: date, Text: "#报修 改"}},
		},
		{
			name: "channel post ignored",
			u:    &models.Update{ID: 7, ChannelPost: &models.Message{ID: 1, Chat: models.Chat{ID: -100777, Type: models.ChatTypeChannel}, Date: date, Text: "news"}},
		},
		{
			name: "sticker ignored",
			u:    msg(group, 29, "", func(m *models.Message) { m.Sticker = &models.Sticker{FileID: "s"} }),
		},
		{
			name: "new members ignored (my_chat_member reports the bot)",
			u:    msg(group, 32, "", func(m *models.Message) { m.NewChatMembers = []models.User{botUser} }),
		},
		{
			name: "automatic forward from the linked channel ignored",
			u:    msg(group, 33, "频道公告", func(m *models.Message) { m.IsAutomaticForward = true }),
		},
		{
			name: "message without a date takes now",
			u:    msg(private, 34, "hi", func(m *models.Message) { m.Date = 0 }),
			want: want(private, bot.Private, "34", "hi", func(m *bot.Message) { m.Time = now }),
			ok:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := translate(tt.u, me, now)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (got %+v)", ok, tt.ok, got)
			}
			if !ok {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n  %+v\nwant\n  %+v", got, tt.want)
				if got.Callback != nil && tt.want.Callback != nil {
					t.Errorf("callback got %+v want %+v", *got.Callback, *tt.want.Callback)
				}
			}
		})
	}
}

func TestTranslateBeforeGetMe(t *testing.T) {
	// Without an identity nothing can be a mention or a reply to the bot.
	u := &models.Update{ID: 1, Message: &models.Message{
		ID: 1, Chat: models.Chat{ID: -1, Type: models.ChatTypeGroup}, From: &models.User{ID: 5}, Date: 1, Text: "@ hi",
		ReplyToMessage: &models.Message{ID: 2, From: &models.User{}},
	}}
	got, ok := translate(u, identity{}, time.Now())
	if !ok || got.MentionsBot || got.BotNames != nil {
		t.Errorf("got %+v, %v", got, ok)
	}
}
