package wechattest_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/linli/linli/bot/wechat/wechattest"
)

const (
	selfNick   = "物业助手"
	selfCard   = "物业小助手"
	groupSaved = "阳光花园1期业主群"
	groupTemp  = "临时维修群"
	wait       = 5 * time.Second
)

func newServer(t *testing.T, opts ...wechattest.Option) *wechattest.Server {
	t.Helper()
	base := []wechattest.Option{
		wechattest.WithSelf(selfNick, 2961234501),
		wechattest.WithFriend("王五", "5栋王五"),
		wechattest.WithGroup(wechattest.Group{
			NickName: groupSaved, Saved: true, SelfDisplayName: selfCard,
			Members: []wechattest.Member{{NickName: "张三", DisplayName: "3-201 张三"}, {NickName: "李四"}, {NickName: "王五", DisplayName: "5-101"}},
		}),
		wechattest.WithGroup(wechattest.Group{NickName: groupTemp, Members: []wechattest.Member{{NickName: "张三"}}}),
	}
	srv := wechattest.NewServer(append(base, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// got is what the message handler saw. It is filled inside the handler, on
// openwechat's sync goroutine, because openwechat's contact cache is not
// safe for concurrent use.
type got struct {
	ID, Content, Raw, From      string
	Type                        openwechat.MessageType
	FromGroup, BySelf, ByFriend bool
	IsAt, Rename, IsPicture     bool
	GroupNick                   string
	SenderNick, SenderDisplay   string
	SenderRemark                string
	Picture                     []byte
	Err                         error
}

type testBot struct {
	*openwechat.Bot
	ctx    context.Context
	cancel context.CancelFunc
	msgs   chan got
	logout chan error
}

// startBot makes a real openwechat bot on the fake. By default the phone
// confirms a QR login as soon as it is shown.
func startBot(t *testing.T, srv *wechattest.Server, prep ...openwechat.BotPreparer) *testBot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := openwechat.DefaultBot(append([]openwechat.BotPreparer{openwechat.Desktop, openwechat.WithContextOption(ctx)}, prep...)...)
	srv.Install(b)
	b.SyncCheckCallback = nil
	b.ScanCallBack, b.LoginCallBack = nil, nil
	b.UUIDCallback = func(string) { _ = srv.ConfirmLogin() }
	tb := &testBot{Bot: b, ctx: ctx, cancel: cancel, msgs: make(chan got, 100), logout: make(chan error, 1)}
	b.LogoutCallBack = func(b *openwechat.Bot) {
		select {
		case tb.logout <- b.CrashReason():
		default:
		}
	}
	b.MessageHandler = tb.handle
	t.Cleanup(cancel)
	return tb
}

func (tb *testBot) handle(m *openwechat.Message) {
	if m.MsgType == 51 { // status notification that follows every login
		return
	}
	g := got{
		ID: m.MsgId, Content: m.Content, Raw: m.RawContent, From: m.FromUserName, Type: m.MsgType,
		FromGroup: m.IsSendByGroup(), BySelf: m.IsSendBySelf(), ByFriend: m.IsSendByFriend(),
		IsAt: m.IsAt(), Rename: m.IsRenameGroup(), IsPicture: m.IsPicture(),
	}
	if g.FromGroup && !g.BySelf {
		if sender, err := m.Sender(); err == nil {
			g.GroupNick = sender.NickName
		} else {
			g.Err = err
		}
		if !m.IsSystem() {
			if u, err := m.SenderInGroup(); err == nil {
				g.SenderNick, g.SenderDisplay = u.NickName, u.DisplayName
			} else {
				g.Err = err
			}
		}
	}
	if g.ByFriend {
		if u, err := m.Sender(); err == nil {
			g.SenderNick, g.SenderRemark = u.NickName, u.RemarkName
		} else {
			g.Err = err
		}
	}
	if g.IsPicture {
		resp, err := m.GetPicture()
		if err == nil {
			g.Picture, err = io.ReadAll(resp.Body)
			_ = resp.Body.Close()
		}
		if err != nil {
			g.Err = err
		}
	}
	tb.msgs <- g
}

func (tb *testBot) next(t *testing.T) got {
	t.Helper()
	select {
	case g := <-tb.msgs:
		if g.Err != nil {
			t.Fatalf("handler error on %s: %v", g.ID, g.Err)
		}
		return g
	case <-time.After(wait):
		t.Fatal("no message within deadline")
		return got{}
	}
}

func (tb *testBot) group(t *testing.T, nick string) *openwechat.Group {
	t.Helper()
	self, err := tb.GetCurrentUser()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := self.Groups()
	if err != nil {
		t.Fatal(err)
	}
	g := groups.GetByNickName(nick)
	if g == nil {
		t.Fatalf("group %q not in self.Groups()", nick)
	}
	return g
}

func mustRet(t *testing.T, err error, want int) {
	t.Helper()
	var ret openwechat.Ret
	if !errors.As(err, &ret) || int(ret) != want {
		t.Fatalf("err = %v, want Ret %d", err, want)
	}
}

func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		img.Set(x, x%24, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestQRLoginContactsAndGroupMessage(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithPollHold(20*time.Millisecond))
	tb := startBot(t, srv)

	uuids := make(chan string, 1)
	tb.UUIDCallback = func(uuid string) { uuids <- uuid }
	scanned := make(chan string, 1)
	tb.ScanCallBack = func(r openwechat.CheckLoginResponse) {
		avatar, _ := r.Avatar()
		scanned <- avatar
		_ = srv.ConfirmLogin()
	}
	// The phone scans only after the client has been told "408 waiting" twice.
	go func() {
		if err := srv.WaitHits("login", 3, wait); err != nil {
			t.Error(err)
			_ = srv.ExpireQR() // let Login return
			return
		}
		_ = srv.Scan()
	}()
	if err := tb.Login(); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if avatar := <-scanned; !strings.HasPrefix(avatar, "data:img/jpg;base64,") {
		t.Errorf("avatar = %q", avatar)
	}
	if got, want := srv.UUIDs(), []string{<-uuids}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("UUIDs() = %v, want %v", got, want)
	}
	if srv.LoginCount() != 1 || srv.QRShown() != 1 || !srv.SessionValid() {
		t.Errorf("LoginCount %d QRShown %d SessionValid %v", srv.LoginCount(), srv.QRShown(), srv.SessionValid())
	}

	self, err := tb.GetCurrentUser()
	if err != nil {
		t.Fatal(err)
	}
	if self.NickName != selfNick || self.UserName != srv.UserName(selfNick) || self.Uin != 2961234501 {
		t.Errorf("self = %q %q %d", self.NickName, self.UserName, self.Uin)
	}
	groups, err := self.Groups()
	if err != nil {
		t.Fatal(err)
	}
	if groups.Count() != 1 || groups.GetByNickName(groupSaved) == nil {
		t.Errorf("Groups() = %v, want only the saved group", groups)
	}
	friends, err := self.Friends()
	if err != nil {
		t.Fatal(err)
	}
	if f := friends.GetByNickName("王五"); f == nil || f.RemarkName != "5栋王五" || f.UserName != srv.UserName("王五") {
		t.Errorf("Friends() = %v", friends)
	}

	text := "#报修 3栋电梯坏了\n<急> & 快"
	id := srv.GroupText(groupSaved, "张三", text)
	m := tb.next(t)
	if m.ID != id || !m.FromGroup || m.Content != text || m.From != srv.UserName(groupSaved) {
		t.Errorf("message = %+v, want id %s content %q", m, id, text)
	}
	if want := srv.UserName("张三") + ":<br/>#报修 3栋电梯坏了<br/>&lt;急&gt; &amp; 快"; m.Raw != want {
		t.Errorf("RawContent = %q, want %q", m.Raw, want)
	}
	if m.GroupNick != groupSaved || m.SenderNick != "张三" || m.SenderDisplay != "3-201 张三" {
		t.Errorf("group %q sender %q display %q", m.GroupNick, m.SenderNick, m.SenderDisplay)
	}

	sent, err := tb.group(t, groupSaved).SendText("收到，已派师傅")
	if err != nil {
		t.Fatalf("SendText: %v", err)
	}
	if err := srv.WaitSent(1, wait); err != nil {
		t.Fatal(err)
	}
	s := srv.Sent()[0]
	if s.ToNick != groupSaved || !s.IsGroup || s.Content != "收到，已派师傅" || s.Type != 1 ||
		s.MsgID != sent.MsgId || s.LocalID != sent.LocalID || s.ToUserName != srv.UserName(groupSaved) {
		t.Errorf("Sent()[0] = %+v (client MsgId %s)", s, sent.MsgId)
	}
	if srv.SyncKeyErrors() != 0 || srv.StaleSyncs() != 0 {
		t.Errorf("SyncKeyErrors %d StaleSyncs %d", srv.SyncKeyErrors(), srv.StaleSyncs())
	}
	if u := srv.Unhandled(); len(u) != 0 {
		t.Errorf("Unhandled() = %v", u)
	}
}

func TestMessageKindsAndMedia(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tb := startBot(t, srv)
	if err := tb.Login(); err != nil {
		t.Fatal(err)
	}

	first := srv.GroupMention(groupSaved, "李四", "报修 5栋漏水")
	if m := tb.next(t); m.ID != first || !m.IsAt || m.Content != "@"+selfCard+"\u2005报修 5栋漏水" {
		t.Errorf("mention: %+v", m)
	}
	srv.GroupText(groupSaved, "李四", wechattest.Mention("张三")+"你看下")
	if m := tb.next(t); m.IsAt {
		t.Errorf("a mention of someone else counted as IsAt: %+v", m)
	}

	// A quote: MsgType 49 (app message) whose XML, once openwechat has taken
	// the sender prefix off and unescaped it, names the quoted message.
	quotedID := srv.GroupText(groupSaved, "张三", "水管 <爆了> & 漏水")
	tb.next(t)
	qid := srv.GroupQuote(groupSaved, "李四", quotedID, "我家也是 <一样>")
	if m := tb.next(t); m.ID != qid || m.Type != 49 || m.SenderNick != "李四" ||
		!strings.Contains(m.Content, "<title>我家也是 &lt;一样&gt;</title>") || !strings.Contains(m.Content, "<type>57</type>") ||
		!strings.Contains(m.Content, "<svrid>"+quotedID+"</svrid>") || !strings.Contains(m.Content, "<content>水管 &lt;爆了&gt; &amp; 漏水</content>") {
		t.Errorf("quote: %+v", m)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("quoting an unknown message did not panic")
			}
		}()
		srv.GroupQuote(groupSaved, "李四", "999999", "?")
	}()

	// A group that is not saved to contacts still delivers its messages.
	id := srv.GroupText(groupTemp, "张三", "临时群消息")
	if m := tb.next(t); m.ID != id || m.GroupNick != groupTemp || m.SenderNick != "张三" {
		t.Errorf("unsaved group: %+v", m)
	}

	id = srv.PrivateText("王五", "私聊")
	if m := tb.next(t); m.ID != id || !m.ByFriend || m.FromGroup || m.SenderNick != "王五" || m.SenderRemark != "5栋王五" {
		t.Errorf("private: %+v", m)
	}

	id = srv.SelfText(groupSaved, "手机上发的")
	if m := tb.next(t); m.ID != id || !m.BySelf || !m.FromGroup || m.Content != "手机上发的" {
		t.Errorf("self: %+v", m)
	}

	pic := testJPEG(t)
	id = srv.GroupImage(groupSaved, "张三", pic)
	if m := tb.next(t); m.ID != id || !m.IsPicture || !bytes.Equal(m.Picture, pic) || m.SenderNick != "张三" {
		t.Errorf("image: id %s picture %d bytes, sender %q", m.ID, len(m.Picture), m.SenderNick)
	}

	if err := srv.ReplayOld(first); err != nil {
		t.Fatal(err)
	}
	if m := tb.next(t); m.ID != first {
		t.Errorf("replay: got %s, want %s", m.ID, first)
	}
	if n := srv.Delivered(first); n != 2 {
		t.Errorf("Delivered(first) = %d, want 2", n)
	}

	g := tb.group(t, groupSaved)
	if _, err := g.SendImage(bytes.NewReader(pic)); err != nil {
		t.Fatalf("SendImage: %v", err)
	}
	doc := "报修单\n3栋电梯"
	if _, err := g.SendFile(strings.NewReader(doc)); err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	sent := srv.Sent()
	if len(sent) != 2 || sent[0].Type != 3 || !bytes.Equal(sent[0].Data, pic) || sent[0].ToNick != groupSaved {
		t.Fatalf("image send: %+v", sent)
	}
	if sent[1].Type != 6 || string(sent[1].Data) != doc || sent[1].FileName == "" {
		t.Errorf("file send: %+v", sent[1])
	}

	// Renaming: the system message arrives, and openwechat keeps the old
	// name in its contact cache until the contacts are fetched again.
	id = srv.RenameGroup(groupSaved, "阳光花园业主1群", "张三")
	if m := tb.next(t); m.ID != id || !m.Rename || m.Content != `"张三"修改群名为“阳光花园业主1群”` || m.GroupNick != groupSaved {
		t.Errorf("rename: %+v", m)
	}
	self, _ := tb.GetCurrentUser()
	groups, err := self.Groups(true)
	if err != nil {
		t.Fatal(err)
	}
	if groups.GetByNickName("阳光花园业主1群") == nil {
		t.Errorf("renamed group not found after refresh: %v", groups)
	}
	if srv.SyncKeyErrors() != 0 || srv.StaleSyncs() != 0 {
		t.Errorf("SyncKeyErrors %d StaleSyncs %d", srv.SyncKeyErrors(), srv.StaleSyncs())
	}
}

