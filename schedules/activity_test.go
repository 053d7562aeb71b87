package schedules

import (
	"testing"
	"time"

	"github.com/linli/linli/bot"
)

func TestActivityNoticeAndReminders(t *testing.T) {
	e := newEnv(t)
	out := e.private(manager, `/activity add 2026-11-20 14:00 包饺子 活动室 2`)
	has(t, one(t, out, residentGroup).Text, "🎉 社区活动", "#1「包饺子」", "11月20日 14:00（周五）", "地点：活动室", "已报名 0 / 2 人", "/join 1")
	has(t, one(t, out, bot.ChatID(manager.ID)).Text, "已发布活动 #1「包饺子」", "已通知 1 个业主群")
	e.group(residentGroup, li, "/join 1")

	// Nothing until a week before.
	e.set(cst("2026-11-13 13:59"))
	if out := e.run("activity-notice"); len(out) != 0 {
		t.Fatalf("early: %+v", out)
	}
	e.set(cst("2026-11-13 14:00"))
	out = e.run("activity-notice")
	has(t, one(t, out, residentGroup).Text, "⏰ 活动提醒", "活动 7 天后开始", "包饺子", "已报名 1 / 2 人")
	if out := e.run("activity-notice"); len(out) != 0 {
		t.Fatalf("the week reminder twice: %+v", out)
	}
	e.set(cst("2026-11-19 14:00"))
	out = e.run("activity-notice")
	has(t, one(t, out, residentGroup).Text, "活动明天开始", "包饺子")
	e.add(10 * time.Minute)
	if out := e.run("activity-notice"); len(out) != 0 {
		t.Fatalf("the day reminder twice: %+v", out)
	}
	var result string
	e.db.SQL().QueryRow(`SELECT result FROM job_runs WHERE name = 'activity-notice' ORDER BY id DESC`).Scan(&result)
	if result != "发送活动提醒 0 条" {
		t.Errorf("result = %q", result)
	}
}

func TestActivityAddedLateSkipsTheWeekReminder(t *testing.T) {
	e := newEnv(t)
	e.private(manager, `/activity add 11-05 10:00 "Yoga in the park"`)
	e.set(cst("2026-11-04 10:00"))
	out := e.run("activity-notice")
	has(t, one(t, out, residentGroup).Text, "活动明天开始", "Yoga in the park")
	e.set(cst("2026-11-05 09:00"))
	if out := e.run("activity-notice"); len(out) != 0 {
		t.Errorf("reminded again: %+v", out)
	}
}

func TestMeetingReminderCarriesTheAgenda(t *testing.T) {
	e := newEnv(t)
	out := e.group(residentGroup, li, "/agenda 建议增加电动车充电桩")
	has(t, one(t, out, residentGroup).Text, "下次业主大会上讨论")
	out = e.private(manager, "/meeting add 2026-11-30 19:00 三楼会议室")
	notice := one(t, out, residentGroup).Text
	has(t, notice, "🏠 业主大会通知", "11月30日 19:00（周一）", "三楼会议室", "已收到议题 1 项", "建议增加电动车充电桩")
	hasNot(t, notice, "李阿姨")
	has(t, one(t, e.group(residentGroup, tom, "/agenda 垃圾分类点太远"), residentGroup).Text, "11月30日 19:00 的业主大会")
	has(t, e.say(manager, "/agenda list"), "11月30日 19:00 业主大会的议题", "1. 建议增加电动车充电桩（李阿姨", "2. 垃圾分类点太远（Tom")

	e.set(cst("2026-11-23 19:00"))
	out = e.run("meeting-reminder")
	rem := one(t, out, residentGroup).Text
	has(t, rem, "⏰ 业主大会提醒", "业主大会 7 天后召开", "已收到议题 2 项", "1. 建议增加电动车充电桩", "2. 垃圾分类点太远")
	hasNot(t, rem, "李阿姨", "Tom")
	e.set(cst("2026-11-29 19:00"))
	has(t, one(t, e.run("meeting-reminder"), residentGroup).Text, "业主大会明天召开")
	e.add(time.Hour)
	if out := e.run("meeting-reminder"); len(out) != 0 {
		t.Errorf("reminded twice: %+v", out)
	}
}

func TestJoinRespectsCapacity(t *testing.T) {
	e := newEnv(t)
	e.private(manager, "/activity add 11-20 14:00 包饺子 活动室 1")
	has(t, one(t, e.group(residentGroup, li, "/join 1"), residentGroup).Text, "李阿姨 报名成功", "已报名 1 / 1 人")
	has(t, one(t, e.group(residentGroup, li, "/报名 1"), residentGroup).Text, "已经报名了活动 #1")
	has(t, one(t, e.group(residentGroup, tom, "/join 1"), residentGroup).Text, "1 个名额已经报满了")
	has(t, one(t, e.group(residentGroup, tom, "/join 9"), residentGroup).Text, "没有找到活动 #9")
	if n := e.count("SELECT count(*) FROM activity_signups"); n != 1 {
		t.Errorf("sign-ups = %d", n)
	}
	has(t, e.say(manager, "/activity list"), "#1 11月20日 14:00「包饺子」· 已报名 1 / 1 人 · 活动室", "报名：李阿姨")
	out := e.private(manager, "/activity rm 1")
	has(t, one(t, out, residentGroup).Text, "活动取消通知", "包饺子", "11月20日 14:00")
	has(t, one(t, e.group(residentGroup, tom, "/join 1"), residentGroup).Text, "没有找到活动 #1")
}
