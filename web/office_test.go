package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
	"github.com/linli/linli/web"
)

// office is the env with managers and a community's matters seeded:
// 王经理 manages 阳光花园, 钱经理 幸福里, 周总 every community.
type office struct {
	*env
	wang, qian, zhou, sun *store.Person
	poll                  *store.Poll
	failed, otherFailed   int64 // failed outbox rows: to 阳光花园's resident group, to 幸福里's staff group
	pending, receipt      int64 // a pending row to 阳光花园's staff group; an anonymous receipt to 孙先生
	held                  int64 // held for 吴女士 (a private chat: no community's)
}

func newOffice(t *testing.T) *office {
	t.Helper()
	o := &office{env: newEnv(t, "http://127.0.0.1")}
	e := o.env
	ctx := context.Background()
	e.update(func(tx *store.Tx) error {
		private := func(key bot.UserID, name string) *store.Person {
			c, err := tx.SeeChat(bot.Telegram, bot.ChatID(key), bot.Private, name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: key, Name: name, Chat: c})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		o.wang, o.qian, o.zhou = private("10", "王经理"), private("11", "钱经理"), private("12", "周总")
		private("14", "吴女士")
		// 孙先生 lives in 阳光花园 and writes to the suggestion box.
		o.sun = private("13", "孙先生")
		for _, g := range []struct {
			p    *store.Person
			comm int64
			role string
		}{{o.wang, e.comm.ID, store.RoleManager}, {o.qian, e.other.ID, store.RoleManager}, {o.zhou, 0, store.RoleManager}, {o.sun, e.comm.ID, store.RoleResident}} {
			if _, err := tx.Grant(g.p.ID, g.comm, g.role, 0); err != nil {
				return err
			}
		}

		// Announcements: scheduled (this community, every community, the other one) and sent.
		for _, sc := range []store.Schedule{
			{Spec: "0 9 * * 1", Kind: store.ScheduleAnnouncement, CommunityID: e.comm.ID, Text: "每周一上午检修二次供水", CreatedBy: o.wang.ID},
			{Spec: "@monthly", Kind: store.ScheduleAnnouncement, CommunityID: 0, Text: "月初请缴纳物业费", CreatedBy: o.zhou.ID},
			{Spec: "0 8 * * *", Kind: store.ScheduleAnnouncement, CommunityID: e.other.ID, Text: "幸福里的早间广播", CreatedBy: o.qian.ID},
		} {
			if _, err := tx.AddSchedule(sc); err != nil {
				return err
			}
		}
		if err := tx.AddAnnouncement(e.comm.ID, "三号楼电梯已修好"); err != nil {
			return err
		}
		if err := tx.AddAnnouncement(e.other.ID, "幸福里停车场重新划线"); err != nil {
			return err
		}

		// An activity with a sign-up, a meeting with an agenda item; the other community's too.
		a, err := tx.AddActivity(store.Activity{CommunityID: e.comm.ID, Title: "包饺子", Place: "会所", StartsAt: t0.Add(72 * time.Hour), Capacity: 20, CreatedBy: o.wang.ID})
		if err != nil {
			return err
		}
		if _, err := tx.JoinActivity(a.ID, e.li.ID); err != nil {
			return err
		}
		if _, err := tx.AddActivity(store.Activity{CommunityID: e.other.ID, Title: "幸福里广场舞", StartsAt: t0.Add(48 * time.Hour), CreatedBy: o.qian.ID}); err != nil {
			return err
		}
		if _, err := tx.AddMeeting(store.Meeting{CommunityID: e.comm.ID, StartsAt: t0.Add(10 * 24 * time.Hour), Place: "活动室", CreatedBy: o.wang.ID}); err != nil {
			return err
		}
		if _, _, err := tx.AddAgendaItem(e.comm.ID, e.li.ID, "增设电动车充电桩"); err != nil {
			return err
		}
		if _, _, err := tx.AddAgendaItem(e.other.ID, e.zhao.ID, "幸福里换物业"); err != nil {
			return err
		}

		// The suggestion box: 孙先生's suggestion, answered in public, and
		// its receipt waiting in the outbox for his private chat.
		sg, err := tx.AddSuggestion(e.comm.ID, "希望晚上路灯多开一会儿", "SUNX-RCPT-0001")
		if err != nil {
			return err
		}
		if err := tx.AnswerSuggestion(sg.ID, "已改为23点关灯", o.wang, true); err != nil {
			return err
		}
		if _, err := tx.AddSuggestion(e.comm.ID, "垃圾桶太少", "SUNX-RCPT-0002"); err != nil {
			return err
		}
		if _, err := tx.AddSuggestion(e.other.ID, "幸福里的意见", "QIAN-RCPT-0003"); err != nil {
			return err
		}
		if o.receipt, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "13", Text: "已收到你的建议，回执码 SUNX-RCPT-0001", Anonymous: true}); err != nil {
			return err
		}

		// A poll: 2 for, 1 against, none abstaining.
		if o.poll, err = tx.AddPoll(store.Poll{CommunityID: e.comm.ID, Question: "是否同意加装电梯", Options: []string{"同意", "反对", "弃权"},
			ClosesAt: t0.Add(7 * 24 * time.Hour), CreatedBy: o.wang.ID}); err != nil {
			return err
		}
		for _, v := range []struct {
			p      *store.Person
			choice int
		}{{e.li, 0}, {e.zhang, 0}, {o.sun, 1}} {
			if _, err := tx.Vote(o.poll.ID, v.p.ID, v.choice); err != nil {
				return err
			}
		}
		if _, err := tx.AddPoll(store.Poll{CommunityID: e.other.ID, Question: "幸福里投票", Options: []string{"是", "否"}, ClosesAt: t0.Add(24 * time.Hour)}); err != nil {
			return err
		}

		// The outbox.
		if o.failed, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: e.resident.Key, Text: "阳光花园停水通知"}); err != nil {
			return err
		}
		if o.otherFailed, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-400", Text: "幸福里工单卡片"}); err != nil {
			return err
		}
		if o.held, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "14", Text: "吴女士的工单已解决"}); err != nil {
			return err
		}
		o.pending, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: e.staffGrp.Key, Text: "阳光花园新工单卡片"})
		return err
	})
	ob := e.db.Outbox()
	if err := ob.Hold(ctx, o.held); err != nil {
		t.Fatal(err)
	}
	if err := ob.Fail(ctx, o.failed, "Forbidden: bot was kicked"); err != nil {
		t.Fatal(err)
	}
	if err := ob.Fail(ctx, o.otherFailed, "Too Many Requests"); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *office) status(id int64) string {
	o.t.Helper()
	var row *store.OutboxRow
	if err := o.db.View(context.Background(), func(tx *store.Tx) (err error) { row, err = tx.OutboxRowByID(id); return }); err != nil {
		o.t.Fatal(err)
	}
	return row.Status
}

