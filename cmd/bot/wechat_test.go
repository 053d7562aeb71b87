package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/bottest"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/bot/wechat/wechattest"
	"github.com/linli/linli/store"
)

// The fake WeChat account: the bot's account, a manager who is its friend,
// a resident group and a staff group, both saved to contacts.
const (
	wcSelf     = "物业助手"
	wcCard     = "物业小助手" // the bot's card in the resident group
	wcResident = "阳光花园业主群"
	wcStaff    = "阳光花园物业群"
	wcManager  = "张经理"
	wcPace     = 20 * time.Millisecond
	wcWait     = 15 * time.Second
)

// wcWorld is a fake WeChat, and optionally a fake Telegram beside it.
type wcWorld struct {
	srv     *wechattest.Server
	tg      *tgWorld
	db      string
	session string
	store   store.Options // the bot's database options
	pace    time.Duration // the bot's -wechat-pace (0: wcPace)
}

func newWCWorld(t testing.TB, opts ...wechattest.Option) *wcWorld {
	t.Helper()
	base := []wechattest.Option{
		wechattest.WithSelf(wcSelf, 2961234501),
		wechattest.WithPollHold(50 * time.Millisecond),
		wechattest.WithFriend(wcManager, ""),
		// Staff are the bot account's friends too: only then does the bot
		// take their group card as theirs.
		wechattest.WithFriend("张师傅", ""),
		wechattest.WithFriend("路人甲", ""),
		wechattest.WithGroup(wechattest.Group{
			NickName: wcResident, Saved: true, SelfDisplayName: wcCard,
			Members: []wechattest.Member{{NickName: wcManager}, {NickName: "李阿姨", DisplayName: "3-201 李阿姨"}, {NickName: "Tom"},
				{NickName: "冒充者", DisplayName: wcManager}},
		}),
		wechattest.WithGroup(wechattest.Group{
			NickName: wcStaff, Saved: true,
			Members: []wechattest.Member{{NickName: wcManager}, {NickName: "张师傅"}},
		}),
	}
	srv := wechattest.NewServer(append(base, opts...)...)
	t.Cleanup(srv.Close) // registered first, so it runs after the bot has stopped
	dir := t.TempDir()
	return &wcWorld{srv: srv, db: filepath.Join(dir, "linli.db"), session: filepath.Join(dir, "wechat-session.json")}
}

// wcBot is a running bot with what it wrote to stderr (where the login QR
// code is drawn) and its log.
type wcBot struct {
	*Main
	stderr *syncBuffer
	logs   *watchBuffer
}

// watchBuffer keeps a log and lets a test wait for a line in it.
type watchBuffer struct{ bottest.Log }

func newWatchBuffer() *watchBuffer { return &watchBuffer{} }

// waitLine waits until a line of the log contains every part.
func (l *watchBuffer) waitLine(t *testing.T, parts ...string) {
	t.Helper()
	l.WaitLine(t, wcWait, parts...)
}

// start runs the bot on WeChat (and on Telegram when w.tg is set). It is
// closed when the test ends; its log is shown if the test failed.
func (w *wcWorld) start(t testing.TB) *wcBot {
	t.Helper()
	m := NewMain()
	stderr := &syncBuffer{}
	m.Stderr = stderr
	managers := "wechat:" + wcManager
	pace := wcPace
	if w.pace != 0 {
		pace = w.pace
	}
	args := []string{"-db", w.db, "-wechat", "-wechat-session", w.session, "-wechat-pace", pace.String(), "-tz", "Asia/Shanghai"}
	if w.tg != nil {
		// Telegram beside WeChat: 王经理 (telegram:100) gets the WeChat alerts.
		managers += ",telegram:100"
		args = append(args, "-telegram-token", tgToken, "-telegram-api", w.tg.srv.URL)
		m.TelegramLimits = &telegram.Limits{Disabled: true}
	}
	args = append(args, "-managers", managers)
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	logs := newWatchBuffer()
	m.Log = slog.New(slog.NewTextHandler(logs, nil))
	m.WeChatTransport = w.srv.Transport()
	m.StoreOptions = w.store
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Close()
		if t.Failed() {
			t.Logf("bot log:\n%s", logs)
		}
	})
	return &wcBot{Main: m, stderr: stderr, logs: logs}
}

