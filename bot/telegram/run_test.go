package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
)

func TestRunDeliversUpdatesAndSavesOffset(t *testing.T) {
	srv := newServer(t)
	srv.AddChat(residents)
	offsets := newMemOffsets(0)
	tg := newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets })
	in := newInbox(nil)
	r := run(t, tg, in)

	u := srv.SendText(residents, li, "#报修 3号楼电梯按钮坏了 @linli_bot")
	got := in.next(t)
	want := bot.Message{
		Platform: bot.Telegram, Chat: "-1001001", ChatKind: bot.Group, ChatTitle: "阳光花园业主群",
		ID: bot.MessageID(itoa(u.Message.ID)), Sender: "42", SenderName: "阿姨 李", SenderUsername: "li_ayi",
		Text: "#报修 3号楼电梯按钮坏了 @linli_bot", MentionsBot: true, BotNames: []string{botName},
		Time: time.Unix(int64(u.Message.Date), 0).UTC(),
	}
	if !equalMessages(got, want) {
		t.Errorf("got\n  %+v\nwant\n  %+v", got, want)
	}
	offsets.waitSaved(t, u.ID)

	// The polling setup: no webhook, only the update kinds the adapter uses.
	if n := len(srv.CallsTo("deleteWebhook")); n != 1 {
		t.Errorf("deleteWebhook called %d times", n)
	}
	polls := srv.CallsTo("getUpdates")
	if len(polls) == 0 || polls[0].Params["offset"] != "1" {
		t.Fatalf("first getUpdates %+v, want offset 1", polls)
	}
	var allowed []string
	_ = json.Unmarshal([]byte(polls[0].Params["allowed_updates"]), &allowed)
	if !slices.Equal(allowed, []string{"message", "callback_query", "my_chat_member", "poll_answer"}) {
		t.Errorf("allowed_updates %q", allowed)
	}
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestRunResumesAfterSavedOffset(t *testing.T) {
	offsets := newMemOffsets(0)
	srv := newServer(t)
	first := srv.SendText(residents, li, "#报修 路灯不亮")
	in := newInbox(nil)
	r := run(t, newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets }), in)
	if m := in.next(t); m.Text != "#报修 路灯不亮" {
		t.Fatalf("got %q", m.Text)
	}
	offsets.waitSaved(t, first.ID)
	r.stop()

	// The process restarts while Telegram still holds the first update (its
	// confirmation was lost with the old process): a new server holds it
	// and a newer one.
	srv2 := newServer(t)
	srv2.PushUpdate(first)
	second := srv2.SendText(residents, zhang, "/take 1")
	in2 := newInbox(nil)
	run(t, newAdapter(t, srv2, func(c *telegram.Config) { c.Offsets = offsets }), in2)
	// Updates arrive in id order, so the first one would come first.
	if m := in2.next(t); m.Text != "/take 1" {
		t.Fatalf("after the restart got %q first, want the new update only", m.Text)
	}
	if p := srv2.CallsTo("getUpdates")[0].Params["offset"]; p != itoa(first.ID+1) {
		t.Errorf("first getUpdates after the restart asked for offset %s, want %d", p, first.ID+1)
	}
	offsets.waitSaved(t, second.ID)
}

func TestRunWaitsForHandlersInFlight(t *testing.T) {
	srv := newServer(t)
	offsets := newMemOffsets(0)
	release := make(chan struct{})
	in := newInbox(func(m *bot.Message) error {
		<-release
		return nil
	})
	r := run(t, newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets }), in)
	u := srv.SendText(residents, li, "#投诉 噪音")
	in.next(t)

	r.cancel()
	select {
	case err := <-r.errc:
		t.Fatalf("Run returned (%v) while a handler was still running", err)
	default:
	}
	close(release)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if got := offsets.get(); got != u.ID {
		t.Errorf("offset after shutdown %d, want %d", got, u.ID)
	}
}

func TestRunShutdownLosesNoUpdate(t *testing.T) {
	// The Router is full when shutdown begins: the update in hand still goes
	// in, and the ones behind it stay with Telegram for the next run.
	srv := newServer(t)
	offsets := newMemOffsets(0)
	for i := range 5 {
		srv.SendText(residents, li, "消息 "+itoa(i))
	}
	entered, release := make(chan struct{}), make(chan struct{})
	in := newInbox(nil)
	in.gate = func(m bot.Message) {
		if m.Text == "消息 0" {
			close(entered)
			<-release
		}
	}
	r := run(t, newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets }), in)
	<-entered
	r.cancel()
	close(release)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(in.msgs) > 0 {
		got = append(got, (<-in.msgs).Text)
	}
	if len(got) == 0 || got[0] != "消息 0" {
		t.Fatalf("enqueued %q, want the update in hand", got)
	}

	in2 := newInbox(nil)
	run(t, newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets }), in2)
	for i := len(got); i < 5; i++ {
		if m := in2.next(t); m.Text != "消息 "+itoa(i) {
			t.Fatalf("after the restart got %q, want %q", m.Text, "消息 "+itoa(i))
		}
	}
}

