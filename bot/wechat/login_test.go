package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/bot/wechat/wechattest"
	"github.com/linli/linli/store"
)

func TestQRLoginThenHotLogin(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	session := sessionPath(t)

	a := start(t, srv, session)
	uuid, err := srv.WaitLoginRequest(wait)
	if err != nil {
		t.Fatal(err)
	}
	if url := <-a.urls; !strings.HasSuffix(url, "/qrcode/"+uuid) {
		t.Errorf("OnLoginURL(%q), want the QR code of %s", url, uuid)
	}
	if up, detail := a.Status(); up || !strings.Contains(detail, "QR") {
		t.Errorf("Status() before the scan = %v %q", up, detail)
	}
	if err := srv.Scan(); err != nil {
		t.Fatal(err)
	}
	if err := srv.ConfirmLogin(); err != nil {
		t.Fatal(err)
	}
	// /healthz shows the status: it names no account.
	if s := a.waitStatus(t, true); strings.Contains(s.detail, selfNick) || !strings.Contains(s.detail, "logged in") {
		t.Errorf("status detail %q, want \"logged in\" without the account name", s.detail)
	}
	out := a.out.String()
	if !strings.Contains(out, "/qrcode/"+uuid) || !strings.ContainsAny(out, "█▀▄") {
		t.Errorf("terminal output has no QR code:\n%s", out)
	}
	send(t, a, groupSaved, "第一次登录")
	a.stop(t)

	// A restart logs in from the session file, without a QR code.
	b := start(t, srv, session)
	b.waitStatus(t, true)
	if srv.QRShown() != 1 || srv.LoginCount() != 1 || srv.PushCount() != 0 {
		t.Errorf("QRShown %d LoginCount %d PushCount %d, want one QR login and a hot login", srv.QRShown(), srv.LoginCount(), srv.PushCount())
	}
	id := srv.GroupText(groupSaved, "张三", "重启后")
	if m := b.in.next(t); string(m.ID) != id || m.Text != "重启后" {
		t.Errorf("after the hot login got %+v", m)
	}
	send(t, b, groupSaved, "热登录")
	if sent := srv.Sent(); len(sent) != 2 || sent[1].ToNick != groupSaved {
		t.Errorf("Sent() = %+v", sent)
	}
	select {
	case url := <-b.urls:
		t.Errorf("the hot login showed a QR code: %s", url)
	default:
	}
}

// openwechat alone loses its cookies at the second restart (the session
// after a hot login dumps "Jar":{}); the adapter keeps them.
func TestHotLoginKeepsCookies(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithStrictCookies(), wechattest.WithAutoConfirm())
	session := sessionPath(t)
	for i := range 4 {
		a := start(t, srv, session)
		a.waitStatus(t, true)
		srv.GroupText(groupSaved, "张三", "消息")
		a.in.next(t)
		a.stop(t)
		if i == 0 {
			continue
		}
		if srv.QRShown() != 1 || srv.PushCount() != 0 {
			t.Fatalf("restart %d: QRShown %d PushCount %d, want hot logins only", i, srv.QRShown(), srv.PushCount())
		}
	}
	var dump struct{ Jar map[string][]json.RawMessage }
	data, err := os.ReadFile(session)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &dump); err != nil {
		t.Fatal(err)
	}
	if len(dump.Jar["https://wx.qq.com"]) == 0 {
		t.Errorf("session file lost the wx.qq.com cookies: %s", data)
	}
	if fi, err := os.Stat(session); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}

// A logout on the phone: managers are alerted, the adapter reports down,
// sends wait in the outbox, and after the phone confirms the push login,
// they go out to the group under its new UserName.
func TestLogoutAndRelogin(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := loggedIn(t, srv)
	db := openStore(t)
	runSender(t, a, db)
	enqueue(t, db, store.Out{Platform: bot.WeChat, Chat: groupSaved, Text: "登录时"})
	if err := srv.WaitSent(1, wait); err != nil {
		t.Fatal(err)
	}

	srv.SetAutoConfirm(false)
	srv.Logout()
	if al := a.waitAlert(t, bot.AlertLoggedOut, ""); al.Reason == "" {
		t.Error("the logged-out alert gives no reason")
	}
	a.waitStatus(t, false)
	if up, detail := a.Status(); up || detail == "" {
		t.Errorf("Status() while logged out = %v %q", up, detail)
	}
	_, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeChat, Chat: groupSaved, Text: "掉线时"})
	if !errors.Is(err, wechat.ErrNotLoggedIn) || errors.Is(err, bot.ErrPermanent) || !isRetryAfter(err) {
		t.Errorf("Send while logged out = %v, want ErrNotLoggedIn with a retry-after", err)
	}
	enqueue(t, db, store.Out{Platform: bot.WeChat, Chat: groupSaved, Text: "掉线时排队 1"},
		store.Out{Platform: bot.WeChat, Chat: groupSaved, Text: "掉线时排队 2"})

	// Hot login is refused (the session is dead), so the phone is asked to
	// confirm a push login.
	if _, err := srv.WaitLoginRequest(wait); err != nil {
		t.Fatal(err)
	}
	if err := srv.ConfirmLogin(); err != nil {
		t.Fatal(err)
	}
	a.waitStatus(t, true)
	if al := a.waitAlert(t, bot.AlertLoggedIn, ""); al.Name == "" {
		t.Error("the logged-in alert names no account")
	}
	if srv.PushCount() != 1 || srv.LoginCount() != 2 {
		t.Errorf("PushCount %d LoginCount %d, want a push login", srv.PushCount(), srv.LoginCount())
	}
	if err := srv.WaitSent(3, wait); err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent()
	for i, want := range []string{"登录时", "掉线时排队 1", "掉线时排队 2"} {
		if sent[i].Content != want || sent[i].ToNick != groupSaved {
			t.Errorf("Sent()[%d] = %q to %q, want %q", i, sent[i].Content, sent[i].ToNick, want)
		}
	}
	if sent[2].ToUserName != srv.UserName(groupSaved) {
		t.Errorf("sent to %s, want the new session's %s", sent[2].ToUserName, srv.UserName(groupSaved))
	}
	id := srv.GroupText(groupSaved, "张三", "恢复了")
	for {
		if m := a.in.next(t); string(m.ID) == id {
			break
		}
	}
}

// Without push login (or with push refused), a new QR code is shown and its
// link passed on.
func TestLogoutFallsBackToQR(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithPushLogin(false))
	a := loggedIn(t, srv)
	<-a.urls // the first QR code
	srv.SetAutoConfirm(false)
	srv.Logout()
	a.waitAlert(t, bot.AlertLoggedOut, "")
	if _, err := srv.WaitLoginRequest(wait); err != nil {
		t.Fatal(err)
	}
	select {
	case url := <-a.urls:
		if uuids := srv.UUIDs(); !strings.HasSuffix(url, uuids[len(uuids)-1]) {
			t.Errorf("OnLoginURL(%q), want the newest QR code %v", url, uuids)
		}
	case <-time.After(wait):
		t.Fatal("no login URL for the new QR code")
	}
	if err := srv.ConfirmLogin(); err != nil {
		t.Fatal(err)
	}
	a.waitStatus(t, true)
	send(t, a, groupSaved, "扫码后")
	if srv.QRShown() != 2 {
		t.Errorf("QRShown = %d, want 2", srv.QRShown())
	}
}