// wechatOf returns the bot's WeChat platform.
func wechatOf(t testing.TB, m *wcBot) *wechat.WeChat {
	t.Helper()
	for _, p := range m.platforms {
		if wc, ok := p.(*wechat.WeChat); ok {
			return wc
		}
	}
	t.Fatal("the bot runs no WeChat platform")
	return nil
}

// waitFor waits until cond holds; it is checked after every request the fake gets.
func (w *wcWorld) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wcWait)
	defer cancel()
	if err := w.srv.WaitFor(ctx, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitUp waits until the bot is logged in to WeChat.
func (w *wcWorld) waitUp(t testing.TB, m *wcBot) {
	t.Helper()
	wc := wechatOf(t, m)
	w.waitFor(t, "WeChat login", func() bool { up, _ := wc.Status(); return up })
}

// sentTo lists the accepted sends to a group or friend.
func (w *wcWorld) sentTo(to string) []wechattest.SentMessage {
	var out []wechattest.SentMessage
	for _, s := range w.srv.Sent() {
		if s.ToNick == to {
			out = append(out, s)
		}
	}
	return out
}

// waitText waits until a message containing part has been sent to to, and returns it.
func (w *wcWorld) waitText(t testing.TB, to, part string) wechattest.SentMessage {
	t.Helper()
	var got wechattest.SentMessage
	ctx, cancel := context.WithTimeout(context.Background(), wcWait)
	defer cancel()
	err := w.srv.WaitFor(ctx, func() bool {
		for _, s := range w.sentTo(to) {
			if strings.Contains(s.Content, part) {
				got = s
				return true
			}
		}
		return false
	})
	if err != nil {
		var texts []string
		for _, s := range w.sentTo(to) {
			texts = append(texts, s.Content)
		}
		t.Fatalf("no message containing %q sent to %s; sent there: %q", part, to, texts)
	}
	return got
}

// setup binds the groups by /bind typed in them and makes 张师傅 staff, as a manager would.
func (w *wcWorld) setup(t testing.TB) {
	t.Helper()
	w.srv.GroupText(wcResident, wcManager, "/bind 阳光花园")
	w.waitText(t, wcResident, "的业主群")
	w.srv.GroupText(wcStaff, wcManager, "/bind 阳光花园 staff")
	w.waitText(t, wcStaff, "的物业工作群")
	w.srv.GroupText(wcStaff, "张师傅", "/whoami")
	w.waitText(t, wcStaff, "您是张师傅")
	w.srv.PrivateText(wcManager, "/grant staff 张师傅")
	w.waitText(t, wcManager, "已将 张师傅 设为“阳光花园”的工作人员")
}

// outboxCount counts the WeChat outbox rows with that status.
func outboxCount(t *testing.T, m *wcBot, status string) int {
	t.Helper()
	var n int
	if err := m.DB.SQL().QueryRow("SELECT count(*) FROM outbox WHERE platform = 'wechat' AND status = ?", status).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWeChatQRLoginThenHotLogin(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t)
	m := w.start(t)

	// The first start has no session: a QR code is drawn in the terminal.
	uuid, err := w.srv.WaitLoginRequest(wcWait)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.srv.WaitHits("login", 1, wcWait); err != nil { // polled after the QR code is shown
		t.Fatal(err)
	}
	if out := m.stderr.String(); !strings.Contains(out, "/qrcode/"+uuid) || !strings.ContainsAny(out, "█▀▄") {
		t.Fatalf("no QR code in the terminal:\n%s", out)
	}
	if up, detail := wechatOf(t, m).Status(); up || !strings.Contains(detail, "QR") {
		t.Errorf("Status() before the scan = %v %q", up, detail)
	}
	if err := w.srv.Scan(); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.ConfirmLogin(); err != nil {
		t.Fatal(err)
	}
	w.waitUp(t, m)
	w.srv.GroupText(wcResident, wcManager, "/bind 阳光花园")
	w.waitText(t, wcResident, "的业主群")
	stop(t, m.Main)

	// A restart logs in from the session file: no QR code, no new session.
	m = w.start(t)
	w.waitUp(t, m)
	if w.srv.QRShown() != 1 || w.srv.LoginCount() != 1 || w.srv.PushCount() != 0 {
		t.Errorf("QRShown %d LoginCount %d PushCount %d, want one QR login, then a hot login",
			w.srv.QRShown(), w.srv.LoginCount(), w.srv.PushCount())
	}
	if strings.Contains(m.stderr.String(), "qrcode") {
		t.Errorf("the hot login drew a QR code:\n%s", m.stderr)
	}
	// The binding survived, and the new session's ids are resolved by name.
	w.srv.GroupText(wcResident, "李阿姨", "#报修 重启后水管漏水")
	card := w.waitText(t, wcResident, "工单 #1 · 报修")
	if !strings.Contains(card.Content, "重启后水管漏水") {
		t.Errorf("card = %q", card.Content)
	}
}

func TestWeChatTicketJourney(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)

	// A resident's tag: a card in the group, plain text, her words verbatim.
	w.srv.GroupText(wcResident, "李阿姨", "#报修 3号楼电梯按钮坏了 <b>急</b> a < b & c")
	card := w.waitText(t, wcResident, "工单 #1 · 报修")
	if !strings.Contains(card.Content, "3号楼电梯按钮坏了 <b>急</b> a < b & c") {
		t.Errorf("user text not verbatim: %q", card.Content)
	}
	staffCard := w.waitText(t, wcStaff, "新工单 #1")
	if !strings.Contains(staffCard.Content, "3-201 李阿姨") || !strings.Contains(staffCard.Content, "/take 1") {
		t.Errorf("staff card lacks the reporter's group card or the commands (WeChat has no buttons): %q", staffCard.Content)
	}

	// Staff answer by ticket number (what the cards ask for on WeChat): relayed to the residents.
	w.srv.GroupText(wcStaff, "张师傅", "#1 已派师傅上门")
	w.waitText(t, wcResident, "#1 物业回复（张师傅）：已派师傅上门")
	w.waitText(t, wcStaff, "已记录并转告业主（#1）")

	// A quote (引用) that arrives as WeChat's app message naming the quoted
	// card belongs to the card's ticket, number or not: staff quoting the
	// staff card reach the residents, a resident quoting hers reaches staff.
	w.srv.GroupQuote(wcStaff, "张师傅", staffCard.MsgID, "师傅下午三点到")
	w.waitText(t, wcResident, "#1 物业回复（张师傅）：师傅下午三点到")
	w.srv.GroupQuote(wcResident, "李阿姨", card.MsgID, "好的，家里有人")
	if got := w.waitText(t, wcStaff, "好的，家里有人"); !strings.Contains(got.Content, "#1 业主补充") {
		t.Errorf("resident's quote reached staff as %q", got.Content)
	}

	// Resolve: the resident is asked for a rating in words, and rates with /rate.
	w.srv.GroupText(wcStaff, "张师傅", "/resolve 1 按钮已更换")
	w.waitText(t, wcResident, "#1 已处理完成（张师傅）：按钮已更换")
	w.waitText(t, wcResident, "/rate 1")
	w.srv.GroupText(wcResident, "李阿姨", "/rate 1 5")
	w.waitText(t, wcResident, "谢谢您的评价！#1 已关闭。")

	// A mention of the bot is a tag too; a bare "评分 5" rates the latest resolved ticket.
	w.srv.GroupMention(wcResident, "Tom", "报修 楼道灯不亮")
	w.waitText(t, wcResident, "工单 #2 · 报修")
	w.srv.GroupText(wcStaff, "张师傅", "/resolve 2")
	w.waitText(t, wcResident, "#2 已处理完成（张师傅）")
	w.srv.GroupText(wcResident, "Tom", "评分 5")
	w.waitText(t, wcResident, "谢谢您的评价！#2 已关闭。")

	for id := 1; id <= 2; id++ {
		var status string
		var rating int
		if err := m.DB.SQL().QueryRow("SELECT status, rating FROM tickets WHERE id = ?", id).Scan(&status, &rating); err != nil {
			t.Fatal(err)
		}
		if status != store.StatusClosed || rating != 5 {
			t.Errorf("ticket #%d after rating: %s %d", id, status, rating)
		}
	}
	if n := ticketCount(t, m.Main); n != 2 {
		t.Errorf("tickets = %d, want 2", n)
	}
}