func TestRunOffsetWaitsForEarlierUpdates(t *testing.T) {
	srv := newServer(t)
	offsets := newMemOffsets(0)
	release := make(chan struct{})
	in := newInbox(func(m *bot.Message) error {
		if m.Text == "slow" {
			<-release
		}
		return nil
	})
	// Two chats: the slow one holds the offset until it is done.
	slow := srv.SendText(residents, li, "slow")
	fast := srv.SendText(staff, zhang, "fast")
	r := run(t, newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets }), in)
	in.next(t)
	in.next(t)
	select {
	case v := <-offsets.saved:
		t.Fatalf("offset %d saved while update %d was still being handled", v, slow.ID)
	default:
	}
	close(release)
	offsets.waitSaved(t, fast.ID)
	r.stop()
}

func TestRunAnswersCallbacks(t *testing.T) {
	srv := newServer(t)
	srv.AddChat(staff)
	in := newInbox(func(m *bot.Message) error {
		if m.Callback == nil {
			return nil
		}
		if m.Callback.Data == "t:12:take" {
			m.Callback.Answer = "已接单 #12"
			return nil
		}
		return context.DeadlineExceeded // a failing handler
	})
	tg := newAdapter(t, srv, nil)
	run(t, tg, in)

	card, err := tg.Send(context.Background(), bot.Outgoing{
		Chat: "-1001002", Text: "工单 #12\n3号楼电梯", Buttons: [][]bot.Button{{{Text: "接单", Data: "t:12:take"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cardID := atoi(t, string(card))
	u := srv.Callback(staff, zhang, cardID, "t:12:take")
	m := in.next(t)
	if m.Callback == nil || m.Callback.ID != u.CallbackQuery.ID || m.Callback.Data != "t:12:take" ||
		m.Chat != "-1001002" || m.Sender != "43" || m.ReplyTo != card || m.ID != bot.MessageID("cb:"+u.CallbackQuery.ID) {
		t.Errorf("callback message %+v (callback %+v)", m, m.Callback)
	}
	waitFor(t, srv, "the answer", func() bool { return len(srv.AnsweredCallbacks()) == 1 })
	if a := srv.AnsweredCallbacks()[0]; a.CallbackQueryID != u.CallbackQuery.ID || a.Text != "已接单 #12" {
		t.Errorf("answer %+v", a)
	}

	// A handler error still stops the spinner, with no toast.
	u2 := srv.Callback(staff, zhang, cardID, "t:12:explode")
	in.next(t)
	waitFor(t, srv, "the second answer", func() bool { return len(srv.AnsweredCallbacks()) == 2 })
	if a := srv.AnsweredCallbacks()[1]; a.CallbackQueryID != u2.CallbackQuery.ID || a.Text != "" {
		t.Errorf("answer after a failure %+v", a)
	}
}

func TestRunChatEvents(t *testing.T) {
	srv := newServer(t)
	srv.AddChat(residents)
	tg := newAdapter(t, srv, nil)
	in := newInbox(nil)
	run(t, tg, in)
	ctx := context.Background()

	// Added to a new group, then kicked from it.
	newGroup := models.Chat{ID: -1001003, Type: models.ChatTypeSupergroup, Title: "2期业主群"}
	srv.MyChatMember(newGroup, li, models.ChatMemberTypeMember)
	if m := in.next(t); m.Event != bot.EventBotAdded || m.Chat != "-1001003" || m.ChatTitle != "2期业主群" || m.Sender != "42" {
		t.Errorf("added: %+v", m)
	}
	srv.MyChatMember(newGroup, li, models.ChatMemberTypeBanned)
	if m := in.next(t); m.Event != bot.EventBotRemoved || m.Chat != "-1001003" {
		t.Errorf("removed: %+v", m)
	}

	// A basic group upgraded to a supergroup: one event, from the old chat.
	basic := models.Chat{ID: -5005, Type: models.ChatTypeGroup, Title: "老业主群"}
	srv.AddChat(basic)
	srv.Migrate(-5005, -1005005)
	if m := in.next(t); m.Event != bot.EventMigrated || m.Chat != "-5005" || m.NewChat != "-1005005" {
		t.Errorf("migrated: %+v", m)
	}

	// A forum topic: the thread is kept, the topic root is no reply.
	forum := models.Chat{ID: -1001004, Type: models.ChatTypeSupergroup, Title: "论坛群", IsForum: true}
	srv.AddChat(forum)
	topic := srv.CreateTopic(forum.ID, "报修")
	srv.SendTopicText(forum, li, topic, "#报修 车库门")
	if m := in.next(t); m.Thread != itoa(topic) || m.ReplyTo != "" || m.Text != "#报修 车库门" {
		t.Errorf("topic message: %+v", m)
	}

	// A photo with a caption.
	p := srv.SendPhoto(residents, li, "#报修 厨房漏水", pngBytes(t))
	photos := p.Message.Photo
	m := in.next(t)
	if m.Text != "#报修 厨房漏水" || len(m.Attachments) != 1 || m.Attachments[0].Kind != "photo" ||
		m.Attachments[0].Ref != photos[len(photos)-1].FileID {
		t.Errorf("photo: %+v (sizes %+v)", m, photos)
	}

	// A reply to the bot's card, and commands for this and another bot.
	card, err := tg.Send(ctx, bot.Outgoing{Chat: "-1001001", Text: "工单 #3\n厨房漏水"})
	if err != nil {
		t.Fatal(err)
	}
	srv.ReplyText(residents, zhang, "下午到", atoi(t, string(card)))
	if m := in.next(t); m.ReplyTo != card || !m.MentionsBot {
		t.Errorf("reply to the card: %+v", m)
	}
	srv.SendText(residents, li, "/status@linli_bot 3")
	srv.SendText(residents, li, "/status@OtherBot 3")
	if m := in.next(t); m.Text != "/status@linli_bot 3" || m.MentionsBot {
		t.Errorf("command to this bot: %+v", m)
	}
	if m := in.next(t); m.Text != "/status@OtherBot 3" {
		t.Errorf("command to another bot: %+v", m)
	}

	// Renamed; an edit is ignored, so the rename is the next message.
	u := srv.SendText(residents, li, "typo")
	in.next(t)
	srv.EditText(residents.ID, u.Message.ID, "fixed")
	srv.PushMessage(residents, li, models.Message{NewChatTitle: "阳光花园1期业主群"})
	if m := in.next(t); m.Event != bot.EventRenamed || m.ChatTitle != "阳光花园1期业主群" {
		t.Errorf("renamed: %+v", m)
	}
}

// The menu the adapter is given is set for private chats and for groups,
// once per language and once without one (Config.Lang's); without a menu
// none is set.
func TestRunSetsCommandMenu(t *testing.T) {
	menu := &telegram.Menu{
		Group: map[string][]telegram.Command{
			"zh": {{Name: "repair", Description: "报修"}},
			"en": {{Name: "repair", Description: "Repair"}},
		},
		Private: map[string][]telegram.Command{
			"zh": {{Name: "repair", Description: "报修"}, {Name: "grant", Description: "授权"}},
			"en": {{Name: "repair", Description: "Repair"}, {Name: "grant", Description: "Grant"}},
		},
	}
	srv := newServer(t)
	tg := newAdapter(t, srv, func(c *telegram.Config) { c.Menu = menu })
	run(t, tg, newInbox(nil))

	type key struct{ scope, lang string }
	got := map[key][]models.BotCommand{}
	for _, c := range srv.Commands() {
		got[key{c.ScopeType, c.LanguageCode}] = c.Commands
	}
	if len(got) != 6 {
		t.Errorf("%d menus set, want 6: %v", len(got), got)
	}
	for _, k := range []key{
		{"all_private_chats", "zh"}, {"all_private_chats", "en"}, {"all_private_chats", ""},
		{"all_group_chats", "zh"}, {"all_group_chats", "en"}, {"all_group_chats", ""},
	} {
		src := menu.Group
		if k.scope == "all_private_chats" {
			src = menu.Private
		}
		lang := k.lang
		if lang == "" {
			lang = "zh" // the default language
		}
		var want []models.BotCommand
		for _, c := range src[lang] {
			want = append(want, models.BotCommand{Command: c.Name, Description: c.Description})
		}
		if !slices.Equal(got[k], want) {
			t.Errorf("menu %+v = %+v, want %+v", k, got[k], want)
		}
	}

	srv = newServer(t)
	run(t, newAdapter(t, srv, nil), newInbox(nil))
	if cs := srv.Commands(); len(cs) != 0 {
		t.Errorf("without a menu, %d were set", len(cs))
	}
}

func TestRunReadsPrivacyMode(t *testing.T) {
	for _, on := range []bool{false, true} {
		srv := newServer(t, telegramtest.WithPrivacyMode(on))
		tg := newAdapter(t, srv, nil)
		if tg.PrivacyMode() {
			t.Error("privacy mode known before getMe")
		}
		run(t, tg, newInbox(nil))
		if got := tg.PrivacyMode(); got != on {
			t.Errorf("PrivacyMode() = %v, want %v", got, on)
		}
		if tg.Username() != botName {
			t.Errorf("Username() = %q", tg.Username())
		}
	}
}

func TestRunBadToken(t *testing.T) {
	srv := newServer(t)
	tg, err := telegram.New(telegram.Config{Token: "999:wrong", APIURL: srv.URL, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := tg.Run(ctx, newInbox(nil)); err == nil || ctx.Err() != nil {
		t.Fatalf("Run with a wrong token: %v", err)
	}
}

func TestRunWebhook(t *testing.T) {
	srv := newServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cret-Token_1"
	tg := newAdapter(t, srv, func(c *telegram.Config) {
		c.Webhook = &telegram.WebhookConfig{PublicURL: "https://linli.example/tg/hook", Listener: ln, Secret: secret}
	})
	in := newInbox(nil)
	r := run(t, tg, in)

	calls := srv.CallsTo("setWebhook")
	if len(calls) != 1 || calls[0].Params["url"] != "https://linli.example/tg/hook" || calls[0].Params["secret_token"] != secret {
		t.Fatalf("setWebhook calls %+v", calls)
	}
	if n := len(srv.CallsTo("getUpdates")) + len(srv.CallsTo("deleteWebhook")); n != 0 {
		t.Errorf("webhook mode polled or deleted the webhook (%d calls)", n)
	}

	post := func(secret string, u models.Update) int {
		body, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/tg/hook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	msg := func(id int, text string) models.Update {
		return models.Update{ID: int64(id), Message: &models.Message{ID: id, Chat: residents, From: &li, Date: 1772352000, Text: text}}
	}
	if code := post("wrong", msg(1, "forged")); code != http.StatusForbidden {
		t.Errorf("a wrong secret got %d", code)
	}
	if code := post(secret, msg(2, "#报修 漏水")); code != http.StatusOK {
		t.Errorf("a good update got %d", code)
	}
	if m := in.next(t); m.Text != "#报修 漏水" || m.ID != "2" {
		t.Errorf("got %+v, want the genuine update only", m)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]telegram.Config{
		"no token":       {},
		"bad url":        {Token: token, APIURL: "ftp://x"},
		"short poll":     {Token: token, PollTimeout: time.Second},
		"client timeout": {Token: token, HTTPClient: &http.Client{Timeout: 10 * time.Second}, PollTimeout: 30 * time.Second},
		"webhook listen": {Token: token, Webhook: &telegram.WebhookConfig{PublicURL: "https://x.example/hook"}},
		"webhook secret": {Token: token, Webhook: &telegram.WebhookConfig{PublicURL: "https://x.example/hook", Listen: ":8443", Secret: "bad secret!"}},
	} {
		if _, err := telegram.New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	tg, err := telegram.New(telegram.Config{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if tg.ID() != bot.Telegram || tg.Limiter() == nil {
		t.Errorf("ID %q, limiter %v", tg.ID(), tg.Limiter())
	}
}

func TestRunWithRouter(t *testing.T) {
	// The real Router: handlers set the toast through the shared *Callback,
	// messages of one chat keep their order.
	srv := newServer(t)
	srv.AddChat(staff)
	offsets := newMemOffsets(0)
	texts := make(chan string, 100)
	router := bot.NewRouter(4, testLogger(t))
	router.Handle(bot.IsCallback, bot.HandlerFunc(func(_ context.Context, m *bot.Message) error {
		m.Callback.Answer = "收到 " + m.Callback.Data
		return nil
	}))
	router.Handle(bot.Any, bot.HandlerFunc(func(_ context.Context, m *bot.Message) error {
		texts <- m.Text
		return nil
	}))
	router.Start()
	t.Cleanup(router.Close) // after Run has returned: cleanups run last-in first-out
	tg := newAdapter(t, srv, func(c *telegram.Config) { c.Offsets = offsets })
	r := run(t, tg, router)

	var last models.Update
	for i := range 20 {
		last = srv.SendText(staff, zhang, "/progress 1 第"+itoa(i)+"步")
	}
	for i := range 20 {
		select {
		case got := <-texts:
			if want := "/progress 1 第" + itoa(i) + "步"; got != want {
				t.Fatalf("message %d: got %q, want %q", i, got, want)
			}
		case <-time.After(deadline):
			t.Fatal("router handled too few messages")
		}
	}
	offsets.waitSaved(t, last.ID)

	card, err := tg.Send(context.Background(), bot.Outgoing{Chat: "-1001002", Text: "工单 #1", Buttons: [][]bot.Button{{{Text: "接单", Data: "t:1:take"}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Callback(staff, zhang, atoi(t, string(card)), "t:1:take")
	waitFor(t, srv, "the answer", func() bool { return len(srv.AnsweredCallbacks()) == 1 })
	if a := srv.AnsweredCallbacks()[0]; a.Text != "收到 t:1:take" {
		t.Errorf("answer %+v", a)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}
