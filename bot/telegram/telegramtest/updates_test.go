package telegramtest_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram/telegramtest"
)

func TestLongPollingDeliversAndConfirms(t *testing.T) {
	s := newServer(t)
	_, updates := pollingBot(t, s)

	// Wait until the bot is blocked in a long poll, so the update below
	// must wake it rather than be picked up by the next poll.
	if err := s.WaitFor(waitCtx(t), s.Polling); err != nil {
		t.Fatal(err)
	}
	text := "/repair@test_bot 3-201 电梯坏了 #报修 @alice_w 😀 #x2 https://example.com/a?b=1."
	pushed := s.SendText(group, alice, text)
	if pushed.ID == 0 || pushed.Message.ID == 0 {
		t.Fatalf("pushed = %+v", pushed)
	}
	u := recv(t, updates)
	if u.ID != pushed.ID || u.Message == nil || u.Message.Text != text || u.Message.From.ID != alice.ID ||
		u.Message.Chat.ID != group.ID || u.Message.Chat.Title != group.Title {
		t.Fatalf("update = %+v", u)
	}
	want := []models.MessageEntity{
		{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: 16},
		{Type: models.MessageEntityTypeHashtag, Offset: 28, Length: 3},
		{Type: models.MessageEntityTypeMention, Offset: 32, Length: 8},
		{Type: models.MessageEntityTypeHashtag, Offset: 44, Length: 3},
		{Type: models.MessageEntityTypeURL, Offset: 48, Length: 25},
	}
	if got := u.Message.Entities; len(got) != len(want) {
		t.Fatalf("entities = %+v, want %+v", got, want)
	}
	for i, e := range u.Message.Entities {
		if e != want[i] {
			t.Errorf("entity %d = %+v, want %+v", i, e, want[i])
		}
	}

	// The client confirms an update with its next offset; the queue drains.
	if err := s.WaitFor(waitCtx(t), func() bool { return s.PendingUpdates() == 0 }); err != nil {
		t.Fatalf("updates never confirmed: %v", err)
	}
	// Several updates in a row arrive in order.
	for i := range 3 {
		s.SendText(group, bob, "msg "+itoa(int64(i)))
	}
	for i := range 3 {
		if u := recv(t, updates); u.Message.Text != "msg "+itoa(int64(i)) {
			t.Errorf("update %d = %q", i, u.Message.Text)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestGetUpdatesOffsetLimitAndFilters(t *testing.T) {
	s := newServer(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, s.SendText(basic, alice, "m"+itoa(int64(i))).ID)
	}
	if got := rawUpdates(t, s, nil); len(got) != 5 || got[0] != ids[0] {
		t.Fatalf("all = %v, want %v", got, ids)
	}
	// Unconfirmed updates come again; a limit caps the batch.
	if got := rawUpdates(t, s, url.Values{"limit": {"2"}}); len(got) != 2 || got[0] != ids[0] {
		t.Errorf("limit 2 = %v", got)
	}
	// An offset confirms everything below it.
	if got := rawUpdates(t, s, url.Values{"offset": {itoa(ids[2])}}); len(got) != 3 || got[0] != ids[2] {
		t.Errorf("offset = %v", got)
	}
	if s.PendingUpdates() != 3 {
		t.Errorf("pending = %d, want 3", s.PendingUpdates())
	}
	// A negative offset keeps the last -offset updates.
	if got := rawUpdates(t, s, url.Values{"offset": {"-1"}}); len(got) != 1 || got[0] != ids[4] {
		t.Errorf("offset -1 = %v", got)
	}

	// allowed_updates filters (and is sticky, as on Telegram).
	s.SendText(basic, alice, "text")
	cb := s.Callback(basic, alice, 1, "data")
	if got := rawUpdates(t, s, url.Values{"allowed_updates": {`["callback_query"]`}}); len(got) != 1 || got[0] != cb.ID {
		t.Errorf("callback only = %v, want [%d]", got, cb.ID)
	}
	if got := rawUpdates(t, s, nil); len(got) != 1 || got[0] != cb.ID {
		t.Errorf("sticky filter = %v", got)
	}

	// An explicit update id is kept; later ones continue after it.
	u := s.PushUpdate(models.Update{ID: 1000, Message: &models.Message{ID: 1, Date: 1, Chat: basic, Text: "raw"}})
	if next := s.SendText(basic, alice, "after"); u.ID != 1000 || next.ID != 1001 {
		t.Errorf("ids = %d, %d", u.ID, next.ID)
	}
}

func TestGetUpdatesLongPollTimeoutAndConflicts(t *testing.T) {
	s := newServer(t)
	start := time.Now()
	if got := rawUpdates(t, s, url.Values{"timeout": {"1"}}); len(got) != 0 {
		t.Errorf("empty poll = %v", got)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("long poll returned after %v, want ~1s", d)
	}

	// A second getUpdates terminates the first with 409.
	first := make(chan string, 1)
	go func() { first <- postBody(s, "getUpdates", url.Values{"timeout": {"30"}}) }()
	if err := s.WaitFor(waitCtx(t), s.Polling); err != nil {
		t.Fatal(err)
	}
	second := make(chan string, 1)
	go func() { second <- postBody(s, "getUpdates", url.Values{"timeout": {"30"}}) }()
	select {
	case body := <-first:
		want := `{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}`
		if body != want {
			t.Errorf("first poll = %s, want %s", body, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first poll not terminated")
	}
	// The surviving poll returns as soon as an update arrives.
	if err := s.WaitFor(waitCtx(t), s.Polling); err != nil {
		t.Fatal(err)
	}
	u := s.SendText(basic, alice, "wake")
	select {
	case got := <-second:
		if !strings.Contains(got, `"update_id":`+itoa(u.ID)) || strings.Count(got, "update_id") != 1 {
			t.Errorf("second poll = %s", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second poll not woken")
	}

	// While a webhook is set, getUpdates answers 409.
	b := newBot(t, s)
	if _, err := b.SetWebhook(context.Background(), &tgbot.SetWebhookParams{URL: "https://bot.example.com/hook"}); err != nil {
		t.Fatal(err)
	}
	info, err := b.GetWebhookInfo(context.Background())
	if err != nil || info.URL != "https://bot.example.com/hook" || info.PendingUpdateCount != 1 {
		t.Errorf("webhook info = %+v, %v", info, err)
	}
	status, body := rawCall(t, s, token, "getUpdates", nil)
	if status != http.StatusConflict || !strings.Contains(body, "can't use getUpdates method while webhook is active") {
		t.Errorf("getUpdates with webhook = %d %s", status, body)
	}
	if ok, err := b.DeleteWebhook(context.Background(), &tgbot.DeleteWebhookParams{DropPendingUpdates: true}); !ok || err != nil {
		t.Errorf("deleteWebhook = %v, %v", ok, err)
	}
	if s.PendingUpdates() != 0 {
		t.Errorf("pending after drop = %d", s.PendingUpdates())
	}
}

func TestCallbackFlow(t *testing.T) {
	s := newServer(t)
	s.AddChat(group)
	b, updates := pollingBot(t, s)
	b.RegisterHandler(tgbot.HandlerTypeCallbackQueryData, "ticket:", tgbot.MatchTypePrefix,
		func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
			cq := u.CallbackQuery
			_, _ = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "已关闭"})
			m := cq.Message.Message
			_, _ = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: m.Chat.ID, MessageID: m.ID, Text: m.Text + " ✅"})
		})

	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "关闭", CallbackData: "ticket:12:close"}}}}
	msg, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: group.ID, Text: "工单 #12", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	cb := s.Callback(group, alice, msg.ID, "ticket:12:close")
	if cb.CallbackQuery.Message.Message == nil || cb.CallbackQuery.Message.Message.ReplyMarkup == nil {
		t.Fatalf("callback message = %+v", cb.CallbackQuery.Message)
	}
	ctx := waitCtx(t)
	if err := s.WaitFor(ctx, func() bool {
		sent := s.Sent()
		return len(s.AnsweredCallbacks()) == 1 && len(sent[0].Edits) == 1
	}); err != nil {
		t.Fatal(err)
	}
	if a := s.AnsweredCallbacks()[0]; a.CallbackQueryID != cb.CallbackQuery.ID || a.Text != "已关闭" {
		t.Errorf("answer = %+v", a)
	}
	if got := s.Sent()[0]; got.Text != "工单 #12 ✅" || got.Markup != nil {
		t.Errorf("edited = %+v", got)
	}

	// A query is answered once; unknown ids fail the same way.
	_, err = b.AnswerCallbackQuery(context.Background(), &tgbot.AnswerCallbackQueryParams{CallbackQueryID: cb.CallbackQuery.ID})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "query is too old and response timeout expired or query ID is invalid")

	// A button on a message the server does not know: inaccessible message.
	s.Callback(group, bob, 9999, "other")
	u := recv(t, updates)
	if u.CallbackQuery == nil || u.CallbackQuery.Message.Type != models.MaybeInaccessibleMessageTypeInaccessibleMessage ||
		u.CallbackQuery.Message.InaccessibleMessage.MessageID != 9999 {
		t.Errorf("inaccessible = %+v", u.CallbackQuery)
	}
}

