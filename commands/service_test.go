package commands_test

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
	"github.com/linli/linli/commands"
	"github.com/linli/linli/store"
)

var t0 = time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai

// Telegram-style ids of the test community.
const (
	residentGroup            = bottest.ResidentGroup
	staffGroup               = bottest.StaffGroup
	strangeGroup  bot.ChatID = "-300"
)

type person = bottest.Person

var manager, zhang, li, tom = bottest.Manager, bottest.Zhang, bottest.Li, bottest.Tom

// harness drives the Service with real SQLite and reads back what it
// queued: bottest.Env (its clock, database, ids and outbox) with the
// Service, which a test may replace (svcWith).
type harness struct {
	*bottest.Env
	t   testing.TB
	db  *store.DB
	svc *commands.Service
	cfg commands.Config
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	h := over(bottest.NewEnv(t, t0), commands.Config{
		Lang: "zh", Location: loc, Log: slog.New(slog.DiscardHandler),
		Editable: map[bot.PlatformID]bool{bot.Telegram: true},
		Buttons:  map[bot.PlatformID]bool{bot.Telegram: true},
	})
	// The manager binds both groups, then grants 张师傅 staff.
	h.SeedCommunity(manager, zhang, li)
	h.group(residentGroup, tom, "hello")
	return h
}

// over is a harness over be with a Service of cfg.
func over(be *bottest.Env, cfg commands.Config) *harness {
	h := &harness{Env: be, t: be.TB, db: be.DB, cfg: cfg, svc: commands.New(be.DB, cfg)}
	be.Handler = func(ctx context.Context, m *bot.Message) error { return h.svc.Handle(ctx, m) }
	return h
}

// clone copies the harness's database (a consistent VACUUM INTO copy) into a
// new harness with the same clock and counters.
func (h *harness) clone() *harness {
	h.t.Helper()
	path := filepath.Join(h.t.TempDir(), "clone.db")
	if err := h.db.Backup(context.Background(), path); err != nil {
		h.t.Fatal(err)
	}
	return over(h.Fork(path), h.cfg)
}

// svcWith returns a new Service over the harness's database.
func (h *harness) svcWith(cfg commands.Config) *commands.Service { return commands.New(h.db, cfg) }

func (h *harness) nextID() bot.MessageID { return h.NextID() }

func (h *harness) send(m bot.Message) []bot.Outgoing {
	h.t.Helper()
	return h.Send(m)
}

// drain delivers everything queued, giving each sent message an id
// (sentID).
func (h *harness) drain() []bot.Outgoing {
	h.t.Helper()
	return h.Drain()
}

// sentID is the id a drained message was sent as.
func (h *harness) sentID(o bot.Outgoing) bot.MessageID {
	h.t.Helper()
	return h.SentID(o)
}

func (h *harness) group(chat bot.ChatID, p person, text string) []bot.Outgoing {
	h.t.Helper()
	return h.Group(chat, p, text)
}

func (h *harness) reply(chat bot.ChatID, p person, to bot.MessageID, text string) []bot.Outgoing {
	h.t.Helper()
	return h.send(bot.Message{Chat: chat, ChatKind: bot.Group, Sender: p.ID, SenderName: p.Name, Text: text, ReplyTo: to})
}

func (h *harness) private(p person, text string) []bot.Outgoing {
	h.t.Helper()
	return h.Private(p, text)
}

func (h *harness) press(chat bot.ChatID, p person, card bot.MessageID, data string) (string, []bot.Outgoing) {
	h.t.Helper()
	m := bot.Message{Chat: chat, ChatKind: bot.Group, Sender: p.ID, SenderName: p.Name,
		ID: card, Callback: &bot.Callback{ID: "cb" + string(h.NextID()), Data: data}}
	h.Stamp(&m)
	if err := h.svc.Handle(context.Background(), &m); err != nil {
		h.t.Fatal(err)
	}
	return m.Callback.Answer, h.drain()
}

func (h *harness) ticket(id int64) *store.Ticket {
	h.t.Helper()
	return h.Ticket(id)
}

func (h *harness) count(q string, args ...any) int {
	h.t.Helper()
	return h.Count(q, args...)
}

