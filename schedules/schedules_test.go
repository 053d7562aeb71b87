package schedules

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestScheduleCommandsTakeEffectAtOnce(t *testing.T) {
	e := newEnv(t)
	reply := e.say(manager, `/schedule add "0 9 * * 1" announcement 阳光花园 本周六上午停水，请提前储水。`)
	has(t, reply, "已添加定时任务 #1", "公告 → 阳光花园", "每周一 09:00", "11月9日 09:00、11月16日 09:00、11月23日 09:00")
	entries := func() int { return len(e.s.cron.Entries()) - len(e.s.jobs) }
	if entries() != 1 || e.s.user[1] == nil {
		t.Fatalf("after add: %d entries", entries())
	}
	// Unquoted specs and Chinese words work too.
	has(t, e.say(manager, "/schedule add 0 9 1 * * 问卷 all 请填写本月满意度问卷 https://wj.example.com/s/1"), "#2", "问卷 → 全部小区", "每月 1 日 09:00")
	has(t, e.say(manager, "/schedule pause 1"), "已暂停定时任务 #1")
	if entries() != 1 || e.s.user[1] != nil {
		t.Errorf("after pause: %d entries", entries())
	}
	has(t, e.say(manager, "/schedule resume 1"), "已恢复定时任务 #1", "接下来：11月9日 09:00")
	if entries() != 2 {
		t.Errorf("after resume: %d entries", entries())
	}
	list := e.say(manager, "/schedule list")
	has(t, list, "定时任务（2 个）", "#1 公告 → 阳光花园 · 每周一 09:00", "#2 问卷 → 全部小区 · 每月 1 日 09:00", "2026年12月1日 09:00、2027年1月1日 09:00、2027年2月1日 09:00") // a new year: the years are shown
	has(t, e.say(manager, "/schedule rm 2"), "已删除定时任务 #2")
	if entries() != 1 || e.count("SELECT count(*) FROM schedules") != 1 {
		t.Errorf("after rm: %d entries", entries())
	}
	has(t, e.say(manager, "/schedule rm 2"), "没有找到定时任务 #2")
	has(t, e.say(manager, `/schedule preview "*/30 8-18 * * 1-5"`), "每周一至周五 8–18 点每 30 分钟", "Asia/Shanghai", "11月2日 09:30 周一")
}

func TestBadSchedulesAreRefusedAndNothingStored(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ cmd, want string }{
		{`/schedule add "0 9 * *" announcement all 你好`, "时间规则要写 5 段"},
		{`/schedule add "0 25 * * *" announcement all 你好`, "小时写的“25”超出范围，只能是 0 到 23"},
		{`/schedule add "0 0 30 2 *" announcement all 你好`, "永远不会触发"},
		{`/schedule add "CRON_TZ=Asia/Shanghai" announcement all 你好`, "时间规则要写 5 段"},
		{`/schedule add "@every 5s" announcement all 你好`, "最多每分钟一次"},
		{`/schedule add "0 9 * * 1" survey all 请填问卷`, "问卷链接"},
		{`/schedule add "0 9 * * 1" poll all 你好`, "请写明类型"},
		{`/schedule add "0 9 * * 1" announcement 不存在小区 你好`, "还没有找到小区“不存在小区”"},
		{`/schedule add "0 9 * * 1" announcement all`, "请写上要发送的内容"},
		{`/schedule add`, "用法"},
		{`/schedule add announcement all 你好`, "请写上时间规则"},
		{`/schedule pause x`, "不是有效的编号"},
	} {
		has(t, e.say(manager, c.cmd), c.want)
	}
	if n := e.count("SELECT count(*) FROM schedules"); n != 0 {
		t.Errorf("%d schedules stored", n)
	}
	// In a group, admin commands do nothing.
	out := e.group(residentGroup, manager, `/schedule add "0 9 * * 1" announcement all 你好`)
	has(t, one(t, out, residentGroup).Text, "请私聊")
	// Residents cannot schedule.
	has(t, e.say(li, `/schedule add "0 9 * * 1" announcement all 你好`), "只有物业经理")
	if n := e.count("SELECT count(*) FROM schedules"); n != 0 {
		t.Errorf("%d schedules stored", n)
	}
}

