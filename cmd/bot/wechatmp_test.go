package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot/bottest"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/bot/wechatmp"
	"github.com/linli/linli/bot/wechatmp/wechatmptest"
	"github.com/linli/linli/store"
)

// mpClock is the clock the bot and the fake MP API share, so that a test
// can move past a follower's 48-hour window.
type mpClock = bottest.Clock

func newMPClock() *mpClock { return bottest.NewClock(time.Now().Truncate(time.Second)) }

// mpWorld is a fake MP API beside the fake Telegram of tgWorld: the
// office's staff group on Telegram, residents following the service account.
type mpWorld struct {
	*tgWorld
	mp  *wechatmptest.Server
	clk *mpClock
	cl  *wechatmptest.Client
}

const mpTemplatesJSON = `{
	"accepted": {"id": "TPL-ACCEPTED"},
	"resolved": {"id": "TPL-RESOLVED", "fields": {"character_string1": "number", "thing2": "summary", "phrase3": "status", "thing4": "community"}}
}`

func newMPWorld(t *testing.T, opts ...wechatmptest.Option) *mpWorld {
	t.Helper()
	clk := newMPClock()
	srv := wechatmptest.NewServer(append([]wechatmptest.Option{wechatmptest.WithClock(clk.Now), wechatmptest.WithTemplates("TPL-ACCEPTED", "TPL-RESOLVED")}, opts...)...)
	t.Cleanup(srv.Close)
	return &mpWorld{tgWorld: newTGWorld(t), mp: srv, clk: clk}
}