func TestQRExpiredThenLogin(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tb := startBot(t, srv)
	tb.UUIDCallback = func(string) { _ = srv.ExpireQR() }
	if err := tb.Login(); !errors.Is(err, openwechat.ErrLoginTimeout) {
		t.Fatalf("Login with expired QR: %v, want ErrLoginTimeout", err)
	}
	tb.UUIDCallback = func(string) { _ = srv.ConfirmLogin() }
	if err := tb.Login(); err != nil {
		t.Fatal(err)
	}
	if srv.QRShown() != 2 || srv.LoginCount() != 1 {
		t.Errorf("QRShown %d LoginCount %d", srv.QRShown(), srv.LoginCount())
	}
}

func TestWebModeRefused(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tb := startBot(t, srv, openwechat.Normal)
	if err := tb.Login(); err == nil || !strings.Contains(err.Error(), "不能登录网页微信") {
		t.Fatalf("Login in Normal mode: %v", err)
	}
}

func TestHotLogin(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := filepath.Join(t.TempDir(), "storage.json")

	b1 := startBot(t, srv)
	st1 := openwechat.NewFileHotReloadStorage(path)
	t.Cleanup(func() { _ = st1.Close() })
	if err := b1.HotLogin(st1, openwechat.NewRetryLoginOption()); err != nil {
		t.Fatalf("first HotLogin (falls back to QR): %v", err)
	}
	srv.GroupText(groupSaved, "张三", "在线时的消息")
	b1.next(t)
	groupUser := srv.UserName(groupSaved)
	b1.cancel()

	missed := srv.GroupText(groupSaved, "李四", "离线时的消息")

	b2 := startBot(t, srv)
	b2.UUIDCallback = func(string) { t.Error("hot login showed a QR code") }
	st2 := openwechat.NewFileHotReloadStorage(path)
	t.Cleanup(func() { _ = st2.Close() })
	if err := b2.HotLogin(st2); err != nil {
		t.Fatalf("HotLogin: %v", err)
	}
	if srv.QRShown() != 1 || srv.LoginCount() != 1 || srv.InitCount() != 2 || srv.Hits("jslogin") != 1 {
		t.Errorf("QRShown %d LoginCount %d InitCount %d", srv.QRShown(), srv.LoginCount(), srv.InitCount())
	}
	if srv.UserName(groupSaved) != groupUser {
		t.Error("hot login changed the UserNames")
	}
	// The stored sync key predates the missed message, so it comes now.
	if m := b2.next(t); m.ID != missed || m.SenderNick != "李四" {
		t.Errorf("after hot login got %+v, want the missed message %s", m, missed)
	}
	if srv.StaleSyncs() == 0 || srv.SyncKeyErrors() != 0 {
		t.Errorf("StaleSyncs %d SyncKeyErrors %d", srv.StaleSyncs(), srv.SyncKeyErrors())
	}
	// openwechat restores cookies host-only for wx.qq.com, so uploads to
	// file.wx.qq.com lose webwx_data_ticket after a hot login.
	if _, err := b2.group(t, groupSaved).SendImage(bytes.NewReader(testJPEG(t))); !errors.Is(err, openwechat.ErrWebWxDataTicketNotFound) {
		t.Errorf("SendImage after hot login: %v, want ErrWebWxDataTicketNotFound", err)
	}
	if _, err := b2.group(t, groupSaved).SendText("文本照常"); err != nil {
		t.Errorf("SendText after hot login: %v", err)
	}
}