// section is the part of a page from the section with that id to the next.
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `<section id="`+id+`">`)
	if i < 0 {
		t.Fatalf("no section %q in the page:\n%s", id, body)
	}
	s := body[i:]
	if j := strings.Index(s, "</section>"); j >= 0 {
		s = s[:j]
	}
	return s
}

func wantIn(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: %q missing in\n%s", what, w, body)
		}
	}
}

func wantNotIn(t *testing.T, what, body string, not ...string) {
	t.Helper()
	for _, w := range not {
		if strings.Contains(body, w) {
			t.Errorf("%s: %q shown in\n%s", what, w, body)
		}
	}
}

func TestOfficeShowsTheCommunitysMatters(t *testing.T) {
	o := newOffice(t)
	c := o.signIn(o.wang)
	r := c.get(web.OfficePath)
	if r.code != http.StatusOK {
		t.Fatalf("office: %d\n%s", r.code, r.body)
	}
	wantIn(t, "title", r.body, "阳光花园 · 小区事务")

	// Announcements: the schedule's rule in words and its next three runs
	// (t0 is Monday 2 November 2026, 01:00 UTC), and the one sent.
	ann := section(t, r.body, "announcements")
	wantIn(t, "announcements", ann, "每周一上午检修二次供水", "每周一 09:00",
		"11月2日 09:00 周一", "11月9日 09:00 周一", "11月16日 09:00 周一",
		"月初请缴纳物业费", "全部小区", "12月1日 00:00 周二", "三号楼电梯已修好")
	if strings.Contains(ann, "11月23日") {
		t.Errorf("announcements: more than three next runs:\n%s", ann)
	}

	acts := section(t, r.body, "activities")
	wantIn(t, "activities", acts, "包饺子", "会所", "已报名 1 / 20 人", "李阿姨", "11月5日 01:00")

	meet := section(t, r.body, "meetings")
	wantIn(t, "meetings", meet, "活动室", "11月12日 01:00", "增设电动车充电桩", "李阿姨")

	sg := section(t, r.body, "suggestions")
	wantIn(t, "suggestions", sg, "希望晚上路灯多开一会儿", "已改为23点关灯", "已公开到业主群", "垃圾桶太少", "待答复", "已答复")

	polls := section(t, r.body, "polls")
	wantIn(t, "polls", polls, "是否同意加装电梯", "共 3 票", "进行中")
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`<span class="option">\d+\. ([^<]+)</span> <span class="votes" data-count="(\d+)">([^<]+)</span>`).FindAllStringSubmatch(polls, -1) {
		got[m[1]] = m[2] + " " + m[3]
	}
	want := map[string]string{"同意": "2 2 票 · 67%", "反对": "1 1 票 · 33%", "弃权": "0 0 票 · 0%"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("poll option %s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}

	// Nothing of 幸福里's.
	wantNotIn(t, "other community", r.body, "幸福里的早间广播", "幸福里停车场重新划线", "幸福里广场舞", "幸福里换物业", "幸福里的意见", "幸福里投票")
	// The nav shows the managers' pages to a manager.
	wantIn(t, "nav", r.body, `href="/web/office"`, `href="/web/outbox"`)
}

func TestOfficeSuggestionsStayAnonymous(t *testing.T) {
	o := newOffice(t)
	for _, p := range []*store.Person{o.wang, o.zhou} {
		c := o.signIn(p)
		r := c.get(web.OfficePath + "?community=" + strconv.FormatInt(o.comm.ID, 10))
		if r.code != http.StatusOK {
			t.Fatalf("%s: office %d", p.Label(), r.code)
		}
		sg := section(t, r.body, "suggestions")
		wantIn(t, p.Label()+": suggestions", sg, "希望晚上路灯多开一会儿")
		// Who wrote it appears nowhere: not in the box, not on the page
		// (孙先生 voted, but votes are counted, not named), nor its receipt.
		wantNotIn(t, p.Label()+": office page", r.body, "孙先生", "SUNX-RCPT")
		// The receipt waiting for his private chat is not in the outbox
		// either, even for a manager who sees every chat.
		r = c.get(web.OutboxPath)
		if r.code != http.StatusOK {
			t.Fatalf("%s: outbox %d", p.Label(), r.code)
		}
		wantNotIn(t, p.Label()+": outbox", r.body, "孙先生", "SUNX-RCPT", "#"+strconv.FormatInt(o.receipt, 10)+" ")
	}
}

func TestOutboxListsAndRetriesTheManagersRows(t *testing.T) {
	o := newOffice(t)
	c := o.signIn(o.wang)
	r := c.get(web.OutboxPath)
	if r.code != http.StatusOK {
		t.Fatalf("outbox: %d\n%s", r.code, r.body)
	}
	wantIn(t, "outbox", r.body, "发送失败（1）", "阳光花园停水通知", "Forbidden: bot was kicked", "待发送（1）", "阳光花园新工单卡片",
		"等待粉丝再发消息（0）", `action="/web/outbox/`+strconv.FormatInt(o.failed, 10)+`/retry"`)
	// Not the other community's rows, nor a private chat's (which belongs to no community).
	wantNotIn(t, "outbox", r.body, "幸福里工单卡片", "Too Many Requests", "吴女士")
	token := csrfOf(t, r.body)
	retry := web.OutboxPath + "/" + strconv.FormatInt(o.failed, 10) + "/retry"

	// Without the CSRF token, or with another, nothing happens.
	for _, form := range []url.Values{{}, {"csrf": {"forged"}}} {
		if r := c.post(retry, form); r.code != http.StatusForbidden {
			t.Fatalf("retry without a good token: %d", r.code)
		}
	}
	if s := o.status(o.failed); s != "failed" {
		t.Fatalf("after refused retries the row is %s", s)
	}
	// Another community's row is not found, and stays failed.
	if r := c.post(web.OutboxPath+"/"+strconv.FormatInt(o.otherFailed, 10)+"/retry", url.Values{"csrf": {token}}); r.code != http.StatusNotFound {
		t.Fatalf("retry of 幸福里's row: %d\n%s", r.code, r.body)
	}
	if s := o.status(o.otherFailed); s != "failed" {
		t.Fatalf("幸福里's row is %s", s)
	}

	// With it, the row is pending again, as after /outbox retry.
	r = c.post(retry, url.Values{"csrf": {token}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != web.OutboxPath {
		t.Fatalf("retry: %d to %q\n%s", r.code, r.h.Get("Location"), r.body)
	}
	if s := o.status(o.failed); s != "pending" {
		t.Fatalf("after retry the row is %s, want pending", s)
	}
	r = c.get(web.OutboxPath)
	wantIn(t, "after retry", r.body, "已将 "+strconv.FormatInt(o.failed, 10)+" 号消息放回发件箱", "发送失败（0）", "待发送（2）")
	// A second retry finds no failed row.
	if r := c.post(retry, url.Values{"csrf": {token}}); r.code != http.StatusNotFound {
		t.Fatalf("second retry: %d", r.code)
	}

	// 周总 manages every community: 幸福里's row is his to retry.
	z := o.signIn(o.zhou)
	r = z.get(web.OutboxPath)
	wantIn(t, "company-wide outbox", r.body, "幸福里工单卡片", "Too Many Requests", "所有小区", "等待粉丝再发消息（1）", "吴女士的工单已解决", "吴女士")
	if r := z.post(web.OutboxPath+"/"+strconv.FormatInt(o.otherFailed, 10)+"/retry", url.Values{"csrf": {csrfOf(t, r.body)}}); r.code != http.StatusSeeOther {
		t.Fatalf("company-wide retry: %d\n%s", r.code, r.body)
	}
	if s := o.status(o.otherFailed); s != "pending" {
		t.Fatalf("幸福里's row after 周总's retry is %s", s)
	}
}

func TestOfficeIsForManagersOfTheirCommunities(t *testing.T) {
	o := newOffice(t)
	// Staff who manage nothing: a polite 403 on every manager page, and no nav to them.
	c := o.signIn(o.zhang)
	for _, path := range []string{web.OfficePath, web.OfficePath + "?community=" + strconv.FormatInt(o.comm.ID, 10), web.OutboxPath} {
		r := c.get(path)
		if r.code != http.StatusForbidden || !strings.Contains(r.body, "只有本小区的经理可以查看") {
			t.Fatalf("staff on %s: %d\n%s", path, r.code, r.body)
		}
		wantNotIn(t, "staff's 403", r.body, "阳光花园停水通知", "希望晚上路灯多开一会儿")
	}
	r := c.get("/web/")
	if r.code != http.StatusOK {
		t.Fatalf("desk: %d", r.code)
	}
	wantNotIn(t, "staff's nav", r.body, `href="/web/office"`, `href="/web/outbox"`)
	token := csrfOf(t, r.body)
	if r := c.post(web.OutboxPath+"/"+strconv.FormatInt(o.failed, 10)+"/retry", url.Values{"csrf": {token}}); r.code != http.StatusForbidden {
		t.Fatalf("staff retry: %d", r.code)
	}
	if s := o.status(o.failed); s != "failed" {
		t.Fatalf("after staff's retry the row is %s", s)
	}

	// A resident is not staff at all.
	if r := o.signIn(o.sun).get(web.OfficePath); r.code != http.StatusForbidden {
		t.Fatalf("resident: %d", r.code)
	}

	// 王经理 asking for 幸福里: refused, and none of it shown.
	w := o.signIn(o.wang)
	r = w.get(web.OfficePath + "?community=" + strconv.FormatInt(o.other.ID, 10))
	if r.code != http.StatusForbidden || !strings.Contains(r.body, "你不是这个小区的经理") {
		t.Fatalf("another community: %d\n%s", r.code, r.body)
	}
	wantNotIn(t, "another community", r.body, "幸福里的早间广播", "幸福里广场舞", "幸福里的意见")
	// 王经理's desk has the nav.
	wantIn(t, "manager's nav", w.get("/web/").body, `href="/web/office"`)

	// 钱经理 sees 幸福里's matters, and none of 阳光花园's.
	r = o.signIn(o.qian).get(web.OfficePath)
	if r.code != http.StatusOK {
		t.Fatalf("钱经理: %d", r.code)
	}
	wantIn(t, "钱经理", r.body, "幸福里的早间广播", "幸福里广场舞", "幸福里换物业", "幸福里的意见", "幸福里投票")
	wantNotIn(t, "钱经理", r.body, "每周一上午检修二次供水", "三号楼电梯已修好", "包饺子", "希望晚上路灯多开一会儿", "是否同意加装电梯")
}