func (h *harness) tickets() int { return h.count("SELECT count(*) FROM tickets") }

// to returns the new messages sent to a chat (card edits left out).
func to(outs []bot.Outgoing, chat bot.ChatID) []bot.Outgoing { return bottest.To(outs, chat) }

// edits returns the edits of earlier messages in a chat.
func edits(outs []bot.Outgoing, chat bot.ChatID) []bot.Outgoing { return bottest.Edits(outs, chat) }

func one(t *testing.T, outs []bot.Outgoing, chat bot.ChatID) bot.Outgoing {
	t.Helper()
	return bottest.One(t, outs, chat)
}

func contains(t *testing.T, o bot.Outgoing, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(o.Text, p) {
			t.Errorf("message to %s %q lacks %q", o.Chat, o.Text, p)
		}
	}
}

func TestTicketFlowEndToEnd(t *testing.T) {
	h := newHarness(t)
	h.LastID = 1000
	out := h.group(residentGroup, li, "#报修 3号楼电梯按钮坏了")
	tag := bot.MessageID("1001")
	card := one(t, out, residentGroup)
	if card.ReplyTo != tag {
		t.Errorf("card replies to %q, want the resident's message %q", card.ReplyTo, tag)
	}
	contains(t, card, "工单 #1", "报修", "3号楼电梯按钮坏了", "待处理", "11月3日 09:00 前", "11月9日 09:00 前")
	staffCard := one(t, out, staffGroup)
	contains(t, staffCard, "新工单 #1", "李阿姨", "3号楼电梯按钮坏了")
	if len(staffCard.Buttons) != 1 || staffCard.Buttons[0][0].Data != "t:1:take" {
		t.Errorf("staff card buttons = %+v", staffCard.Buttons)
	}
	staffCardID := h.sentID(staffCard)

	// Staff press "take" on the staff card: a toast, the card edited, the resident told.
	h.Clock.Add(30 * time.Minute)
	toast, out := h.press(staffGroup, zhang, staffCardID, "t:1:take")
	if toast != "✅ #1 已接单。" {
		t.Errorf("toast = %q", toast)
	}
	if len(to(out, staffGroup)) != 0 {
		t.Errorf("a button press also posted in the staff group: %+v", to(out, staffGroup))
	}
	edit := edits(out, staffGroup)
	if len(edit) != 1 || edit[0].Edit != staffCardID {
		t.Fatalf("staff card not edited in place: %+v", edit)
	}
	contains(t, edit[0], "处理中", "负责人：张师傅")
	if e := edits(out, residentGroup); len(e) != 1 || e[0].Edit != h.sentID(card) {
		t.Errorf("resident card not edited: %+v", e)
	}
	told := one(t, out, residentGroup)
	contains(t, told, "#1 已由张师傅接单")
	if told.ReplyTo != tag {
		t.Errorf("news not threaded under the resident's message: %+v", told)
	}
	if got := h.ticket(1); got.Status != store.StatusInProgress || !got.FirstResponseAt.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("after take: %+v", got)
	}

	// A staff reply to the staff card is a comment relayed to the resident's thread.
	out = h.reply(staffGroup, zhang, staffCardID, "师傅下午三点上门 <b>别急</b> & *_[]")
	relay := to(out, residentGroup)
	contains(t, relay[len(relay)-1], "#1 物业回复（张师傅）：师傅下午三点上门 <b>别急</b> & *_[]")
	// The resident answers the relayed message: it reaches the staff group.
	relayID := h.sentID(relay[len(relay)-1])
	out = h.reply(residentGroup, li, relayID, "好的，我在家")
	contains(t, one(t, out, staffGroup), "#1 业主补充（李阿姨）：好的，我在家")

	// "#1 …" in the staff group is a comment too.
	out = h.group(staffGroup, zhang, "#1 已换好按钮")
	contains(t, to(out, residentGroup)[0], "已换好按钮")

	// Resolve: the resident is asked to rate with a 1–5 keyboard.
	out = h.group(staffGroup, zhang, "/resolve 1 按钮已更换")
	ask := to(out, residentGroup)
	last := ask[len(ask)-1]
	contains(t, last, "#1 已处理完成（张师傅）：按钮已更换")
	if len(last.Buttons) != 2 || last.Buttons[1][1].Data != "rate:1:5" {
		t.Errorf("rating keyboard = %+v", last.Buttons)
	}
	// Only the reporter may rate.
	if toast, _ := h.press(residentGroup, tom, "x", "rate:1:1"); !strings.Contains(toast, "只有提交工单的业主本人") {
		t.Errorf("stranger's rating toast = %q", toast)
	}
	toast, _ = h.press(residentGroup, li, h.sentID(last), "rate:1:5")
	if !strings.Contains(toast, "谢谢您的评价") {
		t.Errorf("rating toast = %q", toast)
	}
	got := h.ticket(1)
	if got.Status != store.StatusClosed || got.Rating != 5 {
		t.Errorf("after rating: %+v", got)
	}
	// Every change is an event with who and when.
	if n := h.count("SELECT count(*) FROM ticket_events WHERE ticket_id = 1 AND at > 0"); n != 7 {
		t.Errorf("events = %d, want 7 (created, take, comment×3, resolve, rate)", n)
	}
	out = h.group(residentGroup, li, "/status 1")
	contains(t, one(t, out, residentGroup), "已关闭", "评分：5 星", "张师傅 接单", "李阿姨 评价")
}

