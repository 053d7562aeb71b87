package schedules

import (
	"bytes"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/export"
)

func TestMonthlyReportSendsTheChartToManagers(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "attachments")
	s, err := New(e.db, Config{Location: shanghai, Lang: "zh", Log: slog.New(slog.DiscardHandler), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	e.group(residentGroup, li, "#报修 水管漏水")
	e.add(48 * time.Hour)
	e.group(staffGroup, zhang, "/resolve 1 换了阀门")
	e.set(cst("2026-12-01 09:00"))
	out := e.run("monthly-report")

	mgr := to(out, bot.ChatID(manager.ID))
	if len(mgr) != 2 || !strings.Contains(mgr[0].Text, "2026年11月工作报告") || !strings.Contains(mgr[1].Text, "📈 阳光花园 · 2026年11月每日工单") {
		t.Fatalf("the manager got %+v, want the report and then its chart", mgr)
	}
	// The resident groups get the summary only.
	if res := to(out, residentGroup); len(res) != 1 || strings.Contains(res[0].Text, "📈") {
		t.Errorf("resident group got %+v", res)
	}
	var kind, path, name string
	err = e.db.SQL().QueryRow(`SELECT attach_kind, attach_path, attach_name FROM outbox WHERE chat_key = ? AND attach_kind <> '' ORDER BY id DESC LIMIT 1`,
		manager.ID).Scan(&kind, &path, &name)
	if err != nil {
		t.Fatal(err)
	}
	if kind != "photo" || name != "阳光花园-2026-11.png" || filepath.Dir(path) != filepath.Join(dir, "charts") {
		t.Errorf("chart row: %s %s %s", kind, path, name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(b)); err != nil || format != "png" || cfg.Width != export.ChartWidth || cfg.Height != export.ChartHeight {
		t.Errorf("chart file: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
}
