package schedules

import (
	"testing"

	"github.com/linli/linli/bot"
)

// A community made after the month ended gets no report on that month.
func TestMonthlyReportSkipsCommunitiesNotYetThere(t *testing.T) {
	e := newEnv(t)
	e.set(cst("2026-12-01 08:00"))
	e.lakeside() // made on 1 December
	e.set(cst("2026-12-01 09:00"))
	out := e.run("monthly-report")
	has(t, one(t, out, residentGroup).Text, "阳光花园 · 2026年11月物业工作简报")
	if got := to(out, otherResident); len(got) != 0 {
		t.Errorf("a report on a month before Lakeside existed: %+v", got)
	}
	if n := len(to(out, bot.ChatID(manager.ID))); n != 1 {
		t.Errorf("the manager got %d reports, want 1", n)
	}
	// A month later it has one.
	e.set(cst("2027-01-01 09:00"))
	out = e.run("monthly-report")
	has(t, one(t, out, otherResident).Text, "Lakeside · our work in December 2026")
}

// "@yearly" runs a year apart: its preview shows the years. "@every 2h"
// runs on a fixed grid, so its next run does not move as time passes.
func TestSchedulePreviewYearsAndAStableEvery(t *testing.T) {
	e := newEnv(t)
	has(t, e.say(manager, `/schedule preview "@yearly"`), "2027年1月1日 00:00", "2028年1月1日 00:00")
	has(t, e.say(manager, `/schedule preview "0 9 * * 1"`), "11月9日 09:00") // this year only: no year
	hasNot(t, e.say(manager, `/schedule preview "0 9 * * 1"`), "2026年")
	e.set(cst("2026-11-02 09:10"))
	first := e.say(manager, `/schedule add "@every 2h" announcement all 喝水`)
	has(t, first, "11月2日 10:00、11月2日 12:00、11月2日 14:00")
	for _, at := range []string{"2026-11-02 09:40", "2026-11-02 09:59"} {
		e.set(cst(at))
		has(t, e.say(manager, "/schedule list"), "接下来：11月2日 10:00、11月2日 12:00、11月2日 14:00")
	}
	// The cron runs it on the same grid.
	sc, err := ParseSpec("@every 2h", shanghai)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"2026-11-02 09:10", "2026-11-02 09:59"} {
		if got := sc.Next(cst(at)); !got.Equal(cst("2026-11-02 10:00")) {
			t.Errorf("Next(%s) = %v, want 10:00", at, got)
		}
	}
	if got := sc.Next(cst("2026-11-02 10:00")); !got.Equal(cst("2026-11-02 12:00")) {
		t.Errorf("Next(10:00) = %v, want 12:00", got)
	}
}

// Pausing a paused schedule, or resuming a running one, says it is so.
func TestScheduleRepeatsSayAlreadySo(t *testing.T) {
	e := newEnv(t)
	e.say(manager, `/schedule add "0 9 * * 1" announcement 阳光花园 停水通知`)
	has(t, e.say(manager, "/schedule resume 1"), "定时任务 #1 没有暂停，正在运行")
	has(t, e.say(manager, "/schedule pause 1"), "已暂停定时任务 #1")
	has(t, e.say(manager, "/schedule pause 1"), "定时任务 #1 已经是暂停状态")
	if n := len(e.s.cron.Entries()) - len(e.s.jobs); n != 0 {
		t.Errorf("entries after pausing twice = %d", n)
	}
}