func TestWeChatManagerAdminInPrivate(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t) // /grant staff in private, checked there

	w.srv.PrivateText(wcManager, "/sla 阳光花园 first=2h resolve=3d")
	w.waitText(t, wcManager, "首次回复 2h，解决 3d")
	// The granted role works in the staff group.
	w.srv.GroupText(wcStaff, "张师傅", "/tickets")
	w.waitText(t, wcStaff, "目前没有符合条件的工单")
	// Admin commands: refused from a stranger in private, and from the manager in a group.
	w.srv.PrivateText("路人甲", "/grant manager 路人甲")
	w.waitText(t, "路人甲", "还不知道您住在哪个小区") // a friend of the account, but in no community
	w.srv.GroupText(wcStaff, wcManager, "/grant manager 张师傅")
	w.waitText(t, wcStaff, "管理命令请私聊我发送")
	var role string
	if err := m.DB.SQL().QueryRow(`SELECT m.role FROM memberships m JOIN people p ON p.id = m.person_id
		WHERE p.platform = 'wechat' AND p.user_key = '张师傅' AND m.role <> 'resident'`).Scan(&role); err != nil {
		t.Fatal(err)
	}
	if role != store.RoleStaff {
		t.Errorf("张师傅 is %s, want staff", role)
	}
	if n := roleCount(t, m.Main, "wechat", "路人甲"); n != 0 {
		t.Errorf("a stranger holds %d roles", n)
	}
}