func TestBadInput(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name string
		run  func() []bot.Outgoing
		want string
	}{
		{"tag without text", func() []bot.Outgoing { return h.group(residentGroup, li, "#报修") }, "请在后面写上具体情况，例如：#报修"},
		{"slash without text", func() []bot.Outgoing { return h.group(residentGroup, li, "/repair") }, "请在后面写上具体情况"},
		{"too long", func() []bot.Outgoing { return h.group(residentGroup, li, "#报修 "+strings.Repeat("漏", 2001)) }, "内容太长了（2001 字），请控制在 2000 字以内"},
		{"unknown ticket", func() []bot.Outgoing { return h.group(residentGroup, li, "/status 99") }, "没有找到工单 #99"},
		{"bad number", func() []bot.Outgoing { return h.group(residentGroup, li, "/status abc") }, "“abc”不是有效的工单号"},
		{"huge number", func() []bot.Outgoing { return h.group(residentGroup, li, "/status 99999999999999999999999") }, "不是有效的工单号"},
		{"no number", func() []bot.Outgoing { return h.group(residentGroup, li, "/cancel") }, "请写上工单号，例如：/cancel 12"},
		{"resident resolve", func() []bot.Outgoing { return h.group(residentGroup, li, "/resolve 1") }, "只有物业工作人员可以使用"},
		{"resident grant", func() []bot.Outgoing { return h.private(li, "/grant staff Tom") }, "只有物业经理可以使用"},
		{"resident bind", func() []bot.Outgoing { return h.group(residentGroup, li, "/bind 别的小区") }, "只有物业经理可以使用"},
		{"admin in group", func() []bot.Outgoing { return h.group(staffGroup, manager, "/grant staff Tom") }, "管理命令请私聊我发送"},
		{"sla in group", func() []bot.Outgoing { return h.group(residentGroup, manager, "/sla 阳光花园 first=1h") }, "管理命令请私聊我发送"},
		{"bind in private", func() []bot.Outgoing { return h.private(manager, "/bind 阳光花园") }, "请在要绑定的群里发送"},
		{"bad sla", func() []bot.Outgoing { return h.private(manager, "/sla 阳光花园 first=-1h") }, "时限格式不对"},
		{"bad rating", func() []bot.Outgoing { return h.group(residentGroup, li, "/rate 1 9") }, ""},
		{"unknown command in private", func() []bot.Outgoing { return h.private(li, "/frobnicate") }, "不认识这个命令"},
	}
	h.group(residentGroup, li, "#报修 水管漏水") // ticket 1, for the commands that need one
	before := h.tickets()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := c.run()
			if c.want == "" {
				if len(out) != 1 {
					t.Errorf("got %d replies, want 1", len(out))
				}
				return
			}
			if len(out) != 1 || !strings.Contains(out[0].Text, c.want) {
				t.Errorf("replies = %+v, want one containing %q", out, c.want)
			}
		})
	}
	if got := h.tickets(); got != before {
		t.Errorf("tickets = %d after bad input, want %d", got, before)
	}
	if got := h.ticket(1); got.Status != store.StatusOpen {
		t.Errorf("ticket 1 changed by refused commands: %+v", got)
	}
	if n := h.count(`SELECT count(*) FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.user_key = ? AND m.role <> 'resident'`, tom.ID); n != 0 {
		t.Errorf("Tom holds %d roles after a refused grant", n)
	}
	var first int64
	h.db.SQL().QueryRow("SELECT first_response_sla FROM communities").Scan(&first)
	if first != 86400 {
		t.Errorf("SLA changed by a refused /sla: %d", first)
	}
}

