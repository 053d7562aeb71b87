package wechatmp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechatmp"
	"github.com/linli/linli/bot/wechatmp/wechatmptest"
)

// direct is an adapter on a fake, with the callback endpoint served and
// Run running, but no Router: tests call Send themselves.
type direct struct {
	*bench
}

func newDirect(t *testing.T, o benchOpts) direct {
	return direct{newBench(t, o)}
}

// writes has openID write to the account and waits until it is handled.
func (d direct) writes(openID, text string) wechatmptest.Delivery {
	d.t.Helper()
	del := d.plain.Text(ctxT(d.t), openID, text)
	if !del.Accepted {
		d.t.Fatalf("delivery: %+v", del)
	}
	d.next()
	d.idle()
	return del
}

func (d direct) send(chat, text string) (bot.MessageID, error) {
	return d.mp.Send(ctxT(d.t), bot.Outgoing{Platform: wechatmp.Platform, Chat: bot.ChatID(chat), Text: text})
}

func windowClosed(t *testing.T, err error, code int, asked bool) {
	t.Helper()
	var wc *wechatmp.WindowClosedError
	if !errors.As(err, &wc) {
		t.Fatalf("err = %v; want a *WindowClosedError", err)
	}
	if wc.Code != code || wc.Asked != asked {
		t.Fatalf("window closed: code %d asked %v; want %d, %v", wc.Code, wc.Asked, code, asked)
	}
	if d, ok := isRetryAfter(err); !ok || d != wechatmp.DefaultWindowRecheck {
		t.Fatalf("the error carries no RetryAfterError of the recheck interval (got %s, %v)", d, ok)
	}
	if errors.Is(err, bot.ErrPermanent) {
		t.Fatal("a closed window must not fail the row for good")
	}
}

func TestSendText(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "你好")
	id, err := d.send(li, "工单 #12 已登记")
	if err != nil || id == "" {
		t.Fatalf("Send: %q, %v", id, err)
	}
	if got := customTexts(d.srv, li); got[len(got)-1] != "工单 #12 已登记" {
		t.Fatalf("sent: %q", got)
	}
	// A text too long for WeChat is cut on a character boundary.
	long := strings.Repeat("电梯", 500) // 3,000 bytes
	if _, err := d.send(li, long); err != nil {
		t.Fatalf("long text: %v", err)
	}
	got := customTexts(d.srv, li)
	last := got[len(got)-1]
	if len(last) > 2048 || !strings.HasSuffix(last, "…") || !strings.HasPrefix(last, "电梯电梯") {
		t.Fatalf("long text sent as %d bytes: %q…", len(last), last[:12])
	}
}

func TestSendPhoto(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "照片呢")
	photo := testJPEG(t)
	_, err := d.mp.Send(ctxT(t), bot.Outgoing{ID: 7, Chat: li, Text: "维修前的照片", Attachment: &bot.Attachment{Kind: "photo", Name: "before", Data: photo}})
	if err != nil {
		t.Fatal(err)
	}
	cs := d.srv.Customs()
	ups := d.srv.Uploads()
	if len(ups) != 1 || ups[0].Type != "image" || string(ups[0].Data) != string(photo) || ups[0].FileName != "photo.jpg" {
		t.Fatalf("uploads: %+v", ups)
	}
	last2 := cs[len(cs)-2:]
	if last2[0].MsgType != "text" || last2[0].Text != "维修前的照片" || last2[1].MsgType != "image" || last2[1].MediaID != ups[0].MediaID {
		t.Fatalf("sent: %+v", last2)
	}
	for _, out := range []bot.Outgoing{
		{Chat: li, Text: "导出", Attachment: &bot.Attachment{Kind: "file", Name: "report.xlsx", Data: []byte("PK")}},
		{Chat: li, Text: "别处的照片", Attachment: &bot.Attachment{Kind: "photo", Ref: "AgACAgUAAxkBAAI"}},
		{Chat: li, Text: "  "},
		{Chat: "not an openid!", Text: "hi"},
	} {
		if _, err := d.mp.Send(ctxT(t), out); !errors.Is(err, bot.ErrPermanent) {
			t.Errorf("Send(%+v) = %v; want a permanent failure", out, err)
		}
	}
	if n := len(d.srv.Customs()); n != len(cs) {
		t.Fatalf("%d messages sent by the refused rows", n-len(cs))
	}
}

// The text went out, the picture did not: the retry sends only the picture.
func TestSendPhotoRetriesOnlyThePicture(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "照片")
	d.srv.FailNext("/cgi-bin/media/upload", -1)
	out := bot.Outgoing{ID: 9, Chat: li, Text: "完工照片", Attachment: &bot.Attachment{Kind: "photo", Data: testJPEG(t)}}
	if _, err := d.mp.Send(ctxT(t), out); err == nil || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("first attempt: %v; want a transient error", err)
	}
	if _, err := d.mp.Send(ctxT(t), out); err != nil {
		t.Fatalf("retry: %v", err)
	}
	texts := customTexts(d.srv, li)
	if n := strings.Count(strings.Join(texts, "|"), "完工照片"); n != 1 {
		t.Fatalf("the text went %d times", n)
	}
}