func TestBadSpecReasonInEnglish(t *testing.T) {
	e := newEnv(t)
	e.update(func(tx *store.Tx) error { return tx.SetCommunityLang(1, "en") })
	has(t, e.say(manager, `/schedule add "0 9 * * 7" announcement all hello`), "The weekday \"7\" is out of range: it must be between 0 and 6 (0 is Sunday).")
	has(t, e.say(manager, `/schedule add "0 0 30 2 *" meeting all hello`), "never fires")
	if n := e.count("SELECT count(*) FROM schedules"); n != 0 {
		t.Errorf("%d schedules stored", n)
	}
}

func TestScheduleRunPostsInEachCommunitysLanguage(t *testing.T) {
	e := newEnv(t)
	e.lakeside()
	e.say(manager, `/schedule add "0 9 * * *" survey all 满意度问卷 https://wj.example.com/s/1`)
	// Run the cron entry itself, through the Recover and SkipIfStillRunning chain.
	e.set(cst("2026-11-03 09:00"))
	e.s.cron.Entry(e.s.user[1].entry).WrappedJob.Run()
	out := e.drain()
	has(t, one(t, out, residentGroup).Text, "📝 满意度调查", "满意度问卷 https://wj.example.com/s/1")
	has(t, one(t, out, otherResident).Text, "📝 Satisfaction survey", "https://wj.example.com/s/1")
	sc := e.schedule(1)
	if !sc.LastRunAt.Equal(e.clock()) || !sc.LastOK || sc.LastResult != "已发到 2 个群" {
		t.Errorf("after the run: %+v", sc)
	}
	has(t, e.say(manager, "/schedule list"), "上次：11月3日 09:00 ✅ 已发到 2 个群")
	// A schedule paused in the meantime does not post, even if its entry fires.
	e.update(func(tx *store.Tx) error { return tx.SetScheduleEnabled(1, false) })
	e.s.runSchedule(context.Background(), 1, false)
	if out := e.drain(); len(out) != 0 {
		t.Errorf("a paused schedule posted %+v", out)
	}
}

func (e *env) schedule(id int64) *store.Schedule {
	e.t.Helper()
	var s *store.Schedule
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { s, err = tx.Schedule(id); return }); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// restart makes a new Scheduler over the same database, as after downtime,
// and does what Start does before starting the clock.
func (e *env) restart() []bot.Outgoing {
	e.t.Helper()
	s, err := New(e.db, e.s.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.s = s
	ctx := context.Background()
	if err := s.Reload(ctx); err != nil {
		e.t.Fatal(err)
	}
	if err := s.CatchUp(ctx); err != nil {
		e.t.Fatal(err)
	}
	return e.drain()
}

func TestCatchUpAfterDowntimeRunsOnce(t *testing.T) {
	e := newEnv(t)
	e.restart() // the first start: nothing to catch up, the baseline is recorded
	e.say(manager, `/schedule add "0 9 * * *" announcement 阳光花园 早上好`)
	e.say(manager, `/schedule add "0 9 * * *" announcement 阳光花园 暂停的`)
	e.say(manager, "/schedule pause 2")

	// Down from 11-02 09:00 until 11-03 10:30: the 09:00 run was missed.
	e.set(cst("2026-11-03 10:30"))
	out := e.restart()
	posts := to(out, residentGroup)
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "早上好") {
		t.Fatalf("catch-up posted %+v", out)
	}
	if r := e.schedule(1).LastResult; r != "已发到 1 个群（补发）" {
		t.Errorf("result = %q", r)
	}
	// Another restart, even a little later, does not post it again.
	e.add(10 * time.Minute)
	if out := e.restart(); len(to(out, residentGroup)) != 0 {
		t.Fatalf("second catch-up posted %+v", out)
	}
	// Down past the grace window (09:00 is 7 hours ago): skipped, not caught up late.
	e.set(cst("2026-11-04 16:00"))
	if out := e.restart(); len(to(out, residentGroup)) != 0 {
		t.Fatalf("a run missed beyond the grace window was posted: %+v", out)
	}
	// A schedule created after its time of day waits for the next day.
	e.set(cst("2026-11-05 09:30"))
	e.say(manager, `/schedule add "0 9 * * *" announcement 阳光花园 新的`)
	e.add(time.Minute)
	for _, o := range to(e.restart(), residentGroup) {
		if strings.Contains(o.Text, "新的") {
			t.Errorf("a new schedule was caught up: %q", o.Text)
		}
	}
}

