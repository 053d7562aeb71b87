package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/bot/wechat/wechattest"
)

// The "What was seen" scenarios of sealed communities, through the real
// binary's Main, the real Telegram client and the fake Bot API.

// moon adds a second community, 月亮湾, with its resident and staff groups
// and a resident, as the company-wide manager binds them.
type moon struct {
	resident, staff models.Chat
	chen            models.User
}

func (w *tgWorld) moon(t *testing.T) moon {
	t.Helper()
	mo := moon{
		resident: w.srv.AddChat(models.Chat{ID: -1004, Type: models.ChatTypeSupergroup, Title: "月亮湾业主群"}),
		staff:    w.srv.AddChat(models.Chat{ID: -1005, Type: models.ChatTypeSupergroup, Title: "月亮湾物业群"}),
		chen:     models.User{ID: 11, FirstName: "陈阿姨"},
	}
	w.srv.AddPrivateChat(mo.chen)
	w.srv.SendText(mo.resident, w.manager, "/bind 月亮湾")
	w.waitText(t, mo.resident.ID, "业主群")
	w.srv.SendText(mo.staff, w.manager, "/bind 月亮湾 staff")
	w.waitText(t, mo.staff.ID, "物业工作群")
	return mo
}

// settled waits until everything sent in chat before now has been handled:
// the answer to a /whoami sent after it (messages of one chat are handled
// in order, and each commits with its replies).
func (w *tgWorld) settled(t *testing.T, chat models.Chat, from models.User) {
	t.Helper()
	before := len(w.srv.SentTo(chat.ID))
	w.srv.SendText(chat, from, "/whoami")
	w.waitSent(t, chat.ID, func(telegramtest.SentMessage) bool { return len(w.srv.SentTo(chat.ID)) > before })
}