func TestSecondHotLoginLosesCookies(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithStrictCookies())
	path := filepath.Join(t.TempDir(), "storage.json")
	login := func(hot bool) (*testBot, error) {
		tb := startBot(t, srv)
		st := openwechat.NewFileHotReloadStorage(path)
		t.Cleanup(func() { _ = st.Close() })
		if hot {
			return tb, tb.HotLogin(st)
		}
		return tb, tb.HotLogin(st, openwechat.NewRetryLoginOption())
	}
	b1, err := login(false)
	if err != nil {
		t.Fatal(err)
	}
	b1.cancel()
	b2, err := login(true)
	if err != nil {
		t.Fatalf("first restart: %v", err)
	}
	b2.cancel()
	// b2 dumped `"Jar":{}`: the next restart has no cookies at all.
	_, err = login(true)
	mustRet(t, err, wechattest.RetSessionInvalid)
}

func TestPushLoginNewUserNames(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := filepath.Join(t.TempDir(), "storage.json")

	b1 := startBot(t, srv)
	st1 := openwechat.NewFileHotReloadStorage(path)
	t.Cleanup(func() { _ = st1.Close() })
	if err := b1.HotLogin(st1, openwechat.NewRetryLoginOption()); err != nil {
		t.Fatal(err)
	}
	oldGroup := srv.UserName(groupSaved)
	b1.cancel()

	b2 := startBot(t, srv)
	go func() {
		if _, err := srv.WaitLoginRequest(wait); err != nil {
			t.Error(err)
			srv.SetAutoConfirm(true) // let PushLogin return
			return
		}
		_ = srv.ConfirmLogin()
	}()
	st2 := openwechat.NewFileHotReloadStorage(path)
	t.Cleanup(func() { _ = st2.Close() })
	if err := b2.PushLogin(st2); err != nil {
		t.Fatalf("PushLogin: %v", err)
	}
	if srv.PushCount() != 1 || srv.LoginCount() != 2 || srv.QRShown() != 1 {
		t.Errorf("PushCount %d LoginCount %d QRShown %d", srv.PushCount(), srv.LoginCount(), srv.QRShown())
	}
	if srv.UserName(groupSaved) == oldGroup {
		t.Error("a new login kept the old group UserName")
	}
	id := srv.GroupText(groupSaved, "张三", "新会话")
	if m := b2.next(t); m.ID != id || m.SenderDisplay != "3-201 张三" || m.From != srv.UserName(groupSaved) {
		t.Errorf("message after push login: %+v", m)
	}
	self, _ := b2.GetCurrentUser()
	stale := &openwechat.Group{User: &openwechat.User{UserName: oldGroup}}
	_, err := self.SendTextToGroup(stale, "发给旧的 UserName")
	mustRet(t, err, wechattest.RetBadRecipient)
	_, err = self.SendTextToFriend(&openwechat.Friend{User: self.User}, "发给自己")
	mustRet(t, err, wechattest.RetBadRecipient)
	b2.cancel()

	// Push refused: PushLogin fails, and with RetryLoginOption falls back to a QR code.
	srv.SetPushAllowed(false)
	b3 := startBot(t, srv)
	st3 := openwechat.NewFileHotReloadStorage(path)
	t.Cleanup(func() { _ = st3.Close() })
	if err := b3.PushLogin(st3); err == nil {
		t.Fatal("PushLogin succeeded although refused")
	}
	b4 := startBot(t, srv)
	st4 := openwechat.NewFileHotReloadStorage(path)
	t.Cleanup(func() { _ = st4.Close() })
	if err := b4.PushLogin(st4, openwechat.NewRetryLoginOption()); err != nil {
		t.Fatalf("PushLogin with retry: %v", err)
	}
	if srv.QRShown() != 2 || srv.LoginCount() != 3 {
		t.Errorf("QRShown %d LoginCount %d", srv.QRShown(), srv.LoginCount())
	}
}