func TestMonthlyReportCatchUpRunsOnce(t *testing.T) {
	e := newEnv(t)
	e.restart()
	e.group(residentGroup, li, "#投诉 楼下太吵")
	e.add(time.Hour)
	e.group(staffGroup, zhang, "/resolve 1 已劝导")
	e.group(residentGroup, li, "/rate 1 4")
	e.private(manager, "/expense add 300 绿化 修剪草坪")
	// The bot is down over 12-01 09:00 and back at 11:00.
	e.set(cst("2026-12-01 11:00"))
	out := e.restart()
	full := one(t, out, bot.ChatID(manager.ID))
	has(t, full.Text, "阳光花园 · 2026年11月工作报告", "噪音 1", "绿化 ¥300.00")
	summary := one(t, out, residentGroup)
	has(t, summary.Text, "2026年11月物业工作简报", "投诉 1 件", "4.0 分")
	hasNot(t, summary.Text, "李阿姨", "张师傅", "王经理")
	var result string
	e.db.SQL().QueryRow(`SELECT result FROM job_runs WHERE name = 'monthly-report'`).Scan(&result)
	if result != "2026年11月 报告：发送 1 个小区，0 个之前已发送（补发）" {
		t.Errorf("result = %q", result)
	}
	e.add(time.Minute)
	if out := e.restart(); len(to(out, residentGroup)) != 0 || len(to(out, bot.ChatID(manager.ID))) != 0 {
		t.Errorf("caught up twice: %+v", out)
	}
	// /runjob does not send the month again either; /report shows it on demand.
	has(t, e.say(manager, "/runjob monthly-report"), "发送 0 个小区，1 个之前已发送")
}

func TestMonthlyReportInEnglish(t *testing.T) {
	e := newEnv(t)
	e.lakeside()
	e.group(otherResident, tom, "#complaint parking in the fire lane")
	e.set(cst("2026-12-01 09:00"))
	out := e.run("monthly-report")
	has(t, one(t, out, otherResident).Text, "Lakeside · our work in November 2026", "0 repair requests and 1 complaint;", "parking 1")
	has(t, one(t, out, residentGroup).Text, "阳光花园 · 2026年11月物业工作简报")
	if n := len(to(out, bot.ChatID(manager.ID))); n != 2 {
		t.Errorf("the manager got %d reports, want one per community", n)
	}
}

// TestMonthlyReportGoesToItsCommunitysManagers: a community's report, with
// its residents' and staff's names, reaches its own managers and the
// company-wide ones only.
func TestMonthlyReportGoesToItsCommunitysManagers(t *testing.T) {
	e := newEnv(t)
	e.lakeside()
	theirs := who{ID: "102", Name: "Mr Qian"}
	e.group(otherResident, theirs, "hi")
	e.private(manager, "/grant manager Mr Qian Lakeside")
	e.private(theirs, "/whoami")
	e.set(cst("2026-12-01 09:00"))
	out := e.run("monthly-report")
	has(t, one(t, out, bot.ChatID(theirs.ID)).Text, "Lakeside")
	if n := len(to(out, bot.ChatID(manager.ID))); n != 2 {
		t.Errorf("the company-wide manager got %d reports, want both", n)
	}
}

