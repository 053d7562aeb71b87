package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/report"
	"github.com/linli/linli/store"
	"github.com/linli/linli/web"
)

// managers adds 王经理, manager of 阳光花园, and 钱经理, manager of 幸福里.
func (e *env) managers() (wang, qian *store.Person) {
	e.t.Helper()
	e.update(func(tx *store.Tx) error {
		var err error
		if wang, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "10", Name: "王经理"}); err != nil {
			return err
		}
		if qian, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "11", Name: "钱经理"}); err != nil {
			return err
		}
		if _, err := tx.Grant(wang.ID, e.comm.ID, store.RoleManager, 0); err != nil {
			return err
		}
		_, err = tx.Grant(qian.ID, e.other.ID, store.RoleManager, 0)
		return err
	})
	return wang, qian
}

// month fills November 2026 (so far: the clock is at 2 November): three
// repairs, one resolved on the web, a complaint, two expenses, and a
// ticket and an expense of 幸福里 that 阳光花园's report must not count.
func (e *env) month(manager *store.Person) {
	e.t.Helper()
	first := e.file("3号楼电梯按钮坏了")
	e.file("5号楼门禁打不开")
	e.file("车库灯不亮")
	e.update(func(tx *store.Tx) error {
		if _, err := tx.CreateTicket(store.NewTicket{Community: e.comm, Kind: store.KindComplaint, Text: "晚上广场舞太吵", Reporter: e.li, Chat: e.resident, MsgID: "c1"}); err != nil {
			return err
		}
		chat, err := tx.SeeChat(bot.Telegram, "-500", bot.Group, "幸福里业主群")
		if err == nil {
			err = tx.BindChat(chat.ID, e.other.ID, store.RoleResidentChat)
		}
		if err == nil {
			chat, err = tx.ChatByKey(bot.Telegram, "-500")
		}
		if err != nil {
			return err
		}
		if _, err := tx.CreateTicket(store.NewTicket{Community: e.other, Kind: store.KindRepair, Text: "幸福里水管漏水", Reporter: e.zhao, Chat: chat, MsgID: "o1"}); err != nil {
			return err
		}
		for _, x := range []store.Expense{
			{CommunityID: e.comm.ID, AmountFen: 123450, Category: "维修", Text: "更换电梯按钮", CreatedBy: manager.ID},
			{CommunityID: e.comm.ID, AmountFen: 8000, Category: "保洁", Text: "清洗车库", CreatedBy: manager.ID},
			{CommunityID: e.other.ID, AmountFen: 99900, Category: "绿化", Text: "幸福里修剪树木", CreatedBy: e.zhao.ID},
		} {
			if _, err := tx.AddExpense(x); err != nil {
				return err
			}
		}
		return nil
	})
	e.now = e.now.Add(2 * time.Hour)
	c := e.signIn(e.zhang)
	token := csrfOf(e.t, c.get("/web/").body)
	if r := c.post(ticketPath(first.ID), map[string][]string{"action": {"resolve"}, "note": {"按钮已更换"}, "csrf": {token}}); r.code != http.StatusSeeOther {
		e.t.Fatalf("resolve: %d\n%s", r.code, r.body)
	}
	e.now = e.now.Add(time.Hour)
}

func reportPath(comm *store.Community, month string) string {
	return web.ReportPath + "?community=" + strconv.FormatInt(comm.ID, 10) + "&month=" + month
}

