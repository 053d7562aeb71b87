package wechatmptest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	"github.com/linli/linli/bot/wechatmp/wechatmptest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newServer(t *testing.T, opts ...wechatmptest.Option) (*wechatmptest.Server, *clock) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} // 17:00 in Beijing
	srv := wechatmptest.NewServer(append([]wechatmptest.Option{wechatmptest.WithClock(clk.Now)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, clk
}

// call makes a request and decodes the JSON answer.
func call(t *testing.T, method, u string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d", method, u, resp.StatusCode)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func errcode(m map[string]any) int {
	c, _ := m["errcode"].(float64)
	return int(c)
}

func getToken(t *testing.T, srv *wechatmptest.Server) (string, int) {
	t.Helper()
	m := call(t, http.MethodGet, srv.URL+"/cgi-bin/token?grant_type=client_credential&appid="+srv.AppID+"&secret="+srv.AppSecret, nil)
	tok, _ := m["access_token"].(string)
	return tok, errcode(m)
}

func TestTokenRules(t *testing.T) {
	srv, clk := newServer(t, wechatmptest.WithTokenQuota(2))
	bad := call(t, http.MethodGet, srv.URL+"/cgi-bin/token?grant_type=client_credential&appid="+srv.AppID+"&secret=nope", nil)
	if errcode(bad) != 40001 {
		t.Fatalf("wrong secret: %v", bad)
	}
	if m := call(t, http.MethodGet, srv.URL+"/cgi-bin/token?grant_type=client_credential&appid=wxnope&secret="+srv.AppSecret, nil); errcode(m) != 40013 {
		t.Fatalf("wrong appid: %v", m)
	}
	first, code := getToken(t, srv)
	if code != 0 || first == "" {
		t.Fatalf("token: %q %d", first, code)
	}
	info := func(tok string) int {
		return errcode(call(t, http.MethodGet, srv.URL+"/cgi-bin/user/info?access_token="+tok+"&openid=o1&lang=zh_CN", nil))
	}
	srv.AddFollower("o1")
	if c := info(first); c != 0 {
		t.Fatalf("user/info with a fresh token: %d", c)
	}
	second, _ := getToken(t, srv)
	if c := info(first); c != 0 {
		t.Fatalf("the old token within five minutes: %d", c)
	}
	clk.Add(5 * time.Minute)
	if c := info(first); c != 40001 {
		t.Fatalf("the old token after five minutes: %d; want 40001", c)
	}
	if c := info(second); c != 0 {
		t.Fatalf("the new token: %d", c)
	}
	if _, code := getToken(t, srv); code != 45009 {
		t.Fatalf("third token of the day: %d; want 45009", code)
	}
	clk.Add(2 * time.Hour)
	if c := info(second); c != 42001 {
		t.Fatalf("an expired token: %d; want 42001", c)
	}
	if c := info(""); c != 41001 {
		t.Fatalf("no token: %d", c)
	}
	clk.Add(6 * time.Hour) // past midnight in Beijing
	if _, code := getToken(t, srv); code != 0 {
		t.Fatalf("a token the next day: %d", code)
	}
	if n := srv.TokensIssued(); n != 3 {
		t.Fatalf("issued %d", n)
	}
}

// accepting is a callback handler that answers "success".
func accepting(t *testing.T) *httptest.Server {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "success")
	}))
	t.Cleanup(hs.Close)
	return hs
}

