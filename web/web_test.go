package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/store"
	"github.com/linli/linli/web"
)

var t0 = time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)

// env is a web desk over a real database: 阳光花园 with 张师傅 (staff) and
// 李阿姨 (resident), 幸福里 with its own staff member 赵师傅.
type env struct {
	t                  *testing.T
	db                 *store.DB
	now                time.Time
	srv                *web.Server
	ts                 *httptest.Server
	comm, other        *store.Community
	resident, staffGrp *store.Chat
	zhang, zhao, li    *store.Person
}

func newEnv(t *testing.T, publicURL string) *env {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "linli.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, now: t0}
	db.Now = func() time.Time { return e.now }
	log := slog.New(slog.DiscardHandler)
	dk := desk.New(desk.Config{Lang: "zh", Location: time.UTC, DataDir: t.TempDir(), Log: log})
	e.srv = web.New(web.Config{DB: db, Desk: dk, Lang: "zh", Location: time.UTC, PublicURL: publicURL, Log: log})
	e.update(func(tx *store.Tx) error {
		var err error
		if e.comm, _, err = tx.CreateCommunity("阳光花园", "zh", ""); err != nil {
			return err
		}
		if e.other, _, err = tx.CreateCommunity("幸福里", "zh", ""); err != nil {
			return err
		}
		chat := func(key bot.ChatID, comm *store.Community, role string) *store.Chat {
			c, err := tx.SeeChat(bot.Telegram, key, bot.Group, string(key))
			if err == nil {
				err = tx.BindChat(c.ID, comm.ID, role)
			}
			if err == nil {
				c, err = tx.ChatByKey(bot.Telegram, key)
			}
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		e.resident = chat("-100", e.comm, store.RoleResidentChat)
		e.staffGrp = chat("-200", e.comm, store.RoleStaffChat)
		otherStaff := chat("-400", e.other, store.RoleStaffChat)
		see := func(key bot.UserID, name string, c *store.Chat) *store.Person {
			p, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: key, Name: name, Chat: c})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		e.li = see("1", "李阿姨", e.resident)
		e.zhang = see("2", "张师傅", e.staffGrp)
		e.zhao = see("3", "赵师傅", otherStaff)
		if _, err := tx.Grant(e.zhang.ID, e.comm.ID, store.RoleStaff, 0); err != nil {
			return err
		}
		_, err = tx.Grant(e.zhao.ID, e.other.ID, store.RoleStaff, 0)
		return err
	})
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e
}

func (e *env) update(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.Update(context.Background(), fn); err != nil {
		e.t.Fatal(err)
	}
}

// file files a ticket as 李阿姨 in the resident group.
func (e *env) file(text string) *store.Ticket {
	e.t.Helper()
	var tk *store.Ticket
	e.update(func(tx *store.Tx) (err error) {
		tk, err = tx.CreateTicket(store.NewTicket{Community: e.comm, Kind: store.KindRepair, Text: text, Reporter: e.li, Chat: e.resident, MsgID: bot.MessageID("m" + text)})
		return err
	})
	return tk
}

func (e *env) ticket(id int64) *store.Ticket {
	e.t.Helper()
	var tk *store.Ticket
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { tk, err = tx.Ticket(id); return }); err != nil {
		e.t.Fatal(err)
	}
	return tk
}

// client is a browser: cookies, no following of redirects.
type client struct {
	e *env
	c *http.Client
}

func (e *env) browser() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	code int
	body string
	h    http.Header
}

func (c *client) do(req *http.Request) resp {
	c.e.t.Helper()
	r, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, string(b), r.Header}
}