func TestManagerSeesTheMonthsReport(t *testing.T) {
	e := newEnv(t, "")
	wang, _ := e.managers()
	e.month(wang)
	c := e.signIn(wang)
	r := c.get(web.ReportPath) // by default: their community, the month so far
	if r.code != 200 {
		t.Fatalf("report: %d\n%s", r.code, r.body)
	}
	if r2 := c.get(reportPath(e.comm, "2026-11")); r2.code != 200 || r2.body != r.body {
		t.Errorf("the default is not 阳光花园's November: %d", r2.code)
	}
	r.body = strings.ReplaceAll(r.body, "&#43;", "+") // html/template writes "+" so
	var cur, prev *store.Report
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) {
		cur, prev, err = report.Month(tx, e.comm.ID, 2026, time.November, time.UTC)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := cur.Totals(); got.Opened != 4 || got.Resolved != 1 || got.Open != 3 || cur.ExpenseTotal != 131450 {
		t.Fatalf("the month's figures are not what the test filed: %+v, expenses %d", got, cur.ExpenseTotal)
	}
	row := func(code, name string, f store.KindFigures) string {
		return `<tr data-kind="` + code + `"` + map[bool]string{true: ` class="total"`}[code == "total"] + `><th scope="row">` + name + `</th><td>` +
			strconv.Itoa(f.Opened) + `</td><td>` + strconv.Itoa(f.Resolved) + `</td><td>` + strconv.Itoa(f.Open) + `</td></tr>`
	}
	want := []string{
		"阳光花园 · 2026年11月工作报告", "（统计至",
		row(store.KindRepair, "报修", cur.Kinds[store.KindRepair]),
		row(store.KindComplaint, "投诉", cur.Kinds[store.KindComplaint]),
		row("total", "合计", cur.Totals()),
		html.EscapeString(i18n.T("zh", i18n.ReportOverdue, cur.Overdue, cur.Escalated)),
		html.EscapeString(i18n.T("zh", i18n.ReportParticipation, cur.Participants)),
		"目标完成情况（与2026年10月相比）",
		// the expenses, each and by category, in yuan
		"更换电梯按钮", "¥1,234.50", "¥80.00", "合计：¥1,314.50", "王经理",
		// the month picker
		`href="/web/report?community=` + strconv.FormatInt(e.comm.ID, 10) + `&amp;month=2026-10"`, `value="2026-11"`,
		// the workbook
		`href="/web/report/export?community=` + strconv.FormatInt(e.comm.ID, 10) + `&amp;month=2026-11"`,
	}
	for _, l := range strings.Split(report.KPIs("zh", cur, prev), "\n") {
		want = append(want, "<li>"+html.EscapeString(l)+"</li>")
	}
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Errorf("the report lacks %q", w)
		}
	}
	for _, not := range []string{"幸福里水管漏水", "幸福里修剪树木", "¥999.00", "month=2026-12"} {
		if strings.Contains(r.body, not) {
			t.Errorf("the report shows %q", not)
		}
	}
	// The charts are SVG whose labels are text, in Chinese.
	svgs := regexp.MustCompile(`(?s)<svg class="chart".*?</svg>`).FindAllString(r.body, -1)
	if len(svgs) != 2 {
		t.Fatalf("%d charts, want by kind and by day:\n%s", len(svgs), r.body)
	}
	for _, w := range []string{`<text x="92" y="50" text-anchor="end" fill="#1f2328">报修</text>`, `>投诉</text>`, `>新增</text>`, `<title>报修 · 新增 3</title>`} {
		if !strings.Contains(svgs[0], w) {
			t.Errorf("the chart by kind lacks %q:\n%s", w, svgs[0])
		}
	}
	for _, w := range []string{`>1日</text>`, `>30日</text>`, `<title>2日：新增 4，解决 1</title>`} {
		if !strings.Contains(svgs[1], w) {
			t.Errorf("the chart by day lacks %q:\n%s", w, svgs[1])
		}
	}
	if strings.Contains(svgs[1], "3日：") {
		t.Errorf("the chart by day has bars for days not begun:\n%s", svgs[1])
	}

	// The month before: nothing filed, and a link on to November.
	oct := c.get(reportPath(e.comm, "2026-10"))
	for _, w := range []string{"2026年10月工作报告", `<td>0</td>`, "2026年10月还没有支出记录。", "month=2026-11"} {
		if oct.code != 200 || !strings.Contains(oct.body, w) {
			t.Errorf("October's report lacks %q: %d", w, oct.code)
		}
	}
	if strings.Contains(oct.body, "（统计至") {
		t.Error("October is over but reads as counted so far")
	}
	// Managers have the report in the nav; staff do not.
	if list := c.get("/web/"); !strings.Contains(list.body, `href="/web/report"`) {
		t.Error("a manager's desk has no link to the report")
	}
	if list := e.signIn(e.zhang).get("/web/"); strings.Contains(list.body, `href="/web/report"`) {
		t.Error("a staff member's desk links to the report")
	}
}