// TestWeChatImpostorIsNotAManager: a resident who sets their group card to
// the manager's name is not taken for the manager; the real one still is.
func TestWeChatImpostorIsNotAManager(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)
	w.srv.GroupText(wcResident, "冒充者", "/unbind")
	w.waitText(t, wcResident, "需要先核实工作人员和经理的身份")
	w.srv.GroupText(wcResident, "冒充者", "#报修 冒充者也能报修")
	w.waitText(t, wcResident, "工单 #1")
	w.srv.GroupText(wcResident, "冒充者", "/resolve 1")
	w.waitText(t, wcResident, "需要先核实")
	var bound, status string
	m.DB.SQL().QueryRow("SELECT coalesce(role, '') FROM chats WHERE platform = 'wechat' AND chat_key = ?", wcResident).Scan(&bound)
	m.DB.SQL().QueryRow("SELECT status FROM tickets WHERE id = 1").Scan(&status)
	if bound != store.RoleResidentChat || status != store.StatusOpen {
		t.Errorf("after the impostor: group role %q, ticket %q", bound, status)
	}
	// The real manager, the bot's friend under that name, still can.
	w.srv.GroupText(wcResident, wcManager, "/unbind")
	w.waitText(t, wcResident, "本群已解除绑定")
}

func TestWeChatGroupRenameKeepsBinding(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)
	w.srv.GroupText(wcResident, "李阿姨", "#报修 水管漏水")
	w.waitText(t, wcResident, "工单 #1 · 报修")

	const renamed = "阳光花园一期业主群"
	w.srv.RenameGroup(wcResident, renamed, wcManager)
	// New tickets in the renamed group are answered there, and the staff's
	// answers to the old ticket follow the group.
	w.srv.GroupText(renamed, "李阿姨", "#报修 楼道灯不亮")
	w.waitText(t, renamed, "工单 #2 · 报修")
	w.srv.GroupText(wcStaff, "张师傅", "#1 下午修水管")
	w.waitText(t, renamed, "#1 物业回复（张师傅）：下午修水管")
	var bound int
	if err := m.DB.SQL().QueryRow("SELECT count(*) FROM chats WHERE platform = 'wechat' AND chat_key = ? AND community_id IS NOT NULL", renamed).Scan(&bound); err != nil {
		t.Fatal(err)
	}
	if bound != 1 {
		t.Errorf("the renamed group is not bound")
	}
	if n := outboxCount(t, m, "failed"); n != 0 {
		t.Errorf("%d WeChat messages failed", n)
	}
}

