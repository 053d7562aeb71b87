package wechatmp_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechatmp"
	"github.com/linli/linli/bot/wechatmp/wechatmptest"
)

func TestVerifyURL(t *testing.T) {
	b := newBench(t, benchOpts{})
	ok, status, err := b.plain.Verify(ctxT(t))
	if err != nil || !ok || status != http.StatusOK {
		t.Fatalf("verification: ok %v, status %d, err %v; want the echostr back", ok, status, err)
	}
	b.plain.WrongToken = "not-the-token"
	ok, status, err = b.plain.Verify(ctxT(t))
	if err != nil || ok || status != http.StatusForbidden {
		t.Fatalf("verification with a wrong token: ok %v, status %d, err %v; want 403 and no echo", ok, status, err)
	}
}

// A message in either mode is handled once, answered "success" at the first
// attempt, and its reply goes out as a customer-service message.
func TestCallbackModes(t *testing.T) {
	for _, mode := range []wechatmptest.Mode{wechatmptest.Plaintext, wechatmptest.Safe} {
		name := map[wechatmptest.Mode]string{wechatmptest.Plaintext: "plaintext", wechatmptest.Safe: "safe"}[mode]
		t.Run(name, func(t *testing.T) {
			b := newBench(t, benchOpts{})
			c := b.plain
			if mode == wechatmptest.Safe {
				c = b.safe
			}
			d := c.Text(ctxT(t), li, "#报修 3号楼电梯按钮坏了")
			if !d.Accepted || d.Attempts != 1 || d.Body != "success" {
				t.Fatalf("delivery: %+v; want success at the first attempt", d)
			}
			m := b.next()
			want := bot.Message{
				Platform: wechatmp.Platform, Chat: li, ChatKind: bot.Private, Sender: li,
				ID: bot.MessageID(itoa(d.Message.MsgID)), Text: "#报修 3号楼电梯按钮坏了", Time: time.Unix(d.Message.CreateTime, 0),
			}
			if m.Platform != want.Platform || m.Chat != want.Chat || m.ChatKind != want.ChatKind || m.Sender != want.Sender ||
				m.ID != want.ID || m.Text != want.Text || !m.Time.Equal(want.Time) {
				t.Fatalf("message:\n got %+v\nwant %+v", m, want)
			}
			b.idle()
			if got := customTexts(b.srv, li); !equalStrings(got, []string{"收到：#报修 3号楼电梯按钮坏了"}) {
				t.Fatalf("replies sent: %q", got)
			}
		})
	}
}

func TestCallbackRejectsBadSignatures(t *testing.T) {
	b := newBench(t, benchOpts{})
	b.plain.WrongToken = "forged"
	b.plain.Retries = 0
	if d := b.plain.Text(ctxT(t), li, "伪造的消息"); d.Accepted || d.Status != http.StatusForbidden {
		t.Fatalf("plaintext with a bad signature: %+v; want 403", d)
	}
	b.safe.WrongMsgSignature = true
	b.safe.Retries = 0
	if d := b.safe.Text(ctxT(t), li, "伪造的密文"); d.Accepted || d.Status != http.StatusForbidden {
		t.Fatalf("safe mode with a bad msg_signature: %+v; want 403", d)
	}
	b.safe.WrongMsgSignature = false
	b.safe.WrongToken = "forged"
	if d := b.safe.Text(ctxT(t), li, "伪造的签名"); d.Accepted || d.Status != http.StatusForbidden {
		t.Fatalf("safe mode with a bad signature: %+v; want 403", d)
	}
	if n := b.handlings(); n != 0 {
		t.Fatalf("%d messages reached the handler", n)
	}
	if !strings.Contains(b.logs.String(), "bad signature") {
		t.Fatalf("no log line about the bad signature:\n%s", b.logs.String())
	}
}

// A safe-mode message cannot be read without the EncodingAESKey: it is
// refused, so WeChat keeps it (and the manager sees the log line).
func TestCallbackSafeModeWithoutKey(t *testing.T) {
	b := newBench(t, benchOpts{edit: func(c *wechatmp.Config) { c.EncodingAESKey = "" }})
	b.safe.Retries = 0
	if d := b.safe.Text(ctxT(t), li, "加密的消息"); d.Accepted || d.Status != http.StatusInternalServerError {
		t.Fatalf("safe mode without a key: %+v; want 500", d)
	}
	if !strings.Contains(b.logs.String(), "no EncodingAESKey") {
		t.Fatalf("no log line about the missing key:\n%s", b.logs.String())
	}
	// Plaintext still works.
	if d := b.plain.Text(ctxT(t), li, "明文"); !d.Accepted {
		t.Fatalf("plaintext: %+v", d)
	}
}