func TestReplyTopicsAndPrivacy(t *testing.T) {
	s := newServer(t, telegramtest.WithPrivacyMode(true))
	b := newBot(t, s)
	ctx := context.Background()
	s.AddChat(group)

	// Privacy mode: plain group text is hidden, commands, mentions and
	// replies to the bot are not.
	if u := s.SendText(group, alice, "#报修 水管"); u.ID != 0 {
		t.Errorf("plain text delivered under privacy mode: %+v", u)
	}
	if u := s.SendText(group, alice, "/repair@other_bot x"); u.ID != 0 {
		t.Error("command for another bot delivered")
	}
	for _, text := range []string{"/repair 水管", "/repair@Test_Bot 水管", "hi @test_bot"} {
		if u := s.SendText(group, alice, text); u.ID == 0 {
			t.Errorf("%q not delivered", text)
		}
	}
	msg, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: group.ID, Text: "工单 #3"})
	if err != nil {
		t.Fatal(err)
	}
	reply := s.ReplyText(group, bob, "收到", msg.ID)
	if reply.ID == 0 || reply.Message.ReplyToMessage == nil || reply.Message.ReplyToMessage.ID != msg.ID ||
		!reply.Message.ReplyToMessage.From.IsBot || reply.Message.MessageThreadID != msg.ID {
		t.Errorf("reply = %+v", reply.Message)
	}
	if reply.Message.ID <= msg.ID {
		t.Errorf("user message id %d does not follow bot's %d", reply.Message.ID, msg.ID)
	}
	// An administrator sees everything.
	s.SetMember(group.ID, s.Bot(), models.ChatMemberTypeAdministrator)
	if u := s.SendText(group, alice, "#报修 水管"); u.ID == 0 {
		t.Error("admin bot did not get plain text")
	}

	// Forum topics.
	forum := models.Chat{ID: -1002223334445, Type: models.ChatTypeSupergroup, Title: "工单", IsForum: true}
	thread := s.CreateTopic(forum.ID, "报修")
	in := s.SendTopicText(forum, alice, thread, "/repair 门禁")
	m := in.Message
	if m.MessageThreadID != thread || !m.IsTopicMessage || m.ReplyToMessage == nil ||
		m.ReplyToMessage.ID != thread || m.ReplyToMessage.ForumTopicCreated == nil {
		t.Fatalf("topic message = %+v", m)
	}
	out, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: forum.ID, Text: "ok",
		ReplyParameters: &models.ReplyParameters{MessageID: m.ID}})
	if err != nil || out.MessageThreadID != thread || !out.IsTopicMessage {
		t.Errorf("reply in topic = %+v, %v", out, err)
	}
	out, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: forum.ID, Text: "new", MessageThreadID: thread})
	if err != nil || out.ReplyToMessage == nil || out.ReplyToMessage.ID != thread {
		t.Errorf("send to topic = %+v, %v", out, err)
	}
	if got := s.SentTo(forum.ID); len(got) != 2 || got[1].ThreadID != thread || got[1].ReplyTo != 0 {
		t.Errorf("sent to forum = %+v", got)
	}
	_, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: forum.ID, Text: "x", MessageThreadID: 424242})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "Bad Request: message thread not found")
}