func TestWeChatLogoutAlertsAndRelogin(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	w.tg = newTGWorld(t)
	tg := w.tg
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)
	w.srv.GroupText(wcResident, "李阿姨", "#报修 电梯坏了")
	w.waitText(t, wcResident, "工单 #1 · 报修")
	w.waitText(t, wcStaff, "新工单 #1")

	// The phone logs the bot out; push login is refused, so only a scan helps.
	w.srv.SetAutoConfirm(false)
	w.srv.SetPushAllowed(false)
	qrBefore := w.srv.QRShown()
	w.srv.Logout()
	tg.waitText(t, tg.manager.ID, "微信已掉线")

	// Meanwhile the manager answers on Telegram: the answers wait in the outbox.
	tg.srv.SendText(privateChatOf(tg.manager), tg.manager, "/progress 1 师傅明早九点到")
	tg.waitText(t, tg.manager.ID, "已转告业主（#1）")
	tg.srv.SendText(privateChatOf(tg.manager), tg.manager, "/resolve 1 电梯已修好")
	tg.waitText(t, tg.manager.ID, "#1 已标记为解决")
	if n := outboxCount(t, m, "pending"); n < 2 {
		t.Errorf("pending WeChat rows while logged out = %d, want the answers kept", n)
	}

	// A new QR code: its link reaches the manager on Telegram, and a scan
	// brings WeChat back.
	uuid, err := w.srv.WaitLoginRequest(wcWait)
	if err != nil {
		t.Fatal(err)
	}
	if w.srv.QRShown() != qrBefore+1 {
		t.Errorf("QR codes shown after the logout: %d, want 1", w.srv.QRShown()-qrBefore)
	}
	tg.waitText(t, tg.manager.ID, "微信需要重新登录。请用机器人的微信号扫码：https://login.weixin.qq.com/qrcode/"+uuid)
	if err := w.srv.ConfirmLogin(); err != nil {
		t.Fatal(err)
	}
	tg.waitText(t, tg.manager.ID, "微信已重新登录")
	w.waitText(t, wcResident, "师傅明早九点到")
	w.waitText(t, wcResident, "#1 已处理完成（王经理）：电梯已修好")
	w.waitFor(t, "outbox drained", func() bool { return outboxCount(t, m, "pending") == 0 })
	if n := outboxCount(t, m, "failed"); n != 0 {
		t.Errorf("%d WeChat messages failed", n)
	}
	if w.srv.LoginCount() != 2 {
		t.Errorf("LoginCount = %d, want the first login and one re-login", w.srv.LoginCount())
	}
}

