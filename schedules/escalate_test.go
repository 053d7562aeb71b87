package schedules

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// escalations counts a ticket's escalation events of a level.
func (e *env) escalations(id int64, level int) int {
	return e.count(`SELECT count(*) FROM ticket_events WHERE ticket_id = ? AND action = ?`, id, fmt.Sprint("escalate_", level))
}

func TestEscalationLevelsFireOnce(t *testing.T) {
	e := newEnv(t)
	e.private(zhang, "你好") // the bot now knows 张师傅's private chat
	t0 := e.clock()
	out := e.group(residentGroup, li, "#报修 3号楼电梯按钮坏了")
	origin := bot.MessageID("8") // the resident's message: the 8th sent in this env
	if card := one(t, out, residentGroup); card.ReplyTo != origin {
		t.Fatalf("card replies to %q, want %q", card.ReplyTo, origin)
	}

	// Before 80% of the first-reply clock (19h12m of 24h): nothing.
	e.set(t0.Add(19*time.Hour + 11*time.Minute))
	if out := e.run("escalate"); len(out) != 0 {
		t.Fatalf("early: %+v", out)
	}
	// At 80%: nobody is assigned, so the staff group is reminded, once.
	e.set(t0.Add(19*time.Hour + 12*time.Minute))
	out = e.run("escalate")
	has(t, one(t, out, staffGroup).Text, "⏰", "#1 还没有回复业主", "11月3日 09:00")
	if len(out) != 1 {
		t.Errorf("reminder went to %+v", out)
	}
	if out := e.run("escalate"); len(out) != 0 {
		t.Errorf("the reminder fired twice: %+v", out)
	}

	// At the deadline: level 1 in the resident's thread (a reply to the
	// original message) and in the staff group; not to the managers.
	e.set(t0.Add(24 * time.Hour))
	out = e.run("escalate")
	res := one(t, out, residentGroup)
	if res.ReplyTo != origin {
		t.Errorf("the resident notice replies to %q, want %q", res.ReplyTo, origin)
	}
	has(t, res.Text, "#1 还没有得到物业回复")
	has(t, one(t, out, staffGroup).Text, "超时未回复：#1", "3号楼电梯按钮坏了", "/take 1")
	if len(to(out, bot.ChatID(manager.ID))) != 0 || len(out) != 2 {
		t.Errorf("level 1 sent %+v", out)
	}
	if tk := e.ticket(1); tk.EscalationLevel != 1 || e.escalations(1, 1) != 1 {
		t.Errorf("level %d, events %d", tk.EscalationLevel, e.escalations(1, 1))
	}
	e.add(time.Minute)
	if out := e.run("escalate"); len(out) != 0 {
		t.Errorf("level 1 fired twice: %+v", out)
	}
	// 张师傅 takes it; the resolve reminder (80% of 7 days: 5d14h24m) goes to him privately.
	e.set(t0.Add(25 * time.Hour))
	e.group(staffGroup, zhang, "/take 1")
	e.set(t0.Add(134*time.Hour + 24*time.Minute))
	out = e.run("escalate")
	rem := one(t, out, bot.ChatID(zhang.ID))
	has(t, rem.Text, "⏰", "#1 的解决期限是 11月9日 09:00", "/progress 1")
	if len(out) != 1 {
		t.Errorf("resolve reminder went to %+v", out)
	}
	var fallback string
	e.db.SQL().QueryRow(`SELECT fallback_chat FROM outbox WHERE chat_key = ? ORDER BY id DESC LIMIT 1`, zhang.ID).Scan(&fallback)
	if fallback != string(staffGroup) {
		t.Errorf("the private reminder falls back to %q, want the staff group", fallback)
	}
	if out := e.run("escalate"); len(out) != 0 {
		t.Errorf("the resolve reminder fired twice: %+v", out)
	}

	// A week: level 2 in the thread, the staff group and every manager privately.
	e.set(t0.Add(7 * 24 * time.Hour))
	out = e.run("escalate")
	has(t, one(t, out, residentGroup).Text, "#1 已超过承诺的解决期限")
	has(t, one(t, out, staffGroup).Text, "超过解决期限：#1", "负责人：张师傅")
	has(t, one(t, out, bot.ChatID(manager.ID)).Text, "工单超期上报：#1", "阳光花园", "处理中", "张师傅", "11月9日 09:00")
	if tk := e.ticket(1); tk.EscalationLevel != 2 || e.escalations(1, 2) != 1 {
		t.Errorf("level %d, events %d", tk.EscalationLevel, e.escalations(1, 2))
	}
	e.add(time.Hour)
	if out := e.run("escalate"); len(out) != 0 {
		t.Errorf("level 2 fired twice: %+v", out)
	}
	// The manager replies to the alert: that is a comment on the ticket.
	alert := e.count(`SELECT count(*) FROM ticket_links WHERE ticket_id = 1 AND chat_key = ?`, manager.ID)
	if alert != 1 {
		t.Errorf("the manager's alert is not linked to the ticket (%d links)", alert)
	}
}