func TestUnboundGroupsAreIgnored(t *testing.T) {
	h := newHarness(t)
	for _, text := range []string{"#报修 电梯坏了", "/help", "/status 1", "/take 1", "/grant staff Tom"} {
		if out := h.group(strangeGroup, li, text); len(out) != 0 {
			t.Errorf("%q in an unbound group answered: %+v", text, out)
		}
	}
	if out := h.group(strangeGroup, li, "/bind 新小区"); len(out) != 0 {
		t.Errorf("a resident's /bind in an unbound group answered: %+v", out)
	}
	if h.tickets() != 0 || h.count("SELECT count(*) FROM communities") != 1 {
		t.Fatal("state changed by an unbound group")
	}
	out := h.group(strangeGroup, manager, "/bind 新小区 resident")
	contains(t, one(t, out, strangeGroup), "已新建小区“新小区”", "业主群")
	out = h.group(strangeGroup, li, "#报修 电梯坏了")
	contains(t, one(t, out, strangeGroup), "工单 #1")
	// 新小区 has no staff group: no staff card anywhere.
	if len(to(out, staffGroup)) != 0 {
		t.Error("another community's staff group got the card")
	}
	out = h.group(strangeGroup, manager, "/unbind")
	contains(t, one(t, out, strangeGroup), "解除绑定")
	if out := h.group(strangeGroup, li, "#报修 又坏了"); len(out) != 0 {
		t.Errorf("unbound again but answered: %+v", out)
	}
}

func TestSameMessageTwiceMakesOneTicket(t *testing.T) {
	h := newHarness(t)
	m := bot.Message{Chat: residentGroup, ChatKind: bot.Group, Sender: li.ID, SenderName: li.Name, Text: "#报修 漏水", ID: "777"}
	first := h.send(m)
	second := h.send(m)
	if h.tickets() != 1 || len(first) != 2 || len(second) != 0 {
		t.Errorf("tickets = %d, replies %d then %d; want 1 ticket, 2 then 0 replies", h.tickets(), len(first), len(second))
	}
	// The same message id in another chat is another message.
	m.Chat = staffGroup
	h.send(m)
	if h.tickets() != 2 {
		t.Errorf("tickets = %d, want 2", h.tickets())
	}
}

func TestThrottle(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		h.group(residentGroup, li, fmt.Sprintf("#报修 问题 %d", i))
		h.Clock.Add(time.Minute)
	}
	out := h.group(residentGroup, li, "#报修 第六个")
	contains(t, one(t, out, residentGroup), "10 分钟内已提交 5 个工单")
	if h.tickets() != 5 {
		t.Fatalf("tickets = %d, want 5", h.tickets())
	}
	// Someone else is not throttled, and li may file again later.
	h.group(residentGroup, tom, "#repair lift")
	h.Clock.Add(10 * time.Minute)
	h.group(residentGroup, li, "#报修 第六个")
	if h.tickets() != 7 {
		t.Errorf("tickets = %d, want 7", h.tickets())
	}
}

func TestUserTextIsVerbatim(t *testing.T) {
	h := newHarness(t)
	text := "<b>急</b> a < b & c *_[]` 😀\n第二行\n\t第三行"
	out := h.group(residentGroup, li, "#投诉 "+text)
	contains(t, one(t, out, residentGroup), text)
	contains(t, one(t, out, staffGroup), text)
	if got := h.ticket(1).Text; got != text {
		t.Errorf("stored %q, want %q", got, text)
	}
	if got := h.ticket(1).Kind; got != store.KindComplaint {
		t.Errorf("kind = %s", got)
	}
}

