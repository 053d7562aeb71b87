package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
)

// sendFixture is a fake server with the community's chats and an adapter
// that is not running: Send needs no Run.
type sendFixture struct {
	srv *telegramtest.Server
	tg  *telegram.Telegram
}

func newSendFixture(t *testing.T, opts ...telegramtest.Option) *sendFixture {
	srv := newServer(t, opts...)
	srv.AddChat(residents)
	srv.AddChat(staff)
	srv.AddPrivateChat(li)
	return &sendFixture{srv: srv, tg: newAdapter(t, srv, nil)}
}

// send sends out and returns the message as the server stores it.
func (f *sendFixture) send(t *testing.T, out bot.Outgoing) (bot.MessageID, telegramtest.SentMessage) {
	t.Helper()
	id, err := f.tg.Send(context.Background(), out)
	if err != nil {
		t.Fatalf("Send(%+v): %v", out, err)
	}
	return id, f.sent(t, out.Chat, id)
}

// sent returns the stored message id of chat.
func (f *sendFixture) sent(t *testing.T, chat bot.ChatID, id bot.MessageID) telegramtest.SentMessage {
	t.Helper()
	for _, m := range f.srv.SentTo(int64(atoi(t, string(chat)))) {
		if itoa(m.MessageID) == string(id) {
			return m
		}
	}
	t.Fatalf("message %s not sent to %s", id, chat)
	return telegramtest.SentMessage{}
}

func u16(s string) int { return len(utf16.Encode([]rune(s))) }

func TestSendEscapesUserText(t *testing.T) {
	f := newSendFixture(t)
	for _, text := range []string{
		"<b>",
		"a < b & c",
		`我家 <b>3号楼</b> 的 "电梯" & 'lift' &amp; &lt; &#60; &foo;`,
		"*bold* _it_ `code` [x](http://e.x)",
	} {
		_, m := f.send(t, bot.Outgoing{Chat: "-1001001", Text: text})
		if m.Text != text || m.ParseMode != "HTML" || len(m.Entities) != 0 {
			t.Errorf("sent %q as %q (%s, entities %+v), want it verbatim", text, m.Text, m.ParseMode, m.Entities)
		}
	}
}

func TestSendTitleInBold(t *testing.T) {
	f := newSendFixture(t)
	text := "工单 #12 <报修> 😀\n3号楼 & 电梯\n状态：待处理"
	_, m := f.send(t, bot.Outgoing{Chat: "-1001001", Text: text})
	if m.Text != text {
		t.Errorf("text %q", m.Text)
	}
	title := "工单 #12 <报修> 😀"
	if len(m.Entities) != 1 || m.Entities[0].Type != models.MessageEntityTypeBold ||
		m.Entities[0].Offset != 0 || m.Entities[0].Length != u16(title) {
		t.Errorf("entities %+v, want the first line bold", m.Entities)
	}
	_, m = f.send(t, bot.Outgoing{Chat: "-1001001", Text: "one line"})
	if len(m.Entities) != 0 {
		t.Errorf("a single line got entities %+v", m.Entities)
	}
}

func TestSendReplyAndThread(t *testing.T) {
	f := newSendFixture(t)
	forum := f.srv.AddChat(models.Chat{ID: -1001004, Type: models.ChatTypeSupergroup, Title: "论坛群", IsForum: true})
	topic := f.srv.CreateTopic(forum.ID, "报修")
	u := f.srv.SendTopicText(forum, li, topic, "#报修 车库门")
	_, m := f.send(t, bot.Outgoing{
		Chat: "-1001004", Thread: itoa(topic), ReplyTo: bot.MessageID(itoa(u.Message.ID)), Text: "已登记 #5",
	})
	if m.ThreadID != topic || m.ReplyTo != u.Message.ID {
		t.Errorf("thread %d reply %d, want %d %d", m.ThreadID, m.ReplyTo, topic, u.Message.ID)
	}
	calls := f.srv.CallsTo("sendMessage")
	var rp models.ReplyParameters
	if err := json.Unmarshal([]byte(calls[len(calls)-1].Params["reply_parameters"]), &rp); err != nil ||
		rp.MessageID != u.Message.ID || !rp.AllowSendingWithoutReply {
		t.Errorf("reply_parameters %q", calls[len(calls)-1].Params["reply_parameters"])
	}
	// The message replied to is gone: the answer goes out anyway.
	_, m = f.send(t, bot.Outgoing{Chat: "-1001001", ReplyTo: "99999", Text: "还在"})
	if m.ReplyTo != 0 {
		t.Errorf("reply to %d", m.ReplyTo)
	}
}

