package commands_test

import (
	"strings"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/store"
)

// Two communities: 阳光花园 (the harness's, groups -100 and -200, staff
// 张师傅) and 月亮湾 (groups -110 and -210), each with a manager of its own
// beside the company-wide 王经理.
var (
	mgrA  = person{ID: "101", Name: "赵经理"}
	mgrB  = person{ID: "102", Name: "钱经理"}
	resB  = person{ID: "11", Name: "陈阿姨"}
	staff = person{ID: "202", Name: "孙师傅"}
)

func twoCommunities(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	h.group(otherResidentGroup, manager, "/bind 月亮湾")
	h.group(otherStaffGroup, manager, "/bind 月亮湾 staff")
	h.group(staffGroup, mgrA, "我是赵经理")
	h.group(otherStaffGroup, mgrB, "我是钱经理")
	h.group(otherStaffGroup, staff, "我是孙师傅")
	h.group(otherResidentGroup, resB, "大家好")
	for _, cmd := range []string{"/grant manager 赵经理 阳光花园", "/grant manager 钱经理 月亮湾", "/grant staff 孙师傅 月亮湾"} {
		h.private(manager, cmd)
	}
	h.private(mgrA, "/whoami") // their private chats are known
	h.private(mgrB, "/whoami")
	return h
}

func texts(outs []bot.Outgoing) string {
	var s []string
	for _, o := range outs {
		s = append(s, string(o.Chat)+": "+o.Text)
	}
	return strings.Join(s, "\n")
}

// TestStaffOfOneCommunityInAnothersGroup is the first thing seen: staff of
// 阳光花园 who once wrote in 月亮湾's resident group could then list, read,
// answer and resolve 月亮湾's tickets. Now they are only a resident there.
func TestStaffOfOneCommunityInAnothersGroup(t *testing.T) {
	h := twoCommunities(t)
	h.group(otherResidentGroup, resB, "#投诉 楼上每晚装修到十一点") // #1, 月亮湾's
	h.group(otherResidentGroup, zhang, "大家好")           // 张师傅 writes once in 月亮湾's group
	contains(t, one(t, h.group(otherResidentGroup, zhang, "/tickets"), otherResidentGroup), "只有物业工作人员可以使用")
	status := one(t, h.group(otherResidentGroup, zhang, "/status 1"), otherResidentGroup)
	contains(t, status, "工单 #1 · 投诉", "邻居的工单")
	for _, secret := range []string{"装修", "陈阿姨"} {
		if strings.Contains(status.Text, secret) {
			t.Errorf("/status shows %q to staff of another community: %q", secret, status.Text)
		}
	}
	contains(t, one(t, h.group(otherResidentGroup, zhang, "/progress 1 在处理"), otherResidentGroup), "只有物业工作人员可以使用")
	if out := h.group(otherResidentGroup, zhang, "#1 马上到"); len(out) != 0 {
		t.Errorf("a staff reply from outside was relayed: %s", texts(out))
	}
	contains(t, one(t, h.private(zhang, "/resolve 1 好了"), bot.ChatID(zhang.ID)), "只有物业工作人员可以使用")
	contains(t, one(t, h.private(zhang, "/take 1"), bot.ChatID(zhang.ID)), "只有物业工作人员可以使用")
	// His own community's work goes on, in private too.
	h.group(residentGroup, li, "#报修 电梯坏了") // #2, 阳光花园's
	contains(t, one(t, h.private(zhang, "/tickets"), bot.ChatID(zhang.ID)), "#2", "电梯坏了")
	if got := h.ticket(1); got.Status != store.StatusOpen || !got.FirstResponseAt.IsZero() {
		t.Errorf("月亮湾's ticket changed: %+v", got)
	}
	// In 阳光花园's staff group, 月亮湾's tickets do not exist at all.
	contains(t, one(t, h.group(staffGroup, zhang, "/status 1"), staffGroup), "没有找到工单 #1")
	if n := h.count(`SELECT count(*) FROM ticket_events WHERE ticket_id = 1`); n != 1 {
		t.Errorf("月亮湾's ticket has %d events, want only its filing", n)
	}
}

