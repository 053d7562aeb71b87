package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechat/wechattest"
	"github.com/linli/linli/store"
)

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{B: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSendFileAndImage(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := loggedIn(t, srv)
	doc := []byte("PK\x03\x04 not really a workbook, but bytes all the same")
	id, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "📎 11月数据导出",
		Attachment: &bot.Attachment{Kind: "file", Name: "阳光花园-2026-11.xlsx", Data: doc}})
	if err != nil {
		t.Fatal(err)
	}
	pic := testPNG(t)
	// A photo without text, and one whose name has no image extension.
	if _, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: "5栋王五",
		Attachment: &bot.Attachment{Kind: "photo", Name: "阳光花园-2026-11.png", Data: pic}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "图表",
		Attachment: &bot.Attachment{Kind: "photo", Name: "chart", Data: pic}}); err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent()
	if len(sent) != 5 {
		t.Fatalf("Sent() = %d messages, want 5: %+v", len(sent), sent)
	}
	if s := sent[0]; s.Type != 1 || s.Content != "📎 11月数据导出" || bot.MessageID(s.MsgID) != id {
		t.Errorf("caption: %+v (Send returned %s)", s, id)
	}
	if s := sent[1]; s.Type != 6 || s.ToNick != groupSaved || s.FileName != "阳光花园-2026-11.xlsx" || !bytes.Equal(s.Data, doc) {
		t.Errorf("file: type %d to %s name %q, %d bytes", s.Type, s.ToNick, s.FileName, len(s.Data))
	}
	if s := sent[2]; s.Type != 3 || s.ToNick != "王五" || !bytes.Equal(s.Data, pic) {
		t.Errorf("private image: type %d to %s, %d bytes", s.Type, s.ToNick, len(s.Data))
	}
	if s := sent[4]; s.Type != 3 || !bytes.Equal(s.Data, pic) || s.FileName != "chart.png" {
		t.Errorf("image without an extension: type %d name %q", s.Type, s.FileName)
	}
	// An attachment known only by another platform's reference is not sent:
	// the text goes alone.
	if _, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "只有文字",
		Attachment: &bot.Attachment{Kind: "photo", Ref: "AgACAgQAAxkBAAI"}}); err != nil {
		t.Fatal(err)
	}
	if sent := srv.Sent(); len(sent) != 6 || sent[5].Type != 1 {
		t.Errorf("a Ref-only attachment: %+v", sent[5:])
	}
}

// When the file is refused after its text went out, the outbox retries the
// row and only the file goes again: the group does not read the text twice.
func TestAttachmentRetryDoesNotRepeatTheText(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := loggedIn(t, srv)
	db := openStore(t)
	path := filepath.Join(t.TempDir(), "export.xlsx")
	doc := []byte("workbook bytes")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	// The frequency control lets the text through and refuses the file
	// that follows it, once.
	srv.FailSendsAfter(1, wechattest.RetTooOften, 1)
	enqueue(t, db, store.Out{Platform: bot.WeChat, Chat: groupSaved, Text: "导出",
		Attachment: &store.OutAttachment{Kind: "file", Path: path, Name: "阳光花园-2026-11.xlsx"}})
	runSender(t, a, db)
	if err := srv.WaitSent(2, wait); err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent()
	if len(sent) != 2 || sent[0].Type != 1 || sent[1].Type != 6 || !bytes.Equal(sent[1].Data, doc) {
		t.Errorf("Sent() = %+v, want the text once and then the file", sent)
	}
	if rej := srv.Rejected(); len(rej) != 1 || rej[0].Type != 6 || rej[0].Ret != wechattest.RetTooOften {
		t.Errorf("Rejected() = %+v, want the file refused once by the frequency control", rej)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err := srv.WaitFor(ctx, func() bool {
		var status string
		db.SQL().QueryRow(`SELECT status FROM outbox WHERE id = 1`).Scan(&status)
		return status == "sent"
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A session file whose cookies are all under wx.qq.com (openwechat's own
// dumps restore them host-only there) still uploads after a hot login: the
// adapter hands the file host its webwx_data_ticket.
func TestUploadAfterHotLoginWithoutFileHostCookies(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithAutoConfirm())
	session := sessionPath(t)
	a := start(t, srv, session)
	a.waitStatus(t, true)
	a.stop(t)

	var doc map[string]json.RawMessage
	data, err := os.ReadFile(session)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var jar map[string]json.RawMessage
	if err := json.Unmarshal(doc["Jar"], &jar); err != nil {
		t.Fatal(err)
	}
	if _, ok := jar["https://wx.qq.com"]; !ok {
		t.Fatalf("no wx.qq.com cookies in %s", doc["Jar"])
	}
	for host := range jar {
		if host != "https://wx.qq.com" {
			delete(jar, host)
		}
	}
	doc["Jar"], _ = json.Marshal(jar)
	data, _ = json.Marshal(doc)
	if err := os.WriteFile(session, data, 0o600); err != nil {
		t.Fatal(err)
	}

	b := start(t, srv, session)
	b.waitStatus(t, true)
	if srv.QRShown() != 1 || srv.LoginCount() != 1 {
		t.Fatalf("QRShown %d LoginCount %d: the restart was no hot login", srv.QRShown(), srv.LoginCount())
	}
	pic := testPNG(t)
	if _, err := b.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved,
		Attachment: &bot.Attachment{Kind: "photo", Name: "chart.png", Data: pic}}); err != nil {
		t.Fatalf("image after a hot login: %v", err)
	}
	if sent := srv.Sent(); len(sent) != 1 || sent[0].Type != 3 || !bytes.Equal(sent[0].Data, pic) {
		t.Errorf("Sent() = %+v", sent)
	}
}