func TestSendButtons(t *testing.T) {
	f := newSendFixture(t)
	_, m := f.send(t, bot.Outgoing{Chat: "-1001002", Text: "工单 #12\n电梯", Buttons: [][]bot.Button{
		{{Text: "接单", Data: "t:12:take"}, {Text: "完成", Data: "t:12:resolve"}},
		{{Text: "too long", Data: strings.Repeat("x", 65)}, {Text: "", Data: "t:12:x"}},
	}})
	kb := m.Markup
	if kb == nil || len(kb.InlineKeyboard) != 1 || len(kb.InlineKeyboard[0]) != 2 ||
		kb.InlineKeyboard[0][0].CallbackData != "t:12:take" || kb.InlineKeyboard[0][1].Text != "完成" {
		t.Fatalf("keyboard %+v", kb)
	}
	if strings.Contains(m.RawMarkup, "copy_text") {
		t.Errorf("reply_markup %s carries copy_text", m.RawMarkup)
	}
	// 64 bytes of data is the most Telegram takes, and is kept.
	data := strings.Repeat("好", 21) + "x" // 64 bytes
	_, m = f.send(t, bot.Outgoing{Chat: "-1001002", Text: "x", Buttons: [][]bot.Button{{{Text: "ok", Data: data}}}})
	if m.Markup == nil || m.Markup.InlineKeyboard[0][0].CallbackData != data {
		t.Errorf("64-byte data lost: %+v", m.Markup)
	}
}

func TestSendEdit(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()
	id, _ := f.send(t, bot.Outgoing{Chat: "-1001002", Text: "工单 #12\n状态：待处理",
		Buttons: [][]bot.Button{{{Text: "接单", Data: "t:12:take"}}}})

	edit := bot.Outgoing{Chat: "-1001002", Edit: id, Text: "工单 #12 <已接单>\n状态：处理中 & 张师傅",
		Buttons: [][]bot.Button{{{Text: "完成", Data: "t:12:resolve"}}}}
	got, err := f.tg.Send(ctx, edit)
	if err != nil || got != id {
		t.Fatalf("edit: %q, %v", got, err)
	}
	m := f.sent(t, "-1001002", id)
	if len(m.Edits) != 1 || m.Text != edit.Text || m.Markup == nil || m.Markup.InlineKeyboard[0][0].CallbackData != "t:12:resolve" {
		t.Errorf("after the edit: %+v", m)
	}
	if len(f.srv.SentTo(staff.ID)) != 1 {
		t.Error("the edit sent a new message")
	}

	// The same again changes nothing.
	if _, err := f.tg.Send(ctx, edit); !errors.Is(err, bot.ErrNotModified) {
		t.Errorf("repeated edit: %v, want ErrNotModified", err)
	}

	// Resolved: no buttons left.
	if _, err := f.tg.Send(ctx, bot.Outgoing{Chat: "-1001002", Edit: id, Text: "工单 #12\n已完成"}); err != nil {
		t.Fatal(err)
	}
	if m := f.sent(t, "-1001002", id); m.Markup != nil {
		t.Errorf("buttons left: %+v", m.Markup)
	}

	// The message to edit is gone: a new one is sent instead.
	got, err = f.tg.Send(ctx, bot.Outgoing{Chat: "-1001002", Edit: "99999", Text: "工单 #13\n待处理"})
	if err != nil || got == "99999" || got == "" {
		t.Fatalf("edit of a missing message: %q, %v", got, err)
	}
	if m := f.sent(t, "-1001002", got); m.Text != "工单 #13\n待处理" {
		t.Errorf("sent instead: %+v", m)
	}
}