// The window, as the adapter keeps it: 48 hours after the follower's last
// message it answers "wait for them" without asking WeChat; their next
// message opens it again, and OnWindowOpen hears of it.
func TestWindowExpiry(t *testing.T) {
	opened := make(chan bot.ChatID, 4)
	d := newDirect(t, benchOpts{edit: func(c *wechatmp.Config) {
		c.OnWindowOpen = func(chat bot.ChatID) { opened <- chat }
	}})
	d.writes(li, "在吗")
	select {
	case c := <-opened:
		if c != li {
			t.Fatalf("opened %q", c)
		}
	case <-time.After(deadline):
		t.Fatal("OnWindowOpen not called for the first message")
	}
	d.clk.Add(47 * time.Hour)
	if _, err := d.send(li, "47 小时后"); err != nil {
		t.Fatalf("within the window: %v", err)
	}
	d.clk.Add(2 * time.Hour)
	calls := d.srv.Calls("/cgi-bin/message/custom/send")
	_, err := d.send(li, "49 小时后")
	windowClosed(t, err, 45015, false)
	if n := d.srv.Calls("/cgi-bin/message/custom/send"); n != calls {
		t.Fatal("the adapter asked WeChat although it knew the window was over")
	}
	d.writes(li, "我又来了")
	select {
	case <-opened:
	case <-time.After(deadline):
		t.Fatal("OnWindowOpen not called when the window opened again")
	}
	if _, err := d.send(li, "又能发了"); err != nil {
		t.Fatalf("after the follower wrote again: %v", err)
	}
}

