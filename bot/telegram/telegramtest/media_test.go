package telegramtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram/telegramtest"
)

func download(t *testing.T, b *tgbot.Bot, fileID string) []byte {
	t.Helper()
	f, err := b.GetFile(context.Background(), &tgbot.GetFileParams{FileID: fileID})
	if err != nil {
		t.Fatalf("getFile: %v", err)
	}
	resp, err := http.Get(b.FileDownloadLink(f))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %d %v", resp.StatusCode, err)
	}
	if int64(len(data)) != f.FileSize {
		t.Errorf("file_size = %d, downloaded %d bytes", f.FileSize, len(data))
	}
	return data
}

func TestSendDocumentAndPhoto(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	ctx := context.Background()
	s.AddChat(group)
	csv := []byte("工单,状态\n12,已关闭\n")
	msg, err := b.SendDocument(ctx, &tgbot.SendDocumentParams{
		ChatID:    group.ID,
		Document:  &models.InputFileUpload{Filename: "report.csv", Data: bytes.NewReader(csv)},
		Caption:   "<b>月报</b>",
		ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := msg.Document; d == nil || d.FileName != "report.csv" || d.MimeType != "text/csv" || d.FileSize != int64(len(csv)) || msg.Caption != "月报" {
		t.Errorf("document message = %+v %+v", msg, msg.Document)
	}
	c := lastCall(t, s, "sendDocument")
	if f := c.Files["document"]; f.Filename != "report.csv" || !bytes.Equal(f.Data, csv) {
		t.Errorf("captured file = %q %q", f.Filename, f.Data)
	}
	sent := s.Sent()[0]
	if sent.Kind != telegramtest.KindDocument || sent.File == nil || !bytes.Equal(sent.File.Data, csv) || sent.Text != "月报" {
		t.Errorf("sent = %+v", sent)
	}
	if got := download(t, b, msg.Document.FileID); !bytes.Equal(got, csv) {
		t.Errorf("downloaded %q", got)
	}
	// Re-sending by file_id reuses the file.
	again, err := b.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: group.ID, Document: &models.InputFileString{Data: msg.Document.FileID}})
	if err != nil || again.Document.FileID != msg.Document.FileID {
		t.Errorf("resend = %+v, %v", again, err)
	}
	_, err = b.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: group.ID, Document: &models.InputFileString{Data: "nonsense"}})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "wrong file identifier/HTTP URL specified")

	// Photos must be images.
	_, err = b.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: group.ID, Photo: &models.InputFileUpload{Filename: "x.jpg", Data: bytes.NewReader([]byte("not an image"))}})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "IMAGE_PROCESS_FAILED")
	img := pngBytes(t, 320, 160)
	photo, err := b.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: group.ID, Photo: &models.InputFileUpload{Filename: "p.png", Data: bytes.NewReader(img)}, Caption: "现场"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(photo.Photo); n != 2 || photo.Photo[1].Width != 320 || photo.Photo[1].Height != 160 || photo.Photo[0].Width != 90 {
		t.Errorf("photo sizes = %+v", photo.Photo)
	}
	if got := download(t, b, photo.Photo[1].FileID); !bytes.Equal(got, img) {
		t.Error("downloaded photo differs")
	}
}

func TestUserPhotoUpdate(t *testing.T) {
	s := newServer(t)
	b, updates := pollingBot(t, s)
	img := pngBytes(t, 64, 64)
	s.SendPhoto(group, alice, "#报修 漏水 @test_bot", img)
	u := recv(t, updates)
	m := u.Message
	if m == nil || len(m.Photo) != 1 || m.Caption != "#报修 漏水 @test_bot" || len(m.CaptionEntities) != 2 {
		t.Fatalf("photo update = %+v", m)
	}
	if got := download(t, b, m.Photo[len(m.Photo)-1].FileID); !bytes.Equal(got, img) {
		t.Error("downloaded photo differs")
	}
	_, err := b.GetFile(context.Background(), &tgbot.GetFileParams{FileID: "missing"})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "invalid file_id")
}