// TestStrangerInPrivate: someone never seen in a bound group, with a single
// community on the bot, used to read, file and follow its tickets privately.
func TestStrangerInPrivate(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#投诉 夜里施工太吵") // #1
	x := person{ID: "900", Name: "路人"}
	me := bot.ChatID(x.ID)
	before := h.fingerprint()
	for _, text := range []string{"/status 1", "/repair 门口有坑", "#报修 门口有坑", "/metoo 1", "/mine", "/tickets", "#1 我也听到了", "你好", "/help"} {
		out := h.private(x, text)
		contains(t, one(t, out, me), "还不知道您住在哪个小区", "业主群")
		if len(out) != 1 {
			t.Errorf("%q: more than the explanation went out: %s", text, texts(out))
		}
		if strings.Contains(out[0].Text, "施工") || strings.Contains(out[0].Text, "李阿姨") {
			t.Errorf("%q showed the ticket: %q", text, out[0].Text)
		}
	}
	if h.fingerprint() != before {
		t.Errorf("a stranger changed something: %s → %s", before, h.fingerprint())
	}
	// Once seen in the resident group, the same person is a resident.
	h.group(residentGroup, x, "大家好")
	contains(t, one(t, h.private(x, "/repair 门口有坑"), me), "工单 #2 · 报修")
}

// TestNeighboursSeeProgressNotNames: /status of someone else's ticket is
// the board's view; a complaint's text is its reporter's and the staff's.
func TestNeighboursSeeProgressNotNames(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#投诉 3-201 的狗整夜叫")   // #1, a complaint
	h.group(residentGroup, li, "#报修 2号楼电梯门关不上")     // #2, a repair in the group: everyone saw it
	h.private(li, "#报修 我家卫生间漏水，门牌 5-302")           // #3, a repair filed privately
	h.group(staffGroup, zhang, "/progress 2 明天换门机") // #2 in progress
	cases := []struct {
		id        string
		show, not []string
	}{
		{"1", []string{"工单 #1 · 投诉", "待处理", "邻居的工单"}, []string{"狗", "3-201", "李阿姨", "/metoo"}},
		{"2", []string{"工单 #2 · 报修", "电梯门", "处理中", "/metoo 2"}, []string{"李阿姨", "记录"}},
		{"3", []string{"工单 #3 · 报修", "待处理"}, []string{"卫生间", "5-302", "李阿姨"}},
	}
	for _, c := range cases {
		got := one(t, h.group(residentGroup, tom, "/status "+c.id), residentGroup)
		contains(t, got, c.show...)
		for _, n := range c.not {
			if strings.Contains(got.Text, n) {
				t.Errorf("/status %s shows a neighbour %q: %q", c.id, n, got.Text)
			}
		}
	}
	// The reporter and the staff read it whole.
	contains(t, one(t, h.group(residentGroup, li, "/status 1"), residentGroup), "狗整夜叫", "记录", "李阿姨 提交")
	contains(t, one(t, h.group(staffGroup, zhang, "/status 1"), staffGroup), "狗整夜叫", "李阿姨")
	// A complaint cannot be followed by a neighbour; a repair can, and the
	// follower then sees its card (never who filed it).
	contains(t, one(t, h.group(residentGroup, tom, "/metoo 1"), residentGroup), "邻居的投诉")
	h.group(residentGroup, tom, "/metoo 3")
	got := one(t, h.private(tom, "/status 3"), bot.ChatID(tom.ID))
	contains(t, got, "卫生间", "您在关注")
	if strings.Contains(got.Text, "李阿姨") {
		t.Errorf("a follower sees the reporter: %q", got.Text)
	}
	// A similar complaint gets no hint that would quote the other.
	out := h.group(residentGroup, tom, "#投诉 3-201 的狗整夜叫个不停")
	for _, o := range out {
		if strings.Contains(o.Text, "可能与 #1") {
			t.Errorf("a complaint's text was quoted to a neighbour: %q", o.Text)
		}
	}
}

