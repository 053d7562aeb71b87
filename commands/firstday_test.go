package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/store"
)

// memberships reads a person's roles by their Telegram id.
func (h *harness) memberships(p person) store.Memberships {
	h.t.Helper()
	var ms store.Memberships
	err := h.db.View(context.Background(), func(tx *store.Tx) error {
		ps, err := tx.PersonByKey(bot.Telegram, p.ID)
		if err != nil {
			return err
		}
		ms, err = tx.Memberships(ps.ID)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return ms
}

// The last manager cannot be revoked (nobody could grant again), and
// revoking a manager takes back that one role: they stay staff.
func TestRevokeKeepsAManagerAndTakesOneRole(t *testing.T) {
	h := twoCommunities(t)
	me := bot.ChatID(manager.ID)
	// 王经理 is the only manager of every community.
	contains(t, one(t, h.private(manager, "/revoke 王经理 all"), me), "王经理 是“所有小区”唯一的经理，不能取消")
	if !h.memberships(manager).CompanyWide() {
		t.Fatal("the last company-wide manager was revoked")
	}
	// 赵经理 manages 阳光花园; revoking that leaves them staff there.
	out := one(t, h.private(manager, "/revoke 赵经理 阳光花园"), me)
	contains(t, out, "已取消 赵经理 在“阳光花园”的经理权限", "赵经理 仍是“阳光花园”的工作人员", "/revoke staff 赵经理")
	var comm int64
	for _, m := range h.memberships(mgrA) {
		comm = m.CommunityID
	}
	ms := h.memberships(mgrA)
	if ms.Manager(comm) || !ms.Has(comm, store.RoleStaff) {
		t.Errorf("after revoking manager: %+v, want staff of 阳光花园", ms)
	}
	contains(t, one(t, h.private(manager, "/revoke staff 赵经理 阳光花园"), me), "已取消 赵经理 在“阳光花园”的工作人员权限")
	if ms := h.memberships(mgrA); ms.Staff(comm) {
		t.Errorf("after revoking staff: %+v", ms)
	}
	// Staff cannot be taken from a manager alone: they are told how.
	contains(t, one(t, h.private(manager, "/revoke staff 钱经理 月亮湾"), me), "钱经理 是“月亮湾”的经理", "/revoke manager 钱经理 月亮湾")
	// A second company-wide manager makes the first one removable.
	contains(t, one(t, h.private(manager, "/grant manager 钱经理 all"), me), "已将 钱经理 设为“所有小区”的经理")
	contains(t, one(t, h.private(manager, "/revoke 王经理 all"), me), "已取消 王经理 在“所有小区”的经理权限")
	setLang(t, h, "月亮湾", "en")
	contains(t, one(t, h.private(mgrB, "/revoke 钱经理 all"), bot.ChatID(mgrB.ID)), "钱经理 is the only manager of")
}

// /tickets counts every active ticket, shows 50 and says how many more;
// each line names the assignee, the age and the next due time; staff list
// their own with /tickets mine.
func TestTicketsCountsAndDetails(t *testing.T) {
	h := newHarness(t)
	for i := range 80 {
		h.group(residentGroup, li, fmt.Sprintf("#报修 %d号车位地锁坏了", i+1))
		h.Clock.Add(3 * time.Minute)
	}
	h.group(staffGroup, zhang, "/take 3")
	h.Clock.Set(t0.Add(26 * time.Hour))
	out := one(t, h.group(staffGroup, zhang, "/tickets"), staffGroup)
	contains(t, out, "工单（80 条）", "……另有 30 条未显示", "#80 报修", "未接单", "回复期限")
	if n := strings.Count(out.Text, "\n#"); n != 50 {
		t.Errorf("lines shown = %d, want 50:\n%s", n, out.Text)
	}
	mine := one(t, h.group(staffGroup, zhang, "/tickets mine"), staffGroup)
	contains(t, mine, "工单（1 条）", "#3 报修 · 处理中", "张师傅 · 1天前提交 · 解决期限 11月9日")
	if strings.Contains(mine.Text, "#4 ") || strings.Contains(mine.Text, "另有") {
		t.Errorf("/tickets mine lists others' tickets:\n%s", mine.Text)
	}
	contains(t, one(t, h.private(manager, "/tickets mine"), bot.ChatID(manager.ID)), "目前没有指派给您的未完成工单")
	contains(t, one(t, h.group(staffGroup, zhang, "/tickets everything"), staffGroup), "用法：/tickets [overdue] [mine]")
	setLang(t, h, "阳光花园", "en")
	contains(t, one(t, h.group(staffGroup, zhang, "/tickets mine"), staffGroup), "Tickets (1):", "张师傅 · filed 1d ago · fix due")
}

// /bind on a bound group asks before it moves it; a name that differs from
// an existing community's only in case, spaces or punctuation suggests it.
func TestBindAsksBeforeMovingAndSuggestsTheName(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 路灯不亮")
	out := one(t, h.group(residentGroup, manager, "/bind 月亮湾"), residentGroup)
	contains(t, out, "本群现在是“阳光花园”的业主群", "有 1 个未完成工单", "/bind 月亮湾 resident confirm")
	if h.count("SELECT count(*) FROM communities") != 1 {
		t.Errorf("the question created the community")
	}
	// Rebinding as it is needs no question; the staff group as residents does.
	contains(t, one(t, h.group(residentGroup, manager, "/bind 阳光花园"), residentGroup), "本群已绑定为“阳光花园”的业主群")
	contains(t, one(t, h.group(staffGroup, manager, "/bind 阳光花园"), staffGroup), "本群现在是“阳光花园”的物业工作群", "/bind 阳光花园 resident confirm")
	out = one(t, h.group(residentGroup, manager, "/bind 月亮湾 resident confirm"), residentGroup)
	contains(t, out, "已新建小区“月亮湾”", "本群已绑定为“月亮湾”的业主群")

	// A near-duplicate name, in a new group.
	h.group("-400", manager, `/bind "Sunny Garden"`)
	out = one(t, h.group("-402", manager, "/bind SunnyGarden"), "-402")
	contains(t, out, "已经有小区“Sunny Garden”", `/bind "Sunny Garden" resident`, "/bind SunnyGarden resident confirm")
	out = one(t, h.group("-403", manager, "/bind ｓｕｎｎｙ-garden staff"), "-403")
	contains(t, out, "已经有小区“Sunny Garden”", `/bind "Sunny Garden" staff`)
	if n := h.count("SELECT count(*) FROM communities"); n != 3 {
		t.Errorf("communities = %d, want 3 (阳光花园, 月亮湾, Sunny Garden)", n)
	}
	contains(t, one(t, h.group("-402", manager, "/bind SunnyGarden resident confirm"), "-402"), "已新建小区“SunnyGarden”")
	setLang(t, h, "Sunny Garden", "en")
	out = one(t, h.group("-400", manager, "/bind 阳光花园 staff"), "-400")
	contains(t, out, `This group is now the resident group of "Sunny Garden"`, "/bind 阳光花园 staff confirm")
}

// "评分 5" rates the one ticket waiting for it; with two it asks which,
// listing them; with none it says so (to someone who filed a ticket: from
// anyone else, it is chatter).
func TestBareRatingAsksWhich(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 路灯不亮")
	contains(t, one(t, h.group(residentGroup, li, "评分 5"), residentGroup), "您目前没有待评分的工单")
	h.group(residentGroup, li, "#报修 水管漏水")
	h.group(staffGroup, zhang, "/resolve 1")
	h.group(staffGroup, zhang, "/resolve 2")
	out := one(t, h.group(residentGroup, li, "评分 5"), residentGroup)
	contains(t, out, "您有 2 个待评分的工单", "#2 报修 · 已解决，待评价 · 水管漏水", "#1 报修", "例如：/rate 2 5")
	if h.ticket(1).Rating != 0 || h.ticket(2).Rating != 0 {
		t.Fatal("a rating was given while asking which")
	}
	contains(t, one(t, h.group(residentGroup, li, "/rate 1 4"), residentGroup), "谢谢您的评价")
	contains(t, one(t, h.group(residentGroup, li, "评分 5"), residentGroup), "谢谢您的评价！#2 已关闭")
	if h.ticket(2).Rating != 5 {
		t.Errorf("ticket 2 rating = %d, want 5", h.ticket(2).Rating)
	}
	setLang(t, h, "阳光花园", "en")
	contains(t, one(t, h.group(residentGroup, li, "rate 5"), residentGroup), "You have no ticket to rate right now")
}

// /sla COMMUNITY alone shows the limits; a resolve limit shorter than the
// first response is refused; the echo keeps the units typed.
func TestSLAShowsRefusesAndEchoesAsTyped(t *testing.T) {
	h := newHarness(t)
	me := bot.ChatID(manager.ID)
	contains(t, one(t, h.private(manager, "/sla 阳光花园"), me), "“阳光花园”的处理时限：首次回复 1d，解决 7d", "/sla 阳光花园 first=24h")
	contains(t, one(t, h.private(manager, "/sla 阳光花园 first=24h resolve=48h"), me), "首次回复 24h，解决 48h")
	contains(t, one(t, h.private(manager, "/sla 阳光花园 resolve=12h"), me), "解决时限（12h）不能短于首次回复时限（1d）")
	contains(t, one(t, h.private(manager, "/sla 阳光花园 first=3d resolve=2d"), me), "解决时限（2d）不能短于首次回复时限（3d）")
	contains(t, one(t, h.private(manager, "/sla 阳光花园"), me), "首次回复 1d，解决 2d")
	setLang(t, h, "阳光花园", "en")
	contains(t, one(t, h.private(manager, "/sla 阳光花园"), me), `Time limits of "阳光花园": first reply 1d, resolution 2d.`)
	contains(t, one(t, h.private(manager, "/sla 阳光花园 first=2d resolve=36h"), me), "can't be shorter than the time to first response (2d)")
}

// The similar-ticket hint does not fire across buildings or units.
func TestDuplicateHintRespectsNumbers(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 2号楼第2单元电梯不动了")
	// The hint is a line of the new ticket's card: one message either way.
	if msgs := to(h.group(residentGroup, tom, "#报修 1号楼第1单元电梯不动了"), residentGroup); len(msgs) != 1 || strings.Contains(msgs[0].Text, "可能与") {
		t.Errorf("hint across buildings: %+v", msgs)
	}
	msgs := to(h.group(residentGroup, person{ID: "3", Name: "王阿姨"}, "#报修 2号楼第2单元电梯又不动了"), residentGroup)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "可能与 #1") {
		t.Errorf("no hint for the same building and unit: %+v", msgs)
	}
}

// /help names every command of the role; a manager's /help in a group shows
// only what works there.
func TestHelpListsEveryCommandOfTheRole(t *testing.T) {
	h := newHarness(t)
	h.private(li, "/whoami")
	h.private(zhang, "/whoami")
	byRole := commands.CommandsFor()
	for _, lang := range []string{"zh", "en"} {
		setLang(t, h, "阳光花园", lang)
		helps := map[string]string{
			"anyone":  one(t, h.private(li, "/help"), bot.ChatID(li.ID)).Text,
			"staff":   one(t, h.private(zhang, "/help"), bot.ChatID(zhang.ID)).Text,
			"manager": one(t, h.private(manager, "/help"), bot.ChatID(manager.ID)).Text,
		}
		helps["company"] = helps["manager"]
		for role, cmds := range byRole {
			for _, cmd := range cmds {
				if !strings.Contains(helps[role], "/"+cmd) {
					t.Errorf("%s help for %s lacks /%s:\n%s", lang, role, cmd, helps[role])
				}
			}
		}
		// Each role's help holds the lesser roles' too, and nothing more.
		for _, cmd := range byRole["staff"] {
			if strings.Contains(helps["anyone"], "/"+cmd+" ") {
				t.Errorf("%s resident help shows the staff command /%s", lang, cmd)
			}
		}
		for _, cmd := range []string{"grant", "sla", "outbox", "volunteers"} {
			if strings.Contains(helps["staff"], "/"+cmd) {
				t.Errorf("%s staff help shows the manager command /%s", lang, cmd)
			}
		}
		// In a group a manager sees binding only, and where the rest is.
		group := one(t, h.group(staffGroup, manager, "/help"), staffGroup).Text
		for _, cmd := range []string{"/grant", "/sla", "/schedule", "/outbox", "/export"} {
			if strings.Contains(group, cmd) {
				t.Errorf("%s manager help in a group shows %s, which works only privately", lang, cmd)
			}
		}
		for _, cmd := range []string{"/bind", "/unbind", "/take", "/status"} {
			if !strings.Contains(group, cmd) {
				t.Errorf("%s manager help in a group lacks %s", lang, cmd)
			}
		}
	}
}

// Full-width digits work in number arguments; English counts take the
// right form.
func TestFullWidthNumbersAndEnglishPlurals(t *testing.T) {
	h := newHarness(t)
	me := bot.ChatID(manager.ID)
	h.group(residentGroup, li, "#报修 路灯不亮")
	contains(t, one(t, h.group(residentGroup, li, "/status １"), residentGroup), "工单 #1")
	contains(t, to(h.group(staffGroup, zhang, "/take １"), staffGroup)[0], "#1 已接单")
	h.group(staffGroup, zhang, "/resolve ＃１")
	contains(t, one(t, h.group(residentGroup, li, "/rate １ ５ 很好"), residentGroup), "谢谢您的评价")
	if got := h.ticket(1).Rating; got != 5 {
		t.Errorf("rating = %d, want 5", got)
	}
	contains(t, one(t, h.private(manager, "/sla 阳光花园 first=２ｈ"), me), "首次回复 2h")
	setLang(t, h, "阳光花园", "en")
	contains(t, one(t, h.private(manager, "/announce 阳光花园 water off on Sunday"), me), "posted to 1 resident group.")
	h.group("-101", manager, "/bind 阳光花园")
	contains(t, one(t, h.private(manager, "/announce 阳光花园 water back"), me), "posted to 2 resident groups.")
}

// The low-rating alert carries the resident's comment.
func TestLowRatingAlertHasTheComment(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#投诉 垃圾没人收")
	h.group(staffGroup, zhang, "/resolve 1")
	out := one(t, h.group(residentGroup, li, "/rate 1 1 还是没人收，楼道很臭"), bot.ChatID(manager.ID))
	contains(t, out, "#1 收到 1 星评价", "业主意见：还是没人收，楼道很臭", "/reopen 1")
	h.group(residentGroup, li, "#报修 门坏了")
	h.group(staffGroup, zhang, "/resolve 2")
	setLang(t, h, "阳光花园", "en")
	out = one(t, h.group(residentGroup, li, "/rate 2 2 slow"), bot.ChatID(manager.ID))
	contains(t, out, "#2 was rated 2/5", "The resident's comment: slow")
}

// /assign takes only the community's staff, tells the assignee privately,
// and the history names whom it went to.
func TestAssignTellsTheAssignee(t *testing.T) {
	h := newHarness(t)
	h.private(zhang, "/whoami") // 张师傅's private chat is known
	h.group(residentGroup, li, "#报修 路灯不亮")
	contains(t, one(t, h.group(staffGroup, manager, "/assign 1 Tom"), staffGroup), "Tom 不是这个小区的工作人员")
	if h.ticket(1).AssigneeID != 0 {
		t.Fatal("a resident was assigned")
	}
	out := h.group(staffGroup, manager, "/assign 1 张师傅")
	contains(t, one(t, out, staffGroup), "#1 已指派给张师傅")
	contains(t, one(t, out, bot.ChatID(zhang.ID)), "王经理 把 #1 指派给了您：路灯不亮", "/resolve 1")
	contains(t, one(t, h.group(residentGroup, li, "/status 1"), residentGroup), "王经理 指派给 张师傅")
	// Assigning oneself tells nobody privately.
	if got := to(h.group(staffGroup, zhang, "/assign 1 张师傅"), bot.ChatID(zhang.ID)); len(got) != 0 {
		t.Errorf("told of their own assignment: %+v", got)
	}
}

// A repeated /take, /assign, /hold, /resolve, /cancel, /volunteer or
// /poll close says it is already so, and changes and repeats nothing.
func TestRepeatsSayAlreadySo(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 路灯不亮")
	h.group(staffGroup, zhang, "/take 1")
	events := h.count("SELECT count(*) FROM ticket_events")
	out := h.group(staffGroup, zhang, "/take 1")
	contains(t, one(t, out, staffGroup), "#1 已经是您在处理了")
	if len(to(out, residentGroup)) != 0 {
		t.Errorf("the resident was told again: %+v", to(out, residentGroup))
	}
	contains(t, one(t, h.group(staffGroup, manager, "/assign 1 张师傅"), staffGroup), "#1 已经指派给张师傅了")
	h.group(staffGroup, zhang, "/hold 1 等配件")
	contains(t, one(t, h.group(staffGroup, zhang, "/hold 1 等配件"), staffGroup), "#1 已经是暂缓状态了", "/progress 1")
	h.group(staffGroup, zhang, "/resolve 1")
	contains(t, one(t, h.group(staffGroup, zhang, "/resolve 1"), staffGroup), "#1 已经标记为解决了")
	if n := h.count("SELECT count(*) FROM ticket_events"); n != events+2 {
		t.Errorf("events = %d, want %d (the hold and the resolve only)", n, events+2)
	}
	h.group(residentGroup, li, "#报修 车库门")
	h.group(residentGroup, li, "/cancel 2")
	contains(t, one(t, h.group(residentGroup, li, "/cancel 2"), residentGroup), "#2 已经取消了")
	h.group(residentGroup, tom, "/volunteer 会修电器")
	contains(t, one(t, h.group(residentGroup, tom, "/volunteer"), residentGroup), "您已经在志愿者名单上了", "会修电器")
	contains(t, one(t, h.private(manager, "/grant staff 张师傅"), bot.ChatID(manager.ID)), "张师傅 已经是“阳光花园”的工作人员了")
	// By button too: the toast says it.
	toast, out := h.press(staffGroup, zhang, "x", "t:2:take")
	if !strings.Contains(toast, "已经取消") || len(out) != 0 {
		t.Errorf("take of a cancelled ticket by button: %q %+v", toast, out)
	}
	setLang(t, h, "阳光花园", "en")
	h.group(residentGroup, li, "#repair the gate")
	h.group(staffGroup, zhang, "/take 3")
	contains(t, one(t, h.group(staffGroup, zhang, "/take 3"), staffGroup), "#3 is yours already.")
}

// Closing a closed poll says so, with its results.
func TestPollCloseTwice(t *testing.T) {
	h := newHarness(t)
	me := bot.ChatID(manager.ID)
	h.private(manager, "/poll 哪天？ | 周六 | 周日")
	contains(t, one(t, h.private(manager, "/poll close 1"), me), "#1")
	out := one(t, h.private(manager, "/poll close 1"), me)
	contains(t, out, "投票 #1 已经结束了")
}

// Ratings are history: staff reopening and resolving a badly rated ticket
// take nothing out of /report or the export, and the managers hear of the
// reopen with the rating.
func TestRatingsAreHistory(t *testing.T) {
	h, _ := exportHarness(t)
	me := bot.ChatID(manager.ID)
	h.group(residentGroup, li, "#报修 水管漏水")
	h.group(staffGroup, zhang, "/resolve 1")
	h.group(residentGroup, li, "/rate 1 1 根本没修好")
	h.Clock.Add(time.Hour)
	out := h.group(staffGroup, zhang, "/reopen 1")
	contains(t, one(t, out, me), "#1 在评为 1 星之后被张师傅重新打开", "这次评分仍计入当月统计", "业主意见：根本没修好")
	h.group(staffGroup, zhang, "/resolve 1 又修了一次")
	if got := h.ticket(1); got.Rating != 0 || got.Status != store.StatusResolved {
		t.Fatalf("after the reopen and resolve: %+v", got)
	}
	contains(t, to(h.private(manager, "/report 2026-11"), me)[0], "满意度：平均 1.00 分（1 条评价）")
	h.group(residentGroup, li, "/rate 1 4 这次好了")
	contains(t, to(h.private(manager, "/report 2026-11"), me)[0], "满意度：平均 2.50 分（2 条评价）")
	h.private(manager, "/export 2026-11")
	q := lastQueued(t, h, 1)[0]
	f, err := excelize.OpenFile(q.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("评分")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][2] != "1" || rows[1][3] != "根本没修好" || rows[2][2] != "4" || rows[2][3] != "这次好了" {
		t.Errorf("ratings sheet = %q, want both ratings", rows)
	}
}

// A ticket filed while the community has no staff group alerts the
// managers; binding a staff group then posts the open tickets it missed.
func TestNoStaffGroupAlertsAndBindingPostsTheMissed(t *testing.T) {
	h := newHarness(t)
	me := bot.ChatID(manager.ID)
	h.group("-500", manager, "/bind 月亮湾")
	h.group("-500", tom, "#报修 车库门坏了")
	out := h.group("-500", tom, "#报修 电梯异响")
	contains(t, one(t, out, "-500"), "工单 #2")
	contains(t, one(t, out, me), "“月亮湾”还没有绑定物业工作群", "工单 #2（电梯异响）没有发给任何工作人员", "/bind 月亮湾 staff")
	h.group("-500", tom, "/cancel 1")
	// A community with a staff group alerts nobody.
	if got := to(h.group(residentGroup, li, "#报修 路灯不亮"), me); len(got) != 0 {
		t.Errorf("an alert although 阳光花园 has a staff group: %+v", got)
	}

	out = h.group("-600", manager, "/bind 月亮湾 staff")
	msgs := to(out, "-600")
	if len(msgs) != 2 {
		t.Fatalf("messages to the new staff group = %d, want the answer and one card: %+v", len(msgs), msgs)
	}
	contains(t, msgs[0], "本群已绑定为“月亮湾”的物业工作群", "已补发 1 张")
	contains(t, msgs[1], "新工单 #2", "电梯异响")
	// The card is the ticket's staff card: a reply to it reaches the resident.
	h.group("-600", zhang, "我是张师傅")
	h.private(manager, "/grant staff 张师傅 月亮湾")
	out = h.reply("-600", zhang, h.sentID(msgs[1]), "下午去看")
	contains(t, to(out, "-500")[0], "#2 物业回复（张师傅）：下午去看")
	// Binding it again posts nothing twice.
	if got := to(h.group("-600", manager, "/bind 月亮湾 staff"), "-600"); len(got) != 1 {
		t.Errorf("binding again posted again: %+v", got)
	}
}

// Nothing is dropped in silence: a reply to a cancelled ticket, someone not
// yet staff answering a staff card, staff answering in the resident group.
func TestNoSilentDrops(t *testing.T) {
	h := newHarness(t)
	out := h.group(residentGroup, li, "#报修 路灯不亮")
	card, staffCard := one(t, out, residentGroup), one(t, out, staffGroup)
	h.group(residentGroup, li, "/cancel 1")
	contains(t, one(t, h.reply(residentGroup, li, h.sentID(card), "还在吗"), residentGroup), "#1 已取消，这里的回复不会再转达", "#报修 问题描述")
	contains(t, one(t, h.reply(staffGroup, zhang, h.sentID(staffCard), "好的"), staffGroup), "#1 已取消")

	out = h.group(residentGroup, li, "#报修 水管漏水")
	staffCard = one(t, out, staffGroup)
	newbie := person{ID: "77", Name: "小王"}
	out = h.reply(staffGroup, newbie, h.sentID(staffCard), "我下午去")
	contains(t, one(t, out, staffGroup), "小王，您还不是“阳光花园”的工作人员", "/grant staff 小王")
	if len(to(out, residentGroup)) != 0 {
		t.Errorf("a non-staff reply reached the resident: %+v", to(out, residentGroup))
	}
	// Chatter in the staff group that answers no card stays chatter.
	if out := h.group(staffGroup, newbie, "大家好"); len(out) != 0 {
		t.Errorf("chatter answered: %+v", out)
	}

	out = h.group(residentGroup, zhang, "#2 马上到")
	contains(t, one(t, out, residentGroup), "已记入 #2 的处理记录")
	if h.count("SELECT count(*) FROM ticket_events WHERE ticket_id = 2 AND action = 'comment'") != 1 {
		t.Error("the staff comment in the resident group was not recorded")
	}
	setLang(t, h, "阳光花园", "en")
	contains(t, one(t, h.reply(staffGroup, newbie, h.sentID(staffCard), "on my way"), staffGroup), "you aren't staff of")
}

// Staff-only notes, by /note or a "!" reply to a card: recorded, shown to
// staff, never to residents.
func TestStaffOnlyNotes(t *testing.T) {
	h := newHarness(t)
	h.group("-201", manager, "/bind 阳光花园 staff") // a second staff group
	out := h.group(residentGroup, li, "#报修 水管漏水")
	staffCard := to(out, staffGroup)[0]
	out = h.group(staffGroup, zhang, "/note 1 业主脾气急，先打电话")
	contains(t, one(t, out, staffGroup), "已记下 #1 的内部备注")
	contains(t, one(t, out, "-201"), "#1 内部备注（张师傅，业主看不到）：业主脾气急，先打电话")
	if len(to(out, residentGroup)) != 0 || len(edits(out, residentGroup)) != 0 {
		t.Errorf("a note reached the resident group: %+v", out)
	}
	out = h.reply(staffGroup, zhang, h.sentID(staffCard), "！配件要等两天")
	contains(t, one(t, out, staffGroup), "已记下 #1 的内部备注")
	if len(to(out, residentGroup)) != 0 {
		t.Errorf("a ! reply reached the resident: %+v", to(out, residentGroup))
	}
	if got := h.ticket(1); !got.FirstResponseAt.IsZero() {
		t.Errorf("a note counted as the first response: %+v", got)
	}
	staffView := one(t, h.group(staffGroup, zhang, "/status 1"), staffGroup)
	contains(t, staffView, "张师傅 内部备注", "业主脾气急", "配件要等两天")
	mine := one(t, h.group(residentGroup, li, "/status 1"), residentGroup)
	if strings.Contains(mine.Text, "备注") || strings.Contains(mine.Text, "脾气") || strings.Contains(mine.Text, "配件") {
		t.Errorf("the reporter sees a note:\n%s", mine.Text)
	}
	contains(t, one(t, h.group(residentGroup, li, "/note 1 我也写"), residentGroup), "只有物业工作人员可以使用")
	contains(t, one(t, h.group(staffGroup, zhang, "/note 1"), staffGroup), "/note 12 内容")
	if n := h.count("SELECT count(*) FROM ticket_events WHERE action = 'note'"); n != 2 {
		t.Errorf("notes = %d, want 2", n)
	}
}
