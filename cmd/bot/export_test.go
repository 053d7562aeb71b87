package main

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/bot/wechat/wechattest"
	"github.com/linli/linli/export"
)

// attachmentPaths returns the paths the console printed for attachments.
func attachmentPaths(out string) []string {
	var paths []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		for _, label := range []string{"↳ 文件：", "↳ 图片："} {
			if p, ok := strings.CutPrefix(l, label); ok {
				paths = append(paths, p)
			}
		}
	}
	return paths
}

func TestConsoleExportAndReportChart(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "linli.db")
	out := runConsole(t, db, `:as 李阿姨
#报修 3号楼电梯按钮坏了
:as 王经理
:in private
/export
/report
:as 李阿姨
/export
`)
	mustContain(t, out,
		"📎 阳光花园 · 2026年11月数据导出：工单 1 张，处理记录 1 条，评价 0 条，支出 0 笔，意见 0 条。（统计至 11月26日 10:00）",
		"📊 阳光花园 · 2026年11月工作报告",
		"📈 阳光花园 · 2026年11月每日工单",
		"这个命令只有物业经理可以使用",
	)
	// The report's text comes before its chart.
	if i, j := strings.Index(out, "2026年11月工作报告"), strings.Index(out, "📈"); i < 0 || j < i {
		t.Errorf("the chart was printed before the report")
	}
	paths := attachmentPaths(out)
	if len(paths) != 2 {
		t.Fatalf("printed attachment paths %q, want the workbook and the chart", paths)
	}
	if want := filepath.Join(dir, "attachments", "console", "阳光花园-2026-11.xlsx"); paths[0] != want {
		t.Errorf("workbook printed as %s, want %s", paths[0], want)
	}
	f, err := excelize.OpenFile(paths[0])
	if err != nil {
		t.Fatalf("the printed workbook does not open: %v", err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("工单", "D2"); v != "3号楼电梯按钮坏了" {
		t.Errorf("工单!D2 = %q", v)
	}
	b, err := os.ReadFile(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(b)); err != nil || format != "png" || cfg.Width != export.ChartWidth {
		t.Errorf("printed chart: %v %s %d", err, format, cfg.Width)
	}
	// The bot's own copies live under the data directory beside the database.
	if _, err := os.Stat(filepath.Join(dir, "attachments", "exports")); err != nil {
		t.Errorf("no exports folder: %v", err)
	}
}

func TestTelegramExportDocumentAndReportPhoto(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	w.srv.SendText(w.resident, w.li, "#报修 3号楼电梯按钮坏了")
	w.waitText(t, w.resident.ID, "工单 #1 · 报修")

	// Residents and staff are refused, as are managers in groups.
	w.srv.SendText(privateChatOf(w.li), w.li, "/export")
	w.waitText(t, w.li.ID, "只有物业经理")
	w.srv.SendText(privateChatOf(w.zhang), w.zhang, "/export")
	w.waitText(t, w.zhang.ID, "只有物业经理")
	w.srv.SendText(w.staff, w.manager, "/export")
	w.waitText(t, w.staff.ID, "私聊")

	w.srv.SendText(privateChatOf(w.manager), w.manager, "/export")
	doc := w.waitSent(t, w.manager.ID, func(s telegramtest.SentMessage) bool { return s.Kind == telegramtest.KindDocument })
	if doc.File == nil || !strings.HasPrefix(doc.File.Filename, "阳光花园-") || !strings.HasSuffix(doc.File.Filename, ".xlsx") {
		t.Fatalf("document: %+v", doc.File)
	}
	if !strings.Contains(doc.Text, "数据导出：工单 1 张") {
		t.Errorf("caption %q", doc.Text)
	}
	f, err := excelize.OpenReader(bytes.NewReader(doc.File.Data))
	if err != nil {
		t.Fatalf("the document is not a workbook: %v", err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("工单", "D2"); v != "3号楼电梯按钮坏了" {
		t.Errorf("工单!D2 = %q", v)
	}
	for _, s := range []string{"工单", "事件", "评分", "支出", "意见箱"} {
		if i, _ := f.GetSheetIndex(s); i < 0 {
			t.Errorf("no sheet %s", s)
		}
	}

	w.srv.SendText(privateChatOf(w.manager), w.manager, "/report")
	photo := w.waitSent(t, w.manager.ID, func(s telegramtest.SentMessage) bool { return s.Kind == telegramtest.KindPhoto })
	report := w.waitText(t, w.manager.ID, "工作报告")
	if photo.MessageID < report.MessageID {
		t.Errorf("the chart (%d) came before the report (%d)", photo.MessageID, report.MessageID)
	}
	if photo.File == nil {
		t.Fatal("the chart was not uploaded")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(photo.File.Data))
	if err != nil || format != "png" || cfg.Width != export.ChartWidth || cfg.Height != export.ChartHeight {
		t.Errorf("chart photo: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
	if !strings.Contains(photo.Text, "📈 阳光花园") {
		t.Errorf("chart caption %q", photo.Text)
	}
}

func TestWeChatExportFileAndReportImage(t *testing.T) {
	t.Parallel()
	w := newWCWorld(t, wechattest.WithAutoConfirm())
	m := w.start(t)
	w.waitUp(t, m)
	w.setup(t)
	w.srv.GroupText(wcResident, "李阿姨", "#报修 3号楼电梯按钮坏了")
	w.waitText(t, wcResident, "工单 #1")

	w.srv.PrivateText(wcManager, "/export")
	var file, report, photo wechattest.SentMessage
	w.waitFor(t, "the workbook as a file", func() bool {
		for _, s := range w.sentTo(wcManager) {
			if s.Type == 6 {
				file = s
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(file.FileName, "阳光花园-") || !strings.HasSuffix(file.FileName, ".xlsx") {
		t.Errorf("file name %q", file.FileName)
	}
	f, err := excelize.OpenReader(bytes.NewReader(file.Data))
	if err != nil {
		t.Fatalf("the file is not a workbook: %v", err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("工单", "D2"); v != "3号楼电梯按钮坏了" {
		t.Errorf("工单!D2 = %q", v)
	}
	w.waitText(t, wcManager, "数据导出：工单 1 张")

	w.srv.PrivateText(wcManager, "/report")
	w.waitFor(t, "the report and its chart", func() bool {
		for _, s := range w.sentTo(wcManager) {
			switch {
			case s.Type == 1 && strings.Contains(s.Content, "工作报告"):
				report = s
			case s.Type == 3:
				photo = s
			}
		}
		return report.MsgID != "" && photo.MsgID != ""
	})
	if !report.Time.Before(photo.Time) {
		t.Errorf("the chart went before the report")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(photo.Data))
	if err != nil || format != "png" || cfg.Width != export.ChartWidth || cfg.Height != export.ChartHeight {
		t.Errorf("chart image: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
}
