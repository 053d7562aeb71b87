package commands_test

import (
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
)

func TestReportAndKPICommands(t *testing.T) {
	h := newHarness(t)
	mgr := bot.ChatID(manager.ID)
	say := func(text string) string { t.Helper(); return one(t, h.private(manager, text), mgr).Text }

	// October: one repair, answered in 2h, resolved in 2 days, rated 3.
	h.Clock.Set(time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC))
	h.group(residentGroup, li, "#报修 水管漏水")
	h.Clock.Add(2 * time.Hour)
	h.group(staffGroup, zhang, "/take 1")
	h.Clock.Add(46 * time.Hour)
	h.group(staffGroup, zhang, "/resolve 1")
	h.group(residentGroup, li, "/rate 1 3")

	// November: a complaint answered in 30 minutes and resolved in a day
	// (rated 5), a repair never answered, an expense.
	h.Clock.Set(time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC))
	h.group(residentGroup, tom, "#投诉 停车位被占")
	h.Clock.Add(30 * time.Minute)
	h.group(staffGroup, zhang, "/take 2")
	h.Clock.Add(23*time.Hour + 30*time.Minute)
	h.group(staffGroup, zhang, "/resolve 2 已挪车")
	h.group(residentGroup, tom, "/rate 2 5")
	h.group(residentGroup, li, "#报修 楼道灯不亮")
	say("/expense add 88.8 保洁 消毒液")

	h.Clock.Set(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	rep := say("/report 2026-11")
	for _, want := range []string{
		"📊 阳光花园 · 2026年11月工作报告",
		"工单：新增 2，解决 1，未结 1",
		"  报修：新增 1，解决 0，未结 1",
		"  投诉：新增 1，解决 1，未结 0",
		"首次回复：中位 30 分钟，P90 30 分钟（1 单）",
		"解决用时：中位 24 小时，P90 24 小时（1 单）",
		"按时处理：100%（1/1 单在时限内完成）",
		"超时 1 单，升级 0 单",
		"满意度：平均 5.00 分（1 条评价），4 分及以上 100%",
		"投诉分类：停车 1",
		"支出：保洁 ¥88.80；合计 ¥88.80",
		"业主参与：2 人",
		"目标对比（与2026年10月相比）：",
		"满意度：5.00 分（上月 3.00 分），变化 +66.7%，目标 +20% ✅ 达成",
		"解决用时：24 小时（上月 2 天），快了 50.0%，目标提速 30% ✅ 达成",
		"业主参与：2 人（上月 1 人），变化 +100.0%，目标 +40% ✅ 达成",
	} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	if strings.Contains(rep, "统计至") {
		t.Error("a finished month is marked as partial")
	}
	kpi := say("/kpi 2026-11")
	if !strings.Contains(kpi, "🎯 阳光花园 · 2026年11月目标完成情况") || strings.Count(kpi, "✅ 达成") != 3 {
		t.Errorf("kpi:\n%s", kpi)
	}
	// The current month so far, by default.
	contains(t, one(t, h.private(manager, "/report"), mgr), "2026年12月工作报告（统计至 12月1日 10:00）", "满意度：本月暂无数据（上月 5.00 分")
	contains(t, one(t, h.private(manager, "/report 2026-13"), mgr), "不是有效的月份")
	contains(t, one(t, h.private(manager, "/report 2027-01"), mgr), "这个月还没有到")
	contains(t, one(t, h.private(manager, "/report 2026-11 不存在"), mgr), "还没有找到小区“不存在”")
	contains(t, one(t, h.private(manager, "/report 2026-11 阳光花园"), mgr), "2026年11月工作报告")
	contains(t, one(t, h.private(li, "/report"), bot.ChatID(li.ID)), "只有物业经理")
}

func TestComplaintKeywordCommands(t *testing.T) {
	h := newHarness(t)
	mgr := bot.ChatID(manager.ID)
	contains(t, one(t, h.private(manager, "/report keywords"), mgr), "电梯：电梯、升降机、elevator、lift", "其他")
	contains(t, one(t, h.private(manager, "/report keyword add 漏水 维修"), mgr), "关键词“漏水”归入“维修”")
	contains(t, one(t, h.private(manager, "/report keyword add 漏水"), mgr), "用法")
	contains(t, one(t, h.private(manager, "/report keyword rm 不存在"), mgr), "没有关键词“不存在”")
	h.group(residentGroup, li, "#投诉 楼上漏水一直没人管")
	contains(t, one(t, h.private(manager, "/report"), mgr), "投诉分类：维修 1")
}