// At most MaxPerWindow messages go per window; the adapter stops at the
// count itself, and when its count is higher than WeChat's, WeChat's 45047
// closes the window just the same.
func TestWindowCount(t *testing.T) {
	t.Run("adapter", func(t *testing.T) {
		d := newDirect(t, benchOpts{})
		d.writes(li, "你好") // the reply is message 1 of 5
		for i := 2; i <= 5; i++ {
			if _, err := d.send(li, "消息"); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		calls := d.srv.Calls("/cgi-bin/message/custom/send")
		_, err := d.send(li, "第六条")
		windowClosed(t, err, 45047, false)
		if d.srv.Calls("/cgi-bin/message/custom/send") != calls {
			t.Fatal("the adapter asked WeChat past the count")
		}
		// A row of text and picture needs two messages: refused with one left.
		d.clk.Add(time.Minute)
		d.writes(li, "新窗口") // 1 of 5
		for range 3 {
			if _, err := d.send(li, "消息"); err != nil {
				t.Fatal(err)
			}
		}
		_, err = d.mp.Send(ctxT(t), bot.Outgoing{Chat: li, Text: "图文", Attachment: &bot.Attachment{Kind: "photo", Data: testJPEG(t)}})
		windowClosed(t, err, 45047, false)
	})
	t.Run("wechat", func(t *testing.T) {
		d := newDirect(t, benchOpts{edit: func(c *wechatmp.Config) { c.MaxPerWindow = 8 }})
		d.writes(li, "你好")
		for i := 2; i <= 5; i++ {
			if _, err := d.send(li, "消息"); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		_, err := d.send(li, "第六条")
		windowClosed(t, err, 45047, true)
		calls := d.srv.Calls("/cgi-bin/message/custom/send")
		_, err = d.send(li, "第七条")
		windowClosed(t, err, 45047, false)
		if d.srv.Calls("/cgi-bin/message/custom/send") != calls {
			t.Fatal("the adapter asked again after WeChat refused")
		}
		w, err := d.mp.Window(ctxT(t), li)
		if err != nil || w.Refused != 45047 {
			t.Fatalf("window: %+v, %v", w, err)
		}
		// Saved: a restart remembers it.
		saved, err := d.state.LoadWindow(ctxT(t), li)
		if err != nil || saved.Refused != 45047 || saved.Sent != 5 {
			t.Fatalf("saved window: %+v, %v", saved, err)
		}
	})
}

// Someone who never wrote cannot be written to, and the adapter knows it.
func TestWindowNeverOpened(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.srv.AddFollower(tom)
	_, err := d.send(tom, "你好")
	windowClosed(t, err, 45015, false)
	if n := d.srv.Calls("/cgi-bin/message/custom/send"); n != 0 {
		t.Fatalf("%d calls of custom/send", n)
	}
}

// When the adapter believes the window open but WeChat does not (state
// lost, a clock that differs), WeChat's 45015 closes it until the follower
// writes again.
func TestWindowClosedByWeChat(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.srv.AddFollower(tom)
	if err := d.state.SaveWindow(ctxT(t), wechatmp.Window{Chat: tom, Last: d.clk.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, err := d.send(tom, "你好")
	windowClosed(t, err, 45015, true)
	_, err = d.send(tom, "还是你好")
	windowClosed(t, err, 45015, false)
	d.writes(tom, "我在")
	if _, err := d.send(tom, "你好"); err != nil {
		t.Fatal(err)
	}
}

// A follower who unfollowed is a chat gone, known without asking.
func TestSendUnfollowed(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "再见")
	d.plain.Unsubscribe(ctxT(t), li)
	d.next()
	calls := d.srv.Calls("/cgi-bin/message/custom/send")
	_, err := d.send(li, "别走")
	var gone *bot.ChatGoneError
	if !errors.As(err, &gone) || gone.Chat != li {
		t.Fatalf("err = %v; want ChatGoneError", err)
	}
	if d.srv.Calls("/cgi-bin/message/custom/send") != calls {
		t.Fatal("asked WeChat for someone who unfollowed")
	}
	// Following again (by a poster's code) makes them reachable.
	d.plain.Subscribe(ctxT(t), li, "community:1")
	d.next()
	if _, err := d.send(li, "欢迎回来"); err != nil {
		t.Fatal(err)
	}
}

// The errcodes map onto the Sender's vocabulary.
func TestSendErrcodes(t *testing.T) {
	d := newDirect(t, benchOpts{})
	d.writes(li, "你好")
	midnight := time.Date(2026, 3, 3, 0, 1, 0, 0, time.FixedZone("CST", 8*3600))
	for _, tc := range []struct {
		code  int
		check func(t *testing.T, err error)
	}{
		{45009, func(t *testing.T, err error) {
			if after, ok := isRetryAfter(err); !ok || !d.clk.Now().Add(after).Equal(midnight) {
				t.Fatalf("daily quota: %v (after %s); want a wait until just past midnight, Beijing time", err, after)
			}
		}},
		{45011, func(t *testing.T, err error) {
			if after, ok := isRetryAfter(err); !ok || after != time.Minute {
				t.Fatalf("too frequent: %v", err)
			}
		}},
		{43004, func(t *testing.T, err error) {
			var gone *bot.ChatGoneError
			if !errors.As(err, &gone) {
				t.Fatalf("not a follower: %v", err)
			}
		}},
		{40003, func(t *testing.T, err error) {
			var gone *bot.ChatGoneError
			if !errors.As(err, &gone) {
				t.Fatalf("invalid openid: %v", err)
			}
		}},
		{45002, permanent},
		{40008, permanent},
		{48001, func(t *testing.T, err error) {
			permanent(t, err)
			if !strings.Contains(err.Error(), "verified service account") {
				t.Fatalf("48001 does not say why: %v", err)
			}
		}},
		{-1, transient},
		{40007, transient},
	} {
		d.srv.FailNext("/cgi-bin/message/custom/send", tc.code)
		_, err := d.send(li, "测试")
		var apiErr *wechatmp.APIError
		var gone *bot.ChatGoneError
		if _, retry := isRetryAfter(err); !retry && !errors.As(err, &gone) && !errors.As(err, &apiErr) {
			t.Errorf("errcode %d: %v does not carry the APIError", tc.code, err)
		}
		t.Run(strings.ReplaceAll(itoa(int64(tc.code)), "-", "minus"), func(t *testing.T) { tc.check(t, err) })
	}
}

func permanent(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("err = %v; want permanent", err)
	}
}

func transient(t *testing.T, err error) {
	t.Helper()
	var gone *bot.ChatGoneError
	_, retry := isRetryAfter(err)
	if err == nil || errors.Is(err, bot.ErrPermanent) || errors.As(err, &gone) || retry {
		t.Fatalf("err = %v; want a plain transient error", err)
	}
}

// Through the real Sender: a row for a closed window is held, not parked,
// and goes once the follower writes again.
func TestSenderHoldsRowsForClosedWindow(t *testing.T) {
	b := newBench(t, benchOpts{})
	b.plain.Text(ctxT(t), li, "你好")
	b.next()
	b.idle()
	b.clk.Add(49 * time.Hour)
	b.plain.Text(ctxT(t), tom, "我也在") // a reply goes to tom; li's window is over
	b.next()
	enqueue(t, b, li, "您的工单已处理")
	b.idle()
	if got := customTexts(b.srv, li); len(got) != 1 {
		t.Fatalf("sent to li: %q; want only the first reply", got)
	}
	st := b.sender.Stats()
	if st.Failed != 0 || st.RateLimited == 0 {
		t.Fatalf("sender stats %+v: the row must wait, not fail", st)
	}
	b.plain.Text(ctxT(t), li, "处理了吗")
	b.next()
	b.clk.Add(wechatmp.DefaultWindowRecheck)
	b.sender.Wake()
	b.idle()
	got := customTexts(b.srv, li)
	// In order: the held row first, then the reply queued after it.
	if !equalStrings(got, []string{"收到：你好", "您的工单已处理", "收到：处理了吗"}) {
		t.Fatalf("sent to li: %q", got)
	}
}
