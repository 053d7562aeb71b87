package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot/bottest"
)

// syncBuffer is a buffer safe for the console and the test to share.
type syncBuffer struct{ bottest.Log }

var fixed = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai

// runConsole runs the bot's console demo over a script until the script ends.
func runConsole(t *testing.T, db string, script string) string {
	t.Helper()
	m := NewMain()
	if err := m.ParseFlags([]string{"-db", db, "-tz", "Asia/Shanghai"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	m.Stdin, m.Stdout, m.Stderr = strings.NewReader(script), out, io.Discard
	m.Now = func() time.Time { return fixed }
	m.Log = slog.New(slog.DiscardHandler)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("console demo did not finish its script")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func mustContain(t *testing.T, out string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(out, p) {
			t.Errorf("output lacks %q\n--- output ---\n%s", p, out)
		}
	}
}

func TestConsoleDemoNewUserJourney(t *testing.T) {
	db := filepath.Join(t.TempDir(), "linli.db")
	out := runConsole(t, db, `:who
:as 李阿姨
#报修 3号楼电梯按钮坏了
:as 张师傅
:in staff
/take 1
#1 师傅下午三点上门
/resolve 1 按钮已更换
:as 李阿姨
:in resident
/rate 1 5 修得很快
`)
	mustContain(t, out,
		"王经理 — 经理", "张师傅 — 物业工作人员",
		"李阿姨 @ 阳光花园业主群: #报修 3号楼电梯按钮坏了",
		"── 阳光花园业主群 · Linli（回复 李阿姨）",
		"工单 #1 · 报修", "首次回复：11月27日 10:00 前", "解决期限：12月3日 10:00 前",
		"── 阳光花园物业群 · Linli", "新工单 #1 · 报修 · 阳光花园",
		"#1 已由张师傅接单，正在处理。",
		"#1 物业回复（张师傅）：师傅下午三点上门",
		"#1 已处理完成（张师傅）：按钮已更换",
		"谢谢您的评价！#1 已关闭。",
	)
	// The resident card comes before the staff card: replies print in order.
	if i, j := strings.Index(out, "工单 #1 · 报修"), strings.Index(out, "新工单 #1"); i > j {
		t.Errorf("staff card printed before the resident's card")
	}
	// Everything persists across a restart, and the demo is seeded only once.
	out = runConsole(t, db, ":as 李阿姨\n/status 1\n/mine\n")
	mustContain(t, out, "状态：已关闭", "评分：5 星", "张师傅 接单", "李阿姨 评价：5 修得很快", "#1 报修 · 已关闭")
	if strings.Contains(out, "#2") {
		t.Errorf("a ticket appeared from nowhere:\n%s", out)
	}
}

func TestConsoleControlsAndReplies(t *testing.T) {
	db := filepath.Join(t.TempDir(), "linli.db")
	out := runConsole(t, db, `:help
:in nowhere
:bogus
:as 李阿姨
#报修 水管漏水
:as 张师傅
:in staff
:reply nosuch 这条回复找不到工单
/tickets
:quit
/help
`)
	mustContain(t, out, ":as 名字", "用法：:in resident|staff|private", "不认识的控制命令",
		"工单（1 条）", "#1 报修 · 待处理 · 水管漏水")
	if strings.Contains(out, "业主可用") {
		t.Error("input after :quit was handled")
	}
}

func TestManagerPrivateAdmin(t *testing.T) {
	db := filepath.Join(t.TempDir(), "linli.db")
	out := runConsole(t, db, `:in private
/sla 阳光花园 first=2h resolve=3d
:in resident
/grant staff Tom
:as Tom
:in private
/grant manager Tom
`)
	mustContain(t, out,
		"── 私聊·王经理 · Linli", "“阳光花园”的处理时限已更新：首次回复 2h，解决 3d",
		"管理命令请私聊我发送", "── 私聊·Tom · Linli", "这个命令只有物业经理可以使用")
}

func TestParseFlagsEnvAndErrors(t *testing.T) {
	env := map[string]string{"LINLI_DB": "/tmp/x.db", "LINLI_LANG": "en", "LINLI_MANAGERS": "telegram:1,wechat:张经理", "LINLI_TZ": "Asia/Shanghai"}
	m := NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if m.Config.DB != "/tmp/x.db" || m.Config.Lang != "en" || m.Config.TZ != "Asia/Shanghai" {
		t.Errorf("config from env = %+v", m.Config)
	}
	// A flag beats its environment variable.
	m = NewMain()
	m.Stderr = io.Discard
	m.ParseFlags([]string{"-db", "flag.db"}, func(k string) string { return env[k] })
	if m.Config.DB != "flag.db" {
		t.Errorf("-db = %s", m.Config.DB)
	}
	for _, args := range [][]string{{"-lang", "fr"}, {"-managers", "telegram"}, {"-managers", "irc:x"}, {"-tz", "Mars/Base"}} {
		m := NewMain()
		m.Stderr = io.Discard
		if err := m.ParseFlags(args, func(string) string { return "" }); err == nil {
			t.Errorf("ParseFlags(%v) accepted", args)
		}
	}
}