func TestServerLogoutEndsSyncLoop(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := filepath.Join(t.TempDir(), "storage.json")
	tb := startBot(t, srv)
	st := openwechat.NewFileHotReloadStorage(path)
	t.Cleanup(func() { _ = st.Close() })
	if err := tb.HotLogin(st, openwechat.NewRetryLoginOption()); err != nil {
		t.Fatal(err)
	}
	srv.Logout()
	select {
	case err := <-tb.logout:
		mustRet(t, err, wechattest.RetSessionInvalid)
	case <-time.After(wait):
		t.Fatal("LogoutCallBack not called")
	}
	if srv.SessionValid() {
		t.Error("session still valid")
	}
	if tb.Alive() {
		t.Error("bot still alive")
	}
	// The stored session is dead: a hot login is refused by webwxinit.
	b2 := startBot(t, srv)
	st2 := openwechat.NewFileHotReloadStorage(path)
	t.Cleanup(func() { _ = st2.Close() })
	mustRet(t, b2.HotLogin(st2), wechattest.RetSessionInvalid)
}

func TestFrequencyControl(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithMinSendInterval(time.Hour))
	tb := startBot(t, srv)
	if err := tb.Login(); err != nil {
		t.Fatal(err)
	}
	g := tb.group(t, groupSaved)
	if _, err := g.SendText("第一条"); err != nil {
		t.Fatal(err)
	}
	_, err := g.SendText("第二条")
	mustRet(t, err, wechattest.RetTooOften)

	srv.SetMinSendInterval(0)
	srv.FailSendsWith(wechattest.RetTooOften, 1)
	_, err = g.SendText("第三条")
	mustRet(t, err, wechattest.RetTooOften)
	if _, err := g.SendText("第四条"); err != nil {
		t.Fatal(err)
	}
	if sent, rej := srv.Sent(), srv.Rejected(); len(sent) != 2 || len(rej) != 2 || rej[0].Ret != 1205 || rej[1].Content != "第三条" {
		t.Errorf("Sent %+v Rejected %+v", sent, rej)
	}
}