func TestReportExportIsTheWorkbook(t *testing.T) {
	e := newEnv(t, "")
	wang, _ := e.managers()
	e.month(wang)
	r := e.signIn(wang).get(web.ReportExportPath + "?community=" + strconv.FormatInt(e.comm.ID, 10) + "&month=2026-11")
	if r.code != 200 {
		t.Fatalf("export: %d\n%s", r.code, r.body)
	}
	if got := r.h.Get("Content-Type"); got != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type %q", got)
	}
	// As the chat's file: 阳光花园-2026-11.xlsx, in UTF-8 (RFC 6266), with an ASCII fallback.
	if got, want := r.h.Get("Content-Disposition"), `attachment; filename=linli-2026-11.xlsx; filename*=utf-8''%E9%98%B3%E5%85%89%E8%8A%B1%E5%9B%AD-2026-11.xlsx`; got != want {
		t.Errorf("Content-Disposition\n got %s\nwant %s", got, want)
	}
	if !strings.HasPrefix(r.body, "PK") {
		t.Fatalf("not a zip: %q", r.body[:min(20, len(r.body))])
	}
	z, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	var workbook bool
	var shared string
	for _, f := range z.File {
		switch f.Name {
		case "xl/workbook.xml":
			workbook = true
		case "xl/sharedStrings.xml":
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			shared = string(b)
		}
	}
	if !workbook {
		t.Fatal("no xl/workbook.xml in the download")
	}
	for _, w := range []string{"3号楼电梯按钮坏了", "晚上广场舞太吵", "更换电梯按钮", "按钮已更换"} {
		if !strings.Contains(shared, w) {
			t.Errorf("the workbook lacks %q", w)
		}
	}
	for _, not := range []string{"幸福里水管漏水", "幸福里修剪树木"} {
		if strings.Contains(shared, not) {
			t.Errorf("阳光花园's workbook has 幸福里's %q", not)
		}
	}
}