func TestOnHoldPausesTheClocks(t *testing.T) {
	e := newEnv(t)
	t0 := e.clock()
	e.group(residentGroup, li, "#报修 热水器不热")
	// On hold after an hour: that is the first response.
	e.set(t0.Add(time.Hour))
	e.group(staffGroup, zhang, "/hold 1 等配件")
	// A week and a day later, still on hold: no reminder, no escalation.
	e.set(t0.Add(8 * 24 * time.Hour))
	if out := e.run("escalate"); len(out) != 0 {
		t.Fatalf("on hold, the job sent %+v", out)
	}
	// Work resumes: the 8 days less an hour on hold move the deadline.
	e.group(staffGroup, zhang, "/progress 1 配件到了")
	tk := e.ticket(1)
	held := 8*24*time.Hour - time.Hour
	if want := t0.Add(7*24*time.Hour + held); !tk.ResolveDue.Equal(want) || tk.Held != held {
		t.Fatalf("resolve due %v (held %v), want %v", tk.ResolveDue, tk.Held, want)
	}
	if out := e.run("escalate"); len(out) != 0 {
		t.Fatalf("after resuming: %+v", out)
	}
	// The reminder comes at 80% of the clock, not counting the hold.
	e.set(tk.ResolveDue.Add(-time.Duration(float64(7*24*time.Hour)*0.2) - time.Minute))
	if out := e.run("escalate"); len(out) != 0 {
		t.Fatalf("before 80%%: %+v", out)
	}
	e.add(time.Minute)
	if out := e.run("escalate"); len(to(out, staffGroup)) != 1 {
		t.Fatalf("at 80%%: %+v", out)
	}
	e.set(tk.ResolveDue.Add(-time.Second))
	if out := e.run("escalate"); len(out) != 0 {
		t.Fatalf("a second before the shifted deadline: %+v", out)
	}
	e.set(tk.ResolveDue)
	out := e.run("escalate")
	has(t, one(t, out, bot.ChatID(manager.ID)).Text, "工单超期上报：#1")
	if e.escalations(1, 1) != 0 || e.escalations(1, 2) != 1 {
		t.Errorf("events: level 1 %d, level 2 %d", e.escalations(1, 1), e.escalations(1, 2))
	}
}

func TestBothLevelsAtOnceSendOneNotice(t *testing.T) {
	e := newEnv(t)
	e.group(residentGroup, tom, "#投诉 垃圾站太臭")
	e.add(8 * 24 * time.Hour) // the bot was down all along
	out := e.run("escalate")
	has(t, one(t, out, residentGroup).Text, "#1 已超过承诺的解决期限")
	has(t, one(t, out, staffGroup).Text, "超过解决期限：#1", "未指派")
	one(t, out, bot.ChatID(manager.ID))
	if e.escalations(1, 1) != 1 || e.escalations(1, 2) != 1 || e.ticket(1).EscalationLevel != 2 {
		t.Errorf("events %d %d, level %d", e.escalations(1, 1), e.escalations(1, 2), e.ticket(1).EscalationLevel)
	}
	var res string
	e.db.SQL().QueryRow(`SELECT result FROM job_runs WHERE name = 'escalate' ORDER BY id DESC`).Scan(&res)
	if res != "升级 1 单（首次回复超时 1，解决超期 1），提醒 0 次" {
		t.Errorf("result = %q", res)
	}
}