func outboxTo(t *testing.T, m *Main, chat int64, part string) int {
	t.Helper()
	var n int
	if err := m.DB.SQL().QueryRow(`SELECT count(*) FROM outbox WHERE chat_key = ? AND text LIKE '%' || ? || '%'`, chat, part).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTelegramStaffCannotWorkAnotherCommunity: staff of 阳光花园 who writes
// once in 月亮湾's resident group can neither list nor read, answer or
// resolve 月亮湾's tickets, there or privately.
func TestTelegramStaffCannotWorkAnotherCommunity(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	mo := w.moon(t)
	w.srv.SendText(mo.resident, mo.chen, "#投诉 楼上每晚装修到十一点")
	w.waitText(t, mo.resident.ID, "工单 #1 · 投诉")
	w.waitText(t, mo.staff.ID, "新工单 #1")

	w.srv.SendText(mo.resident, w.zhang, "大家好")
	w.srv.SendText(mo.resident, w.zhang, "/tickets")
	w.waitText(t, mo.resident.ID, "只有物业工作人员可以使用")
	w.srv.SendText(mo.resident, w.zhang, "/status 1")
	view := w.waitText(t, mo.resident.ID, "邻居的工单")
	if strings.Contains(view.Text, "装修") || strings.Contains(view.Text, "陈阿姨") {
		t.Errorf("/status showed the complaint to staff of another community: %q", view.Text)
	}
	w.srv.SendText(mo.resident, w.zhang, "/progress 1 马上处理")
	w.srv.SendText(privateChatOf(w.zhang), w.zhang, "/resolve 1 已处理")
	w.waitText(t, w.zhang.ID, "只有物业工作人员可以使用")
	w.settled(t, mo.resident, w.zhang)
	var status string
	var first any
	if err := m.DB.SQL().QueryRow(`SELECT status, first_response_at FROM tickets WHERE id = 1`).Scan(&status, &first); err != nil {
		t.Fatal(err)
	}
	if status != "open" || first != nil {
		t.Errorf("月亮湾's ticket after 阳光花园's staff: %s, first response %v", status, first)
	}
	if n := outboxTo(t, m, mo.resident.ID, "物业回复"); n != 0 {
		t.Errorf("%d answers from outside reached 月亮湾's residents", n)
	}
	if n := outboxTo(t, m, w.staff.ID, "装修"); n != 0 {
		t.Error("月亮湾's complaint reached 阳光花园's staff group")
	}
}

// TestTelegramStrangerInPrivate: with a single community, someone never
// seen in a bound group could read, file and follow its tickets privately.
func TestTelegramStrangerInPrivate(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	w.srv.SendText(w.resident, w.li, "#报修 3号楼电梯按钮坏了")
	w.waitText(t, w.staff.ID, "新工单 #1")
	x := privateChatOf(w.x)
	for _, text := range []string{"/status 1", "/repair 门口有个坑", "/metoo 1"} {
		w.srv.SendText(x, w.x, text)
	}
	w.settled(t, x, w.x)
	for _, s := range w.srv.SentTo(w.x.ID) {
		if !strings.Contains(s.Text, "还不知道您住在哪个小区") {
			t.Errorf("the stranger was sent %q", s.Text)
		}
	}
	if n := ticketCount(t, m); n != 1 {
		t.Errorf("tickets = %d: the stranger filed one", n)
	}
	var followers int
	m.DB.SQL().QueryRow(`SELECT count(*) FROM ticket_followers`).Scan(&followers)
	if followers != 0 || outboxTo(t, m, w.staff.ID, "门口有个坑") != 0 {
		t.Errorf("the stranger follows %d tickets or reached the staff", followers)
	}
}

// TestTelegramNeighbourSeesNoComplaint: a resident's /status of a
// neighbour's complaint shows its progress, not its text or who filed it.
func TestTelegramNeighbourSeesNoComplaint(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	w.srv.SendText(w.resident, w.li, "#投诉 3-201 的狗整夜叫")
	w.waitText(t, w.resident.ID, "工单 #1 · 投诉")
	w.srv.SendText(w.resident, w.tom, "/status 1")
	view := w.waitText(t, w.resident.ID, "邻居的工单")
	for _, secret := range []string{"狗", "3-201", "李阿姨"} {
		if strings.Contains(view.Text, secret) {
			t.Errorf("a neighbour sees %q: %q", secret, view.Text)
		}
	}
}

// TestTelegramAnonymousAdminsAreNotOnePerson: anonymous admins of two
// groups were one person (Telegram's shared GroupAnonymousBot); bots and
// messages without a sender made tickets.
func TestTelegramAnonymousAdminsAreNotOnePerson(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	mo := w.moon(t)
	w.srv.SendAs(w.resident, w.resident, "#报修 大门坏了")
	w.waitText(t, w.resident.ID, "工单 #1 · 报修")
	w.srv.SendAs(mo.resident, mo.resident, "/mine")
	w.waitText(t, mo.resident.ID, "您还没有提交过工单")
	w.srv.SendAs(mo.resident, mo.resident, "/cancel 1")
	w.waitText(t, mo.resident.ID, "没有找到工单 #1")
	// The same group's anonymous admin is the same sender: they may cancel.
	w.srv.SendAs(w.resident, w.resident, "/cancel 1")
	w.waitText(t, w.resident.ID, "#1 已取消")
	// A member posting as a channel is the channel.
	channel := models.Chat{ID: -1009876, Type: models.ChatTypeChannel, Title: "3号楼住户频道"}
	w.srv.SendAs(w.resident, channel, "#报修 路灯不亮")
	w.waitText(t, w.staff.ID, "报告人：3号楼住户频道")

	// Bots (this one's own name included) and nobody file nothing.
	other := models.User{ID: 777, IsBot: true, FirstName: "Weather", Username: "weather_bot"}
	self := models.User{ID: 4242, IsBot: true, FirstName: "Linli", Username: "Linli_bot"}
	w.srv.SendText(w.resident, other, "#报修 机器人报的")
	w.srv.SendText(w.resident, self, "#报修 自己报的")
	w.srv.SendWithoutSender(w.resident, "#报修 没有发送者")
	w.settled(t, w.resident, w.li)
	if n := ticketCount(t, m); n != 2 {
		t.Errorf("tickets = %d, want 2 (none from bots or nobody)", n)
	}
	var who []string
	rows, err := m.DB.SQL().Query(`SELECT user_key FROM people WHERE user_key LIKE '-%' ORDER BY user_key`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		who = append(who, k)
	}
	rows.Close()
	if strings.Join(who, ",") != "-1001,-1004,-1009876" {
		t.Errorf("senders on behalf of chats: %v, want one per group and the channel", who)
	}
}

// TestTelegramBuildingNumberIsNoReference: "#1号楼 …" in the staff group
// was relayed as an official answer to ticket 1 and stamped it.
func TestTelegramBuildingNumberIsNoReference(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	w.srv.SendText(w.resident, w.li, "#报修 电梯坏了")
	w.waitText(t, w.staff.ID, "新工单 #1")
	w.srv.SendText(w.staff, w.zhang, "#1号楼 那个业主又来了")
	w.settled(t, w.staff, w.zhang)
	if n := outboxTo(t, m, w.resident.ID, "那个业主又来了"); n != 0 {
		t.Error("staff chatter was relayed to the residents")
	}
	var first any
	m.DB.SQL().QueryRow(`SELECT first_response_at FROM tickets WHERE id = 1`).Scan(&first)
	if first != nil {
		t.Error("chatter stamped the first response")
	}
	w.srv.SendText(w.staff, w.zhang, "#1 下午上门")
	w.waitText(t, w.resident.ID, "#1 物业回复（张师傅）：下午上门")
}

// TestTelegramGrantBeforeFirstMessage: a manager grants staff first, by
// username, before the person ever wrote; it applies on their first
// message, and the manager hears of it. Names lose invisible characters.
func TestTelegramGrantBeforeFirstMessage(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	w.srv.SendText(privateChatOf(w.manager), w.manager, "/grant staff @liu_shifu")
	w.waitText(t, w.manager.ID, "还没有见过 @liu_shifu")
	liu := models.User{ID: 300, FirstName: "\u202e刘\u200b师傅", Username: "liu_shifu"}
	w.srv.SendText(w.staff, liu, "大家好，我是新来的")
	w.waitText(t, w.manager.ID, "授权已生效：@liu_shifu（刘师傅）")
	w.srv.SendText(w.resident, w.li, "#报修 水管漏水")
	w.waitText(t, w.staff.ID, "新工单 #1")
	w.srv.SendText(w.staff, liu, "/take 1")
	told := w.waitText(t, w.resident.ID, "#1 已由刘师傅接单")
	if strings.ContainsAny(told.Text, "\u202e\u200b") {
		t.Errorf("invisible characters reached the residents: %q", told.Text)
	}
}

// TestWeChatGrantFromMemberLists: on WeChat, /grant of someone who never
// wrote is resolved at once from the bound groups' members and the
// account's friends; the friend rule still decides whose role counts.
func TestWeChatGrantFromMemberLists(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm(), wechattest.WithGroup(wechattest.Group{
		NickName: "阳光花园维修群", Saved: true,
		Members: []wechattest.Member{{NickName: wcManager}, {NickName: "小赵", DisplayName: "赵师傅"}},
	}))
	m := w.start(t)
	w.waitUp(t, m)
	w.srv.GroupText(wcResident, wcManager, "/bind 阳光花园")
	w.waitText(t, wcResident, "的业主群")
	w.srv.GroupText(wcStaff, wcManager, "/bind 阳光花园 staff")
	w.waitText(t, wcStaff, "的物业工作群")
	w.srv.GroupText("阳光花园维修群", wcManager, "/bind 阳光花园 staff")
	w.waitText(t, "阳光花园维修群", "的物业工作群")

	// 张师傅 never wrote: a member of the staff group and the account's friend.
	w.srv.PrivateText(wcManager, "/grant staff 张师傅")
	done := w.waitText(t, wcManager, "已将 张师傅 设为“阳光花园”的工作人员")
	if strings.Contains(done.Content, "还不是机器人微信号的好友") {
		t.Errorf("a friend was told to befriend: %q", done.Content)
	}
	w.srv.GroupText(wcStaff, "张师傅", "/tickets")
	w.waitText(t, wcStaff, "目前没有符合条件的工单")
	// 赵师傅 is only a group card: granted, with the friend rule explained,
	// and acting as a resident in groups until befriended.
	w.srv.PrivateText(wcManager, "/grant staff 赵师傅")
	w.waitText(t, wcManager, "注意：赵师傅 还不是机器人微信号的好友")
	w.srv.GroupText("阳光花园维修群", "小赵", "/tickets")
	w.waitText(t, "阳光花园维修群", "需要先核实工作人员和经理的身份")
	// Someone nobody knows waits for their first message in the staff group.
	w.srv.PrivateText(wcManager, "/grant staff 钱师傅")
	w.waitText(t, wcManager, "还没有见过“钱师傅”")
}