func TestMyChatMemberAndEditedMessage(t *testing.T) {
	s := newServer(t)
	b, updates := pollingBot(t, s)
	admin := models.User{ID: 900, FirstName: "Admin"}
	added := s.MyChatMember(basic, admin, models.ChatMemberTypeMember)
	u := recv(t, updates)
	if u.ID != added.ID || u.MyChatMember == nil || u.MyChatMember.OldChatMember.Type != models.ChatMemberTypeLeft ||
		u.MyChatMember.NewChatMember.Type != models.ChatMemberTypeMember || u.MyChatMember.NewChatMember.Member.User.ID != s.Bot().ID {
		t.Fatalf("added = %+v", u.MyChatMember)
	}
	if _, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: basic.ID, Text: "大家好"}); err != nil {
		t.Fatal(err)
	}
	s.MyChatMember(basic, admin, models.ChatMemberTypeBanned)
	if u := recv(t, updates); u.MyChatMember.NewChatMember.Type != models.ChatMemberTypeBanned {
		t.Errorf("kicked = %+v", u.MyChatMember)
	}
	_, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: basic.ID, Text: "x"})
	wantErrorContains(t, err, tgbot.ErrorForbidden, "bot was kicked from the group chat")

	in := s.SendText(models.Chat{ID: alice.ID}, alice, "原文")
	recv(t, updates)
	s.EditText(alice.ID, in.Message.ID, "改过 #tag")
	if u := recv(t, updates); u.EditedMessage == nil || u.EditedMessage.Text != "改过 #tag" || u.EditedMessage.EditDate == 0 ||
		len(u.EditedMessage.Entities) != 1 || u.EditedMessage.Chat.FirstName != "Alice" {
		t.Errorf("edited = %+v", u.EditedMessage)
	}
}