func TestPoll(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	s.AddChat(group)
	msg, err := b.SendPoll(context.Background(), &tgbot.SendPollParams{
		ChatID: group.ID, Question: "满意度?", IsAnonymous: tgbot.False(),
		Options: []models.InputPollOption{{Text: "满意"}, {Text: "一般"}, {Text: "不满意"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := msg.Poll
	if p == nil || p.Question != "满意度?" || len(p.Options) != 3 || p.IsAnonymous || p.Type != "regular" || p.ID == "" {
		t.Fatalf("poll = %+v", p)
	}
	if sent := s.Sent()[0]; sent.Kind != telegramtest.KindPoll || sent.Poll == nil || sent.Text != "满意度?" {
		t.Errorf("sent = %+v", sent)
	}
	ans := s.AnswerPoll(p.ID, alice, 0)
	if ans.PollAnswer == nil || ans.PollAnswer.User.ID != alice.ID || ans.PollAnswer.OptionIDs[0] != 0 {
		t.Errorf("poll_answer = %+v", ans.PollAnswer)
	}
	s.AnswerPoll(p.ID, bob, 2)
	if got := s.Sent()[0].Poll; got.TotalVoterCount != 2 || got.Options[0].VoterCount != 1 || got.Options[2].VoterCount != 1 {
		t.Errorf("counts = %+v", got)
	}
	if n := s.PendingUpdates(); n != 4 { // poll_answer + poll, twice
		t.Errorf("pending = %d, want 4", n)
	}
	_, err = b.SendPoll(context.Background(), &tgbot.SendPollParams{ChatID: group.ID, Question: "q", Options: []models.InputPollOption{{Text: "only"}}})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "poll must have at least 2 option")
}

func TestCommandsPinsAndChats(t *testing.T) {
	s := newServer(t)
	b := newBot(t, s)
	ctx := context.Background()
	s.AddChat(group)

	cmds := []models.BotCommand{{Command: "repair", Description: "报修"}, {Command: "status", Description: "查进度"}}
	if _, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
		Commands: cmds[:1], Scope: &models.BotCommandScopeChat{ChatID: group.ID}, LanguageCode: "zh",
	}); err != nil {
		t.Fatal(err)
	}
	got := s.Commands()
	if len(got) != 2 || got[0].ScopeType != "default" || len(got[0].Commands) != 2 ||
		got[1].ScopeType != "chat" || got[1].LanguageCode != "zh" || got[1].Commands[0].Command != "repair" {
		t.Errorf("commands = %+v", got)
	}
	if list, err := b.GetMyCommands(ctx, &tgbot.GetMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: group.ID}, LanguageCode: "zh"}); err != nil || len(list) != 1 {
		t.Errorf("getMyCommands = %+v, %v", list, err)
	}
	_, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "报修", Description: "x"}}})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "BOT_COMMAND_INVALID")

	msg, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: group.ID, Text: "公告"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.PinChatMessage(ctx, &tgbot.PinChatMessageParams{ChatID: group.ID, MessageID: msg.ID})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "not enough rights to manage pinned messages in the chat")
	s.SetMember(group.ID, s.Bot(), models.ChatMemberTypeAdministrator)
	if _, err := b.PinChatMessage(ctx, &tgbot.PinChatMessageParams{ChatID: group.ID, MessageID: msg.ID}); err != nil {
		t.Fatal(err)
	}
	if p := s.Pinned(group.ID); len(p) != 1 || p[0] != msg.ID {
		t.Errorf("pinned = %v", p)
	}
	info, err := b.GetChat(ctx, &tgbot.GetChatParams{ChatID: group.ID})
	if err != nil || info.Title != group.Title || info.Type != models.ChatTypeSupergroup || info.PinnedMessage == nil || info.PinnedMessage.ID != msg.ID {
		t.Errorf("getChat = %+v, %v", info, err)
	}
	if _, err := b.UnpinChatMessage(ctx, &tgbot.UnpinChatMessageParams{ChatID: group.ID}); err != nil || len(s.Pinned(group.ID)) != 0 {
		t.Errorf("unpin: %v, pinned %v", err, s.Pinned(group.ID))
	}

	me, err := b.GetChatMember(ctx, &tgbot.GetChatMemberParams{ChatID: group.ID, UserID: s.Bot().ID})
	if err != nil || me.Type != models.ChatMemberTypeAdministrator || me.Administrator.User.ID != s.Bot().ID {
		t.Errorf("bot member = %+v, %v", me, err)
	}
	s.SendText(group, alice, "hi")
	if m, err := b.GetChatMember(ctx, &tgbot.GetChatMemberParams{ChatID: group.ID, UserID: alice.ID}); err != nil || m.Type != models.ChatMemberTypeMember {
		t.Errorf("alice = %+v, %v", m, err)
	}
	s.SetMember(group.ID, bob, models.ChatMemberTypeOwner)
	if m, err := b.GetChatMember(ctx, &tgbot.GetChatMemberParams{ChatID: group.ID, UserID: bob.ID}); err != nil || m.Type != models.ChatMemberTypeOwner {
		t.Errorf("bob = %+v, %v", m, err)
	}
	_, err = b.GetChatMember(ctx, &tgbot.GetChatMemberParams{ChatID: group.ID, UserID: 4242})
	wantErrorContains(t, err, tgbot.ErrorBadRequest, "user not found")

	if ok, err := b.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: group.ID, Action: models.ChatActionTyping}); !ok || err != nil {
		t.Errorf("sendChatAction = %v, %v", ok, err)
	}
}

func TestDetectEntities(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []models.MessageEntity
	}{
		{"/start", []models.MessageEntity{{Type: "bot_command", Offset: 0, Length: 6}}},
		{"/repair@xq_bot 电梯", []models.MessageEntity{{Type: "bot_command", Offset: 0, Length: 14}}},
		{"请 /status 12", []models.MessageEntity{{Type: "bot_command", Offset: 2, Length: 7}}},
		{"/报修 电梯", nil},
		{"a/b and /x/y", nil},
		{"#报修 电梯坏了", []models.MessageEntity{{Type: "hashtag", Offset: 0, Length: 3}}},
		{"#报修电梯坏了", []models.MessageEntity{{Type: "hashtag", Offset: 0, Length: 7}}},
		{"＃报修 full-width", nil},
		{"#123 #a1", []models.MessageEntity{{Type: "hashtag", Offset: 5, Length: 3}}},
		{"😀#tag", []models.MessageEntity{{Type: "hashtag", Offset: 2, Length: 4}}},
		{"hi @ab @abcd @gif mail@example.com", []models.MessageEntity{
			{Type: "mention", Offset: 7, Length: 5}, {Type: "mention", Offset: 13, Length: 4}}},
		{"", nil},
	} {
		got := telegramtest.DetectEntities(tc.text)
		if len(got) != len(tc.want) {
			t.Errorf("%q: %+v, want %+v", tc.text, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: entity %d = %+v, want %+v", tc.text, i, got[i], tc.want[i])
			}
		}
	}
}