func TestWeChatBurstIsPaced(t *testing.T) {
	t.Parallel()
	const n = 50
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	for i := range n {
		w.srv.AddMember(wcResident, wechattest.Member{NickName: fmt.Sprintf("业主%02d", i)})
	}
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)

	before := len(w.srv.Sent())
	for i := range n {
		w.srv.GroupText(wcResident, fmt.Sprintf("业主%02d", i), fmt.Sprintf("#报修 第%02d户漏水", i))
	}
	// 50 cards in the resident group and 50 in the staff group.
	w.waitFor(t, "100 cards sent", func() bool { return len(w.srv.Sent()) >= before+2*n })

	sent := w.srv.Sent()
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Time.Sub(sent[i-1].Time); gap < wcPace {
			t.Errorf("sends %d and %d are %v apart, want at least %v", i-1, i, gap, wcPace)
		}
	}
	for i := range n {
		want := fmt.Sprintf("第%02d户漏水", i)
		for _, to := range []string{wcResident, wcStaff} {
			got := 0
			for _, s := range w.sentTo(to) {
				if strings.Contains(s.Content, want) {
					got++
				}
			}
			if got != 1 {
				t.Errorf("%s: %d cards in %s, want 1", want, got, to)
			}
		}
	}
	if len(sent) != before+2*n || len(w.srv.Rejected()) != 0 {
		t.Errorf("sent %d (want %d), rejected %d", len(sent)-before, 2*n, len(w.srv.Rejected()))
	}
	if c := ticketCount(t, m.Main); c != n {
		t.Errorf("tickets = %d, want %d", c, n)
	}
	if st := m.Senders[bot.WeChat].Stats(); st.Failed != 0 {
		t.Errorf("sender stats = %+v", st)
	}
}

func TestWeChatNetworkDownBacksOff(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)

	// The network goes down: the poll fails, and each retry waits longer
	// (openwechat's own error handler would retry at once, thousands of
	// times a second). After three failures WeChat counts as down.
	start := time.Now()
	w.srv.SetDown(true)
	m.logs.waitLine(t, "wechat sync failed", "failures=3 ")
	elapsed := time.Since(start)
	reqs := w.srv.RequestsSince(start)
	if rate := float64(reqs) / elapsed.Seconds(); rate >= 50 || elapsed < time.Second {
		t.Errorf("%d requests in %v while the network was down (%.0f/s): want a back-off, not a hot loop", reqs, elapsed, rate)
	}
	if up, detail := wechatOf(t, m).Status(); up || !strings.Contains(detail, "receiving fails") {
		t.Errorf("Status() with the network down = %v %q", up, detail)
	}

	// Back up: the next poll succeeds and messages are answered again.
	w.srv.SetDown(false)
	w.srv.GroupText(wcResident, "李阿姨", "#报修 网络恢复后报修")
	card := w.waitText(t, wcResident, "网络恢复后报修")
	if !strings.Contains(card.Content, "工单 #1") {
		t.Errorf("card = %q", card.Content)
	}
	if up, detail := wechatOf(t, m).Status(); !up {
		t.Errorf("Status() after recovery = %v %q", up, detail)
	}
	t.Logf("network down: %d requests in %v; recovered %v after it came back", reqs, elapsed.Round(time.Millisecond), time.Since(start)-elapsed)
}

// TestWeChatUnsavedGroupAfterLogin: a bound group that the new session cannot
// find (not saved to contacts) is reported to the managers right after login.
func TestWeChatUnsavedGroupAfterLogin(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	w.tg = newTGWorld(t)
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	w.srv.SetGroupSaved(wcStaff, false)
	m = w.start(t)
	w.waitUp(t, m)
	w.tg.waitText(t, w.tg.manager.ID, "找不到已绑定的群“"+wcStaff+"”")
	for _, s := range w.tg.srv.SentTo(w.tg.manager.ID) {
		if strings.Contains(s.Text, "找不到已绑定的群“"+wcResident+"”") {
			t.Error("the saved resident group was reported missing")
		}
	}
}