func TestHoldPausesAndProgressResumes(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 热水器坏了")
	out := h.group(staffGroup, zhang, "/hold 1 等配件")
	contains(t, one(t, out, residentGroup), "#1 暂缓处理：等配件")
	h.Clock.Add(48 * time.Hour)
	out = h.group(staffGroup, zhang, "/progress 1 配件到了，明天上门")
	contains(t, one(t, out, residentGroup), "#1 已恢复处理（张师傅）：配件到了")
	got := h.ticket(1)
	if got.Held != 48*time.Hour || !got.ResolveDue.Equal(t0.Add(7*24*time.Hour+48*time.Hour)) {
		t.Errorf("after hold: held %v, resolve due %v", got.Held, got.ResolveDue)
	}
}

func TestAssignCancelReopenAndTickets(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 路灯不亮")
	h.group(residentGroup, tom, "#complaint noisy neighbours at night")
	out := h.group(staffGroup, zhang, "/assign 1 @张师傅")
	contains(t, one(t, out, staffGroup), "#1 已指派给张师傅")
	out = h.group(residentGroup, tom, "/cancel 1")
	contains(t, one(t, out, residentGroup), "只有提交工单的业主本人")
	out = h.group(residentGroup, tom, "/cancel 2")
	contains(t, one(t, out, residentGroup), "#2 已取消")
	out = h.group(residentGroup, tom, "/cancel 2")
	contains(t, one(t, out, residentGroup), "#2 已经取消了")
	out = h.group(staffGroup, zhang, "/tickets")
	contains(t, one(t, out, staffGroup), "工单（1 条）", "#1 报修 · 处理中 · 路灯不亮")
	h.group(staffGroup, zhang, "/resolve 1")
	out = h.group(residentGroup, li, "/reopen 1")
	contains(t, one(t, out, residentGroup), "#1 已重新打开")
	if got := h.ticket(1).Status; got != store.StatusInProgress {
		t.Errorf("status after reopen = %s", got)
	}
	h.Clock.Add(8 * 24 * time.Hour)
	out = h.private(manager, "/tickets overdue")
	contains(t, one(t, out, bot.ChatID(manager.ID)), "#1", "（超时）")
	out = h.group(residentGroup, li, "/mine")
	contains(t, one(t, out, residentGroup), "您的工单", "#1")
}

func TestBareRatingAndPrivateChat(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 门禁卡失灵")
	h.group(staffGroup, zhang, "/resolve 1 已重新制卡")
	out := h.private(li, "评分 4 不错")
	contains(t, one(t, out, bot.ChatID(li.ID)), "谢谢您的评价！#1 已关闭")
	if got := h.ticket(1); got.Rating != 4 || got.RatingComment != "不错" {
		t.Errorf("rating = %d %q", got.Rating, got.RatingComment)
	}
	// A bare "评分 5" with nothing to rate is chatter, not an error.
	if out := h.group(residentGroup, tom, "评分 5"); len(out) != 0 {
		t.Errorf("bare rating with nothing to rate answered: %+v", out)
	}
	out = h.private(li, "你好")
	contains(t, one(t, out, bot.ChatID(li.ID)), "#报修 问题描述")
}

func TestLowRatingAlertsManagers(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#投诉 垃圾没人收")
	h.group(staffGroup, zhang, "/resolve 1")
	out := h.group(residentGroup, li, "/rate 1 1 还是没人收")
	contains(t, one(t, out, bot.ChatID(manager.ID)), "#1 收到 1 星评价", "/reopen 1")
}

func TestEnglishCommunityAndChineseCommands(t *testing.T) {
	h := newHarness(t)
	h.db.SQL().Exec("UPDATE communities SET lang = 'en'")
	out := h.group(residentGroup, tom, "#报修 lift broken")
	contains(t, one(t, out, residentGroup), "Ticket #1 · repair", "Status: open", "First reply by: Nov 3 09:00")
	out = h.group(residentGroup, tom, "／查询 1")
	contains(t, one(t, out, residentGroup), "Ticket #1")
	out = h.group(residentGroup, tom, "/repair")
	contains(t, one(t, out, residentGroup), "Please describe the problem")
}