func TestWindowRules(t *testing.T) {
	srv, clk := newServer(t, wechatmptest.WithWindowLimit(2))
	tok, _ := getToken(t, srv)
	send := func(to, text string) int {
		return errcode(call(t, http.MethodPost, srv.URL+"/cgi-bin/message/custom/send?access_token="+tok,
			map[string]any{"touser": to, "msgtype": "text", "text": map[string]string{"content": text}}))
	}
	if c := send("oNobody", "hi"); c != 40003 {
		t.Fatalf("unknown openid: %d", c)
	}
	srv.AddFollower("o1")
	if c := send("o1", "hi"); c != 45015 {
		t.Fatalf("no interaction yet: %d; want 45015", c)
	}
	cl := srv.NewClient(accepting(t).URL, wechatmptest.Plaintext)
	cl.Text(context.Background(), "o1", "你好")
	if c := send("o1", "1"); c != 0 {
		t.Fatalf("first: %d", c)
	}
	if c := send("o1", strings.Repeat("长", 700)); c != 45002 {
		t.Fatalf("2,100 bytes: %d; want 45002", c)
	}
	if c := send("o1", "2"); c != 0 {
		t.Fatalf("second: %d", c)
	}
	if c := send("o1", "3"); c != 45047 {
		t.Fatalf("third: %d; want 45047", c)
	}
	clk.Add(time.Second)
	cl.Click(context.Background(), "o1", "menu:x") // a click opens the window too
	if c := send("o1", "3"); c != 0 {
		t.Fatalf("after a click: %d", c)
	}
	clk.Add(time.Second)
	cl.View(context.Background(), "o1", "https://x.example") // a link does not
	if c := send("o1", "4"); c != 0 {
		t.Fatalf("second after the click: %d", c)
	}
	if c := send("o1", "5"); c != 45047 {
		t.Fatalf("a link must not reset the count: %d", c)
	}
	clk.Add(48 * time.Hour)
	tok, _ = getToken(t, srv) // the last one expired meanwhile
	if c := send("o1", "6"); c != 45015 {
		t.Fatalf("48 hours later: %d", c)
	}
	cl.Text(context.Background(), "o1", "我回来了")
	cl.Unsubscribe(context.Background(), "o1")
	if c := send("o1", "7"); c != 45015 {
		t.Fatalf("after unfollowing: %d", c)
	}
	if got := len(srv.Customs()); got != 4 {
		t.Fatalf("%d messages recorded", got)
	}
}

func TestMenuRules(t *testing.T) {
	srv, _ := newServer(t)
	tok, _ := getToken(t, srv)
	set := func(buttons any) int {
		return errcode(call(t, http.MethodPost, srv.URL+"/cgi-bin/menu/create?access_token="+tok, map[string]any{"button": buttons}))
	}
	btn := func(typ, name, key string) map[string]any {
		return map[string]any{"type": typ, "name": name, "key": key}
	}
	for _, tc := range []struct {
		buttons any
		code    int
	}{
		{[]any{}, 40016},
		{[]any{btn("click", "a", "a"), btn("click", "b", "b"), btn("click", "c", "c"), btn("click", "d", "d")}, 40016},
		{[]any{btn("click", "报修报修报修", "k")}, 40018},
		{[]any{btn("boom", "a", "k")}, 40017},
		{[]any{btn("click", "a", strings.Repeat("k", 129))}, 40019},
		{[]any{map[string]any{"type": "view", "name": "a"}}, 40020},
		{[]any{map[string]any{"name": "多", "sub_button": []any{btn("click", "1", "1"), btn("click", "2", "2"), btn("click", "3", "3"), btn("click", "4", "4"), btn("click", "5", "5"), btn("click", "6", "6")}}}, 40023},
		{[]any{btn("click", "报修", "menu:repair"), map[string]any{"name": "更多", "sub_button": []any{btn("click", "意见箱", "s")}}}, 0},
	} {
		if c := set(tc.buttons); c != tc.code {
			t.Errorf("menu %v: %d; want %d", tc.buttons, c, tc.code)
		}
	}
	if m := srv.Menu(); len(m) != 2 || m[1].SubButton[0].Name != "意见箱" {
		t.Fatalf("menu: %+v", m)
	}
}