func TestSendEditPhotoCaption(t *testing.T) {
	f := newSendFixture(t)
	id, _ := f.send(t, bot.Outgoing{Chat: "-1001002", Text: "工单 #3\n漏水",
		Attachment: &bot.Attachment{Kind: "photo", Data: pngBytes(t)}})
	// The card is a photo: editMessageText finds no text, the caption is edited.
	got, err := f.tg.Send(context.Background(), bot.Outgoing{Chat: "-1001002", Edit: id, Text: "工单 #3 <已接单>\n漏水"})
	if err != nil || got != id {
		t.Fatalf("edit: %q, %v", got, err)
	}
	if m := f.sent(t, "-1001002", id); m.Text != "工单 #3 <已接单>\n漏水" || len(m.Edits) != 1 {
		t.Errorf("after the edit: %+v", m)
	}
}

func TestSendErrors(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()
	send := func(chat bot.ChatID) error {
		_, err := f.tg.Send(ctx, bot.Outgoing{Chat: chat, Text: "hello"})
		return err
	}

	t.Run("429", func(t *testing.T) {
		f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailTooMany, RetryAfter: 7})
		var ra *bot.RetryAfterError
		if err := send("-1001001"); !errors.As(err, &ra) || ra.After != 7*time.Second {
			t.Fatalf("err = %v, want RetryAfterError of 7s", err)
		}
	})
	t.Run("kicked from a group", func(t *testing.T) {
		g := f.srv.AddChat(models.Chat{ID: -1009001, Type: models.ChatTypeSupergroup, Title: "kicked"})
		f.srv.Kick(g.ID)
		var gone *bot.ChatGoneError
		if err := send("-1009001"); !errors.As(err, &gone) || gone.Chat != "-1009001" || !strings.Contains(gone.Reason, "kicked") {
			t.Fatalf("err = %v, want ChatGoneError", err)
		}
	})
	t.Run("left a group", func(t *testing.T) {
		g := f.srv.AddChat(models.Chat{ID: -9002, Type: models.ChatTypeGroup, Title: "left"})
		f.srv.SetMember(g.ID, f.srv.Bot(), models.ChatMemberTypeLeft)
		var gone *bot.ChatGoneError
		if err := send("-9002"); !errors.As(err, &gone) {
			t.Fatalf("err = %v, want ChatGoneError", err)
		}
	})
	t.Run("private chat never started", func(t *testing.T) {
		f.srv.NeverStarted(777)
		var unreach *bot.UnreachableError
		if err := send("777"); !errors.As(err, &unreach) || unreach.Chat != "777" {
			t.Fatalf("err = %v, want UnreachableError", err)
		}
	})
	t.Run("private chat blocked", func(t *testing.T) {
		f.srv.BlockPrivate(li.ID)
		defer f.srv.Unblock(li.ID)
		var unreach *bot.UnreachableError
		if err := send("42"); !errors.As(err, &unreach) {
			t.Fatalf("err = %v, want UnreachableError", err)
		}
	})
	t.Run("group migrated", func(t *testing.T) {
		f.srv.AddChat(models.Chat{ID: -5005, Type: models.ChatTypeGroup, Title: "老群"})
		f.srv.Migrate(-5005, -1005005)
		var moved *bot.ChatMovedError
		if err := send("-5005"); !errors.As(err, &moved) || moved.From != "-5005" || moved.To != "-1005005" {
			t.Fatalf("err = %v, want ChatMovedError -5005 → -1005005", err)
		}
		if err := send("-1005005"); err != nil {
			t.Fatalf("send to the new chat: %v", err)
		}
	})
	t.Run("chat not found", func(t *testing.T) {
		var gone *bot.ChatGoneError
		if err := send("-1000000000404"); !errors.As(err, &gone) {
			t.Fatalf("err = %v, want ChatGoneError", err)
		}
		var unreach *bot.UnreachableError
		if err := send("404404"); !errors.As(err, &unreach) {
			t.Fatalf("a person never met: err = %v, want UnreachableError", err)
		}
	})
	t.Run("other 400 is permanent", func(t *testing.T) {
		f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 400, Description: "Bad Request: TOPIC_CLOSED"})
		err := send("-1001001")
		if !errors.Is(err, bot.ErrPermanent) || !errors.Is(err, tgbot.ErrorBadRequest) {
			t.Fatalf("err = %v, want ErrPermanent wrapping the bad request", err)
		}
	})
	t.Run("401 waits for the token to be fixed", func(t *testing.T) {
		// Nothing can go out with a refused token, and nothing queued is
		// given up for it: the row waits (uncounted) until the bot works.
		f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 401, Description: "Unauthorized"})
		var ra *bot.RetryAfterError
		if err := send("-1001001"); !errors.As(err, &ra) || errors.Is(err, bot.ErrPermanent) || ra.After < time.Minute {
			t.Fatalf("err = %v, want a RetryAfterError of a minute", err)
		}
	})
	transient := func(t *testing.T, err error) {
		t.Helper()
		var (
			ra     *bot.RetryAfterError
			gone   *bot.ChatGoneError
			moved  *bot.ChatMovedError
			unreac *bot.UnreachableError
		)
		if err == nil || errors.Is(err, bot.ErrPermanent) || errors.As(err, &ra) || errors.As(err, &gone) ||
			errors.As(err, &moved) || errors.As(err, &unreac) {
			t.Fatalf("err = %v, want a plain transient error", err)
		}
	}
	t.Run("500 is transient", func(t *testing.T) {
		f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailInternal})
		transient(t, send("-1001001"))
	})
	t.Run("connection reset is transient", func(t *testing.T) {
		f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailReset})
		transient(t, send("-1001001"))
	})
	t.Run("timeout is transient", func(t *testing.T) {
		tg := newAdapter(t, f.srv, func(c *telegram.Config) { c.RequestTimeout = 200 * time.Millisecond })
		f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailTimeout})
		_, err := tg.Send(ctx, bot.Outgoing{Chat: "-1001001", Text: "hello"})
		transient(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want a deadline", err)
		}
	})
	t.Run("bad ids are permanent", func(t *testing.T) {
		for _, out := range []bot.Outgoing{
			{Chat: "resident", Text: "x"},
			{Chat: "-1001001", Thread: "general", Text: "x"},
			{Chat: "-1001001", ReplyTo: "m1", Text: "x"},
			{Chat: "-1001001", Text: "  \n "},
		} {
			if _, err := f.tg.Send(ctx, out); !errors.Is(err, bot.ErrPermanent) {
				t.Errorf("Send(%+v) = %v, want ErrPermanent", out, err)
			}
		}
	})
}