func TestEscalationSpeaksTheCommunityLanguage(t *testing.T) {
	e := newEnv(t)
	e.lakeside()
	e.group(otherResident, tom, "#repair the gate is stuck")
	e.add(25 * time.Hour)
	out := e.run("escalate")
	has(t, one(t, out, otherResident).Text, "#1 hasn't had a reply from the office")
}

func TestAutoclose(t *testing.T) {
	e := newEnv(t)
	t0 := e.clock()
	e.group(residentGroup, li, "#报修 门禁卡失灵")
	e.group(residentGroup, tom, "#报修 路灯不亮")
	e.add(time.Hour)
	e.group(staffGroup, zhang, "/resolve 1 已更换")
	e.group(staffGroup, zhang, "/resolve 2")
	e.group(residentGroup, tom, "/rate 2 5")
	e.set(t0.Add(time.Hour + AutocloseAfter - time.Minute))
	if out := e.run("autoclose"); len(out) != 0 {
		t.Fatalf("early: %+v", out)
	}
	e.add(time.Minute)
	out := e.run("autoclose")
	msg := one(t, out, residentGroup)
	has(t, msg.Text, "#1 已处理完成 3 天", "/reopen 1")
	if msg.ReplyTo != "7" {
		t.Errorf("the notice replies to %q, want the resident's message", msg.ReplyTo)
	}
	if tk := e.ticket(1); tk.Status != store.StatusClosed || tk.ClosedAt.IsZero() || tk.Rating != 0 {
		t.Errorf("ticket 1 = %s", tk.Status)
	}
	if n := e.count(`SELECT count(*) FROM ticket_events WHERE ticket_id = 1 AND action = 'close' AND actor_id IS NULL`); n != 1 {
		t.Errorf("close events = %d", n)
	}
	if out := e.run("autoclose"); len(out) != 0 {
		t.Errorf("closed twice: %+v", out)
	}
	// The resident can still reopen it.
	e.group(residentGroup, li, "/reopen 1")
	if tk := e.ticket(1); tk.Status != store.StatusInProgress {
		t.Errorf("after reopening: %s", tk.Status)
	}
}

// TestLevelTwoReachesOnlyTheCommunitysManagers: an overdue ticket of one
// community is reported to its managers and the company-wide ones, never
// to another community's manager (who used to hear of every ticket).
func TestLevelTwoReachesOnlyTheCommunitysManagers(t *testing.T) {
	e := newEnv(t)
	e.lakeside()
	mine, theirs := who{ID: "101", Name: "赵经理"}, who{ID: "102", Name: "Mr Qian"}
	e.group(staffGroup, mine, "我是赵经理")
	e.group(otherResident, theirs, "hi")
	e.private(manager, "/grant manager 赵经理 阳光花园")
	e.private(manager, "/grant manager Mr Qian Lakeside")
	e.private(mine, "/whoami")
	e.private(theirs, "/whoami")
	e.group(residentGroup, li, "#报修 楼道灯不亮")
	e.group(otherResident, tom, "#repair the gate is stuck")
	e.add(8 * 24 * time.Hour)
	out := e.run("escalate")
	// The company-wide manager hears of both, each community's manager of
	// their own only, in its language.
	if n := len(to(out, bot.ChatID(manager.ID))); n != 2 {
		t.Errorf("the company-wide manager got %d alerts, want 2", n)
	}
	has(t, one(t, out, bot.ChatID(mine.ID)).Text, "工单超期上报：#1", "阳光花园")
	has(t, one(t, out, bot.ChatID(theirs.ID)).Text, "#2", "Lakeside")
	for _, o := range to(out, bot.ChatID(mine.ID)) {
		if strings.Contains(o.Text, "#2") {
			t.Errorf("阳光花园's manager heard of Lakeside's ticket: %q", o.Text)
		}
	}
	for _, o := range to(out, bot.ChatID(theirs.ID)) {
		if strings.Contains(o.Text, "#1") || strings.Contains(o.Text, "楼道灯") {
			t.Errorf("Lakeside's manager heard of 阳光花园's ticket: %q", o.Text)
		}
	}
}