// TestBuildingNumberIsNoTicketReference: "#1号楼 …" in the staff group was
// relayed to the residents as an answer to ticket 1, and stamped it.
func TestBuildingNumberIsNoTicketReference(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 电梯坏了")
	if out := h.group(staffGroup, zhang, "#1号楼 那个业主又来了"); len(out) != 0 {
		t.Errorf("\"#1号楼\" was taken for ticket 1: %s", texts(out))
	}
	if tk := h.ticket(1); !tk.FirstResponseAt.IsZero() {
		t.Errorf("first response stamped by chatter: %+v", tk)
	}
	// A reference with a boundary, Chinese on either side, still answers.
	out := h.group(staffGroup, zhang, "工单#1，师傅下午到")
	contains(t, one(t, out, residentGroup), "#1 物业回复（张师傅）：工单#1，师傅下午到")
	out = h.group(staffGroup, zhang, "#1 ：配件到了")
	contains(t, one(t, out, residentGroup), "：配件到了")
}

func TestGrantNamesTheCommunity(t *testing.T) {
	h := twoCommunities(t)
	me := bot.ChatID(manager.ID)
	h.group(residentGroup, person{ID: "5", Name: "3-201 李阿姨"}, "大家好")
	// The company-wide manager runs three communities: which one?
	contains(t, one(t, h.private(manager, "/grant staff Tom"), me), "您管理多个小区", "阳光花园", "月亮湾")
	contains(t, one(t, h.private(manager, "/grant staff Tom 阳光花园"), me), "已将 Tom 设为“阳光花园”的工作人员")
	contains(t, one(t, h.private(manager, "/grant staff Tom 阳光花园"), me), "Tom 已经是“阳光花园”的工作人员了")
	// Names with spaces, quoted or not.
	contains(t, one(t, h.private(manager, `/grant staff "3-201 李阿姨" 阳光花园`), me), "已将 3-201 李阿姨 设为“阳光花园”的工作人员")
	contains(t, one(t, h.private(manager, "/revoke 3-201 李阿姨 阳光花园"), me), "已取消 3-201 李阿姨 在“阳光花园”的工作人员权限")
	contains(t, one(t, h.private(manager, "/grant staff 3-201 李阿姨 阳光花园"), me), "已将 3-201 李阿姨 设为“阳光花园”的工作人员")
	// A manager of every community, for the company-wide manager only.
	contains(t, one(t, h.private(manager, "/grant manager 赵经理 all"), me), "已将 赵经理 设为“所有小区”的经理")
	contains(t, one(t, h.private(manager, "/revoke 赵经理 all"), me), "已取消 赵经理 在“所有小区”的经理权限")
	contains(t, one(t, h.private(mgrA, "/grant manager Tom all"), bot.ChatID(mgrA.ID)), "只有管理所有小区的经理")
	contains(t, one(t, h.private(manager, "/grant staff Tom all"), me), "工作人员的权限要指定小区")
	// A community's manager needs no community name, and cannot name another.
	a := bot.ChatID(mgrA.ID)
	contains(t, one(t, h.private(mgrA, "/grant staff 李阿姨"), a), "已将 李阿姨 设为“阳光花园”的工作人员")
	contains(t, one(t, h.private(mgrA, "/grant staff 陈阿姨 月亮湾"), a), "还没有找到小区“月亮湾”")
	contains(t, one(t, h.private(mgrA, "/revoke 孙师傅 月亮湾"), a), "还没有找到小区“月亮湾”")
	// 陈阿姨 is no member of 阳光花园: her name means nobody there yet.
	contains(t, one(t, h.private(mgrA, "/grant staff 陈阿姨"), a), "还没有见过“陈阿姨”")
	// /revoke takes one role in one community; staff of one stays staff there.
	contains(t, one(t, h.private(manager, "/revoke staff 孙师傅 月亮湾"), me), "已取消 孙师傅 在“月亮湾”的工作人员权限")
	contains(t, one(t, h.private(manager, "/revoke 孙师傅 月亮湾"), me), "孙师傅 在“月亮湾”没有工作人员或经理权限")
	roles := one(t, h.private(mgrA, "/roles"), a)
	contains(t, roles, "“阳光花园”：", "经理：赵经理", "张师傅", "李阿姨", "Tom", "3-201 李阿姨", "待生效：陈阿姨")
	if strings.Contains(roles.Text, "月亮湾") || strings.Contains(roles.Text, "钱经理") {
		t.Errorf("/roles shows another community: %q", roles.Text)
	}
	contains(t, one(t, h.private(mgrA, "/revoke 陈阿姨"), a), "已撤回还没生效的授权：陈阿姨")
}