func (c *client) get(path string) resp {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.ts.URL+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) resp {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signIn makes a login link for p and follows it as a browser does.
func (e *env) signIn(p *store.Person) *client {
	e.t.Helper()
	var token string
	e.update(func(tx *store.Tx) (err error) { token, err = tx.NewLogin(p.ID); return })
	c := e.browser()
	if r := c.get("/web/login?t=" + token); r.code != 200 || !strings.Contains(r.body, `value="`+token+`"`) {
		e.t.Fatalf("login page: %d\n%s", r.code, r.body)
	}
	r := c.post("/web/login", url.Values{"t": {token}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != "/web/" {
		e.t.Fatalf("login: %d to %q\n%s", r.code, r.h.Get("Location"), r.body)
	}
	return c
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

func ticketPath(id int64) string { return web.TicketPath + strconv.FormatInt(id, 10) }

// outbox lists the texts queued for a chat.
func (e *env) outbox(chat bot.ChatID) []string {
	e.t.Helper()
	rows, err := e.db.SQL().Query(`SELECT text FROM outbox WHERE chat_key = ? ORDER BY id`, string(chat))
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func TestLoginLinkSignsInOnceAndNeverStaysInTheURL(t *testing.T) {
	e := newEnv(t, "https://linli.example")
	var token string
	e.update(func(tx *store.Tx) (err error) { token, err = tx.NewLogin(e.zhang.ID); return })
	c := e.browser()
	// Opening the link (or a chat app's preview fetching it) spends nothing.
	for range 2 {
		if r := c.get("/web/login?t=" + token); r.code != 200 || !strings.Contains(r.body, "登录邻里工作台") {
			t.Fatalf("login page: %d", r.code)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/web/login", strings.NewReader(url.Values{"t": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/web/" {
		t.Fatalf("login: %d to %q, want 303 to /web/", r.StatusCode, r.Header.Get("Location"))
	}
	cookies := r.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %v", cookies)
	}
	ck := cookies[0]
	if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/web/" || ck.Value == token {
		t.Fatalf("session cookie %+v: want HttpOnly, Secure (https public URL), SameSite=Lax, Path /web/, a new token", ck)
	}
	// The same link again: refused.
	if r := c.post("/web/login", url.Values{"t": {token}}); r.code != http.StatusUnauthorized || !strings.Contains(r.body, "只能用一次") {
		t.Fatalf("second use: %d\n%s", r.code, r.body)
	}
	// An expired link: refused.
	e.update(func(tx *store.Tx) (err error) { token, err = tx.NewLogin(e.zhang.ID); return })
	e.now = e.now.Add(store.LoginTTL)
	if r := c.post("/web/login", url.Values{"t": {token}}); r.code != http.StatusUnauthorized {
		t.Fatalf("expired link: %d", r.code)
	}

	// Over plain http the cookie cannot be Secure (the demo on 127.0.0.1).
	plain := newEnv(t, "http://127.0.0.1:8080")
	b := plain.signIn(plain.zhang)
	u, _ := url.Parse(plain.ts.URL + "/web/")
	if cs := b.c.Jar.Cookies(u); len(cs) != 1 {
		t.Fatalf("plain http: cookies %v", cs)
	}
	if r := b.get("/web/"); r.code != 200 || !strings.Contains(r.body, "张师傅，你好") {
		t.Fatalf("desk after signing in: %d\n%s", r.code, r.body)
	}
}

func TestNoSessionNoDesk(t *testing.T) {
	e := newEnv(t, "")
	tk := e.file("电梯坏了")
	c := e.browser()
	for _, path := range []string{"/web/", ticketPath(tk.ID), ticketPath(tk.ID) + "/photos/1"} {
		if r := c.get(path); r.code != http.StatusUnauthorized || strings.Contains(r.body, "电梯坏了") {
			t.Errorf("GET %s without a session: %d", path, r.code)
		}
	}
	u, _ := url.Parse(e.ts.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "linli_session", Value: "forged", Path: "/web/"}})
	if r := c.get("/web/"); r.code != http.StatusUnauthorized || !strings.Contains(r.body, "/web") {
		t.Errorf("forged cookie: %d\n%s", r.code, r.body)
	}
	if r := c.post(ticketPath(tk.ID), url.Values{"action": {"take"}}); r.code != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d", r.code)
	}
	if got := e.ticket(tk.ID).Status; got != store.StatusOpen {
		t.Fatalf("ticket changed without a session: %s", got)
	}

	// Signing out ends the session; /web logout in chat ends every one
	// (commands' test), and so does the session's expiry.
	b := e.signIn(e.zhang)
	page := b.get("/web/")
	if r := b.post("/web/logout", url.Values{"csrf": {csrfOf(t, page.body)}}); r.code != 200 || !strings.Contains(r.body, "已退出") {
		t.Fatalf("logout: %d\n%s", r.code, r.body)
	}
	if r := b.get("/web/"); r.code != http.StatusUnauthorized {
		t.Fatalf("after logout: %d", r.code)
	}
	b = e.signIn(e.zhang)
	e.now = e.now.Add(store.SessionTTL)
	if r := b.get("/web/"); r.code != http.StatusUnauthorized || !strings.Contains(r.body, "登录已过期") {
		t.Fatalf("after the session's TTL: %d\n%s", r.code, r.body)
	}
}

func TestEveryPostNeedsTheSessionsCSRFToken(t *testing.T) {
	e := newEnv(t, "")
	tk := e.file("电梯坏了")
	c := e.signIn(e.zhang)
	page := c.get(ticketPath(tk.ID))
	if page.code != 200 {
		t.Fatalf("ticket page: %d", page.code)
	}
	token := csrfOf(t, page.body)
	other := e.signIn(e.zhang) // another session of the same person: its own token
	otherToken := csrfOf(t, other.get(ticketPath(tk.ID)).body)
	if otherToken == token {
		t.Fatal("two sessions share a CSRF token")
	}
	for name, form := range map[string]url.Values{
		"no token":            {"action": {"take"}},
		"wrong token":         {"action": {"take"}, "csrf": {"x" + token}},
		"another's session's": {"action": {"take"}, "csrf": {otherToken}},
	} {
		if r := c.post(ticketPath(tk.ID), form); r.code != http.StatusForbidden || !strings.Contains(r.body, "页面已过期") {
			t.Errorf("%s: %d\n%s", name, r.code, r.body)
		}
	}
	// A post from another site's page is refused even with the token.
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+ticketPath(tk.ID), strings.NewReader(url.Values{"action": {"take"}, "csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if r := c.do(req); r.code != http.StatusForbidden {
		t.Errorf("cross-site post: %d", r.code)
	}
	if got := e.ticket(tk.ID).Status; got != store.StatusOpen {
		t.Fatalf("ticket changed by a refused post: %s", got)
	}
	r := c.post(ticketPath(tk.ID), url.Values{"action": {"take"}, "csrf": {token}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != ticketPath(tk.ID) {
		t.Fatalf("take: %d to %q\n%s", r.code, r.h.Get("Location"), r.body)
	}
	if got := e.ticket(tk.ID); got.Status != store.StatusInProgress || got.AssigneeID != e.zhang.ID {
		t.Fatalf("after take: %s, assignee %d", got.Status, got.AssigneeID)
	}
	// The answer chat would give shows once on the page it redirects to.
	if r := c.get(ticketPath(tk.ID)); !strings.Contains(r.body, `class="flash"`) || !strings.Contains(r.body, "#1") {
		t.Fatalf("no answer after take:\n%s", r.body)
	}
	if r := c.get(ticketPath(tk.ID)); strings.Contains(r.body, `class="flash"`) {
		t.Fatal("the answer shows twice")
	}
}

func TestStaffOfAnotherCommunitySeeNothing(t *testing.T) {
	e := newEnv(t, "")
	tk := e.file("3号楼电梯按钮坏了")
	zhao := e.signIn(e.zhao)
	list := zhao.get("/web/?s=all")
	if list.code != 200 || strings.Contains(list.body, "电梯") || strings.Contains(list.body, "阳光花园") {
		t.Fatalf("another community's list: %d\n%s", list.code, list.body)
	}
	for _, path := range []string{ticketPath(tk.ID), "/web/?q=%231", "/web/?q=电梯&s=all"} {
		r := zhao.get(path)
		if r.code == http.StatusSeeOther {
			r = zhao.get(r.h.Get("Location"))
		}
		if strings.Contains(r.body, "电梯按钮") || strings.Contains(r.body, "李阿姨") {
			t.Errorf("GET %s shows the ticket to another community's staff: %d\n%s", path, r.code, r.body)
		}
	}
	if r := zhao.get(ticketPath(tk.ID)); r.code != http.StatusNotFound {
		t.Errorf("another community's ticket: %d, want 404 as for no ticket", r.code)
	}
	token := csrfOf(t, list.body)
	for _, action := range []string{"take", "resolve"} {
		if r := zhao.post(ticketPath(tk.ID), url.Values{"action": {action}, "csrf": {token}}); r.code != http.StatusNotFound {
			t.Errorf("%s another community's ticket: %d", action, r.code)
		}
	}
	if got := e.ticket(tk.ID); got.Status != store.StatusOpen {
		t.Fatalf("another community's staff changed it: %s", got.Status)
	}
	// A resident has no desk, even with a session (say their role was revoked).
	li := e.signIn(e.li)
	if r := li.get("/web/"); r.code != http.StatusForbidden || strings.Contains(r.body, "电梯") {
		t.Fatalf("resident on the desk: %d\n%s", r.code, r.body)
	}
}

func TestResolveOnTheWebTellsTheResidentAsChatWould(t *testing.T) {
	e := newEnv(t, "")
	tk := e.file("3号楼电梯按钮坏了")
	c := e.signIn(e.zhang)
	list := c.get("/web/")
	if !strings.Contains(list.body, "3号楼电梯按钮坏了") || !strings.Contains(list.body, "首次响应剩 1天0小时") {
		t.Fatalf("the list lacks the ticket or its clock:\n%s", list.body)
	}
	token := csrfOf(t, list.body)
	if r := c.post(ticketPath(tk.ID), url.Values{"action": {"progress"}, "csrf": {token}}); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "请先填写说明") {
		t.Fatalf("progress without a note: %d\n%s", r.code, r.body)
	}
	before := len(e.outbox("-100"))
	r := c.post(ticketPath(tk.ID), url.Values{"action": {"resolve"}, "note": {"按钮已更换"}, "csrf": {token}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("resolve: %d\n%s", r.code, r.body)
	}
	if got := e.ticket(tk.ID); got.Status != store.StatusResolved {
		t.Fatalf("status %s after resolve", got.Status)
	}
	msgs := e.outbox("-100")[before:]
	if len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "\n"), "按钮已更换") {
		t.Fatalf("the resident group was not told: %q", msgs)
	}
	page := c.get(ticketPath(tk.ID))
	for _, want := range []string{"已解决", "按钮已更换", "张师傅", "重新打开"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	// Resolving twice changes nothing and says so.
	r = c.post(ticketPath(tk.ID), url.Values{"action": {"resolve"}, "csrf": {token}})
	if r.code != http.StatusSeeOther || len(e.outbox("-100")) != before+len(msgs) {
		t.Fatalf("second resolve: %d, %d new messages", r.code, len(e.outbox("-100"))-before-len(msgs))
	}
}

func TestListFiltersSearchesAndPages(t *testing.T) {
	e := newEnv(t, "")
	for i := range 60 {
		e.file("第" + strconv.Itoa(i+1) + "件 漏水")
	}
	e.file("路灯不亮")
	c := e.signIn(e.zhang)
	first := c.get("/web/")
	if n := strings.Count(first.body, `<li class="ticket`); n != web.PageSize {
		t.Fatalf("first page shows %d tickets, want %d", n, web.PageSize)
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatal("no next page")
	}
	second := c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := strings.Count(second.body, `<li class="ticket`); n != 61-web.PageSize || !strings.Contains(second.body, ">#1<") {
		t.Fatalf("second page shows %d tickets, want %d ending with #1", n, 61-web.PageSize)
	}
	if r := c.get("/web/?q=" + url.QueryEscape("路灯")); strings.Count(r.body, `<li class="ticket`) != 1 || !strings.Contains(r.body, "路灯不亮") {
		t.Fatalf("search by text:\n%s", r.body)
	}
	if r := c.get("/web/?q=" + url.QueryEscape("＃６１")); r.code != http.StatusSeeOther || r.h.Get("Location") != ticketPath(61) {
		t.Fatalf("search by number: %d to %q", r.code, r.h.Get("Location"))
	}
	if r := c.get("/web/?k=complaint"); !strings.Contains(r.body, "没有符合条件的工单") {
		t.Fatalf("no complaints filed, yet:\n%s", r.body)
	}
	e.now = e.now.Add(25 * time.Hour)
	c = e.signIn(e.zhang) // the last session ended 12 hours after its last use
	if r := c.get("/web/?o=1"); strings.Count(r.body, `<li class="ticket`) != web.PageSize || !strings.Contains(r.body, "首次响应已超时 1小时0分") {
		t.Fatalf("overdue filter:\n%s", r.body)
	}
	if r := c.get("/web/?a=me"); !strings.Contains(r.body, "没有符合条件的工单") {
		t.Fatal("tickets assigned to nobody listed as mine")
	}
}

func TestResidentPageFollowsUpAndRates(t *testing.T) {
	e := newEnv(t, "https://linli.example")
	tk := e.file("3号楼电梯按钮坏了")
	var link string
	e.update(func(tx *store.Tx) (err error) { link, err = e.srv.PageURL(tx, tk, true); return })
	if !strings.HasPrefix(link, "https://linli.example/web/t/") {
		t.Fatalf("page URL %q", link)
	}
	path := strings.TrimPrefix(link, "https://linli.example")
	// The staff take it and leave an internal note.
	e.update(func(tx *store.Tx) error {
		p := *e.zhang
		p.Memberships, _ = tx.Memberships(p.ID)
		d := desk.New(desk.Config{Lang: "zh", Location: time.UTC})
		if _, err := d.Act(tx, desk.Actor{Person: &p, Where: desk.OnWeb}, tk.ID, desk.Change{Action: store.ActTake}); err != nil {
			return err
		}
		_, err := d.Act(tx, desk.Actor{Person: &p, Where: desk.OnWeb}, tk.ID, desk.Change{Action: store.ActNote, Note: "业主难沟通"})
		return err
	})
	c := e.browser()
	page := c.get(path)
	if page.code != 200 || !strings.Contains(page.body, "3号楼电梯按钮坏了") || !strings.Contains(page.body, "处理中") {
		t.Fatalf("resident page: %d\n%s", page.code, page.body)
	}
	for _, want := range []string{"您 提交", "物业 接单"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the resident page's history lacks %q", want)
		}
	}
	for _, hidden := range []string{"张师傅", "业主难沟通", "李阿姨", "内部备注"} {
		if strings.Contains(page.body, hidden) {
			t.Errorf("the resident page shows %q", hidden)
		}
	}
	if r := c.get(path + "x"); r.code != http.StatusNotFound {
		t.Fatalf("a wrong token: %d", r.code)
	}
	token := csrfOf(t, page.body)
	if r := c.post(path, url.Values{"action": {"comment"}, "note": {"下午在家"}}); r.code != http.StatusForbidden {
		t.Fatalf("follow-up without its token: %d", r.code)
	}
	before := len(e.outbox("-200"))
	if r := c.post(path, url.Values{"action": {"comment"}, "note": {"下午在家"}, "csrf": {token}}); r.code != http.StatusSeeOther {
		t.Fatalf("follow-up: %d\n%s", r.code, r.body)
	}
	if msgs := e.outbox("-200")[before:]; len(msgs) != 1 || !strings.Contains(msgs[0], "下午在家") {
		t.Fatalf("the staff group was not told: %q", msgs)
	}
	// Rating waits for the resolve.
	if r := c.get(path); strings.Contains(r.body, `id="rate5"`) {
		t.Fatal("rating offered before the ticket is resolved")
	}
	e.update(func(tx *store.Tx) error {
		p := *e.zhang
		p.Memberships, _ = tx.Memberships(p.ID)
		_, err := desk.New(desk.Config{Lang: "zh", Location: time.UTC}).Act(tx, desk.Actor{Person: &p, Where: desk.OnWeb}, tk.ID, desk.Change{Action: store.ActResolve})
		return err
	})
	if r := c.get(path); !strings.Contains(r.body, `id="rate5"`) {
		t.Fatalf("no rating form once resolved:\n%s", r.body)
	}
	if r := c.post(path, url.Values{"action": {"rate"}, "rating": {"5"}, "note": {"很快"}, "csrf": {token}}); r.code != http.StatusSeeOther {
		t.Fatalf("rate: %d\n%s", r.code, r.body)
	}
	got := e.ticket(tk.ID)
	if got.Status != store.StatusClosed || got.Rating != 5 || got.RatingComment != "很快" {
		t.Fatalf("after rating: %s %d %q", got.Status, got.Rating, got.RatingComment)
	}
	if r := c.get(path); !strings.Contains(r.body, "您的评分：5 分") || strings.Contains(r.body, `id="rate5"`) {
		t.Fatalf("rated page:\n%s", r.body)
	}
	if r := c.post(path, url.Values{"action": {"rate"}, "rating": {"1"}, "csrf": {token}}); r.code == http.StatusSeeOther {
		t.Fatal("rated twice")
	}
}

func TestPagesInEnglish(t *testing.T) {
	e := newEnv(t, "")
	e.update(func(tx *store.Tx) error { return tx.SetCommunityLang(e.comm.ID, "en") })
	tk := e.file("lift broken")
	c := e.signIn(e.zhang)
	var link, view string
	e.update(func(tx *store.Tx) (err error) {
		if link, err = e.srv.PageURL(tx, tk, true); err != nil {
			return err
		}
		view, err = e.srv.PageURL(tx, tk, false)
		return err
	})
	for _, path := range []string{"/web/", ticketPath(tk.ID), link, view} {
		r := c.get(path)
		body := strings.NewReplacer("阳光花园", "", "李阿姨", "", "张师傅", "").Replace(r.body) // names are as given
		if r.code != 200 || strings.Contains(r.body, "?Web") || regexp.MustCompile(`\p{Han}`).MatchString(body) {
			t.Errorf("GET %s in English: %d\n%s", path, r.code, r.body)
		}
	}
}

func TestPhotosServedOnlyWithRights(t *testing.T) {
	e := newEnv(t, "")
	tk := e.file("墙面渗水")
	var link, view string
	e.update(func(tx *store.Tx) (err error) {
		if link, err = e.srv.PageURL(tx, tk, true); err != nil {
			return err
		}
		view, err = e.srv.PageURL(tx, tk, false)
		return err
	})
	c := e.browser()
	page := c.get(link)
	// A follow-up with a photo, as the resident's phone sends it.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrfOf(t, page.body))
	mw.WriteField("action", "comment")
	mw.WriteField("note", "拍了照片")
	fw, _ := mw.CreateFormFile("photo", "wall.png")
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	png.Encode(fw, img)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+link, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if r := c.do(req); r.code != http.StatusSeeOther {
		t.Fatalf("follow-up with a photo: %d\n%s", r.code, r.body)
	}
	photoRe := regexp.MustCompile(`<img src="([^"]+)"`)
	rp := photoRe.FindStringSubmatch(c.get(link).body)
	if rp == nil {
		t.Fatal("the resident page shows no photo")
	}
	if r := c.get(rp[1]); r.code != 200 || r.h.Get("Content-Type") != "image/png" {
		t.Fatalf("resident's photo: %d %s", r.code, r.h.Get("Content-Type"))
	}
	zhang := e.signIn(e.zhang)
	sp := photoRe.FindStringSubmatch(zhang.get(ticketPath(tk.ID)).body)
	if sp == nil {
		t.Fatal("the staff page shows no photo")
	}
	if r := zhang.get(sp[1]); r.code != 200 || r.h.Get("Content-Type") != "image/png" {
		t.Fatalf("staff's photo: %d %s", r.code, r.h.Get("Content-Type"))
	}
	zhao := e.signIn(e.zhao)
	if r := zhao.get(sp[1]); r.code != http.StatusNotFound || r.h.Get("Content-Type") == "image/png" {
		t.Fatalf("another community's staff get the photo: %d", r.code)
	}
	if r := c.get(strings.Replace(rp[1], "/web/t/", "/web/t/x", 1)); r.code != http.StatusNotFound {
		t.Fatalf("a wrong page token gets the photo: %d", r.code)
	}
	// The view page, whose link groups read, shows no photo and serves none.
	if r := c.get(view); r.code != 200 || photoRe.MatchString(r.body) {
		t.Fatalf("the view page shows a photo: %d\n%s", r.code, r.body)
	}
	if r := c.get(strings.Replace(rp[1], link, view, 1)); r.code != http.StatusNotFound || r.h.Get("Content-Type") == "image/png" {
		t.Fatalf("the view page's token gets the photo: %d", r.code)
	}
	if r := e.browser().get(sp[1]); r.code != http.StatusUnauthorized {
		t.Fatalf("the staff photo URL without a session: %d", r.code)
	}
}

// The view page, whose link the cards in groups carry, only reads: no
// forms, the reporter unnamed and their words not shown, a line on who may
// add to it; a POST to it is refused with a polite page.
func TestViewPageOnlyReads(t *testing.T) {
	e := newEnv(t, "https://linli.example")
	tk := e.file("3号楼电梯按钮坏了")
	var own, view string
	e.update(func(tx *store.Tx) (err error) {
		if own, err = e.srv.PageURL(tx, tk, true); err != nil {
			return err
		}
		view, err = e.srv.PageURL(tx, tk, false)
		return err
	})
	own, view = strings.TrimPrefix(own, "https://linli.example"), strings.TrimPrefix(view, "https://linli.example")
	if own == view || !strings.HasPrefix(view, web.ResidentPath) {
		t.Fatalf("reporter's page %q, view page %q", own, view)
	}
	c := e.browser()
	page := c.get(own)
	token := csrfOf(t, page.body)
	if r := c.post(own, url.Values{"action": {"comment"}, "note": {"下午三点后在家"}, "csrf": {token}}); r.code != http.StatusSeeOther {
		t.Fatalf("follow-up on the reporter's page: %d\n%s", r.code, r.body)
	}
	e.update(func(tx *store.Tx) error {
		p := *e.zhang
		p.Memberships, _ = tx.Memberships(p.ID)
		_, err := desk.New(desk.Config{Lang: "zh", Location: time.UTC}).Act(tx, desk.Actor{Person: &p, Where: desk.OnWeb}, tk.ID, desk.Change{Action: store.ActResolve, Note: "按钮已更换"})
		return err
	})
	if r := c.get(own); !strings.Contains(r.body, `id="rate5"`) || !strings.Contains(r.body, "下午三点后在家") || !strings.Contains(r.body, "您 提交") {
		t.Fatalf("the reporter's page once resolved:\n%s", r.body)
	}

	r := e.browser().get(view)
	if r.code != 200 || !strings.Contains(r.body, "3号楼电梯按钮坏了") || !strings.Contains(r.body, "按钮已更换") || !strings.Contains(r.body, "报修人 提交") {
		t.Fatalf("view page: %d\n%s", r.code, r.body)
	}
	if !strings.Contains(r.body, `id="view-only"`) || !strings.Contains(r.body, "只有报修人本人可以补充情况") || !strings.Contains(r.body, "/status 1") {
		t.Errorf("the view page does not say who may add to it:\n%s", r.body)
	}
	for _, hidden := range []string{"<form", `name="csrf"`, `id="rate5"`, `type="file"`, "下午三点后在家", "您 提交", "李阿姨", "张师傅", "请不要把链接转发"} {
		if strings.Contains(r.body, hidden) {
			t.Errorf("the view page shows %q", hidden)
		}
	}
	// A POST to the view page, with the reporter's form token or without.
	before := len(e.outbox("-200"))
	for _, form := range []url.Values{
		{"action": {"rate"}, "rating": {"1"}, "csrf": {token}},
		{"action": {"rate"}, "rating": {"1"}},
		{"action": {"comment"}, "note": {"邻居来捣乱"}},
	} {
		r := c.post(view, form)
		if r.code != http.StatusForbidden || !strings.Contains(r.body, "这个页面只能查看") || !strings.Contains(r.body, "/status 1") {
			t.Errorf("POST %v to the view page: %d\n%s", form, r.code, r.body)
		}
	}
	if got := e.ticket(tk.ID); got.Rating != 0 || got.Status != store.StatusResolved {
		t.Fatalf("the view page changed the ticket: %s, rating %d", got.Status, got.Rating)
	}
	if msgs := e.outbox("-200")[before:]; len(msgs) != 0 {
		t.Fatalf("the view page told the staff: %q", msgs)
	}
	// The reporter's link works as before.
	if r := c.post(own, url.Values{"action": {"rate"}, "rating": {"5"}, "csrf": {token}}); r.code != http.StatusSeeOther {
		t.Fatalf("rate on the reporter's page: %d\n%s", r.code, r.body)
	}
	if r := c.get(view); !strings.Contains(r.body, "评分：5 分") || strings.Contains(r.body, "您的评分") {
		t.Errorf("the view page's rating:\n%s", r.body)
	}
}

// Cards posted in a group link the view page and never the reporter's;
// the card the reporter gets privately, and its edits, link their page.
func TestCardLinksViewInGroupsAndReporterPagePrivately(t *testing.T) {
	e := newEnv(t, "https://linli.example")
	d := desk.New(desk.Config{Lang: "zh", Location: time.UTC, Editable: map[bot.PlatformID]bool{bot.Telegram: true},
		PageURL: web.PageURL("https://linli.example"), Log: slog.New(slog.DiscardHandler)})
	var private *store.Chat
	var inGroup, inPrivate *store.Ticket
	e.update(func(tx *store.Tx) (err error) {
		if private, err = tx.SeeChat(bot.Telegram, "1", bot.Private, "李阿姨"); err != nil {
			return err
		}
		li, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "1", Name: "李阿姨", Chat: private})
		if err != nil {
			return err
		}
		out, err := d.File(tx, desk.Actor{Person: li, Scope: e.comm.ID, Where: desk.InGroup, Platform: bot.Telegram, Chat: e.resident.Key},
			desk.Filing{Kind: store.KindRepair, Text: "3号楼电梯按钮坏了", Community: e.comm, Chat: e.resident, MsgID: "g1"})
		if err != nil {
			return err
		}
		inGroup = out.Ticket
		out, err = d.File(tx, desk.Actor{Person: li, Where: desk.InPrivate, Platform: bot.Telegram, Chat: private.Key},
			desk.Filing{Kind: store.KindRepair, Text: "厨房水管漏水", Community: e.comm, Chat: private, MsgID: "p1"})
		inPrivate = out.Ticket
		return err
	})
	links := func(tk *store.Ticket) (own, view string) {
		e.update(func(tx *store.Tx) (err error) {
			if own, err = e.srv.PageURL(tx, tk, true); err != nil {
				return err
			}
			view, err = e.srv.PageURL(tx, tk, false)
			return err
		})
		return own, view
	}
	gOwn, gView := links(inGroup)
	pOwn, pView := links(inPrivate)
	// Staff act: the cards are edited in place.
	e.update(func(tx *store.Tx) error {
		p := *e.zhang
		p.Memberships, _ = tx.Memberships(p.ID)
		for _, tk := range []*store.Ticket{inGroup, inPrivate} {
			if _, err := d.Act(tx, desk.Actor{Person: &p, Where: desk.OnWeb}, tk.ID, desk.Change{Action: store.ActTake}); err != nil {
				return err
			}
		}
		return nil
	})
	group := e.outbox(e.resident.Key)
	cards := 0
	for _, m := range group {
		if strings.Contains(m, "工单 #") {
			cards++
			if !strings.Contains(m, gView) {
				t.Errorf("a card in the group lacks the view link %s:\n%s", gView, m)
			}
		}
		for _, own := range []string{gOwn, pOwn} {
			if strings.Contains(m, strings.TrimPrefix(own, "https://linli.example"+web.ResidentPath)) {
				t.Errorf("the group got a reporter's link:\n%s", m)
			}
		}
	}
	if cards != 2 {
		t.Errorf("cards in the group: %d, want the card and its edit", cards)
	}
	cards = 0
	for _, m := range e.outbox(private.Key) {
		if strings.Contains(m, "工单 #") {
			cards++
			if !strings.Contains(m, pOwn) || strings.Contains(m, pView) {
				t.Errorf("the reporter's private card lacks their page's link %s:\n%s", pOwn, m)
			}
		}
	}
	if cards != 2 {
		t.Errorf("cards in the private chat: %d, want the card and its edit", cards)
	}
	for _, m := range e.outbox(e.staffGrp.Key) {
		if strings.Contains(m, "/web/t/") {
			t.Errorf("a staff card links a resident page:\n%s", m)
		}
	}
}

// Messages held for a service account follower outside their 48-hour
// window are listed on their own page until they go; the view page lists
// none.
func TestReporterPageListsMessagesWaitingForThem(t *testing.T) {
	e := newEnv(t, "")
	const mp bot.PlatformID = "wechatmp"
	var tk *store.Ticket
	var held []int64
	e.update(func(tx *store.Tx) error {
		chat, err := tx.SeeChat(mp, "oWang", bot.Private, "")
		if err != nil {
			return err
		}
		wang, err := tx.SeePerson(store.Sighting{Platform: mp, Key: "oWang", Name: "王先生", Chat: chat})
		if err != nil {
			return err
		}
		if tk, err = tx.CreateTicket(store.NewTicket{Community: e.comm, Kind: store.KindRepair, Text: "楼道灯不亮", Reporter: wang, Chat: chat, MsgID: "w1"}); err != nil {
			return err
		}
		for _, o := range []store.Out{
			{Platform: mp, Chat: "oWang", Text: "#1 已由物业接单，正在处理。", TicketID: tk.ID, LinkRole: "relay"},
			{Platform: mp, Chat: "oWang", Text: "#1 已处理完成：灯泡已换\n请为这次服务打分。", TicketID: tk.ID, LinkRole: "relay"},
			{Platform: mp, Chat: "oWang", Text: "本周六停水通知"},
		} {
			id, err := tx.Enqueue(o)
			if err != nil {
				return err
			}
			held = append(held, id)
		}
		return nil
	})
	for _, id := range held {
		if err := e.db.Outbox().Hold(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	var own, view string
	e.update(func(tx *store.Tx) (err error) {
		if own, err = e.srv.PageURL(tx, tk, true); err != nil {
			return err
		}
		view, err = e.srv.PageURL(tx, tk, false)
		return err
	})
	c := e.browser()
	r := c.get(own)
	if r.code != 200 || !strings.Contains(r.body, `id="waiting"`) || !strings.Contains(r.body, "等待送达的消息") || !strings.Contains(r.body, "下次给服务号发消息时") {
		t.Fatalf("the reporter's page has no waiting messages:\n%s", r.body)
	}
	waiting := r.body[strings.Index(r.body, `id="waiting"`):]
	waiting = waiting[:strings.Index(waiting, "</section>")]
	first, second := strings.Index(waiting, "已由物业接单"), strings.Index(waiting, "灯泡已换")
	if first < 0 || second < first || strings.Contains(waiting, "停水") {
		t.Errorf("waiting messages, oldest first, of this ticket only:\n%s", waiting)
	}
	if r := c.get(view); strings.Contains(r.body, `id="waiting"`) || strings.Contains(r.body, "灯泡已换") {
		t.Errorf("the view page lists what waits for the reporter:\n%s", r.body)
	}
	// In English, with the community's language.
	e.update(func(tx *store.Tx) error { return tx.SetCommunityLang(e.comm.ID, "en") })
	if r := c.get(own); !strings.Contains(r.body, "Messages waiting for you") || !strings.Contains(r.body, "next time you write") {
		t.Errorf("the waiting messages in English:\n%s", r.body)
	}
	// Once the follower writes, the rows go, and the page lists none.
	if _, err := e.db.Outbox().Release(context.Background(), mp, "oWang"); err != nil {
		t.Fatal(err)
	}
	if r := c.get(own); strings.Contains(r.body, `id="waiting"`) {
		t.Errorf("released messages still listed:\n%s", r.body)
	}
}