func TestSendPlainTextWhenHTMLIsRefused(t *testing.T) {
	f := newSendFixture(t)
	f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 400,
		Description: `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 0`})
	text := "工单 #1\na < b & c"
	_, m := f.send(t, bot.Outgoing{Chat: "-1001001", Text: text})
	if m.Text != text || m.ParseMode != "" {
		t.Errorf("sent %q in %q", m.Text, m.ParseMode)
	}
	calls := f.srv.CallsTo("sendMessage")
	if n := len(calls); n != 2 || calls[0].Params["parse_mode"] != "HTML" || calls[1].Params["parse_mode"] != "" ||
		calls[1].Params["text"] != text {
		t.Errorf("calls %+v", calls)
	}
	// Only once: a second refusal is the answer.
	f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 400, Description: "Bad Request: can't parse entities: x"})
	f.srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 400, Description: "Bad Request: can't parse entities: x"})
	if _, err := f.tg.Send(context.Background(), bot.Outgoing{Chat: "-1001001", Text: text}); !errors.Is(err, bot.ErrPermanent) {
		t.Errorf("err = %v", err)
	}
	if n := len(f.srv.CallsTo("sendMessage")); n != 4 {
		t.Errorf("%d sendMessage calls, want 4", n)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	f := newSendFixture(t)
	var lines []string
	for i := 0; u16(strings.Join(lines, "\n")) < 9000; i++ {
		lines = append(lines, "第"+itoa(i)+"行：a < b & c 😀 <b>不是粗体</b>")
	}
	text := "月度报告 2026-03\n" + strings.Join(lines, "\n")
	id, err := f.tg.Send(context.Background(), bot.Outgoing{Chat: "-1001001", Text: text, ReplyTo: "1",
		Buttons: [][]bot.Button{{{Text: "导出", Data: "export"}}}})
	if err != nil {
		t.Fatal(err)
	}
	sent := f.srv.SentTo(residents.ID)
	if len(sent) != 3 || itoa(sent[0].MessageID) != string(id) {
		t.Fatalf("%d messages, first %d, returned %s", len(sent), sent[0].MessageID, id)
	}
	var parts []string
	for i, m := range sent {
		if u16(m.Text) > telegramtest.MaxTextLength {
			t.Errorf("part %d is %d units", i, u16(m.Text))
		}
		parts = append(parts, m.Text)
	}
	if strings.Join(parts, "\n") != text {
		t.Error("the parts do not add up to the text")
	}
	if len(sent[0].Entities) != 1 || sent[0].Entities[0].Length != u16("月度报告 2026-03") || len(sent[1].Entities) != 0 {
		t.Errorf("title entities %+v / %+v", sent[0].Entities, sent[1].Entities)
	}
	if sent[0].Markup == nil || sent[1].Markup != nil || sent[2].Markup != nil {
		t.Error("the buttons belong under the first part only")
	}

	// One long line of Chinese, no spaces at all.
	long := strings.Repeat("电梯按钮坏了请尽快修理。", 800)
	if _, err := f.tg.Send(context.Background(), bot.Outgoing{Chat: "-1001002", Text: long}); err != nil {
		t.Fatal(err)
	}
	var joined strings.Builder
	for _, m := range f.srv.SentTo(staff.ID) {
		joined.WriteString(m.Text)
	}
	if joined.String() != long {
		t.Errorf("long line came back as %d units, want %d", u16(joined.String()), u16(long))
	}
}

