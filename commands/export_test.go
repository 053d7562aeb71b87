package commands_test

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/export"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
)

// exportHarness is a harness whose Service has a data directory.
func exportHarness(t *testing.T) (*harness, string) {
	t.Helper()
	h := newHarness(t)
	dir := filepath.Join(t.TempDir(), "attachments")
	cfg := h.cfg
	cfg.DataDir = dir
	h.svc = h.svcWith(cfg)
	return h, dir
}

// queued is one outbox row as queued, with its attachment.
type queued struct {
	chat                  bot.ChatID
	text                  string
	kind, path, name, ref string
	replyTo               bot.MessageID
}

// lastQueued returns the newest n outbox rows, oldest first.
func lastQueued(t *testing.T, h *harness, n int) []queued {
	t.Helper()
	rows, err := h.db.SQL().Query(`SELECT chat_key, text, attach_kind, attach_path, attach_name, attach_ref, reply_to FROM outbox ORDER BY id DESC LIMIT ?`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []queued
	for rows.Next() {
		var q queued
		if err := rows.Scan(&q.chat, &q.text, &q.kind, &q.path, &q.name, &q.ref, &q.replyTo); err != nil {
			t.Fatal(err)
		}
		out = append([]queued{q}, out...)
	}
	return out
}

// exportFixture fills November 2026 (Asia/Shanghai) with tickets, events, a
// rating, expenses and a suggestion, plus records just outside the month.
func exportFixture(t *testing.T, h *harness) {
	t.Helper()
	at := func(s string) { h.Clock.Set(mustTime(t, s)) }
	at("2026-10-20T02:00:00Z")
	h.private(manager, "/expense add 10 杂项 十月的")
	at("2026-10-31T15:30:00Z") // 23:30 on Oct 31 in Shanghai: October
	h.group(residentGroup, li, "#报修 水管漏水")
	at("2026-11-02T01:00:00Z")
	h.group(staffGroup, zhang, "/resolve 1 换了阀门")
	at("2026-11-10T02:00:00Z")
	h.group(residentGroup, tom, "#投诉 停车位被占")
	at("2026-11-10T02:30:00Z")
	h.group(staffGroup, zhang, "/take 2")
	at("2026-11-11T02:00:00Z")
	h.group(staffGroup, zhang, "/resolve 2 已挪车")
	at("2026-11-11T03:00:00Z")
	h.group(residentGroup, tom, "/rate 2 5 很快")
	at("2026-11-12T04:00:00Z")
	h.group(residentGroup, li, "#报修 楼道灯不亮 <b>=SUM(A1)</b>\n第二行")
	at("2026-11-13T05:00:00Z")
	err := h.db.Update(context.Background(), func(tx *store.Tx) error {
		t3, err := tx.Ticket(3)
		if err != nil {
			return err
		}
		return tx.SetEscalation(t3, 1, "first response overdue")
	})
	if err != nil {
		t.Fatal(err)
	}
	at("2026-11-15T06:00:00Z")
	h.private(manager, "/expense add 1288.8 保洁 消毒液和拖把")
	at("2026-11-20T07:00:00Z")
	h.private(li, "/suggest 希望增加垃圾分类指引")
	h.private(manager, "/answer 1 已安排")
	at("2026-12-01T00:30:00Z") // 08:30 on Dec 1 in Shanghai: December
	h.private(manager, "/expense add 5 杂项 十二月的")
	h.group(residentGroup, tom, "#报修 十二月的工单")
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestExportWorkbookCellByCell(t *testing.T) {
	h, dir := exportHarness(t)
	exportFixture(t, h)
	h.Clock.Set(mustTime(t, "2026-12-01T02:00:00Z"))
	h.private(manager, "/export 2026-11")
	q := lastQueued(t, h, 1)[0]
	if q.chat != bot.ChatID(manager.ID) || q.kind != "file" || q.name != "阳光花园-2026-11.xlsx" || q.replyTo == "" {
		t.Fatalf("export reply: %+v", q)
	}
	if want := "📎 阳光花园 · 2026年11月数据导出：工单 3 张，处理记录 7 条，评价 1 条，支出 1 笔，意见 1 条。"; q.text != want {
		t.Errorf("caption %q, want %q", q.text, want)
	}
	if filepath.Dir(q.path) != filepath.Join(dir, "exports") {
		t.Errorf("written to %s, want under %s", q.path, filepath.Join(dir, "exports"))
	}
	f, err := excelize.OpenFile(q.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if got, want := f.GetSheetList(), []string{"工单", "事件", "评分", "支出", "意见箱"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	checkSheet(t, f, "工单", [][]string{
		{"编号", "类型", "当前状态", "内容", "小区", "报告人", "负责人", "提交时间", "首次回复", "首次回复期限", "解决时间", "解决期限", "关闭时间", "升级级别", "评分", "评价意见"},
		{"1", "报修", "已解决，待评价", "水管漏水", "阳光花园", "李阿姨", "", "2026-10-31 23:30", "2026-11-02 09:00", "2026-11-01 23:30", "2026-11-02 09:00", "2026-11-07 23:30", "", "0", "", ""},
		{"2", "投诉", "已关闭", "停车位被占", "阳光花园", "Tom", "张师傅", "2026-11-10 10:00", "2026-11-10 10:30", "2026-11-11 10:00", "2026-11-11 10:00", "2026-11-17 10:00", "2026-11-11 11:00", "0", "5", "很快"},
		{"3", "报修", "待处理", "楼道灯不亮 <b>=SUM(A1)</b>\n第二行", "阳光花园", "李阿姨", "", "2026-11-12 12:00", "", "2026-11-13 12:00", "", "2026-11-19 12:00", "", "1", "", ""},
	})
	checkSheet(t, f, "事件", [][]string{
		{"工单", "时间", "操作", "操作人", "原状态", "新状态", "说明"},
		{"1", "2026-11-02 09:00", "解决", "张师傅", "待处理", "已解决，待评价", "换了阀门"},
		{"2", "2026-11-10 10:00", "提交", "Tom", "", "待处理", ""},
		{"2", "2026-11-10 10:30", "接单", "张师傅", "待处理", "处理中", "张师傅"},
		{"2", "2026-11-11 10:00", "解决", "张师傅", "处理中", "已解决，待评价", "已挪车"},
		{"2", "2026-11-11 11:00", "评价", "Tom", "已解决，待评价", "已关闭", "5 很快"},
		{"3", "2026-11-12 12:00", "提交", "李阿姨", "", "待处理", ""},
		{"3", "2026-11-13 13:00", "首次回复超时", "系统", "待处理", "待处理", "first response overdue"},
	})
	checkSheet(t, f, "评分", [][]string{
		{"工单", "类型", "评分", "评价意见", "评价时间", "负责人"},
		{"2", "投诉", "5", "很快", "2026-11-11 11:00", "张师傅"},
	})
	checkSheet(t, f, "支出", [][]string{
		{"时间", "类别", "金额（元）", "说明", "记录人"},
		{"2026-11-15 14:00", "保洁", "1,288.80", "消毒液和拖把", "王经理"},
		{"合计", "", "1,288.80", "", ""},
	})
	checkSheet(t, f, "意见箱", [][]string{
		{"日期", "内容", "回复"},
		{"2026-11-20", "希望增加垃圾分类指引", "已安排"},
	})

	// The raw values are numbers and Excel date-times, not text.
	raw := func(sheet, cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := raw("工单", "H3"); !strings.HasPrefix(v, "46336.41666") { // 2026-11-10 10:00
		t.Errorf("created as raw value %q, want an Excel date-time", v)
	}
	if v := raw("支出", "C2"); v != "1288.8" {
		t.Errorf("amount raw %q, want 1288.8", v)
	}
	if typ, _ := f.GetCellType("工单", "A2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("ticket number cell type %v", typ)
	}
	// A frozen, filtered header row and widths fitted to the content.
	for _, sheet := range f.GetSheetList() {
		p, err := f.GetPanes(sheet)
		if err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("%s panes %+v (%v), want the header row frozen", sheet, p, err)
		}
	}
	if w, _ := f.GetColWidth("工单", "D"); w < 20 || w > 51 {
		t.Errorf("text column width %v", w)
	}
	if w, _ := f.GetColWidth("工单", "H"); w < 16 {
		t.Errorf("time column width %v, want room for 2026-10-31 23:30", w)
	}
	if w, _ := f.GetColWidth("工单", "A"); w > 10 {
		t.Errorf("number column width %v", w)
	}
	// No sender of the suggestion anywhere in its sheet.
	rows, _ := f.GetRows("意见箱")
	for _, r := range rows {
		for _, c := range r {
			if strings.Contains(c, li.Name) {
				t.Errorf("suggestion sheet names its sender: %q", c)
			}
		}
	}
}

// checkSheet compares a sheet's cells, as formatted, with want.
func checkSheet(t *testing.T, f *excelize.File, sheet string, want [][]string) {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Errorf("%s: %d rows, want %d: %q", sheet, len(rows), len(want), rows)
	}
	for r := range min(len(rows), len(want)) {
		for c := range want[r] {
			got := ""
			if c < len(rows[r]) {
				got = rows[r][c]
			}
			if got != want[r][c] {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				t.Errorf("%s!%s = %q, want %q", sheet, cell, got, want[r][c])
			}
		}
		if len(rows[r]) > len(want[r]) {
			t.Errorf("%s row %d has extra cells: %q", sheet, r+1, rows[r][len(want[r]):])
		}
	}
}

func TestExportInEnglish(t *testing.T) {
	h, _ := exportHarness(t)
	exportFixture(t, h)
	h.db.SQL().Exec("UPDATE communities SET lang = 'en'")
	h.Clock.Set(mustTime(t, "2026-12-01T02:00:00Z"))
	h.private(manager, "/export last")
	q := lastQueued(t, h, 1)[0]
	if want := "📎 阳光花园 · export for November 2026 — tickets: 3, events: 7, ratings: 1, expenses: 1, suggestions: 1."; q.text != want {
		t.Errorf("caption %q, want %q", q.text, want)
	}
	f, err := excelize.OpenFile(q.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Tickets,Events,Ratings,Expenses,Suggestions" {
		t.Errorf("sheets %s", got)
	}
	rows, _ := f.GetRows("Tickets")
	if got := strings.Join(rows[0][:4], "|"); got != "No.|Kind|Status now|Text" || rows[2][1] != "complaint" || rows[2][2] != "closed" {
		t.Errorf("English tickets sheet: %q", rows[:3])
	}
	checkSheet(t, f, "Expenses", [][]string{
		{"Time", "Category", "Amount (yuan)", "Note", "Recorded by"},
		{"2026-11-15 14:00", "保洁", "1,288.80", "消毒液和拖把", "王经理"},
		{"Total", "", "1,288.80", "", ""},
	})
	rows, _ = f.GetRows("Events")
	if rows[7][2] != "first reply overdue" || rows[7][3] != "system" {
		t.Errorf("English events: %q", rows[7])
	}
}

func TestExportAccessAndErrors(t *testing.T) {
	h, dir := exportHarness(t)
	h.group(residentGroup, li, "#报修 水管漏水")
	for _, c := range []struct {
		name string
		outs []bot.Outgoing
		to   bot.ChatID
		want string
	}{
		{"resident", h.private(li, "/export"), bot.ChatID(li.ID), "只有物业经理"},
		{"staff", h.private(zhang, "/export"), bot.ChatID(zhang.ID), "只有物业经理"},
		{"manager in a group", h.group(staffGroup, manager, "/export"), staffGroup, "私聊"},
		{"resident in a group", h.group(residentGroup, li, "/导出"), residentGroup, "只有物业经理"},
		{"bad month", h.private(manager, "/export 2026-13"), bot.ChatID(manager.ID), "不是有效的月份"},
		{"future month", h.private(manager, "/export 2027-01"), bot.ChatID(manager.ID), "这个月还没有到"},
		{"unknown community", h.private(manager, "/export 2026-11 不存在"), bot.ChatID(manager.ID), "不存在"},
	} {
		t.Run(c.name, func(t *testing.T) {
			contains(t, one(t, c.outs, c.to), c.want)
		})
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "exports")); len(entries) != 0 {
		t.Errorf("refused exports wrote files: %v", entries)
	}
	// Without a data directory there is nowhere to write: a clear answer.
	plain := h.svcWith(h.cfg)
	h.svc = plain
	contains(t, one(t, h.private(manager, "/export"), bot.ChatID(manager.ID)), "没有配置数据目录")
}

func TestExportDefaultsToTheCurrentMonth(t *testing.T) {
	h, _ := exportHarness(t)
	h.Clock.Set(mustTime(t, "2026-11-05T02:00:00Z"))
	h.group(residentGroup, li, "#报修 水管漏水")
	h.private(manager, "/export")
	q := lastQueued(t, h, 1)[0]
	if q.name != "阳光花园-2026-11.xlsx" || !strings.Contains(q.text, "工单 1 张") || !strings.Contains(q.text, "（统计至 11月5日 10:00）") {
		t.Errorf("default export: %+v", q)
	}
	h.private(manager, "/export 上月")
	if q := lastQueued(t, h, 1)[0]; q.name != "阳光花园-2026-10.xlsx" || !strings.Contains(q.text, "工单 0 张") || strings.Contains(q.text, "统计至") {
		t.Errorf("last month's export: %+v", q)
	}
	// An empty month still opens, with its headers.
	f, err := excelize.OpenFile(lastQueued(t, h, 1)[0].path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkSheet(t, f, "评分", [][]string{{"工单", "类型", "评分", "评价意见", "评价时间", "负责人"}})
}

func TestReportSendsTheChartAfterTheText(t *testing.T) {
	h, dir := exportHarness(t)
	exportFixture(t, h)
	h.Clock.Set(mustTime(t, "2026-12-01T02:00:00Z"))
	outs := h.private(manager, "/report 2026-11")
	got := to(outs, bot.ChatID(manager.ID))
	if len(got) != 2 || !strings.Contains(got[0].Text, "2026年11月工作报告") || !strings.Contains(got[1].Text, "📈 阳光花园 · 2026年11月每日工单") {
		t.Fatalf("report replies: %+v", got)
	}
	q := lastQueued(t, h, 1)[0]
	if q.kind != "photo" || q.name != "阳光花园-2026-11.png" || filepath.Dir(q.path) != filepath.Join(dir, "charts") {
		t.Fatalf("chart row: %+v", q)
	}
	b, err := os.ReadFile(q.path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || format != "png" || cfg.Width != export.ChartWidth || cfg.Height != export.ChartHeight {
		t.Errorf("chart: %v %q %dx%d", err, format, cfg.Width, cfg.Height)
	}
	// Without a data directory the report is text alone.
	h.svc = h.svcWith(h.cfg)
	one(t, h.private(manager, "/report 2026-11"), bot.ChatID(manager.ID))
}

func TestDailyFiguresAddUpToTheReport(t *testing.T) {
	h, _ := exportHarness(t)
	exportFixture(t, h)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	err := h.db.View(context.Background(), func(tx *store.Tx) error {
		from, to := report.MonthWindow(2026, time.November, loc)
		days, err := tx.DailyFigures(1, from, to)
		if err != nil {
			return err
		}
		if len(days) != 30 || !days[0].Day.Equal(from) {
			t.Errorf("%d days from %v", len(days), days[0].Day)
		}
		rep, err := tx.Report(1, from, to)
		if err != nil {
			return err
		}
		var opened, resolved, within int
		for _, d := range days {
			opened, resolved, within = opened+d.Opened, resolved+d.Resolved, within+d.WithinSLA
		}
		tot := rep.Totals()
		if opened != tot.Opened || resolved != tot.Resolved || within != rep.WithinSLA {
			t.Errorf("days add up to %d/%d/%d, report says %d/%d/%d", opened, resolved, within, tot.Opened, tot.Resolved, rep.WithinSLA)
		}
		// Nov 2: #1 resolved late (created Oct 31 23:30, first reply due Nov 1 23:30).
		if d := days[1]; d.Resolved != 1 || d.WithinSLA != 0 || d.Opened != 0 {
			t.Errorf("Nov 2: %+v", d)
		}
		if d := days[9]; d.Opened != 1 {
			t.Errorf("Nov 10: %+v", d)
		}
		if d := days[10]; d.Resolved != 1 || d.WithinSLA != 1 {
			t.Errorf("Nov 11: %+v", d)
		}
		// The month in progress stops at today.
		dfrom, dto := report.MonthWindow(2026, time.December, loc)
		dec, err := tx.DailyFigures(1, dfrom, dto)
		if err != nil {
			return err
		}
		if len(dec) != 1 || dec[0].Opened != 1 {
			t.Errorf("December so far: %+v", dec)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