func TestContinueMessageIDs(t *testing.T) {
	s := newServer(t)
	s.AddChat(group)
	if u := s.SendText(group, alice, "first"); u.Message.ID != 1 {
		t.Fatalf("first message id = %d", u.Message.ID)
	}
	s.ContinueMessageIDs(group, 1_000_000)
	if u := s.SendText(group, alice, "after the history"); u.Message.ID != 1_000_001 {
		t.Errorf("message id = %d, want 1000001", u.Message.ID)
	}
	s.ContinueMessageIDs(group, 10) // never backwards
	if u := s.SendText(group, alice, "again"); u.Message.ID != 1_000_002 {
		t.Errorf("message id = %d, want 1000002", u.Message.ID)
	}
}

// TestSendersOnBehalfOfChats: anonymous admins and channel posters reach
// the real client with Telegram's shared from accounts and the chat in
// sender_chat; a message without a sender has neither.
func TestSendersOnBehalfOfChats(t *testing.T) {
	s := newServer(t)
	_, updates := pollingBot(t, s)
	channel := models.Chat{ID: -1009876, Type: models.ChatTypeChannel, Title: "3号楼住户频道", Username: "building3"}

	s.SendAs(group, group, "/cancel 1")
	u := recv(t, updates)
	if m := u.Message; m == nil || m.From == nil || m.From.ID != telegramtest.GroupAnonymousBot.ID || !m.From.IsBot ||
		m.SenderChat == nil || m.SenderChat.ID != group.ID || m.SenderChat.Title != group.Title {
		t.Fatalf("anonymous admin's update = %+v", u.Message)
	}
	s.SendAs(group, channel, "#报修 路灯坏了")
	u = recv(t, updates)
	if m := u.Message; m == nil || m.From == nil || m.From.ID != telegramtest.ChannelBot.ID ||
		m.SenderChat == nil || m.SenderChat.ID != channel.ID || m.SenderChat.Username != "building3" {
		t.Fatalf("channel poster's update = %+v", u.Message)
	}
	s.SendWithoutSender(group, "#报修 谁发的")
	u = recv(t, updates)
	if m := u.Message; m == nil || m.From != nil || m.SenderChat != nil || m.Text != "#报修 谁发的" {
		t.Fatalf("update without a sender = %+v", u.Message)
	}
}