// WeChat delivers a message again when it misses the answer: the inbox
// keeps it from being handled twice, and the second delivery is answered
// "success" too.
func TestCallbackDuplicateDelivery(t *testing.T) {
	b := newBench(t, benchOpts{})
	d := b.plain.Text(ctxT(t), li, "/status 12")
	if !d.Accepted {
		t.Fatalf("first delivery: %+v", d)
	}
	b.next()
	again := b.plain.Deliver(ctxT(t), d.Message)
	if !again.Accepted {
		t.Fatalf("redelivery: %+v", again)
	}
	ev := b.plain.Subscribe(ctxT(t), tom, "community:7")
	b.next()
	if again := b.safe.Deliver(ctxT(t), ev.Message); !again.Accepted {
		t.Fatalf("event redelivered: %+v", again)
	}
	b.idle()
	b.noMore()
	if n := b.handlings(); n != 4 {
		t.Fatalf("handlings: %d; want 4 (two of them duplicates)", n)
	}
	if got := customTexts(b.srv, li); len(got) != 1 {
		t.Fatalf("replies: %q; want one", got)
	}
}

// If the message cannot be committed, the callback does not say "success":
// WeChat delivers it again, and the second attempt goes through.
func TestCallbackCommitFailsThenRetried(t *testing.T) {
	b := newBench(t, benchOpts{})
	b.failNext(1)
	d := b.plain.Text(ctxT(t), li, "#报修 水管漏水")
	if !d.Accepted || d.Attempts != 2 {
		t.Fatalf("delivery: %+v; want success at the second attempt", d)
	}
	if m := b.next(); m.Text != "#报修 水管漏水" {
		t.Fatalf("handled %q", m.Text)
	}
	b.idle()
	if got := customTexts(b.srv, li); !equalStrings(got, []string{"收到：#报修 水管漏水"}) {
		t.Fatalf("replies: %q; want exactly one", got)
	}
}

// A handler that takes too long does not hold the callback near WeChat's 5
// seconds: it answers 503 within the budget, and the message, handled
// meanwhile, is not handled twice when WeChat delivers it again.
func TestCallbackSlowHandlerWithinBudget(t *testing.T) {
	b := newBench(t, benchOpts{edit: func(c *wechatmp.Config) { c.CallbackBudget = 300 * time.Millisecond }})
	b.holdHandlers()
	b.plain.Retries = 0
	start := time.Now()
	d := b.plain.Text(ctxT(t), li, "慢慢来")
	if d.Accepted || d.Status != http.StatusServiceUnavailable {
		t.Fatalf("delivery while the handler is held: %+v; want 503", d)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("the callback took %s; it must answer well within 5 s", took)
	}
	b.release()
	b.next()
	if again := b.plain.Deliver(ctxT(t), d.Message); !again.Accepted {
		t.Fatalf("redelivery: %+v", again)
	}
	b.idle()
	b.noMore()
	if got := customTexts(b.srv, li); len(got) != 1 {
		t.Fatalf("replies: %q; want one", got)
	}
}

func TestCallbackBeforeRun(t *testing.T) {
	b := newBench(t, benchOpts{noRun: true})
	b.plain.Retries = 0
	if d := b.plain.Text(ctxT(t), li, "有人吗"); d.Accepted || d.Status != http.StatusServiceUnavailable {
		t.Fatalf("delivery before Run: %+v; want 503 so that WeChat retries", d)
	}
	b.run()
	if d := b.plain.Text(ctxT(t), li, "有人吗"); !d.Accepted {
		t.Fatalf("delivery once running: %+v", d)
	}
}

func TestCallbackMethods(t *testing.T) {
	b := newBench(t, benchOpts{})
	req, _ := http.NewRequest(http.MethodPut, b.hs.URL, bytes.NewReader(nil))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
}