func TestSendLongTextIsPaced(t *testing.T) {
	clk := telegramtest.NewManualClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	f := newSendFixture(t, telegramtest.WithClock(clk.Now), telegramtest.WithLimits(telegramtest.TelegramLimits()))
	tg := newAdapter(t, f.srv, func(c *telegram.Config) {
		c.Limits = telegram.Limits{Now: clk.Now, Sleep: func(ctx context.Context, d time.Duration) error {
			clk.Advance(d)
			return nil
		}}
	})
	text := strings.Repeat("很长的通知。", 3000) // 18000 units: 5 messages
	for range 5 {
		if err := tg.Limiter().Wait(context.Background(), "-1001001"); err != nil {
			t.Fatal(err)
		}
		if _, err := tg.Send(context.Background(), bot.Outgoing{Chat: "-1001001", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.srv.SentTo(residents.ID)); n != 25 {
		t.Errorf("%d messages sent, want 25", n)
	}
	if n := f.srv.TooManyCount(); n != 0 {
		t.Errorf("%d × 429", n)
	}
}

func TestSendRespectsTelegramLimits(t *testing.T) {
	// The fake enforces Telegram's limits on the same manual clock that
	// the adapter's limiter sleeps on: pacing first means no 429 at all.
	clk := telegramtest.NewManualClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	srv := newServer(t, telegramtest.WithClock(clk.Now), telegramtest.WithLimits(telegramtest.TelegramLimits()))
	tg := newAdapter(t, srv, func(c *telegram.Config) {
		c.Limits = telegram.Limits{Now: clk.Now, Sleep: func(ctx context.Context, d time.Duration) error {
			clk.Advance(d)
			return nil
		}}
	})
	chats := []bot.ChatID{"-1001001", "-1001002", "-4001"}
	for i := int64(1); i <= 40; i++ {
		srv.AddPrivateChat(models.User{ID: 5000 + i, FirstName: "R"})
		chats = append(chats, bot.ChatID(itoa(5000+i)))
	}
	for _, c := range chats[:3] {
		srv.AddChat(models.Chat{ID: int64(atoi(t, string(c)))})
	}
	ctx := context.Background()
	for i := range 400 {
		// Every fourth message goes to the first group: far over 20 a minute if unpaced.
		c := chats[i%len(chats)]
		if i%4 == 0 {
			c = chats[0]
		}
		if err := tg.Limiter().Wait(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := tg.Send(ctx, bot.Outgoing{Chat: c, Text: "通知 " + itoa(i)}); err != nil {
			t.Fatalf("message %d to %s: %v", i, c, err)
		}
	}
	if n := srv.TooManyCount(); n != 0 {
		t.Errorf("%d × 429 despite pacing", n)
	}
}

func TestSendMedia(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()

	// An upload, with a caption and buttons.
	img := pngBytes(t)
	_, m := f.send(t, bot.Outgoing{Chat: "-1001002", Text: "工单 #3 <漏水>\n厨房 & 卫生间",
		Attachment: &bot.Attachment{Kind: "photo", Data: img, Name: "leak.png"},
		Buttons:    [][]bot.Button{{{Text: "接单", Data: "t:3:take"}}}})
	if m.Kind != telegramtest.KindPhoto || m.Text != "工单 #3 <漏水>\n厨房 & 卫生间" || m.File == nil ||
		len(m.File.Data) != len(img) || m.Markup == nil || len(m.Entities) != 1 {
		t.Errorf("photo: %+v", m)
	}

	// By file_id, as a resident's photo is passed on to the staff group.
	u := f.srv.SendPhoto(residents, li, "#报修 漏水", img)
	ref := u.Message.Photo[len(u.Message.Photo)-1].FileID
	_, m = f.send(t, bot.Outgoing{Chat: "-1001002", Text: "工单 #4", Attachment: &bot.Attachment{Kind: "photo", Ref: ref}})
	if m.Kind != telegramtest.KindPhoto || m.FileID != ref {
		t.Errorf("photo by id: %+v", m)
	}

	// A document.
	_, m = f.send(t, bot.Outgoing{Chat: "42", Text: "2026-03 导出", Attachment: &bot.Attachment{Kind: "file", Name: "2026-03.csv", Data: []byte("id,kind\n1,repair\n")}})
	if m.Kind != telegramtest.KindDocument || m.File == nil || m.File.Filename != "2026-03.csv" {
		t.Errorf("document: %+v", m)
	}

	// A reference Telegram does not know (another platform's): the text still goes out.
	_, m = f.send(t, bot.Outgoing{Chat: "-1001002", Text: "工单 #5\n照片见业主群", Attachment: &bot.Attachment{Kind: "photo", Ref: "wechat:abc"}})
	if m.Kind != telegramtest.KindMessage || m.Text != "工单 #5\n照片见业主群" {
		t.Errorf("fallback: %+v", m)
	}

	// A caption over 1024 units: the rest follows as a message.
	long := "工单 #6\n" + strings.Repeat("描述", 700)
	before := len(f.srv.SentTo(staff.ID))
	id, err := f.tg.Send(ctx, bot.Outgoing{Chat: "-1001002", Text: long, Attachment: &bot.Attachment{Kind: "photo", Ref: ref}})
	if err != nil {
		t.Fatal(err)
	}
	sent := f.srv.SentTo(staff.ID)[before:]
	if len(sent) != 2 || itoa(sent[0].MessageID) != string(id) || sent[0].Kind != telegramtest.KindPhoto ||
		sent[1].Kind != telegramtest.KindMessage || sent[0].Text+sent[1].Text != long {
		t.Errorf("long caption: %d messages", len(sent))
	}
}

func TestAnswerCallbackClipsText(t *testing.T) {
	f := newSendFixture(t)
	u := f.srv.Callback(staff, zhang, 1, "t:1:take")
	if err := f.tg.AnswerCallback(context.Background(), u.CallbackQuery.ID, strings.Repeat("长", 300)); err != nil {
		t.Fatal(err)
	}
	if a := f.srv.AnsweredCallbacks(); len(a) != 1 || u16(a[0].Text) != 200 {
		t.Errorf("answers %+v", a)
	}
}

func TestDelete(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()
	u := f.srv.SendText(residents, li, "/suggest 希望增加路灯")
	id := bot.MessageID(itoa(u.Message.ID))
	if err := f.tg.Delete(ctx, "-1001001", id); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.srv.Message(residents.ID, u.Message.ID); ok {
		t.Error("the message is still there")
	}
	// Already gone counts as deleted; so does the Outgoing form.
	if _, err := f.tg.Send(ctx, bot.Outgoing{Chat: "-1001001", Delete: id, Text: "-"}); err != nil {
		t.Errorf("second delete: %v", err)
	}
	f.srv.FailNext("deleteMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 400, Description: "Bad Request: message can't be deleted"})
	if err := f.tg.Delete(ctx, "-1001001", "1"); !errors.Is(err, bot.ErrPermanent) {
		t.Errorf("delete without the right: %v, want ErrPermanent", err)
	}
	if n := len(f.srv.SentTo(residents.ID)); n != 0 {
		t.Errorf("deleting sent %d messages", n)
	}
}

func TestSendAnonymousLeavesNoTrace(t *testing.T) {
	srv := newServer(t)
	srv.AddPrivateChat(models.User{ID: 987654321, FirstName: "匿名"})
	var logs bytes.Buffer
	tg := newAdapter(t, srv, func(c *telegram.Config) {
		c.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	// Paths that log: refused HTML, an edit that has to be sent anew, a refused attachment.
	srv.FailNext("sendMessage", telegramtest.Failure{Kind: telegramtest.FailError, Code: 400, Description: "Bad Request: can't parse entities: x"})
	for _, out := range []bot.Outgoing{
		{Chat: "987654321", Text: "您的建议已匿名收到", Anonymous: true},
		{Chat: "987654321", Edit: "999", Text: "您的建议已匿名收到", Anonymous: true},
		{Chat: "987654321", Text: "您的建议已匿名收到", Anonymous: true, Attachment: &bot.Attachment{Kind: "photo", Ref: "bogus"}},
	} {
		if _, err := tg.Send(context.Background(), out); err != nil {
			t.Fatal(err)
		}
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged: the test exercises nothing")
	}
	if strings.Contains(logs.String(), "987654321") {
		t.Errorf("the logs name the chat:\n%s", logs.String())
	}
}

// TestIDsNotNumbers: a chat, thread or message id that is not a number can
// never be sent to: every call fails for good, names the id, and sends nothing.
func TestIDsNotNumbers(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()
	poll := &bot.Poll{Question: "?", Options: []string{"a", "b"}}
	for _, c := range []struct {
		want string // what the error names
		call func() error
	}{
		{`chat id "群"`, func() error { _, err := f.tg.Send(ctx, bot.Outgoing{Chat: "群", Text: "x"}); return err }},
		{`thread id "t1"`, func() error {
			_, err := f.tg.Send(ctx, bot.Outgoing{Chat: "-1001001", Thread: "t1", Text: "x"})
			return err
		}},
		{`message id "m1"`, func() error {
			_, err := f.tg.Send(ctx, bot.Outgoing{Chat: "-1001001", ReplyTo: "m1", Text: "x"})
			return err
		}},
		{`chat id "群"`, func() error {
			_, _, err := f.tg.SendPoll(ctx, bot.Outgoing{Chat: "群", Text: "x", Poll: poll})
			return err
		}},
		{`thread id "t1"`, func() error {
			_, _, err := f.tg.SendPoll(ctx, bot.Outgoing{Chat: "-1001001", Thread: "t1", Text: "x", Poll: poll})
			return err
		}},
		{`chat id "群"`, func() error { return f.tg.Pin(ctx, "群", "1") }},
		{`message id "m1"`, func() error { return f.tg.Pin(ctx, "-1001001", "m1") }},
		{`chat id "群"`, func() error { return f.tg.Delete(ctx, "群", "1") }},
		{`message id "m1"`, func() error { return f.tg.Delete(ctx, "-1001001", "m1") }},
	} {
		err := c.call()
		if !errors.Is(err, bot.ErrPermanent) || !strings.Contains(err.Error(), "telegram "+c.want+" is not a number") {
			t.Errorf("%v, want a permanent error: telegram %s is not a number", err, c.want)
		}
	}
	if n := len(f.srv.SentTo(residents.ID)); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}
