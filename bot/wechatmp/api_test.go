package wechatmp_test

import (
	"bytes"
	"errors"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/basic"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechatmp"
	"github.com/linli/linli/bot/wechatmp/wechatmptest"
)

func TestSendTemplate(t *testing.T) {
	d := newDirect(t, benchOpts{fake: []wechatmptest.Option{wechatmptest.WithTemplates("TPL_progress")}})
	d.writes(li, "你好")
	// Template messages are not bound to the window.
	d.clk.Add(72 * time.Hour)
	tm := wechatmp.TemplateMessage{
		To: li, TemplateID: "TPL_progress", URL: "https://linli.example/t/12?k=a&b=c",
		Data: map[string]string{"character_string1": "#12", "thing2": "3号楼电梯", "phrase3": "处理中"},
	}
	id, err := d.mp.SendTemplate(ctxT(t), tm)
	if err != nil || !strings.HasPrefix(string(id), "tpl-") {
		t.Fatalf("SendTemplate: %q, %v", id, err)
	}
	got := d.srv.Templates()
	if len(got) != 1 || got[0].ToUser != li || got[0].URL != tm.URL || got[0].Data["thing2"] != "3号楼电梯" || "tpl-"+itoa(got[0].MsgID) != string(id) {
		t.Fatalf("template sent: %+v", got)
	}
	tm.TemplateID = "TPL_gone"
	if _, err := d.mp.SendTemplate(ctxT(t), tm); !errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("unknown template: %v; want permanent", err)
	}
	d.plain.Unsubscribe(ctxT(t), li)
	d.next()
	tm.TemplateID = "TPL_progress"
	var gone *bot.ChatGoneError
	if _, err := d.mp.SendTemplate(ctxT(t), tm); !errors.As(err, &gone) {
		t.Fatalf("after unfollowing: %v; want ChatGoneError", err)
	}
	// WeChat's own word for it (43004), when the adapter did not know.
	d.srv.AddFollower(tom)
	if _, err := d.mp.SendTemplate(ctxT(t), wechatmp.TemplateMessage{To: tom, TemplateID: "TPL_progress", Data: tm.Data}); err != nil {
		t.Fatal(err)
	}
	d.plain.Unsubscribe(ctxT(t), tom)
	d.srv.FailNext("/cgi-bin/message/template/send", 43004)
	if _, err := d.mp.SendTemplate(ctxT(t), wechatmp.TemplateMessage{To: tom, TemplateID: "TPL_progress", Data: tm.Data}); !errors.As(err, &gone) {
		t.Fatalf("43004: %v; want ChatGoneError", err)
	}
}

func TestQRCode(t *testing.T) {
	b := newBench(t, benchOpts{})
	qr, err := b.mp.QRCode(ctxT(t), "community:12")
	if err != nil {
		t.Fatal(err)
	}
	if scene, ok := b.srv.Scene(qr.Ticket); !ok || scene != "community:12" {
		t.Fatalf("the ticket's scene: %q, %v", scene, ok)
	}
	if !strings.HasPrefix(qr.URL, "http://weixin.qq.com/q/") {
		t.Fatalf("url %q", qr.URL)
	}
	im, err := png.Decode(bytes.NewReader(qr.PNG))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if r := im.Bounds(); r.Dx() < 200 || r.Dx() != r.Dy() {
		t.Fatalf("image %v", r)
	}
	// Scanning it follows the account and names the community.
	b.plain.Subscribe(ctxT(t), zhang, "community:12")
	m := b.next()
	if scene, ok := wechatmp.Scene(&m); !ok || scene != "community:12" || m.Chat != zhang {
		t.Fatalf("follow by the code: %+v", m)
	}
	if _, err := b.mp.QRCode(ctxT(t), strings.Repeat("x", 65)); err == nil {
		t.Fatal("a 65-byte scene was accepted")
	}
}