// TestPendingGrantAppliesOnSight: a grant for someone not seen yet waits
// for them, and the manager hears when it applies.
func TestPendingGrantAppliesOnSight(t *testing.T) {
	h := newHarness(t)
	me := bot.ChatID(manager.ID)
	contains(t, one(t, h.private(manager, "/grant staff @newbie"), me), "还没有见过 @newbie", "任何一个群")
	contains(t, one(t, h.private(manager, "/grant staff 王师傅"), me), "还没有见过“王师傅”", "物业群")
	// @newbie writes in the resident group: the grant applies there.
	out := h.send(bot.Message{Chat: residentGroup, ChatKind: bot.Group, Sender: "301", SenderName: "小新", SenderUsername: "NewBie", Text: "大家好"})
	contains(t, one(t, out, me), "授权已生效：@newbie（小新）", "阳光花园", "工作人员")
	contains(t, one(t, h.group(staffGroup, person{ID: "301", Name: "小新"}, "/tickets"), staffGroup), "目前没有符合条件的工单")
	// A name anyone can take: not in the resident group…
	impostor := person{ID: "302", Name: "王师傅"}
	if out := h.group(residentGroup, impostor, "大家好"); len(to(out, me)) != 0 {
		t.Errorf("a display name applied in the resident group: %s", texts(out))
	}
	contains(t, one(t, h.group(residentGroup, impostor, "/tickets"), residentGroup), "只有物业工作人员可以使用")
	// …only in the staff group, which only the office is in; once.
	real := person{ID: "303", Name: "王师傅"}
	out = h.group(staffGroup, real, "我来了")
	contains(t, one(t, out, me), "授权已生效：王师傅（王师傅）", "工作人员")
	if out := h.group(staffGroup, real, "再说一句"); len(out) != 0 {
		t.Errorf("applied twice: %s", texts(out))
	}
}

// TestAlertsStayInTheirCommunity: low ratings, a group lost and a group
// gained reach the community's managers and the company-wide ones, never
// another community's.
func TestAlertsStayInTheirCommunity(t *testing.T) {
	h := twoCommunities(t)
	h.group(residentGroup, li, "#报修 水管漏水")
	h.group(staffGroup, zhang, "/resolve 1")
	out := h.group(residentGroup, li, "/rate 1 1 没修好")
	contains(t, one(t, out, bot.ChatID(manager.ID)), "#1 收到 1 星评价")
	contains(t, one(t, out, bot.ChatID(mgrA.ID)), "#1 收到 1 星评价")
	if n := len(to(out, bot.ChatID(mgrB.ID))); n != 0 {
		t.Errorf("月亮湾's manager heard of 阳光花园's rating: %s", texts(out))
	}
	out = h.send(bot.Message{Chat: otherResidentGroup, ChatKind: bot.Group, Event: bot.EventBotRemoved})
	contains(t, one(t, out, bot.ChatID(mgrB.ID)), "已被移出群")
	one(t, out, bot.ChatID(manager.ID))
	if n := len(to(out, bot.ChatID(mgrA.ID))); n != 0 {
		t.Errorf("阳光花园's manager heard of 月亮湾's group: %s", texts(out))
	}
	// A new group belongs to no community: the company-wide managers and
	// the manager who added the bot hear of it.
	out = h.send(bot.Message{Chat: "-500", ChatKind: bot.Group, ChatTitle: "3号楼新群", Sender: mgrA.ID, Event: bot.EventBotAdded})
	contains(t, one(t, out, bot.ChatID(mgrA.ID)), "3号楼新群") // the adder, at once
	h.Clock.Add(commands.AddedFold)                        // the company-wide managers' digest (added.go)
	out = append(out, h.drain()...)
	contains(t, one(t, out, bot.ChatID(manager.ID)), "3号楼新群")
	if n := len(to(out, bot.ChatID(mgrB.ID))); n != 0 {
		t.Errorf("another manager heard of the new group: %s", texts(out))
	}
	// A community manager binds it: they run only what they bind or create.
	contains(t, one(t, h.group("-500", mgrA, "/bind 月亮湾"), "-500"), "您不是这个小区的经理")
	contains(t, one(t, h.group("-500", mgrA, "/bind 阳光花园 staff"), "-500"), "物业工作群")
	contains(t, one(t, h.group(otherResidentGroup, mgrA, "/unbind"), otherResidentGroup), "您不是这个小区的经理")
	contains(t, one(t, h.group("-501", mgrB, "/bind 星光城"), "-501"), "已新建小区“星光城”")
	contains(t, one(t, h.private(mgrB, "/roles 星光城"), bot.ChatID(mgrB.ID)), "经理：钱经理")
	// Reports and settings of another community do not exist for them.
	contains(t, one(t, h.private(mgrA, "/report 2026-11 月亮湾"), bot.ChatID(mgrA.ID)), "还没有找到小区“月亮湾”")
	contains(t, one(t, h.private(mgrA, "/sla 月亮湾 first=1h"), bot.ChatID(mgrA.ID)), "还没有找到小区“月亮湾”")
	contains(t, one(t, h.private(mgrA, "/outbox"), bot.ChatID(mgrA.ID)), "只有管理所有小区的经理")
}

