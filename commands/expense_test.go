package commands_test

import (
	"errors"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/store"
)

func TestParseAmount(t *testing.T) {
	for _, c := range []struct {
		in  string
		fen int64
		key string
	}{
		{"120", 12000, ""},
		{"99.5", 9950, ""},
		{"99.50", 9950, ""},
		{"0.01", 1, ""},
		{"¥1,234.56", 123456, ""},
		{"￥12", 1200, ""},
		{"300元", 30000, ""},
		{"１２０．５", 12050, ""}, // full-width, from a Chinese input method
		{"100000000", 10000000000, ""},
		{"", 0, "bad_amount"},
		{"-5", 0, "amount_negative"},
		{"−5", 0, "amount_negative"},
		{"0", 0, "amount_zero"},
		{"0.00", 0, "amount_zero"},
		{"1.234", 0, "amount_decimals"},
		{"abc", 0, "bad_amount"},
		{"1e3", 0, "bad_amount"},
		{"12,34", 0, "bad_amount"},
		{"1.2.3", 0, "bad_amount"},
		{".5", 0, "bad_amount"},
		{"5.", 0, "bad_amount"},
		{"NaN", 0, "bad_amount"},
		{"+5", 0, "bad_amount"},
		{"100000000.01", 0, "amount_too_big"},
		{"99999999999999999999", 0, "amount_too_big"},
	} {
		fen, err := commands.ParseAmount(c.in)
		var ue *store.Error
		switch {
		case c.key == "" && (err != nil || fen != c.fen):
			t.Errorf("%q = %d, %v; want %d", c.in, fen, err, c.fen)
		case c.key != "" && (!errors.As(err, &ue) || ue.Key != c.key):
			t.Errorf("%q = %d, %v; want %s", c.in, fen, err, c.key)
		}
	}
}

func TestExpenseCommands(t *testing.T) {
	h := newHarness(t)
	mgr := bot.ChatID(manager.ID)
	say := func(text string) bot.Outgoing { t.Helper(); return one(t, h.private(manager, text), mgr) }

	contains(t, say("/expense add 1200.5 维修 更换3号楼电梯按钮"), "已记录支出 #1：¥1,200.50（维修）")
	contains(t, say("/expense add 绿化 300 修剪草坪"), "#2：¥300.00（绿化）") // the words the other way round
	for text, want := range map[string]string{
		"/expense add -5 维修 x":    "不能是负数",
		"/expense add 维修 -5 x":    "不能是负数",
		"/expense add 1.234 维修 x": "小数点后两位",
		"/expense add abc 维修 x":   "看不懂",
		"/expense add 0 维修 x":     "要大于 0",
		"/expense add 120":        "用法",
		"/expense add":            "用法",
		"/expense":                "用法",
	} {
		contains(t, say(text), want)
	}
	if n := h.count("SELECT count(*) FROM expenses"); n != 2 {
		t.Errorf("expenses stored = %d, want 2", n)
	}
	list := say("/expense list")
	contains(t, list, "阳光花园 · 2026年11月支出", "#1 11月2日 09:00 维修 ¥1,200.50 更换3号楼电梯按钮（王经理）", "分类：维修 ¥1,200.50、绿化 ¥300.00", "合计：¥1,500.50")
	contains(t, say("/expense list 2026-10"), "2026年10月还没有支出记录")
	contains(t, say("/expense list 2026-12"), "“2026-12”这个月还没有到")
	contains(t, say("/expense list 2026-13"), "不是有效的月份")
	contains(t, say("/expense rm 1"), "已删除支出 #1：¥1,200.50（维修）")
	contains(t, say("/expense rm 1"), "没有找到支出 #1")
	contains(t, say("/expense list 11月"), "合计：¥300.00")

	// Residents cannot, and nobody can in a group.
	contains(t, one(t, h.private(li, "/expense add 5 维修 x"), bot.ChatID(li.ID)), "只有物业经理")
	contains(t, one(t, h.group(residentGroup, manager, "/expense add 5 维修 x"), residentGroup), "请私聊")
	if n := h.count("SELECT count(*) FROM expenses"); n != 2 {
		t.Errorf("expenses stored = %d, want 2", n)
	}
	// The month follows the community's zone: 2026-12-01 07:00 in Shanghai is still 11-30 in UTC.
	h.Clock.Set(time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC))
	say("/expense add 50 维修 December")
	contains(t, say("/expense list"), "2026年12月支出", "合计：¥50.00")
}