func TestPanickingJobIsRecoveredAndShownInJobs(t *testing.T) {
	e := newEnv(t)
	if err := e.s.add("boom", "@hourly", func(context.Context) (string, error) { panic("kaboom") }); err != nil {
		t.Fatal(err)
	}
	if err := e.s.add("flaky", "@daily", func(context.Context) (string, error) { return "", errors.New("disk full") }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RunJob(context.Background(), "boom"); err == nil || err.Error() != "panic: kaboom" {
		t.Errorf("run = %v", err)
	}
	// Fired by the clock, through Recover and SkipIfStillRunning: the panic
	// stays inside the job, and the job still runs the next time.
	e.add(time.Minute)
	e.s.cron.Entry(e.s.byName["boom"].entry).WrappedJob.Run()
	e.s.cron.Entry(e.s.byName["boom"].entry).WrappedJob.Run()
	e.s.cron.Entry(e.s.byName["flaky"].entry).WrappedJob.Run()
	jobs := e.say(manager, "/jobs")
	has(t, jobs, "boom — 每小时整点", "❌ 失败：panic: kaboom", "flaky — 每天 00:00", "❌ 失败：disk full", "escalate — 每分钟", "尚未运行")
	if n := e.count("SELECT count(*) FROM job_runs WHERE name = 'boom' AND ok = 0"); n != 3 {
		t.Errorf("recorded failures = %d", n)
	}
	has(t, e.say(manager, "/runjob boom"), "❌ 任务 boom 运行失败：panic: kaboom")
}

func TestRunjobRunsAfterTheCommit(t *testing.T) {
	e := newEnv(t)
	e.group(residentGroup, li, "#报修 电梯异响")
	e.add(25 * time.Hour)
	// The job needs the write lock the request held: it must run after the commit.
	done := make(chan []bot.Outgoing)
	go func() { done <- e.private(manager, "/runjob escalate") }()
	var out []bot.Outgoing
	select {
	case out = <-done:
	case <-time.After(4 * time.Second): // under SQLite's 5 s busy timeout
		t.Fatal("/runjob is stuck behind its own transaction")
	}
	has(t, one(t, out, bot.ChatID(manager.ID)).Text, "✅ 任务 escalate 已完成：升级 1 单")
	one(t, out, staffGroup)
	has(t, e.say(manager, "/runjob nothing"), "没有名为“nothing”的任务", "escalate, autoclose, monthly-report, activity-notice, meeting-reminder, backup")
	has(t, e.say(manager, "/jobs"), "escalate — 每分钟，下次 11月3日 10:01", "上次 11月3日 10:00 ✅ 升级 1 单")
}

func TestBackupJob(t *testing.T) {
	e := newEnv(t)
	out := e.say(manager, "/runjob backup")
	has(t, out, "✅ 任务 backup 已完成：已备份到 linli-backup-20261102-010000.db")
	if _, err := os.Stat(filepath.Join(filepath.Dir(e.db.Path()), "linli-backup-20261102-010000.db")); err != nil {
		t.Error(err)
	}
}

func TestStartAndStop(t *testing.T) {
	e := newEnv(t)
	e.say(manager, `/schedule add "@every 2h" announcement all 喝水`)
	s, err := New(e.db, e.s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err == nil {
		t.Error("started twice")
	}
	if n := len(s.cron.Entries()); n != 9 {
		t.Errorf("entries = %d, want 8 jobs and 1 schedule", n)
	}
	for _, en := range s.cron.Entries() {
		if en.Next.IsZero() {
			t.Errorf("entry %d has no next run", en.ID)
		}
	}
	if err := s.Stop(ctx); err != nil {
		t.Error(err)
	}
	var _ cron.Logger = cronLogger{}
}

func TestRetentionJob(t *testing.T) {
	e := newEnv(t)
	// newEnv's binding and greetings left inbox rows and sent replies; 31
	// days later they are past the default retention.
	e.add(31 * 24 * time.Hour)
	out := e.say(manager, "/runjob retention")
	has(t, out, "✅ 任务 retention 已完成：清理了", "保留 30 天")
	if strings.Contains(out, "清理了 0 条已处理消息记录") {
		t.Errorf("nothing pruned: %q", out)
	}
	has(t, e.say(manager, "/jobs"), "retention — ")
}