func TestReportOnlyForTheCommunitysManagers(t *testing.T) {
	e := newEnv(t, "")
	wang, qian := e.managers()
	e.month(wang)
	sun := strconv.FormatInt(e.comm.ID, 10)
	browsers := map[*store.Person]*client{}
	for _, c := range []struct {
		who  *store.Person
		path string
		code int
		want string
	}{
		// staff, not managers
		{e.zhang, web.ReportPath, 403, "这几页只有本小区的经理可以查看"},
		{e.zhang, reportPath(e.comm, "2026-11"), 403, "这几页只有本小区的经理可以查看"},
		{e.zhang, web.ReportExportPath + "?community=" + sun, 403, "这几页只有本小区的经理可以查看"},
		// a manager of another community, and of no such community
		{qian, reportPath(e.comm, "2026-11"), 403, "这几页只有本小区的经理可以查看"},
		{qian, web.ReportExportPath + "?community=" + sun, 403, "这几页只有本小区的经理可以查看"},
		{wang, reportPath(e.other, "2026-11"), 403, "这几页只有本小区的经理可以查看"},
		{wang, web.ReportPath + "?community=999", 403, "这几页只有本小区的经理可以查看"},
		{wang, web.ReportPath + "?community=abc", 403, "这几页只有本小区的经理可以查看"},
		// a resident is not on the desk at all
		{e.li, web.ReportPath, 403, "网页工作台仅供物业工作人员和经理使用"},
		// months that cannot be read, or have not begun
		{wang, reportPath(e.comm, "2026-13"), 400, "“2026-13”不是有效的月份"},
		{wang, reportPath(e.comm, "上个月"), 400, "不是有效的月份"},
		{wang, reportPath(e.comm, "1999-12"), 400, "不是有效的月份"},
		{wang, reportPath(e.comm, "2026-12"), 400, "“2026-12”这个月还没有到"},
		{wang, web.ReportExportPath + "?community=" + sun + "&month=2026-1x", 400, "不是有效的月份"},
	} {
		b, ok := browsers[c.who]
		if !ok {
			b = e.signIn(c.who)
			browsers[c.who] = b
		}
		r := b.get(c.path)
		if r.code != c.code || !strings.Contains(r.body, c.want) || !strings.Contains(r.h.Get("Content-Type"), "text/html") {
			t.Errorf("%s GET %s: %d, want %d with %q\n%s", c.who.Name, c.path, r.code, c.code, c.want, r.body)
		}
		for _, not := range []string{"电梯", "幸福里水管漏水", "¥"} {
			if strings.Contains(r.body, not) {
				t.Errorf("%s GET %s shows %q", c.who.Name, c.path, not)
			}
		}
	}
	// 钱经理 has his own community's report: 幸福里's, not 阳光花园's.
	r := browsers[qian].get(web.ReportPath)
	if r.code != 200 || !strings.Contains(r.body, "幸福里 · 2026年11月工作报告") || !strings.Contains(r.body, "¥999.00") || strings.Contains(r.body, "电梯") {
		t.Errorf("钱经理's report: %d\n%s", r.code, r.body)
	}
}

func TestReportInEnglish(t *testing.T) {
	e := newEnv(t, "")
	e.update(func(tx *store.Tx) error { return tx.SetCommunityLang(e.comm.ID, "en") })
	wang, _ := e.managers()
	e.file("lift broken")
	r := e.signIn(wang).get(web.ReportPath)
	body := strings.NewReplacer("阳光花园", "", "王经理", "").Replace(r.body) // names are as given
	if r.code != 200 || strings.Contains(r.body, "?Web") || regexp.MustCompile(`\p{Han}`).MatchString(body) {
		t.Fatalf("the report in English: %d\n%s", r.code, r.body)
	}
	for _, w := range []string{"work report for November 2026", ">repair</text>", "Targets (compared with October 2026)", "No expenses"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the English report lacks %q", w)
		}
	}
}

func TestCompanyWideManagerPicksAnyCommunity(t *testing.T) {
	e := newEnv(t, "")
	wang, _ := e.managers()
	e.month(wang)
	var boss *store.Person
	e.update(func(tx *store.Tx) (err error) {
		if boss, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "12", Name: "孙总"}); err != nil {
			return err
		}
		_, err = tx.Grant(boss.ID, 0, store.RoleManager, 0)
		return err
	})
	c := e.signIn(boss)
	r := c.get(web.ReportPath) // the first community by default
	if r.code != 200 || !strings.Contains(r.body, "阳光花园 · 2026年11月工作报告") {
		t.Fatalf("company-wide manager's report: %d\n%s", r.code, r.body)
	}
	for _, comm := range []*store.Community{e.comm, e.other} {
		if !strings.Contains(r.body, `<option value="`+strconv.FormatInt(comm.ID, 10)+`"`) {
			t.Errorf("the community picker lacks %s", comm.Name)
		}
	}
	if r := c.get(reportPath(e.other, "2026-11")); r.code != 200 || !strings.Contains(r.body, "幸福里修剪树木") || strings.Contains(r.body, "更换电梯按钮") {
		t.Errorf("幸福里's report for a company-wide manager: %d\n%s", r.code, r.body)
	}
}