// TestPrivateChatPicksAmongMemberships: someone of two communities files
// privately in the one of the group they last wrote in, is told which, and
// can switch.
func TestPrivateChatPicksAmongMemberships(t *testing.T) {
	h := twoCommunities(t)
	both := person{ID: "12", Name: "两边住"}
	me := bot.ChatID(both.ID)
	h.group(residentGroup, both, "大家好")
	h.group(otherResidentGroup, both, "大家好")
	card := one(t, h.private(both, "#报修 车库门坏了"), me)
	contains(t, card, "工单 #1 · 报修", "小区：月亮湾")
	if tk := h.ticket(1); tk.CommunityID == 1 {
		t.Errorf("filed in 阳光花园, not the group last written in")
	}
	who := one(t, h.private(both, "/whoami"), me)
	contains(t, who, "阳光花园：业主", "月亮湾：业主", "私聊时按“月亮湾”处理")
	contains(t, one(t, h.private(both, "/community 阳光花园"), me), "私聊时按“阳光花园”处理")
	contains(t, one(t, h.private(both, "#报修 楼道灯坏了"), me), "工单 #2", "小区：阳光花园")
	contains(t, one(t, h.private(both, "/community 星河湾"), me), "还没有找到小区“星河湾”")
	// Someone of one community is not bothered with the name.
	if strings.Contains(one(t, h.private(li, "#报修 水龙头滴水"), bot.ChatID(li.ID)).Text, "小区：") {
		t.Error("a one-community card names the community")
	}
}

// TestStaffWithoutCommunitySeesNothing: staff the migration left without a
// community hold a role that matches no ticket.
func TestStaffWithoutCommunitySeesNothing(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 电梯坏了")
	zhou := person{ID: "203", Name: "周师傅"}
	h.private(zhou, "你好")
	if _, err := h.db.SQL().Exec(`INSERT INTO memberships (person_id, community_id, role, created_at)
		SELECT id, NULL, 'staff', 0 FROM people WHERE user_key = ?`, zhou.ID); err != nil {
		t.Fatal(err)
	}
	me := bot.ChatID(zhou.ID)
	contains(t, one(t, h.private(zhou, "/whoami"), me), "还没有指定小区")
	for _, text := range []string{"/tickets", "/status 1", "/take 1"} {
		got := one(t, h.private(zhou, text), me)
		if strings.Contains(got.Text, "电梯") || strings.Contains(got.Text, "已接单") {
			t.Errorf("%q: %q", text, got.Text)
		}
	}
	if tk := h.ticket(1); tk.AssigneeID != 0 {
		t.Errorf("taken: %+v", tk)
	}
}

// TestNamesInCardsLoseInvisibleCharacters: a right-to-left override or a
// zero-width space in a name does not reach the cards.
func TestNamesInCardsLoseInvisibleCharacters(t *testing.T) {
	h := newHarness(t)
	out := h.group(residentGroup, person{ID: "7", Name: "\u202e\u200b王\u200d先生\u2066"}, "#报修 门禁坏了")
	card := one(t, out, staffGroup)
	contains(t, card, "报告人：王先生")
	if strings.ContainsAny(card.Text, "\u202e\u200b\u200d\u2066") {
		t.Errorf("invisible characters in the card: %q", card.Text)
	}
}
