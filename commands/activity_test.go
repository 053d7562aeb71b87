package commands_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/store"
)

func TestParseWhen(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	now := t0 // 2026-11-02 09:00 in Shanghai
	for _, c := range []struct {
		in   string
		want string // "2006-01-02 15:04" in Shanghai, or the error key
		used int
	}{
		{"2026-12-20 14:00", "2026-12-20 14:00", 2},
		{"2026-12-20T14:00", "2026-12-20 14:00", 1},
		{"2026/12/20", "2026-12-20 09:00", 1},
		{"2026.12.20 8:05", "2026-12-20 08:05", 2},
		{"12-20", "2026-12-20 09:00", 1},
		{"1-5 19:30", "2027-01-05 19:30", 2}, // no year: the next 5 January
		{"11-02 08:00", "2027-11-02 08:00", 2},
		{"11-02 10:00", "2026-11-02 10:00", 2},
		{"12月20日 14点半", "2026-12-20 14:30", 2},
		{"12月20日14:00", "2026-12-20 14:00", 1},
		{"2026年12月20号 下雨", "2026-12-20 09:00", 1}, // the next word is not a time
		{"12月20日 14点", "2026-12-20 14:00", 2},
		{"１２－２０ １４：００", "2026-12-20 14:00", 2},
		{"2月29日", "2028-02-29 09:00", 1},
		{"2026-02-30", "bad_date", 0},
		{"2026-13-01", "bad_date", 0},
		{"13:00", "bad_date", 0},
		{"abc", "bad_date", 0},
		{"", "no_date", 0},
		{"12-20 25:00", "bad_time", 0},
		{"2026-11-01", "date_past", 0},
		{"2026-11-02 08:59", "date_past", 0},
		{"2030-01-01", "date_far", 0},
	} {
		got, used, err := commands.ParseWhen(strings.Fields(c.in), now, sh)
		var ue *store.Error
		if strings.Contains(c.want, "_") {
			if !errors.As(err, &ue) || ue.Key != c.want {
				t.Errorf("%q: %v, %v; want %s", c.in, got, err, c.want)
			}
			continue
		}
		if err != nil || got.In(sh).Format("2006-01-02 15:04") != c.want || used != c.used {
			t.Errorf("%q = %v (%d fields), %v; want %s (%d)", c.in, got.In(sh), used, err, c.want, c.used)
		}
	}
}

func TestActivityCommandsRefuseBadInput(t *testing.T) {
	h := newHarness(t)
	mgr := bot.ChatID(manager.ID)
	say := func(text string) string { t.Helper(); return one(t, h.private(manager, text), mgr).Text }
	for text, want := range map[string]string{
		"/activity add 2026-02-30 包饺子":      "不是有效的日期",
		"/activity add 2026-10-01 包饺子":      "已经过去了",
		"/activity add 12-20":               "用法",
		"/activity add":                     "请写上日期",
		"/activity add 12-20 14:00 包饺子 -3":  "人数请写",
		"/activity add 12-20 14:00 包饺子 0人":  "人数请写",
		"/activity add 12-20 14:00 包饺子 活动室": "",
		"/activity rm x":                    "不是有效的编号",
		"/activity rm 99":                   "没有找到活动 #99",
		"/meeting add 明天":                   "不是有效的日期",
		"/meeting rm 5":                     "没有找到业主大会 #5",
		"/activity frobnicate":              "用法",
	} {
		if got := say(text); want != "" && !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", text, got, want)
		}
	}
	if n := h.count("SELECT count(*) FROM activities"); n != 1 {
		t.Errorf("activities stored = %d, want 1", n)
	}
	if n := h.count("SELECT count(*) FROM meetings"); n != 0 {
		t.Errorf("meetings stored = %d", n)
	}
	// A quoted title keeps its spaces; a trailing number is the capacity.
	out := h.private(manager, `/activity add 12-24 18:00 "Christmas party" Club room 30人`)
	contains(t, one(t, out, residentGroup), "#2「Christmas party」", "地点：Club room", "已报名 0 / 30 人")
	contains(t, one(t, h.private(manager, "/activity list"), mgr), "#1 12月20日 14:00「包饺子」· 已报名 0 人 · 活动室", "#2 12月24日 18:00「Christmas party」· 已报名 0 / 30 人 · Club room")
	contains(t, one(t, h.private(manager, "/meeting list"), mgr), "近期没有业主大会")
}

func TestAgendaCommands(t *testing.T) {
	h := newHarness(t)
	contains(t, one(t, h.group(residentGroup, li, "/agenda"), residentGroup), "用法")
	contains(t, one(t, h.group(residentGroup, li, "/议题 小区绿化太少"), residentGroup), "下次业主大会上讨论")
	contains(t, one(t, h.group(residentGroup, li, "/agenda list"), residentGroup), "只有物业经理")
	contains(t, one(t, h.group(residentGroup, manager, "/agenda list"), residentGroup), "请私聊")
	contains(t, one(t, h.private(manager, "/agenda list"), bot.ChatID(manager.ID)), "待定业主大会的议题", "1. 小区绿化太少（李阿姨")
	if n := h.count("SELECT count(*) FROM agenda_items"); n != 1 {
		t.Errorf("agenda items = %d", n)
	}
	long := strings.Repeat("很", store.MaxAgendaText+1)
	contains(t, one(t, h.group(residentGroup, tom, "/agenda "+long), residentGroup), "内容太长")
	if n := h.count("SELECT count(*) FROM agenda_items"); n != 1 {
		t.Errorf("agenda items = %d after an over-long one", n)
	}
}