// start runs the bot with Telegram and the service account, on db.
func (w *mpWorld) start(t *testing.T, db string, extra ...string) *Main {
	t.Helper()
	tpl := filepath.Join(t.TempDir(), "templates.json")
	if err := os.WriteFile(tpl, []byte(mpTemplatesJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.Stderr = io.Discard
	args := []string{"-db", db, "-telegram-token", tgToken, "-telegram-api", w.srv.URL, "-managers", "telegram:100", "-tz", "Asia/Shanghai",
		"-http", "127.0.0.1:0", "-public-url", "https://linli.example/",
		"-wechatmp-appid", w.mp.AppID, "-wechatmp-secret", w.mp.AppSecret, "-wechatmp-token", w.mp.Token,
		"-wechatmp-aeskey", w.mp.EncodingAESKey, "-wechatmp-api", w.mp.URL, "-wechatmp-templates", tpl}
	if err := m.ParseFlags(append(args, extra...), func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Log = slog.New(slog.DiscardHandler)
	if os.Getenv("MPDEBUG") != "" {
		m.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m.Now = w.clk.Now
	m.TelegramLimits = &telegram.Limits{Disabled: true}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.cl = w.mp.NewClient("http://"+m.HTTPAddr.String()+mpCallbackPath, wechatmptest.Safe)
	// WeChat delivers a message again 3 times; the bot answers 503 when a
	// message is not committed within its 3 s budget. On a loaded 2-core
	// machine under -race the first messages can take longer than four
	// budgets, so the test's WeChat is more patient: a message delivered
	// again is the same message (the inbox drops the copies), and what the
	// tests check is what the bot does with it, not how fast.
	w.cl.Retries = 12
	return m
}

// deliver posts a callback and fails the test unless the bot took it.
func (w *mpWorld) deliver(t *testing.T, d wechatmptest.Delivery) {
	t.Helper()
	if !d.Accepted {
		t.Fatalf("callback %s not accepted: status %d %q, err %v", d.Message.MsgType, d.Status, d.Body, d.Err)
	}
}

// waitCustom waits for a customer-service message to openID containing part.
func (w *mpWorld) waitCustom(t *testing.T, openID, part string) wechatmptest.CustomMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got wechatmptest.CustomMessage
	err := w.mp.WaitFor(ctx, func() bool {
		for _, c := range w.mp.Customs() {
			if c.ToUser == openID && strings.Contains(c.Text, part) {
				got = c
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no message to %s containing %q; sent to them: %q", openID, part, mpTexts(w.mp, openID))
	}
	return got
}

// waitTemplate waits for a template message to openID with that template.
func (w *mpWorld) waitTemplate(t *testing.T, openID, templateID string) wechatmptest.TemplateMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got wechatmptest.TemplateMessage
	err := w.mp.WaitFor(ctx, func() bool {
		for _, m := range w.mp.Templates() {
			if m.ToUser == openID && m.TemplateID == templateID {
				got = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no template %s to %s; templates sent: %+v", templateID, openID, w.mp.Templates())
	}
	return got
}

func mpTexts(srv *wechatmptest.Server, openID string) []string {
	var out []string
	for _, c := range srv.Customs() {
		if c.ToUser == openID {
			out = append(out, c.Text)
		}
	}
	return out
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// heldRows lists the outbox rows held for their follower.
func heldRows(t *testing.T, m *Main) []store.OutboxRow {
	t.Helper()
	var rows []store.OutboxRow
	if err := m.DB.View(context.Background(), func(tx *store.Tx) (err error) { rows, err = tx.HeldOutbox(50); return }); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestWeChatMPJourney runs the service account end to end through Main,
// the real SDK client against the fake MP API: a manager makes the
// community's QR code, a resident scans it and files a ticket with a photo,
// staff answer within the window; 49 hours later the window is over, so a
// comment is held and the resolve goes as a template message; the
// resident's rating opens a new window, the held comment arrives, and the
// ticket closes; unfollowing marks the chat gone.
func TestWeChatMPJourney(t *testing.T) {
	w := newMPWorld(t)
	m := w.start(t, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	ctx := context.Background()

	// The URL verification WeChat makes when the server URL is saved.
	if ok, status, err := w.cl.Verify(ctx); !ok {
		t.Fatalf("URL verification failed: status %d, err %v", status, err)
	}

	// The manager asks for the lobby poster's code, privately on Telegram.
	w.srv.SendText(privateChatOf(w.manager), w.manager, "/qrcode 阳光花园")
	qr := w.waitText(t, w.manager.ID, "「阳光花园」的服务号二维码")
	if qr.Kind != telegramtest.KindPhoto || qr.File == nil {
		t.Fatalf("QR answer is a %s, want a photo", qr.Kind)
	}
	if _, err := png.Decode(bytes.NewReader(qr.File.Data)); err != nil {
		t.Fatalf("QR photo is no PNG: %v", err)
	}
	if n := w.mp.Calls("/cgi-bin/qrcode/create"); n != 1 {
		t.Errorf("qrcode/create called %d times, want 1", n)
	}

	// A resident scans it: she follows the account and joins the community.
	const li = "oLi_resident_1"
	w.deliver(t, w.cl.Subscribe(ctx, li, "community:1"))
	w.waitCustom(t, li, "您已加入「阳光花园」")
	var role string
	if err := m.DB.SQL().QueryRow(`SELECT m.role FROM memberships m JOIN people p ON p.id = m.person_id
		WHERE p.platform = 'wechatmp' AND p.user_key = ? AND m.community_id = 1`, li).Scan(&role); err != nil || role != store.RoleResident {
		t.Fatalf("membership after the scan = %q, %v; want resident of 阳光花园", role, err)
	}

	// She files a ticket with the private-chat grammar, then a photo.
	w.deliver(t, w.cl.Text(ctx, li, "报修 3号楼电梯按钮坏了"))
	w.waitCustom(t, li, "工单 #1 · 报修")
	staffCard := w.waitText(t, w.staff.ID, "新工单 #1")
	w.deliver(t, w.cl.Image(ctx, li, testPNG(t), "image/png"))
	w.waitCustom(t, li, "已把照片附到工单 #1")
	var photos int
	m.DB.SQL().QueryRow("SELECT count(*) FROM ticket_attachments WHERE ticket_id = 1").Scan(&photos)
	if photos != 1 {
		t.Errorf("photos of #1 = %d, want 1 (fetched with media/get)", photos)
	}
	if n := w.mp.Calls("/cgi-bin/media/get"); n != 1 {
		t.Errorf("media/get called %d times, want 1", n)
	}

	// Staff answer on Telegram, within her window: a customer-service message.
	w.srv.ReplyText(w.staff, w.zhang, "下午三点上门", staffCard.MessageID)
	w.waitCustom(t, li, "#1 物业回复（张师傅）：下午三点上门")

	// 49 hours later her window is over.
	w.clk.Add(49 * time.Hour)
	before := len(w.mp.Customs())
	// A comment has no template: it is held, not failed.
	w.srv.SendText(w.staff, w.zhang, "#1 配件已到，明天更换")
	// The resolve has one: it goes as a template message at once, though
	// the held comment was queued before it.
	w.srv.SendText(w.staff, w.zhang, "/resolve 1 按钮已更换")
	w.waitText(t, w.staff.ID, "#1 已标记为解决")
	tpl := w.waitTemplate(t, li, "TPL-RESOLVED")
	want := map[string]string{"character_string1": "#1", "thing2": "3号楼电梯按钮坏了", "phrase3": "已解决", "thing4": "阳光花园"}
	for k, v := range want {
		if tpl.Data[k] != v {
			t.Errorf("template field %s = %q, want %q (all: %v)", k, tpl.Data[k], v, tpl.Data)
		}
	}
	if u, err := url.Parse(tpl.URL); err != nil || !strings.Contains(u.RawQuery, url.QueryEscape("https://linli.example"+mpMinePath)) {
		t.Errorf("template URL = %q, want the OAuth link to %s", tpl.URL, mpMinePath)
	}
	if n := len(w.mp.Customs()); n != before {
		t.Errorf("%d customer-service messages went outside the window: %q", n-before, mpTexts(w.mp, li)[before:])
	}
	held := heldRows(t, m)
	if len(held) == 0 || !strings.Contains(held[0].Text, "配件已到") {
		rows, _ := m.DB.SQL().Query("SELECT id, text, status, held_at, attempts, last_error, next_attempt_ms, platform_msg_id FROM outbox WHERE platform = 'wechatmp'")
		for rows.Next() {
			var id, h, a, n int64
			var x, st, e, pm string
			rows.Scan(&id, &x, &st, &h, &a, &e, &n, &pm)
			t.Logf("row %d %q %s held=%d att=%d err=%q next=%d msg=%s", id, x, st, h, a, e, n, pm)
		}
		rows.Close()
		t.Fatalf("held rows = %+v, want the comment", held)
	}
	var failed int
	m.DB.SQL().QueryRow("SELECT count(*) FROM outbox WHERE status = 'failed' AND platform = 'wechatmp'").Scan(&failed)
	if failed != 0 {
		rows, _ := m.DB.SQL().Query("SELECT platform, chat_key, text, last_error FROM outbox WHERE status = 'failed' AND platform = 'wechatmp'")
		for rows.Next() {
			var p, c, x, e string
			rows.Scan(&p, &c, &x, &e)
			t.Logf("failed: %s %s %q: %s", p, c, x, e)
		}
		rows.Close()
		t.Errorf("%d rows failed; held messages must stay pending", failed)
	}
	// Managers see them in /outbox, and /healthz does not call them stuck.
	w.srv.SendText(privateChatOf(w.manager), w.manager, "/outbox")
	w.waitText(t, w.manager.ID, "条在等待服务号的粉丝再发消息")
	h := m.monitor.health(ctx)
	if h.Outbox.Pending < len(held) {
		t.Errorf("healthz pending = %d, want the held rows counted", h.Outbox.Pending)
	}

	// Her rating opens a new window: the held comment arrives, then the thanks.
	w.deliver(t, w.cl.Text(ctx, li, "评分 5"))
	w.waitCustom(t, li, "谢谢您的评价！#1 已关闭")
	texts := mpTexts(w.mp, li)[before:]
	if len(texts) < 2 || !strings.Contains(texts[0], "配件已到") {
		t.Errorf("after the rating she got %q, want the held comment first", texts)
	}
	var status string
	var rating int
	m.DB.SQL().QueryRow("SELECT status, rating FROM tickets WHERE id = 1").Scan(&status, &rating)
	if status != store.StatusClosed || rating != 5 {
		t.Errorf("ticket after rating: %s %d, want closed 5", status, rating)
	}
	if rows := heldRows(t, m); len(rows) != 0 {
		t.Errorf("still held after she wrote: %+v", rows)
	}

	// Unfollowing marks her chat gone.
	w.deliver(t, w.cl.Unsubscribe(ctx, li))
	var active int
	m.DB.SQL().QueryRow("SELECT active FROM chats WHERE platform = 'wechatmp' AND chat_key = ?", li).Scan(&active)
	if active != 0 {
		t.Error("chat still active after the unfollow")
	}
	var last int64
	m.DB.SQL().QueryRow("SELECT unfollowed FROM wechatmp_windows WHERE chat_key = ?", li).Scan(&last)
	if last != 1 {
		t.Error("window state does not record the unfollow")
	}
}

// rowOf returns the wechatmp outbox row whose text contains part.
func rowOf(t *testing.T, m *Main, part string) (status string, attempts int, lastErr string, heldAt int64) {
	t.Helper()
	err := m.DB.SQL().QueryRow(`SELECT status, attempts, last_error, held_at FROM outbox WHERE platform = 'wechatmp' AND instr(text, ?) > 0 ORDER BY id DESC LIMIT 1`, part).
		Scan(&status, &attempts, &lastErr, &heldAt)
	if err != nil {
		t.Fatalf("no outbox row with %q: %v", part, err)
	}
	return
}

// waitRow waits until the row with part is as ok says. The bot's Sender
// looks at the outbox at least every second; a deadline bounds the wait.
func waitRow(t *testing.T, m *Main, part string, ok func(status string, attempts int, lastErr string, heldAt int64) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var status, lastErr string
		var attempts int
		var held int64
		err := m.DB.SQL().QueryRow(`SELECT status, attempts, last_error, held_at FROM outbox WHERE platform = 'wechatmp' AND instr(text, ?) > 0 ORDER BY id DESC LIMIT 1`, part).
			Scan(&status, &attempts, &lastErr, &held)
		if err == nil && ok(status, attempts, lastErr, held) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("row %q: status %s, attempts %d, held_at %d, error %q (err %v)", part, status, attempts, held, lastErr, err)
		}
		<-tick.C
	}
}

// countCustoms counts the customer-service messages to openID containing part.
func (w *mpWorld) countCustoms(openID, part string) int {
	n := 0
	for _, c := range w.mp.Customs() {
		if c.ToUser == openID && strings.Contains(c.Text, part) {
			n++
		}
	}
	return n
}

// TestWeChatMPErrcodesAndRestart: the daily quota (45009) waits for
// midnight in Beijing without failing the row; a revoked (40001) or
// expired (42001) token is renewed and the message still goes; a used-up
// window (45047) holds the row until the follower writes; and a restart
// neither fetches a new token nor forgets the follower's window.
func TestWeChatMPErrcodesAndRestart(t *testing.T) {
	w := newMPWorld(t)
	db := filepath.Join(t.TempDir(), "linli.db")
	m := w.start(t, db)
	ctx := context.Background()
	if err := m.DB.Update(ctx, func(tx *store.Tx) error {
		_, _, err := tx.CreateCommunity("阳光花园", "zh", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const tom = "oTom_follower"

	// 45009: the welcome waits, pending and uncounted, until the quota is back.
	w.mp.FailNext("/cgi-bin/message/custom/send", 45009)
	w.deliver(t, w.cl.Subscribe(ctx, tom, "community:1"))
	waitRow(t, m, "您已加入「阳光花园」", func(status string, _ int, lastErr string, _ int64) bool {
		return status == "pending" && strings.Contains(lastErr, "45009")
	})
	if _, attempts, _, _ := rowOf(t, m, "您已加入「阳光花园」"); attempts != 0 {
		t.Errorf("the quota wait counted %d attempts towards failing the row", attempts)
	}
	w.clk.Add(24 * time.Hour) // past midnight in Beijing, inside the window
	w.waitCustom(t, tom, "您已加入「阳光花园」")

	// 40001 and 42001: one fresh token each, and the message goes.
	for _, c := range []struct {
		name, cmd, answer string
		spoil             func()
	}{
		{"revoked", "/whoami", "您是" + tom, w.mp.RevokeTokens},
		{"expired", "/mine", "您还没有提交过工单", w.mp.ExpireTokens},
	} {
		issued := w.mp.TokensIssued()
		c.spoil()
		w.deliver(t, w.cl.Text(ctx, tom, c.cmd))
		w.waitCustom(t, tom, c.answer)
		if got := w.mp.TokensIssued(); got != issued+1 {
			t.Errorf("%s token: %d tokens fetched, want 1", c.name, got-issued)
		}
	}

	// 45047: WeChat says the window's messages are used up; the row is held.
	w.mp.FailNext("/cgi-bin/message/custom/send", 45047)
	w.deliver(t, w.cl.Text(ctx, tom, "/help"))
	waitRow(t, m, "邻里小助手", func(status string, _ int, _ string, held int64) bool { return status == "pending" && held > 0 })
	stop(t, m)

	// A restart keeps the token and the window.
	issued := w.mp.TokensIssued()
	m = w.start(t, db)
	defer stop(t, m)
	if _, _, _, held := rowOf(t, m, "邻里小助手"); held == 0 {
		t.Error("the held row was released by the restart")
	}
	if n := w.countCustoms(tom, "邻里小助手"); n != 0 {
		t.Errorf("the held help went out %d times before she wrote", n)
	}
	w.clk.Add(time.Minute) // WeChat dates messages in seconds: a new one is later
	w.deliver(t, w.cl.Text(ctx, tom, "/help"))
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := w.mp.WaitFor(wctx, func() bool { return w.countCustoms(tom, "邻里小助手") == 2 }); err != nil {
		t.Fatalf("after she wrote: %d help texts, want the held one and the new one", w.countCustoms(tom, "邻里小助手"))
	}
	if got := w.mp.TokensIssued(); got != issued {
		t.Errorf("the restart fetched %d tokens, want none (the saved one is valid)", got-issued)
	}
}

// TestWeChatMPMenuAndMinePage: /menu sync sets 报修, 我的工单 (the OAuth
// link to the page of the resident's tickets) and 公告栏/意见箱; the click
// buttons answer; the page lists her tickets for a fresh OAuth code and
// refuses a used one.
func TestWeChatMPMenuAndMinePage(t *testing.T) {
	w := newMPWorld(t)
	m := w.start(t, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	ctx := context.Background()

	w.srv.SendText(privateChatOf(w.li), w.li, "/menu sync")
	w.waitText(t, w.li.ID, "还不知道您住在哪个小区")
	if w.mp.Menu() != nil {
		t.Fatal("a resident set the menu")
	}
	w.srv.SendText(privateChatOf(w.manager), w.manager, "/menu sync")
	w.waitText(t, w.manager.ID, "服务号菜单已更新")
	menu := w.mp.Menu()
	if len(menu) != 3 || menu[0].Name != "报修" || menu[0].Key != "menu:repair" || menu[1].Name != "我的工单" || menu[1].Type != "view" || len(menu[2].SubButton) != 2 {
		t.Fatalf("menu = %+v", menu)
	}
	link, err := url.Parse(menu[1].URL)
	if err != nil || link.Query().Get("redirect_uri") != "https://linli.example"+mpMinePath || link.Query().Get("scope") != "snsapi_base" {
		t.Errorf("我的工单 link = %q, want the snsapi_base OAuth link to %s", menu[1].URL, mpMinePath)
	}
	if sub := menu[2].SubButton; sub[0].Name != "公告栏" || sub[0].Key != "menu:notices" || sub[1].Name != "意见箱" || sub[1].Key != "menu:suggest" {
		t.Errorf("third menu = %+v", sub)
	}

	const li = "oLi_resident_2"
	w.deliver(t, w.cl.Subscribe(ctx, li, "community:1"))
	w.waitCustom(t, li, "您已加入")
	w.deliver(t, w.cl.Click(ctx, li, "menu:repair"))
	w.waitCustom(t, li, "报修请直接发送")
	w.clk.Add(time.Second) // events are told apart by their second (WeChat's advice)
	w.deliver(t, w.cl.Click(ctx, li, "menu:suggest"))
	w.waitCustom(t, li, "意见箱是匿名的")
	w.deliver(t, w.cl.Text(ctx, li, "投诉：楼下装修太吵 <半夜>"))
	card := w.waitCustom(t, li, "工单 #1 · 投诉")
	// The card comes to her alone: it links her own page.
	own := regexp.MustCompile(`https://linli\.example(/web/t/\S+)`).FindStringSubmatch(card.Text)
	if own == nil {
		t.Fatalf("her card has no page link:\n%s", card.Text)
	}

	get := func(code string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + m.HTTPAddr.String() + mpMinePath + "?code=" + url.QueryEscape(code) + "&state=mine")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code := w.mp.IssueCode(li)
	status, body := get(code)
	if status != http.StatusOK || !strings.Contains(body, "#1") || !strings.Contains(body, "楼下装修太吵 &lt;半夜&gt;") {
		t.Errorf("mine page = %d %q, want her ticket, escaped", status, body)
	}
	// Each ticket links her own page: its forms are there.
	href := regexp.MustCompile(`<a href="https://linli\.example(/web/t/[^"]+)"><b>#1</b></a>`).FindStringSubmatch(body)
	if href == nil || href[1] != own[1] {
		t.Fatalf("mine page links %q, want her page %s (from her card):\n%s", href, own[1], body)
	}
	resp, err := http.Get("http://" + m.HTTPAddr.String() + href[1])
	if err != nil {
		t.Fatal(err)
	}
	pageBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"楼下装修太吵 &lt;半夜&gt;", `name="csrf"`, `<textarea name="note"`, `type="file" name="photo"`, "这是您的工单页面"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(pageBody), want) {
			t.Errorf("her page (%d) lacks %q:\n%s", resp.StatusCode, want, pageBody)
		}
	}
	if strings.Contains(string(pageBody), `id="view-only"`) {
		t.Errorf("her page from 我的工单 is the read-only one:\n%s", pageBody)
	}
	if status, body := get(code); status != http.StatusBadRequest || !strings.Contains(body, "重新打开") {
		t.Errorf("a used code = %d %q, want 400 and how to open the page again", status, body)
	}
	if status, body := get(w.mp.IssueCode("oNobody")); status != http.StatusOK || !strings.Contains(body, "您还没有提交过工单") {
		t.Errorf("someone without tickets = %d %q", status, body)
	}
}

func TestParseFlagsWeChatMP(t *testing.T) {
	base := []string{"-wechatmp-appid", "wx123", "-wechatmp-secret", "s", "-wechatmp-token", "tok", "-http", "127.0.0.1:0"}
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string // part of the error; "" for none
	}{
		{base, nil, ""},
		{nil, map[string]string{"LINLI_WECHATMP_APPID": "wx1", "LINLI_WECHATMP_SECRET": "s", "LINLI_WECHATMP_TOKEN": "t", "LINLI_HTTP": ":0", "LINLI_PUBLIC_URL": "https://x.example"}, ""},
		{[]string{"-wechatmp-appid", "wx123", "-wechatmp-token", "tok", "-http", ":0"}, nil, "-wechatmp-secret"},
		{[]string{"-wechatmp-appid", "wx123", "-wechatmp-secret", "s", "-http", ":0"}, nil, "-wechatmp-token"},
		{[]string{"-wechatmp-appid", "wx123", "-wechatmp-secret", "s", "-wechatmp-token", "tok"}, nil, "needs -http"},
		{[]string{"-wechatmp-secret", "s"}, nil, "need -wechatmp-appid"},
		{append(base, "-wechatmp-api", "ftp://x"), nil, "-wechatmp-api"},
		{append(base, "-public-url", "linli.example"), nil, "-public-url"},
		{append(base, "-wechatmp-templates", "/nonexistent/templates.json"), nil, "-wechatmp-templates"},
		{[]string{"-managers", "wechatmp:oBoss"}, nil, ""},
	} {
		m := NewMain()
		m.Stderr = io.Discard
		err := m.ParseFlags(c.args, func(k string) string { return c.env[k] })
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v %v: %v", c.args, c.env, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: err %v, want one about %s", c.args, err, c.want)
		}
	}
	bad := filepath.Join(t.TempDir(), "t.json")
	for _, body := range []string{`{"acepted": {"id": "x"}}`, `{"accepted": {}}`, `{"accepted": {"id": "x", "fields": {"thing1": "name"}}}`, `[`} {
		os.WriteFile(bad, []byte(body), 0o600)
		if _, err := loadTemplates(bad); err == nil {
			t.Errorf("templates %s: no error", body)
		}
	}
	os.WriteFile(bad, []byte(`{"progress": {"id": "P"}}`), 0o600)
	if ts, err := loadTemplates(bad); err != nil || ts[tplProgress].Fields["character_string1"] != "number" {
		t.Errorf("templates without fields = %+v, %v; want the default fields", ts, err)
	}
}

func TestTemplateValue(t *testing.T) {
	for _, c := range []struct{ field, in, want string }{
		{"phrase3", "已解决，待评价", "已解决"},
		{"phrase3", "Resolved, please rate", "Reso…"},
		{"thing2", "3号楼电梯按钮坏了，\n一直响", "3号楼电梯按钮坏了， 一直响"},
		{"thing2", strings.Repeat("长", 30), strings.Repeat("长", 19) + "…"},
		{"character_string1", "#12", "#12"},
		{"time4", "2026-01-02 15:04", "2026-01-02 15:04"},
	} {
		if got := templateValue(c.field, c.in); got != c.want {
			t.Errorf("templateValue(%s, %q) = %q, want %q", c.field, c.in, got, c.want)
		}
	}
}

// TestWeChatMPStaffFollow: staff who follow the account hear of their
// community's new tickets privately, with the web desk's link, answer with
// "#1 …" within their window, and past it the notice is held for them.
func TestWeChatMPStaffFollow(t *testing.T) {
	w := newMPWorld(t)
	m := w.start(t, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	ctx := context.Background()
	const zhang, li = "oZhang_staff", "oLi_resident_3"
	w.deliver(t, w.cl.Subscribe(ctx, zhang, "community:1"))
	w.waitCustom(t, zhang, "您已加入")
	if err := m.DB.Update(ctx, func(tx *store.Tx) error {
		p, err := tx.PersonByKey(wechatmp.Platform, zhang)
		if err != nil {
			return err
		}
		_, err = tx.Grant(p.ID, 1, store.RoleStaff, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w.deliver(t, w.cl.Subscribe(ctx, li, "community:1"))
	w.deliver(t, w.cl.Text(ctx, li, "报修 楼道灯不亮"))
	notice := w.waitCustom(t, zhang, "新工单 #1")
	if !strings.Contains(notice.Text, "https://linli.example"+deskTicketPath+"1") || !strings.Contains(notice.Text, "#1 内容") {
		t.Errorf("staff notice = %q, want the desk link and how to answer", notice.Text)
	}
	w.waitText(t, w.staff.ID, "新工单 #1") // the staff group hears too
	if n := w.countCustoms(li, "新工单"); n != 0 {
		t.Error("the resident got the staff notice")
	}

	w.clk.Add(time.Minute)
	w.deliver(t, w.cl.Text(ctx, zhang, "#1 今晚修好"))
	w.waitCustom(t, li, "#1 物业回复（"+zhang+"）：今晚修好")

	// Past his window, the next notice is held for him.
	w.clk.Add(49 * time.Hour)
	w.deliver(t, w.cl.Text(ctx, li, "报修 电梯异响"))
	w.waitCustom(t, li, "工单 #2")
	waitRow(t, m, "新工单 #2", func(status string, _ int, _ string, held int64) bool { return status == "pending" && held > 0 })
}