// The SDK's ShowQRCode URL does not escape the ticket: its '+' arrives as a
// space and WeChat does not know the ticket. That is why the adapter builds
// the URL itself.
func TestShowQRCodeNeedsEscaping(t *testing.T) {
	b := newBench(t, benchOpts{})
	qr, err := b.mp.QRCode(ctxT(t), "community:1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(qr.Ticket, "+") {
		t.Fatalf("the fake's ticket has no '+': %q", qr.Ticket)
	}
	sdkURL, err := url.Parse(basic.ShowQRCode(&basic.Ticket{Ticket: qr.Ticket}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(b.srv.URL + sdkURL.Path + "?" + sdkURL.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the SDK's URL: %d; the fake should not know the mangled ticket", resp.StatusCode)
	}
}

func TestSetMenu(t *testing.T) {
	b := newBench(t, benchOpts{})
	items := []wechatmp.MenuItem{
		{Name: "报修", Key: "menu:repair"},
		{Name: "我的工单", URL: "https://linli.example/my"},
		{Name: "更多", Items: []wechatmp.MenuItem{
			{Name: "公告栏", URL: "https://linli.example/board"},
			{Name: "意见箱", Key: "menu:suggest"},
		}},
	}
	if err := b.mp.SetMenu(ctxT(t), items); err != nil {
		t.Fatal(err)
	}
	want := []wechatmptest.MenuButton{
		{Type: "click", Name: "报修", Key: "menu:repair"},
		{Type: "view", Name: "我的工单", URL: "https://linli.example/my"},
		{Name: "更多", SubButton: []wechatmptest.MenuButton{
			{Type: "view", Name: "公告栏", URL: "https://linli.example/board"},
			{Type: "click", Name: "意见箱", Key: "menu:suggest"},
		}},
	}
	if got := b.srv.Menu(); !sameMenu(got, want) {
		t.Fatalf("menu:\n got %+v\nwant %+v", got, want)
	}
	// A press on a click button comes back as a callback with the key.
	b.plain.Click(ctxT(t), li, "menu:repair")
	if m := b.next(); m.Callback == nil || m.Callback.Data != "menu:repair" {
		t.Fatalf("press: %+v", m)
	}
	for name, bad := range map[string][]wechatmp.MenuItem{
		"empty":        nil,
		"four at top":  {{Name: "a", Key: "a"}, {Name: "b", Key: "b"}, {Name: "c", Key: "c"}, {Name: "d", Key: "d"}},
		"long name":    {{Name: "报修报修报修", Key: "k"}}, // 18 bytes
		"no action":    {{Name: "空"}},
		"two actions":  {{Name: "双", Key: "k", URL: "https://x.example"}},
		"bad link":     {{Name: "链接", URL: "javascript:alert(1)"}},
		"long key":     {{Name: "键", Key: strings.Repeat("k", 129)}},
		"six sub":      {{Name: "多", Items: []wechatmp.MenuItem{{Name: "1", Key: "1"}, {Name: "2", Key: "2"}, {Name: "3", Key: "3"}, {Name: "4", Key: "4"}, {Name: "5", Key: "5"}, {Name: "6", Key: "6"}}}},
		"nested menus": {{Name: "多", Items: []wechatmp.MenuItem{{Name: "子", Items: []wechatmp.MenuItem{{Name: "孙", Key: "k"}}}}}},
	} {
		if err := b.mp.SetMenu(ctxT(t), bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := b.srv.Calls("/cgi-bin/menu/create"); n != 1 {
		t.Fatalf("menu/create called %d times; the bad menus must be refused before", n)
	}
}

func sameMenu(a, b []wechatmptest.MenuButton) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Type != y.Type || x.Name != y.Name || x.Key != y.Key || x.URL != y.URL || !sameMenu(x.SubButton, y.SubButton) {
			return false
		}
	}
	return true
}

func TestFetchMedia(t *testing.T) {
	b := newBench(t, benchOpts{})
	photo := testJPEG(t)
	id := b.srv.AddMedia(photo, "image/jpeg")
	a, err := b.mp.FetchMedia(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Data, photo) || a.Kind != "photo" || a.MIMEType != "image/jpeg" || a.Ref != id || a.Name != id+".jpg" {
		t.Fatalf("medium: kind %q mime %q ref %q name %q, %d bytes", a.Kind, a.MIMEType, a.Ref, a.Name, len(a.Data))
	}
	_, err = b.mp.FetchMedia(ctxT(t), "unknown-media-id")
	var apiErr *wechatmp.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40007 {
		t.Fatalf("unknown medium: %v", err)
	}
	// Kept three days.
	b.clk.Add(73 * time.Hour)
	if _, err := b.mp.FetchMedia(ctxT(t), id); !errors.As(err, &apiErr) || apiErr.Code != 40007 {
		t.Fatalf("expired medium: %v", err)
	}
}

func TestOAuth(t *testing.T) {
	b := newBench(t, benchOpts{})
	link := b.mp.OAuthURL("https://linli.example/my?x=1", "t/12")
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "open.weixin.qq.com" || q.Get("appid") != b.srv.AppID || q.Get("scope") != "snsapi_base" ||
		q.Get("redirect_uri") != "https://linli.example/my?x=1" || q.Get("state") != "t/12" || u.Fragment != "wechat_redirect" {
		t.Fatalf("OAuth link %s", link)
	}
	code := b.srv.IssueCode(li)
	id, err := b.mp.OpenIDByCode(ctxT(t), code)
	if err != nil || id != li {
		t.Fatalf("OpenIDByCode: %q, %v", id, err)
	}
	if _, err := b.mp.OpenIDByCode(ctxT(t), code); !errors.Is(err, wechatmp.ErrInvalidCode) {
		t.Fatalf("a used code: %v", err)
	}
	if _, err := b.mp.OpenIDByCode(ctxT(t), "made-up"); !errors.Is(err, wechatmp.ErrInvalidCode) {
		t.Fatalf("an unknown code: %v", err)
	}
	late := b.srv.IssueCode(li)
	b.clk.Add(6 * time.Minute)
	if _, err := b.mp.OpenIDByCode(ctxT(t), late); !errors.Is(err, wechatmp.ErrInvalidCode) {
		t.Fatalf("an expired code: %v", err)
	}
	for _, q := range b.srv.RawQueries() {
		if strings.Contains(q, "secret=") && strings.Contains(q, "linli_call") {
			t.Fatal("the call marker reached WeChat")
		}
	}
}

func TestFollower(t *testing.T) {
	b := newBench(t, benchOpts{})
	b.plain.Subscribe(ctxT(t), li, "community:5")
	b.next()
	f, err := b.mp.Follower(ctxT(t), li)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Following || f.OpenID != li || f.QRScene != "community:5" || f.Source != "ADD_SCENE_QR_CODE" || !f.Since.Equal(b.clk.Now()) || f.Language != "zh_CN" {
		t.Fatalf("follower: %+v", f)
	}
	b.plain.Unsubscribe(ctxT(t), li)
	b.next()
	if f, err = b.mp.Follower(ctxT(t), li); err != nil || f.Following {
		t.Fatalf("after unfollowing: %+v, %v", f, err)
	}
	var apiErr *wechatmp.APIError
	if _, err := b.mp.Follower(ctxT(t), tom); !errors.As(err, &apiErr) || apiErr.Code != 40003 {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := b.mp.Follower(ctxT(t), "x&openid=y"); err == nil {
		t.Fatal("a malformed openid was sent")
	}
}