// The fake's safe mode is WeChat's: the SDK decrypts what the fake
// encrypts, and the fake what the SDK encrypts.
func TestCryptoMatchesSDK(t *testing.T) {
	srv, _ := newServer(t)
	msg := wechatmptest.Message{ToUserName: srv.OriginalID, FromUserName: "o1", CreateTime: 1772442000, MsgType: "text", Content: "含 ]]> 的消息", MsgID: 42}.XML()
	enc, err := wechatmptest.Encrypt(srv.AppID, srv.EncodingAESKey, msg)
	if err != nil {
		t.Fatal(err)
	}
	_, plain, err := util.DecryptMsg(srv.AppID, enc, srv.EncodingAESKey)
	if err != nil || !bytes.Equal(plain, msg) {
		t.Fatalf("SDK decryption: %q, %v", plain, err)
	}
	var mm message.MixMessage
	if err := xml.Unmarshal(plain, &mm); err != nil || mm.Content != "含 ]]> 的消息" || mm.MsgID != 42 || string(mm.FromUserName) != "o1" {
		t.Fatalf("parsed: %+v, %v", mm, err)
	}
	sdkEnc, err := util.EncryptMsg([]byte("0123456789abcdef"), msg, srv.AppID, srv.EncodingAESKey)
	if err != nil {
		t.Fatal(err)
	}
	back, app, err := wechatmptest.Decrypt(srv.EncodingAESKey, string(sdkEnc))
	if err != nil || app != srv.AppID || !bytes.Equal(back, msg) {
		t.Fatalf("fake decryption of the SDK's: %q %q %v", back, app, err)
	}
	if got, want := wechatmptest.Signature("tok", "1772442000", "nonce", enc), util.Signature("tok", "1772442000", "nonce", enc); got != want {
		t.Fatalf("signature %s; SDK %s", got, want)
	}
}

// The Client retries as WeChat does: on an answer that is not "success" and
// on no answer within the timeout.
func TestClientRetries(t *testing.T) {
	srv, _ := newServer(t)
	var mu sync.Mutex
	seen := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then a client that gives up ends r.Context()
		mu.Lock()
		seen++
		n := seen
		mu.Unlock()
		q := r.URL.Query()
		if q.Get("signature") != util.Signature(srv.Token, q.Get("timestamp"), q.Get("nonce")) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		switch n {
		case 1:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case 2:
			<-r.Context().Done() // no answer: the client gives up
		default:
			io.WriteString(w, "success")
		}
	}))
	t.Cleanup(hs.Close)
	c := srv.NewClient(hs.URL, wechatmptest.Plaintext)
	c.Timeout = 200 * time.Millisecond
	d := c.Text(context.Background(), "o1", "你好")
	if !d.Accepted || d.Attempts != 3 {
		t.Fatalf("delivery: %+v; want success at the third attempt", d)
	}
	c.Retries = 0
	c.WrongToken = "x"
	if d := c.Text(context.Background(), "o1", "x"); d.Accepted || d.Attempts != 1 || d.Status != http.StatusForbidden {
		t.Fatalf("without retries: %+v", d)
	}
}

func TestShowQRCodeAndMedia(t *testing.T) {
	srv, clk := newServer(t)
	tok, _ := getToken(t, srv)
	m := call(t, http.MethodPost, srv.URL+"/cgi-bin/qrcode/create?access_token="+tok,
		map[string]any{"action_name": "QR_LIMIT_STR_SCENE", "action_info": map[string]any{"scene": map[string]any{"scene_str": "community:1"}}})
	ticket, _ := m["ticket"].(string)
	if _, has := m["errcode"]; has || ticket == "" || m["expire_seconds"] != nil {
		t.Fatalf("qrcode/create: %v", m)
	}
	resp, err := http.Get(srv.URL + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket))
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || http.DetectContentType(img) != "image/jpeg" {
		t.Fatalf("showqrcode: %d %s", resp.StatusCode, http.DetectContentType(img))
	}
	id := srv.AddMedia([]byte("\x89PNG\r\n\x1a\n...."), "image/png")
	resp, err = http.Get(srv.URL + "/cgi-bin/media/get?access_token=" + tok + "&media_id=" + id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Content-Disposition"), id+".png") {
		t.Fatalf("media/get headers: %v", resp.Header)
	}
	clk.Add(72 * time.Hour)
	if m := call(t, http.MethodGet, srv.URL+"/cgi-bin/media/get?access_token="+tok+"&media_id="+id, nil); errcode(m) != 42001 {
		// The token expired too; a fresh one finds the medium gone.
		t.Fatalf("media/get three days later: %v", m)
	}
	tok, _ = getToken(t, srv)
	if m := call(t, http.MethodGet, srv.URL+"/cgi-bin/media/get?access_token="+tok+"&media_id="+id, nil); errcode(m) != 40007 {
		t.Fatalf("an expired medium: %v", m)
	}
}