// TestTelegramSilentKickToldToItsManagers: a group that turns out to be
// gone (the first refused send) is reported to its community's managers
// and the company-wide ones, not to another community's manager.
func TestTelegramSilentKickToldToItsManagers(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	mo := w.moon(t)
	mine, theirs := models.User{ID: 101, FirstName: "赵经理"}, models.User{ID: 102, FirstName: "钱经理"}
	w.srv.AddPrivateChat(mine)
	w.srv.AddPrivateChat(theirs)
	w.srv.SendText(w.staff, mine, "我是赵经理")
	w.srv.SendText(mo.staff, theirs, "我是钱经理")
	w.settled(t, w.staff, mine)
	w.settled(t, mo.staff, theirs)
	w.srv.SendText(privateChatOf(w.manager), w.manager, "/grant manager 赵经理 阳光花园")
	w.waitText(t, w.manager.ID, "已将 赵经理 设为“阳光花园”的经理")
	w.srv.SendText(privateChatOf(w.manager), w.manager, "/grant manager 钱经理 月亮湾")
	w.waitText(t, w.manager.ID, "已将 钱经理 设为“月亮湾”的经理")
	w.srv.SendText(privateChatOf(mine), mine, "/whoami")
	w.waitText(t, mine.ID, "阳光花园：经理")
	w.srv.SendText(privateChatOf(theirs), theirs, "/whoami")
	w.waitText(t, theirs.ID, "月亮湾：经理")

	w.srv.Kick(mo.staff.ID)
	w.srv.SendText(mo.resident, mo.chen, "#报修 门禁坏了")
	w.waitText(t, theirs.ID, "已被移出群“月亮湾物业群”")
	w.waitText(t, w.manager.ID, "已被移出群“月亮湾物业群”")
	w.srv.SendText(privateChatOf(mine), mine, "/whoami") // handled after the alert was queued
	w.waitSent(t, mine.ID, func(s telegramtest.SentMessage) bool { return len(w.srv.SentTo(mine.ID)) >= 2 })
	idle(t, m)
	for _, s := range w.srv.SentTo(mine.ID) {
		if strings.Contains(s.Text, "月亮湾") {
			t.Errorf("阳光花园's manager heard of 月亮湾's group: %q", s.Text)
		}
	}
}
