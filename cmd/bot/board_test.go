package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linli/linli/store"
)

// section returns the part of the console output from the first line
// containing start up to the next bot message.
func section(t *testing.T, out, start string) string {
	t.Helper()
	i := strings.Index(out, start)
	if i < 0 {
		t.Fatalf("output lacks %q\n--- output ---\n%s", start, out)
	}
	rest := out[i:]
	if j := strings.Index(rest[1:], "── "); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}

func TestConsoleNotices(t *testing.T) {
	db := filepath.Join(t.TempDir(), "linli.db")
	out := runConsole(t, db, `:as 李阿姨
#报修 3号楼电梯按钮坏了
#投诉 楼上邻居半夜装修
:as 王经理
:in private
/announce 阳光花园 明天上午 9 点到 12 点停水，请提前储水。
/activity add 2026-12-05 14:00 包饺子 活动室 20
/meeting add 2026-12-20 19:00 三楼会议室
:as Tom
:in resident
/notices
:in private
/公告栏
`)
	board := section(t, out, "📌 阳光花园 · 公告栏")
	mustContain(t, board,
		"📢 物业公告", "11月26日 明天上午 9 点到 12 点停水，请提前储水。",
		"🎉 近期活动", "12月5日 14:00「包饺子」 · 活动室 · 已报名 0 / 20 人 · 报名 /join 1",
		"🏠 业主大会", "12月20日 19:00 · 三楼会议室",
		"🔧 工单进度（未完成 2 件）", "#1 报修 · 待处理：3号楼电梯按钮坏了", "#2 投诉 · 待处理",
		"更新于 11月26日 10:00",
	)
	// Progress without names, and a complaint without its words: the board
	// is public. A repair shows the start of its text, so that residents
	// can tell two repairs apart.
	for _, secret := range []string{"李阿姨", "邻居"} {
		if strings.Contains(board, secret) {
			t.Errorf("the board shows %q:\n%s", secret, board)
		}
	}
	// Privately too (the alias 公告栏), in the person's community.
	if strings.Count(out, "📌 阳光花园 · 公告栏") != 2 {
		t.Errorf("want the board in the group and in private:\n%s", out)
	}
	mustContain(t, out, "── 私聊·Tom · Linli")

	// The digest time is the managers' to set, privately.
	out = runConsole(t, db, `:in private
/notices digest
/notices digest 7:30
/notices digest 25:00
:as Tom
/notices digest off
`)
	mustContain(t, out, "每天 08:00 在业主群发布公告栏", "✅ 每日公告栏改为每天 07:30 发布", "“25:00”不是有效的时间", "这个命令只有物业经理可以使用")
}

func TestConsolePollAnsweredByNumber(t *testing.T) {
	db := filepath.Join(t.TempDir(), "linli.db")
	out := runConsole(t, db, `:in private
/poll 周末活动选哪天？ | 周六 | 周日 |
:in resident
:as 李阿姨
回复 2
:as Tom
1
:as Tom
投票：２
:as Tom
2
回复 7
:as 王经理
/poll 不该在群里发 | 甲 | 乙
:in private
/poll results 1
/poll 只有一个选项 | 甲
/poll results 9
/report
/poll list
`)
	mustContain(t, out,
		"✅ 投票 #1 已发到 1 个业主群，12月3日 10:00 截止。查看结果：/poll results 1",
		"🗳 投票 #1：周末活动选哪天？\n   1. 周六\n   2. 周日\n   回复编号（1–2）即可投票",
		"✅ 已记录 李阿姨 的投票：2. 周日（投票 #1）",
		"✅ 已记录 Tom 的投票：1. 周六（投票 #1）",
		"✅ Tom 已改投：2. 周日（投票 #1）",
		"Tom 已经投过 2. 周日 了（投票 #1）。",
		"请回复 1 到 2 之间的编号。",
		"管理命令请私聊我发送",
		"进行中，12月3日 10:00 截止", "共 2 票：", "1. 周六 — 0 票（0%）", "2. 周日 — 2 票（100%） ▇▇▇▇▇▇▇▇▇▇",
		"投票需要 2 到 10 个选项",
		"没有找到投票 #9。",
		"投票（1 个）：", "· #1 周末活动选哪天？（2 票）：周六 0（0%）、周日 2（100%）",
		"#1 周末活动选哪天？ · 2 票 · 进行中",
	)
	if strings.Contains(out, "不该在群里发") && strings.Contains(out, "投票 #2") {
		t.Error("a poll was posted from the group")
	}
	sdb, err := sql.Open("sqlite", store.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var votes, polls int
	sdb.QueryRow("SELECT count(*) FROM poll_votes").Scan(&votes)
	sdb.QueryRow("SELECT count(*) FROM polls").Scan(&polls)
	if votes != 2 || polls != 1 {
		t.Errorf("votes = %d, polls = %d; want one vote per person in one poll", votes, polls)
	}

	// A poll closed, a number is chatter again; residents cannot start polls.
	out = runConsole(t, db, `:in private
/poll close 1
:in resident
:as 李阿姨
1
:in private
/poll 我也想发 | 甲 | 乙
`)
	mustContain(t, out, "✅ 投票 #1 已结束，不再计票。", "已结束", "这个命令只有物业经理可以使用")
	if strings.Contains(out, "已记录 李阿姨") || strings.Contains(out, "李阿姨 已改投") {
		t.Errorf("a vote counted after the poll closed:\n%s", out)
	}
}

func TestConsoleSurvey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "linli.db")
	out := runConsole(t, db, `:in private
/survey add https://wj.qq.com/s/12345
/survey add https://wj.qq.com/s/67890 "0 9 1 * *"
/survey add https://wj.qq.com/s/67890 0 9 * * 1
/survey add 问卷没有链接
/survey add https://wj.qq.com/s/1 "61 9 * * *"
/schedule list
:in resident
/survey add https://wj.qq.com/s/1
`)
	mustContain(t, out,
		"── 阳光花园业主群 · Linli", "📝 满意度调查\n   https://wj.qq.com/s/12345\n   您的意见能帮我们做得更好，感谢参与！",
		"✅ 问卷已发到 1 个业主群。",
		"✅ 已添加定时任务 #1：问卷 → 阳光花园", "时间：每月 1 日 09:00", "接下来：2026年12月1日 09:00", // into a new year: with the years
		"✅ 已添加定时任务 #2：问卷 → 阳光花园",
		"问卷通知需要包含一个 http:// 或 https:// 开头的问卷链接。",
		"#1 问卷 → 阳光花园", "https://wj.qq.com/s/67890",
		"管理命令请私聊我发送",
	)
	if strings.Count(out, "✅ 已添加定时任务") != 2 {
		t.Errorf("want exactly two survey schedules (a bad rule adds none):\n%s", out)
	}
}

// TestConsoleRatingAfterResolve checks the rating that issue 7 builds on: a
// bare "评分 N" rates the resident's resolved ticket, and 2 or less alerts
// the managers with a way to reopen it.
func TestConsoleRatingAfterResolve(t *testing.T) {
	db := filepath.Join(t.TempDir(), "linli.db")
	out := runConsole(t, db, `:as 李阿姨
#报修 水管漏水
:as 张师傅
:in staff
/resolve 1 已修好
:as 李阿姨
:in resident
评分 2 太慢了
`)
	mustContain(t, out,
		"请为本次服务评分：发送 /rate 1 加 1–5 分",
		"谢谢您的评价！#1 已关闭。",
		"── 私聊·王经理 · Linli", "⚠ #1 收到 2 星评价（李阿姨）：水管漏水", "如需跟进，可 /reopen 1。",
	)
}
