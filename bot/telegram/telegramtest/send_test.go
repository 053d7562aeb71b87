package telegramtest_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram/telegramtest"
)

func TestGetMe(t *testing.T) {
	s := newServer(t,
		telegramtest.WithUsername("@xq_bot"),
		telegramtest.WithPrivacyMode(true),
		telegramtest.WithCanJoinGroups(false))
	b := newBot(t, s)
	me, err := b.GetMe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != 123456 || me.Username != "xq_bot" || !me.IsBot || me.CanReadAllGroupMessages || me.CanJoinGroups {
		t.Errorf("getMe = %+v", me)
	}
	if got := len(s.CallsTo("getMe")); got != 2 { // tgbot.New calls it too
		t.Errorf("getMe calls = %d, want 2", got)
	}

	s2 := newServer(t, telegramtest.WithBotUser(models.User{ID: 77, FirstName: "X", Username: "x_bot", CanReadAllGroupMessages: true}))
	me, err = newBot(t, s2).GetMe(context.Background())
	if err != nil || me.ID != 77 || !me.CanReadAllGroupMessages || !me.IsBot {
		t.Errorf("getMe = %+v, %v", me, err)
	}
}

func TestWrongTokenAndUnknownMethod(t *testing.T) {
	s := newServer(t)
	_, err := tgbot.New("999:wrong", tgbot.WithServerURL(s.URL))
	if !errors.Is(err, tgbot.ErrorUnauthorized) {
		t.Errorf("New with wrong token: err = %v, want ErrorUnauthorized", err)
	}
	status, body := rawCall(t, s, "999:wrong", "getMe", nil)
	if want := `{"ok":false,"error_code":401,"description":"Unauthorized"}`; status != 401 || body != want {
		t.Errorf("wrong token = %d %s, want 401 %s", status, body, want)
	}
	status, body = rawCall(t, s, token, "sendSticker", url.Values{"chat_id": {"1"}})
	if want := `{"ok":false,"error_code":404,"description":"Not Found"}`; status != 404 || body != want {
		t.Errorf("unknown method = %d %s, want 404 %s", status, body, want)
	}
	// Method names are case-insensitive, as on Telegram.
	if status, body = rawCall(t, s, token, "GETME", nil); status != 200 || !strings.Contains(body, `"username":"test_bot"`) {
		t.Errorf("GETME = %d %s", status, body)
	}
	if c := lastCall(t, s, "sendSticker"); c.Status != 404 || c.Params["chat_id"] != "1" {
		t.Errorf("recorded call = %+v", c)
	}
}

func TestSendMessageHTMLReplyAndKeyboard(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	ctx := context.Background()
	in := s.SendText(group, alice, "#报修 3-201 水管漏水 <急>")

	userText := `张三 <b>"O'Neil"</b> & co`
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "关闭", CallbackData: "ticket:12:close"}, {Text: "详情", URL: "https://example.com/t/12"}},
	}}
	msg, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
		ChatID:          group.ID,
		Text:            "<b>已登记 #12</b>\n报修人: " + html.EscapeString(userText),
		ParseMode:       models.ParseModeHTML,
		ReplyParameters: &models.ReplyParameters{MessageID: in.Message.ID, AllowSendingWithoutReply: true},
		ReplyMarkup:     kb,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantText := "已登记 #12\n报修人: " + userText
	if msg.Text != wantText {
		t.Errorf("text = %q, want %q", msg.Text, wantText)
	}
	if msg.ID != in.Message.ID+1 {
		t.Errorf("message id = %d, want %d (next in chat)", msg.ID, in.Message.ID+1)
	}
	if msg.From == nil || !msg.From.IsBot || msg.From.ID != 123456 || msg.Chat.ID != group.ID || msg.Date == 0 {
		t.Errorf("from/chat/date = %+v %+v %d", msg.From, msg.Chat, msg.Date)
	}
	if msg.ReplyToMessage == nil || msg.ReplyToMessage.ID != in.Message.ID || msg.ReplyToMessage.Text != in.Message.Text {
		t.Errorf("reply_to_message = %+v", msg.ReplyToMessage)
	}
	// A reply in a supergroup belongs to the thread of the message it answers.
	if msg.MessageThreadID != in.Message.ID || msg.IsTopicMessage {
		t.Errorf("thread = %d topic=%v, want %d false", msg.MessageThreadID, msg.IsTopicMessage, in.Message.ID)
	}
	wantBold := models.MessageEntity{Type: models.MessageEntityTypeBold, Offset: 0, Length: 7}
	if len(msg.Entities) != 1 || msg.Entities[0] != wantBold {
		t.Errorf("entities = %+v, want [%+v]", msg.Entities, wantBold)
	}
	if msg.ReplyMarkup == nil || msg.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "ticket:12:close" {
		t.Errorf("reply_markup = %+v", msg.ReplyMarkup)
	}

	sent := s.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent = %d messages", len(sent))
	}
	got := sent[0]
	if got.ChatID != group.ID || got.MessageID != msg.ID || got.Kind != telegramtest.KindMessage ||
		got.Text != wantText || got.ParseMode != "HTML" || got.ReplyTo != in.Message.ID || got.ThreadID != in.Message.ID {
		t.Errorf("sent = %+v", got)
	}
	if !strings.Contains(got.RawText, "&amp; co") || !strings.Contains(got.RawText, "&#39;") {
		t.Errorf("raw text = %q, want it escaped", got.RawText)
	}
	if got.Markup == nil || len(got.Markup.InlineKeyboard[0]) != 2 || got.Markup.InlineKeyboard[0][1].URL != "https://example.com/t/12" {
		t.Errorf("markup = %+v", got.Markup)
	}
	if stored, ok := s.Message(group.ID, msg.ID); !ok || stored.Text != wantText {
		t.Errorf("stored message = %+v, %v", stored, ok)
	}
	// The reply_markup and reply_parameters arrive as JSON text in the form.
	c := lastCall(t, s, "sendMessage")
	if !strings.Contains(c.Params["reply_markup"], `"callback_data":"ticket:12:close"`) ||
		!strings.Contains(c.Params["reply_parameters"], `"allow_sending_without_reply":true`) {
		t.Errorf("params = %v", c.Params)
	}

	// A missing reply target: allowed without reply, an error otherwise.
	msg, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: group.ID, Text: "x",
		ReplyParameters: &models.ReplyParameters{MessageID: 999, AllowSendingWithoutReply: true}})
	if err != nil || msg.ReplyToMessage != nil {
		t.Errorf("reply to missing with allow: %+v, %v", msg, err)
	}
	_, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: group.ID, Text: "x",
		ReplyParameters: &models.ReplyParameters{MessageID: 999}})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "Bad Request: message to be replied not found")
}