func TestNetworkDown(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tb := startBot(t, srv)
	const backoff = 50 * time.Millisecond
	errs := make(chan error, 100)
	tb.MessageErrorHandler = func(err error) error {
		select {
		case errs <- err:
		default:
		}
		select {
		case <-time.After(backoff):
		case <-tb.ctx.Done():
		}
		return nil
	}
	if err := tb.Login(); err != nil {
		t.Fatal(err)
	}
	g := tb.group(t, groupSaved)

	start := time.Now()
	srv.SetDown(true)
	if _, err := g.SendText("x"); !openwechat.IsNetworkError(err) {
		t.Errorf("SendText while down: %v, want a network error", err)
	}
	for range 3 {
		select {
		case err := <-errs:
			if !openwechat.IsNetworkError(err) {
				t.Errorf("sync error %v, want a network error", err)
			}
		case <-time.After(wait):
			t.Fatal("sync loop reported no error while down")
		}
	}
	// With the backoff the loop makes about one request per backoff.
	// The loop makes one synccheck per backoff (two when net/http retries a
	// GET on a reused connection); a hot loop makes thousands.
	if n, limit := srv.RequestsSince(start), 2*int(time.Since(start)/backoff)+6; n > limit {
		t.Errorf("%d requests while down, want at most %d", n, limit)
	}

	srv.SetDown(false)
	id := srv.GroupText(groupSaved, "张三", "恢复了")
	for {
		m := tb.next(t)
		if m.ID == id {
			break
		}
	}

	srv.SetDownStatus(502)
	if _, err := g.SendText("y"); err == nil {
		t.Error("SendText answered 502 succeeded")
	}
	srv.SetDownStatus(0)
	if _, err := g.SendText("z"); err != nil {
		t.Errorf("SendText after recovery: %v", err)
	}
}