// Events and the message kinds besides text, end to end.
func TestCallbackEvents(t *testing.T) {
	b := newBench(t, benchOpts{})
	ctx := ctxT(t)

	b.plain.Subscribe(ctx, li, "community:3")
	m := b.next()
	if scene, ok := wechatmp.Scene(&m); !ok || scene != "community:3" || m.Chat != li {
		t.Fatalf("follow by QR code: %+v", m)
	}
	b.safe.Scan(ctx, li, "community:4")
	m = b.next()
	if scene, ok := wechatmp.Scene(&m); !ok || scene != "community:4" {
		t.Fatalf("scan by a follower: %+v", m)
	}
	b.plain.Subscribe(ctx, tom, "")
	m = b.next()
	if scene, ok := wechatmp.Scene(&m); !ok || scene != "" {
		t.Fatalf("follow by search: %+v", m)
	}
	b.plain.Click(ctx, li, "menu:tickets")
	m = b.next()
	if m.Callback == nil || m.Callback.Data != "menu:tickets" || m.Event != "" {
		t.Fatalf("menu click: %+v", m)
	}
	b.plain.View(ctx, li, "https://linli.example/t")
	m = b.next()
	if m.Event != wechatmp.EventMenuView || m.Text != "https://linli.example/t" {
		t.Fatalf("menu link: %+v", m)
	}
	b.plain.Voice(ctx, li, "三号楼电梯坏了")
	if m = b.next(); m.Text != "三号楼电梯坏了" || m.Event != "" {
		t.Fatalf("voice with recognition: %+v", m)
	}
	if d := b.plain.Voice(ctx, li, ""); !d.Accepted {
		t.Fatalf("voice without recognition: %+v", d)
	}
	if d := b.plain.Location(ctx, li); !d.Accepted {
		t.Fatalf("location: %+v", d)
	}
	photo := testJPEG(t)
	d := b.plain.Image(ctx, li, photo, "image/jpeg")
	m = b.next()
	if len(m.Attachments) != 1 {
		t.Fatalf("picture: %+v", m)
	}
	a := m.Attachments[0]
	if a.Kind != "photo" || a.Ref != d.Message.MediaID || !bytes.Equal(a.Data, photo) || a.MIMEType != "image/jpeg" {
		t.Fatalf("picture attachment: kind %q ref %q mime %q, %d bytes", a.Kind, a.Ref, a.MIMEType, len(a.Data))
	}
	b.plain.Unsubscribe(ctx, tom)
	if m = b.next(); m.Event != bot.EventBotRemoved || m.Chat != tom {
		t.Fatalf("unfollow: %+v", m)
	}
	b.noMore()
}

// A picture whose download does not finish within the budget still goes
// through, with its media id to fetch later.
func TestCallbackPhotoFetchedLater(t *testing.T) {
	// The stalled fetch gives up after half the budget; the other half must
	// do for handling the message, one write of the store, which on a
	// loaded machine can take more than the 200 ms a 400 ms budget left.
	b := newBench(t, benchOpts{edit: func(c *wechatmp.Config) { c.CallbackBudget = 4 * time.Second }})
	stall := b.srv.Stall("/cgi-bin/media/get")
	photo := testJPEG(t)
	d := b.plain.Image(ctxT(t), li, photo, "image/jpeg")
	if !d.Accepted || d.Attempts != 1 {
		t.Fatalf("delivery: %+v", d)
	}
	m := b.next()
	if len(m.Attachments) != 1 || m.Attachments[0].Data != nil || m.Attachments[0].Ref != d.Message.MediaID {
		t.Fatalf("attachment: %+v; want the media id without bytes", m.Attachments)
	}
	stall.Release()
	a, err := b.mp.FetchMedia(ctxT(t), m.Attachments[0].Ref)
	if err != nil || !bytes.Equal(a.Data, photo) {
		t.Fatalf("FetchMedia later: %d bytes, %v", len(a.Data), err)
	}
}

// Nothing the callback logs names the sender or repeats the text: the
// message may be an anonymous suggestion.
func TestCallbackLogsNoSender(t *testing.T) {
	b := newBench(t, benchOpts{edit: func(c *wechatmp.Config) { c.CallbackBudget = 300 * time.Millisecond }})
	b.failNext(1)
	b.plain.Text(ctxT(t), li, "#意见 物业费太贵")
	b.next()
	b.holdHandlers()
	b.plain.Retries = 0
	b.plain.Text(ctxT(t), zhang, "#意见 保安不在岗")
	b.release()
	b.next()
	logs := b.logs.String()
	for _, secret := range []string{li, zhang, "物业费", "保安"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("the logs mention %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "WeChat will retry") {
		t.Fatalf("no log line about the retry:\n%s", logs)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