func TestSLACommandChangesNewTickets(t *testing.T) {
	h := newHarness(t)
	out := h.private(manager, "/sla 阳光花园 first=30m resolve=2d")
	contains(t, one(t, out, bot.ChatID(manager.ID)), "首次回复 30m，解决 2d")
	h.group(residentGroup, li, "#报修 x")
	got := h.ticket(1)
	if !got.FirstResponseDue.Equal(t0.Add(30*time.Minute)) || !got.ResolveDue.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("due times %v %v", got.FirstResponseDue, got.ResolveDue)
	}
}

func TestChatEvents(t *testing.T) {
	h := newHarness(t)
	h.LastID = 0
	h.send(bot.Message{Chat: "-400", ChatKind: bot.Group, ChatTitle: "新群", Event: bot.EventBotAdded})
	h.Clock.Add(commands.AddedFold) // the notice waits for more groups a moment (added_test.go)
	out := h.drain()
	contains(t, one(t, out, bot.ChatID(manager.ID)), "机器人被加入了群“新群”", "/bind")
	// A migration moves the binding; tickets keep working in the new chat.
	h.group(residentGroup, li, "#报修 x")
	h.send(bot.Message{Chat: residentGroup, ChatKind: bot.Group, Event: bot.EventMigrated, NewChat: "-1001"})
	out = h.group("-1001", li, "/status 1")
	contains(t, one(t, out, "-1001"), "工单 #1")
	out = h.send(bot.Message{Chat: "-1001", ChatKind: bot.Group, Event: bot.EventBotRemoved})
	contains(t, one(t, out, bot.ChatID(manager.ID)), "已被移出群")
	if n := h.count("SELECT count(*) FROM chats WHERE chat_key = '-1001' AND active = 0"); n != 1 {
		t.Error("removed chat still active")
	}
}

func TestAssignByReplyingToSomeone(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 楼道灯坏了")
	h.group(staffGroup, person{ID: "300", Name: "小王"}, "我是新来的电工")
	assign := bot.Message{Chat: staffGroup, ChatKind: bot.Group, Sender: zhang.ID, SenderName: zhang.Name,
		Text: "/assign 1", ReplyTo: "55", ReplyToSender: "300", ReplyToSenderName: "小王"}
	// Only the community's staff get its tickets.
	contains(t, one(t, h.send(assign), staffGroup), "小王 不是这个小区的工作人员")
	if got := h.ticket(1); got.AssigneeID != 0 {
		t.Fatalf("assigned to someone who is not staff: %+v", got)
	}
	h.private(manager, "/grant staff 小王")
	out := h.send(assign)
	contains(t, one(t, out, staffGroup), "#1 已指派给小王")
	out = h.group(staffGroup, zhang, "/assign 1")
	contains(t, one(t, out, staffGroup), "用法：/assign 12 @用户名")
}

func TestOutboxCommands(t *testing.T) {
	h := newHarness(t)
	var id int64
	h.db.Update(context.Background(), func(tx *store.Tx) (err error) {
		id, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-999", Text: "通知：明天停水"})
		return err
	})
	if err := h.db.Outbox().Fail(context.Background(), id, "Forbidden: bot was kicked"); err != nil {
		t.Fatal(err)
	}
	me := bot.ChatID(manager.ID)
	contains(t, one(t, h.private(manager, "/outbox"), me), "待发送 0 条，发送失败 1 条")
	contains(t, one(t, h.private(manager, "/outbox failed"), me), "通知：明天停水", "bot was kicked")
	contains(t, one(t, h.private(manager, "/outbox retry 999"), me), "没有找到发送失败的 999 号消息")
	out := h.private(manager, fmt.Sprintf("/outbox retry %d", id))
	contains(t, one(t, out, me), "放回发件箱")
	if len(to(out, "-999")) != 1 {
		t.Errorf("requeued message not delivered: %+v", out)
	}
	contains(t, one(t, h.group(staffGroup, zhang, "/outbox"), staffGroup), "只有物业经理可以使用")
}