func TestContactPaging(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithContactPageSize(2),
		wechattest.WithGroup(wechattest.Group{NickName: "2期业主群", Saved: true, Members: []wechattest.Member{{NickName: "赵六"}}}),
		wechattest.WithGroup(wechattest.Group{NickName: "3期业主群", Saved: true, Members: []wechattest.Member{{NickName: "赵六"}}}))
	tb := startBot(t, srv)
	if err := tb.Login(); err != nil {
		t.Fatal(err)
	}
	self, _ := tb.GetCurrentUser()
	groups, err := self.Groups()
	if err != nil {
		t.Fatal(err)
	}
	if groups.Count() != 3 {
		t.Errorf("Groups() = %v, want 3 saved groups", groups)
	}
	if n := srv.Hits("webwxgetcontact"); n != 3 { // 5 contacts in pages of 2
		t.Errorf("webwxgetcontact hits = %d, want 3", n)
	}
}

func TestEchoSent(t *testing.T) {
	t.Parallel()
	srv := newServer(t, wechattest.WithEchoSent())
	tb := startBot(t, srv)
	if err := tb.Login(); err != nil {
		t.Fatal(err)
	}
	sent, err := tb.group(t, groupSaved).SendText("回声 <1>")
	if err != nil {
		t.Fatal(err)
	}
	if m := tb.next(t); m.ID != sent.MsgId || !m.BySelf || !m.FromGroup || m.Content != "回声 <1>" {
		t.Errorf("echo: %+v, want MsgId %s from self", m, sent.MsgId)
	}
}