func TestHTMLValidation(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	s.AddChat(basic)
	for _, tc := range []struct {
		text  string
		want  string // description; "" means accepted
		shown string
	}{
		{text: "a &lt; b &amp;&amp; c &gt; d &quot;q&quot; &#39;s&#x27;", shown: `a < b && c > d "q" 's'`},
		{text: "<b>bold <i>both</i></b> <u>u</u> <s>s</s> <tg-spoiler>x</tg-spoiler> <span class=\"tg-spoiler\">y</span>", shown: "bold both u s x y"},
		{text: `<a href="https://example.com/?a=1&amp;b=2">link</a> <code>x<y</code>`, want: `Bad Request: can't parse entities: Unsupported start tag "y</code" at byte offset 59`},
		{text: `<pre><code class="language-go">fmt.Println()</code></pre><blockquote expandable>q</blockquote>`, shown: "fmt.Println()q"},
		{text: "1 < 2", want: `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`},
		{text: "<x>hi</x>", want: `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 0`},
		{text: "<br>", want: `Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 0`},
		{text: "<b>open", want: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{text: "close</b>", want: "Bad Request: can't parse entities: Unexpected end tag at byte offset 5"},
		{text: "<b>x</i>", want: `Bad Request: can't parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{text: "x <", want: "Bad Request: can't parse entities: Unclosed start tag at byte offset 2"},
		{text: "<span>x</span>", want: `Bad Request: can't parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{text: "Tom &foo; Jerry", want: `Bad Request: can't parse entities: Unsupported HTML entity "&foo;" at byte offset 4`},
		{text: "AT&T & friends", shown: "AT&T & friends"},
		{text: "<b></b>", want: "Bad Request: text must be non-empty"},
		{text: "  <b> </b>  ", want: "Bad Request: text must be non-empty"},
	} {
		msg, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: basic.ID, Text: tc.text, ParseMode: models.ParseModeHTML})
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.text, err)
			} else if msg.Text != tc.shown {
				t.Errorf("%q shown as %q, want %q", tc.text, msg.Text, tc.shown)
			}
			continue
		}
		if !errors.Is(err, tgbot.ErrorBadRequest) {
			t.Errorf("%q: err = %v, want ErrorBadRequest", tc.text, err)
			continue
		}
		if c := lastCall(t, s, "sendMessage"); c.Status != 400 || c.Description != tc.want {
			t.Errorf("%q: %d %q, want 400 %q", tc.text, c.Status, c.Description, tc.want)
		}
	}

	// Entities of a parsed HTML message, in UTF-16 units.
	msg, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: basic.ID, ParseMode: models.ParseModeHTML,
		Text: `😀 <a href="https://example.com">链接</a> <pre><code class="language-go">go</code></pre>`})
	if err != nil {
		t.Fatal(err)
	}
	want := []models.MessageEntity{
		{Type: models.MessageEntityTypeTextLink, Offset: 3, Length: 2, URL: "https://example.com"},
		{Type: models.MessageEntityTypePre, Offset: 6, Length: 2, Language: "go"},
	}
	if len(msg.Entities) != len(want) || msg.Entities[0] != want[0] || msg.Entities[1] != want[1] {
		t.Errorf("entities = %+v, want %+v", msg.Entities, want)
	}

	// The real API keeps unknown entities as text; the option says so.
	lenient := newServer(t, telegramtest.WithLenientHTMLEntities())
	lenient.AddChat(basic)
	msg, err = newBot(t, lenient).SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: basic.ID, Text: "Tom &foo; Jerry", ParseMode: models.ParseModeHTML})
	if err != nil || msg.Text != "Tom &foo; Jerry" {
		t.Errorf("lenient: %+v, %v", msg, err)
	}
}

func TestTextLimits(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	chat := s.AddPrivateChat(alice)
	send := func(text string, mode models.ParseMode) error {
		_, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: chat.ID, Text: text, ParseMode: mode})
		return err
	}
	wantErrorContains(t, send("", ""), tgbot.ErrorBadRequest, "Bad Request: message text is empty")
	wantErrorContains(t, send(" \n\t ", ""), tgbot.ErrorBadRequest, "Bad Request: message text is empty")
	if err := send(strings.Repeat("a", 4096), ""); err != nil {
		t.Errorf("4096 chars: %v", err)
	}
	wantErrorContains(t, send(strings.Repeat("a", 4097), ""), tgbot.ErrorBadRequest, "Bad Request: message is too long")
	// Length counts UTF-16 units: each emoji is two.
	if err := send(strings.Repeat("😀", 2048), ""); err != nil {
		t.Errorf("2048 emoji: %v", err)
	}
	wantErrorContains(t, send(strings.Repeat("😀", 2049), ""), tgbot.ErrorBadRequest, "message is too long")
	// ... and is measured after entity parsing.
	if err := send("<b>"+strings.Repeat("&lt;", 4096)+"</b>", models.ParseModeHTML); err != nil {
		t.Errorf("4096 entities: %v", err)
	}
	// Leading and trailing white space is trimmed, as Telegram shows it.
	msg, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: chat.ID, Text: "  <b>hi</b>\n", ParseMode: models.ParseModeHTML})
	if err != nil || msg.Text != "hi" || msg.Entities[0].Offset != 0 || msg.Entities[0].Length != 2 {
		t.Errorf("trimmed = %+v, %v", msg, err)
	}
	wantErrorContains(t, send("x", "HTML5"), tgbot.ErrorBadRequest, "Bad Request: unsupported parse_mode")
}

func TestChatErrors(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	ctx := context.Background()
	send := func(chatID any) error {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chatID, Text: "hi"})
		return err
	}
	wantErrorContains(t, send(int64(-100999)), tgbot.ErrorBadRequest, "Bad Request: chat not found")
	wantErrorContains(t, send("@nobody"), tgbot.ErrorBadRequest, "Bad Request: chat not found")
	s.AddChat(models.Chat{ID: -100777, Type: models.ChatTypeSupergroup, Username: "sunny_garden"})
	if err := send("@sunny_garden"); err != nil {
		t.Errorf("send by username: %v", err)
	}

	s.AddChat(group)
	s.Kick(group.ID)
	err := send(group.ID)
	wantErrorContains(t, err, tgbot.ErrorForbidden, "Forbidden: bot was kicked from the supergroup chat")
	if c := lastCall(t, s, "sendMessage"); c.Status != http.StatusForbidden {
		t.Errorf("status = %d", c.Status)
	}
	s.AddChat(basic)
	s.Kick(basic.ID)
	wantErrorContains(t, send(basic.ID), tgbot.ErrorForbidden, "Forbidden: bot was kicked from the group chat")
	s.Unblock(basic.ID)
	if err := send(basic.ID); err != nil {
		t.Errorf("after Unblock: %v", err)
	}

	s.NeverStarted(alice.ID)
	wantErrorContains(t, send(alice.ID), tgbot.ErrorForbidden, "Forbidden: bot can't initiate conversation with a user")
	s.SendText(models.Chat{ID: alice.ID}, alice, "/start")
	if err := send(alice.ID); err != nil {
		t.Errorf("after /start: %v", err)
	}
	s.BlockPrivate(alice.ID)
	wantErrorContains(t, send(alice.ID), tgbot.ErrorForbidden, "Forbidden: bot was blocked by the user")
}

func TestMigrate(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	s.AddChat(basic)
	const newID = -1009876543210
	to, from := s.Migrate(basic.ID, newID)
	if to.Message == nil || to.Message.MigrateToChatID != newID || to.Message.Chat.ID != basic.ID {
		t.Errorf("migrate_to update = %+v", to.Message)
	}
	if from.Message == nil || from.Message.MigrateFromChatID != basic.ID || from.Message.Chat.Type != models.ChatTypeSupergroup {
		t.Errorf("migrate_from update = %+v", from.Message)
	}

	_, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: basic.ID, Text: "hi"})
	var migrate *tgbot.MigrateError
	if !errors.As(err, &migrate) || migrate.MigrateToChatID != newID {
		t.Fatalf("err = %v, want MigrateError to %d", err, int64(newID))
	}
	if !strings.Contains(migrate.Message, "group chat was upgraded to a supergroup chat") {
		t.Errorf("message = %q", migrate.Message)
	}
	if _, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: int64(newID), Text: "hi"}); err != nil {
		t.Errorf("send to the new chat: %v", err)
	}
	if ids := rawUpdates(t, s, nil); len(ids) != 2 {
		t.Errorf("queued updates = %v, want the two service messages", ids)
	}
}

func TestEditAndDelete(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	ctx := context.Background()
	s.AddChat(group)
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "关闭", CallbackData: "c"}}}}
	msg, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: group.ID, Text: "<b>工单 #1</b>", ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}

	_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: group.ID, MessageID: 999, Text: "x"})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "Bad Request: message to edit not found")
	_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: group.ID, MessageID: msg.ID, Text: "<b>工单 #1</b>", ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same")
	user := s.SendText(group, alice, "hello")
	_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: group.ID, MessageID: user.Message.ID, Text: "x"})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "Bad Request: message can't be edited")

	// Same text in another form (plain instead of bold) is a change.
	edited, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: group.ID, MessageID: msg.ID, Text: "工单 #1", ReplyMarkup: kb})
	if err != nil || edited.EditDate == 0 || len(edited.Entities) != 0 {
		t.Fatalf("edit = %+v, %v", edited, err)
	}
	// Leaving reply_markup out removes the keyboard.
	edited, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: group.ID, MessageID: msg.ID, Text: "工单 #1 已关闭"})
	if err != nil || edited.ReplyMarkup != nil {
		t.Fatalf("edit without markup = %+v, %v", edited, err)
	}
	_, err = b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: group.ID, MessageID: msg.ID})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "message is not modified")
	if _, err = b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: group.ID, MessageID: msg.ID, ReplyMarkup: kb}); err != nil {
		t.Fatal(err)
	}

	got := s.Sent()[0]
	if got.Text != "工单 #1 已关闭" || got.Markup == nil || len(got.Edits) != 3 {
		t.Fatalf("sent = %+v", got)
	}
	if got.Edits[0].Text != "工单 #1" || got.Edits[0].Markup == nil || got.Edits[1].Markup != nil ||
		got.Edits[2].Method != "editMessageReplyMarkup" {
		t.Errorf("edits = %+v", got.Edits)
	}

	if _, err := b.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: group.ID, MessageID: msg.ID}); err != nil {
		t.Fatal(err)
	}
	if !s.Sent()[0].Deleted {
		t.Error("deleted message not marked")
	}
	_, err = b.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: group.ID, MessageID: msg.ID})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "Bad Request: message to delete not found")
}

func TestKeyboardValidation(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	s.AddChat(group)
	send := func(kb models.ReplyMarkup) error {
		_, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: group.ID, Text: "x", ReplyMarkup: kb})
		return err
	}
	row := func(btn models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
		return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{btn}}}
	}
	wantErrorContains(t, send(row(models.InlineKeyboardButton{Text: "x", CallbackData: strings.Repeat("d", 65)})), tgbot.ErrorBadRequest, "BUTTON_DATA_INVALID")
	wantErrorContains(t, send(row(models.InlineKeyboardButton{Text: "x"})), tgbot.ErrorBadRequest, "Text buttons are unallowed in the inline keyboard")
	wantErrorContains(t, send(row(models.InlineKeyboardButton{Text: "x", URL: "example.com"})), tgbot.ErrorBadRequest, "BUTTON_URL_INVALID")
	if err := send(row(models.InlineKeyboardButton{Text: "copy", CopyText: models.CopyTextButton{Text: "T-12"}})); err != nil {
		t.Errorf("copy_text button: %v", err)
	}
	if err := send(&models.ReplyKeyboardRemove{RemoveKeyboard: true}); err != nil {
		t.Errorf("remove keyboard: %v", err)
	}
	if sent := s.Sent(); sent[len(sent)-1].Markup != nil || sent[len(sent)-1].RawMarkup == "" {
		t.Errorf("reply keyboard: markup %+v raw %q", sent[len(sent)-1].Markup, sent[len(sent)-1].RawMarkup)
	}
}
