package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/bot/wechat/wechattest"
	"github.com/linli/linli/store"
)

// startTGLimited runs the bot against w with Telegram's default limits on
// (its own limiter, and the fake enforcing them), as in production.
func startTGLimited(t testing.TB, w *tgWorld, db string) *Main {
	t.Helper()
	w.srv.SetLimits(telegramtest.TelegramLimits())
	m := NewMain()
	m.Stderr = io.Discard
	args := []string{"-db", db, "-telegram-token", tgToken, "-telegram-api", w.srv.URL, "-managers", "telegram:100", "-tz", "Asia/Shanghai"}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Log = slog.New(slog.DiscardHandler)
	if os.Getenv("LINLI_TEST_LOG") != "" {
		m.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	m.TelegramLimits = &telegram.Limits{}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// ticketRefs is every "#N" in a text.
var ticketRefs = regexp.MustCompile(`#(\d+)`)

// shown counts, for each ticket, the messages sent to chat after skip that
// show it: a card ("工单 #N", "新工单 #N") or a digest line ("#N ").
func shown(srv *telegramtest.Server, chat int64, skip int) (map[int]int, []telegramtest.SentMessage) {
	sent := srv.SentTo(chat)
	sent = sent[min(skip, len(sent)):]
	texts := make([]string, len(sent))
	for i, s := range sent {
		texts[i] = s.Text
	}
	return shownIn(texts), sent
}

// shownIn counts, for each ticket, the texts that show it.
func shownIn(texts []string) map[int]int {
	got := map[int]int{}
	for _, text := range texts {
		if strings.HasPrefix(text, "📌") {
			continue // the notice board lists open tickets
		}
		seen := map[int]bool{}
		for i, line := range strings.Split(text, "\n") {
			if i > 0 && strings.Contains(text, "已登记") && !strings.Contains(line, "：#") && !strings.HasPrefix(line, "#") {
				continue // a digest's foot names an example number
			}
			for _, m := range ticketRefs.FindAllStringSubmatch(line, -1) {
				n, _ := strconv.Atoi(m[1])
				if !seen[n] && (strings.Contains(line, "工单 #"+m[1]) || strings.Contains(line, "#"+m[1]+" ")) {
					seen[n] = true
					got[n]++
				}
				break // a line shows one ticket; a hint's "#1" comes later in it
			}
		}
	}
	return got
}

// TestTelegramBurstDigests: 40 residents report at once in one group under
// Telegram's limits. The group gets a few messages, every ticket in exactly
// one of them, residents mentioned; the staff group a digest card with take
// buttons; no 429. A reply to a digest naming a number threads to it; one
// naming none is asked which.
func TestTelegramBurstDigests(t *testing.T) {
	const n = 40
	w := newTGWorld(t)
	m := startTGLimited(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	skipR, skipS := len(w.srv.SentTo(w.resident.ID)), len(w.srv.SentTo(w.staff.ID))
	residents := make([]models.User, n)
	for i := range residents {
		residents[i] = models.User{ID: int64(1000 + i), FirstName: fmt.Sprintf("住户%d", i+1)}
		w.srv.SendText(w.resident, residents[i], fmt.Sprintf("#报修 %d号楼停水了", i%5+1))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	complete := func(chat int64, skip int) bool {
		got, _ := shown(w.srv, chat, skip)
		return len(got) == n
	}
	if err := w.srv.WaitFor(ctx, func() bool { return complete(w.resident.ID, skipR) && complete(w.staff.ID, skipS) }); err != nil {
		got, sent := shown(w.srv, w.resident.ID, skipR)
		t.Fatalf("not every ticket shown: %d of %d in %d messages", len(got), n, len(sent))
	}
	for _, c := range []struct {
		name string
		chat int64
		skip int
	}{{"resident group", w.resident.ID, skipR}, {"staff group", w.staff.ID, skipS}} {
		got, sent := shown(w.srv, c.chat, c.skip)
		for id, k := range got {
			if k != 1 {
				t.Errorf("%s: ticket #%d shown %d times", c.name, id, k)
			}
		}
		if len(sent) > n/3 {
			t.Errorf("%s: %d messages for %d tickets, want digests", c.name, len(sent), n)
		}
		t.Logf("%s: %d tickets in %d messages", c.name, n, len(sent))
	}
	if k := w.srv.TooManyCount(); k != 0 {
		t.Errorf("%d × 429", k)
	}
	// Every ticket is delivered in the outbox: nothing is left pending.
	// (The platform took the last digest a moment before the outbox hears of it.)
	var pending int
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for m.DB.SQL().QueryRow(`SELECT count(*) FROM outbox WHERE status <> 'sent'`).Scan(&pending) == nil && pending != 0 && ctx.Err() == nil {
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	if pending != 0 {
		rows, _ := m.DB.SQL().Query(`SELECT id, chat_key, status, link_role, coalesce(digest_of, 0), substr(text, 1, 30) FROM outbox WHERE status <> 'sent' LIMIT 5`)
		for rows.Next() {
			var id, d int64
			var chat, st, role, text string
			rows.Scan(&id, &chat, &st, &role, &d, &text)
			t.Logf("%d %s %s %s %d %q", id, chat, st, role, d, text)
		}
		rows.Close()
		t.Errorf("%d outbox rows not sent", pending)
	}

	// The residents' digest mentions each of its residents.
	_, sent := shown(w.srv, w.resident.ID, skipR)
	var digest telegramtest.SentMessage
	for _, s := range sent {
		if strings.HasPrefix(s.Text, "✅ 已登记") {
			digest = s
			break
		}
	}
	if digest.MessageID == 0 {
		t.Fatalf("no residents' digest among %d messages", len(sent))
	}
	var mentioned []int64
	for _, e := range digest.Entities {
		if e.Type == models.MessageEntityTypeTextMention && e.User != nil {
			mentioned = append(mentioned, e.User.ID)
		}
	}
	lines := strings.Count(digest.Text, "：#")
	if len(mentioned) != lines || lines < 2 {
		t.Errorf("digest of %d entries mentions %v:\n%s", lines, mentioned, digest.Text)
	}
	if !strings.Contains(digest.Text, "补充情况请回复本消息并写上编号") {
		t.Errorf("digest has no foot: %q", digest.Text)
	}
	// The staff digest card: title, and a take button per ticket.
	_, staffSent := shown(w.srv, w.staff.ID, skipS)
	var card telegramtest.SentMessage
	for _, s := range staffSent {
		if strings.HasPrefix(s.Text, "🆕 新工单") {
			card = s
			break
		}
	}
	if card.MessageID == 0 || card.Markup == nil {
		t.Fatalf("no staff digest card with buttons among %+v", staffSent)
	}
	var take []string
	for _, row := range card.Markup.InlineKeyboard {
		for _, b := range row {
			take = append(take, b.CallbackData)
		}
	}
	if k := strings.Count(card.Text, "\n#"); k != len(take) || !strings.Contains(card.Text, fmt.Sprintf("🆕 新工单 %d 件", k)) {
		t.Errorf("staff digest of %d entries has buttons %v: %q", k, take, card.Text)
	}

	// A reply to the residents' digest without a number is asked which.
	first := mentioned[0]
	who := residents[first-1000]
	w.srv.ReplyText(w.resident, who, "什么时候来水？", digest.MessageID)
	ask := w.waitText(t, w.resident.ID, "请写上是哪一件")
	if !strings.Contains(ask.Text, fmt.Sprintf("这条消息汇总了 %d 件工单", lines)) {
		t.Errorf("question = %q", ask.Text)
	}
	// Naming the number threads it: the staff hear the resident's words.
	var mine int
	if err := m.DB.SQL().QueryRow(`SELECT t.id FROM tickets t JOIN people p ON p.id = t.reporter_id WHERE p.user_key = ?`,
		strconv.FormatInt(who.ID, 10)).Scan(&mine); err != nil {
		t.Fatal(err)
	}
	w.srv.ReplyText(w.resident, who, fmt.Sprintf("#%d 厨房也没水", mine), digest.MessageID)
	w.waitText(t, w.staff.ID, fmt.Sprintf("#%d 业主补充（%s）：厨房也没水", mine, who.FirstName))
	// Staff take a ticket with the digest card's button.
	w.srv.Callback(w.staff, w.zhang, card.MessageID, take[0])
	w.waitText(t, w.resident.ID, "已由张师傅接单")
}

// TestDigestText: the renderer packs entries within Telegram's length and
// the digest's mentions point at the residents' names.
func TestDigestText(t *testing.T) {
	var entries []store.DigestEntry
	for i := range 300 {
		entries = append(entries, store.DigestEntry{Row: int64(i + 1), Role: store.RoleCard, Ticket: int64(i + 1), Kind: store.KindRepair,
			Text: strings.Repeat("停水", 40) + "\n第二行", Reporter: fmt.Sprintf("住户<%d>", i), User: bot.UserID(strconv.Itoa(1000 + i))})
	}
	for _, lang := range []string{"zh", "en"} {
		for _, p := range []bot.PlatformID{bot.Telegram, bot.WeChat} {
			ds := renderDigests(p, lang, store.RoleCard, entries)
			total := 0
			for _, d := range ds {
				if units(d.Text) > 4096 || d.Entries < 1 {
					t.Errorf("%s %s: digest of %d entries, %d units", p, lang, d.Entries, units(d.Text))
				}
				for j, mn := range d.Mentions {
					want := fmt.Sprintf("住户<%d>", total+j)
					if got := d.Text[mn.Offset : mn.Offset+mn.Length]; got != want || mn.User != bot.UserID(strconv.Itoa(1000+total+j)) {
						t.Errorf("%s %s: mention %d = %q for %s, want %q", p, lang, j, got, mn.User, want)
					}
				}
				if p == bot.Telegram && len(d.Mentions) != d.Entries {
					t.Errorf("%s: %d mentions for %d entries", lang, len(d.Mentions), d.Entries)
				}
				if p == bot.WeChat && (len(d.Mentions) != 0 || !strings.Contains(d.Text, "@住户<")) {
					t.Errorf("%s: WeChat digest names nobody with @: %q", lang, d.Text)
				}
				total += d.Entries
			}
			if total != len(entries) {
				t.Errorf("%s %s: %d of %d entries carried", p, lang, total, len(entries))
			}
			t.Logf("%s %s: %d entries in %d digests", p, lang, total, len(ds))
		}
	}
	// Staff digests carry a take button per entry, four to a row, within 100.
	ds := renderDigests(bot.Telegram, "en", store.RoleStaffCard, entries[:50])
	if len(ds) != 2 || ds[0].Entries != 48 || !strings.HasPrefix(ds[0].Text, "🆕 48 new tickets\n#1 repair · 住户<0>: ") ||
		!strings.HasPrefix(ds[1].Text, "🆕 2 new tickets") {
		t.Fatalf("staff digests: %d, first %q", len(ds), ds[0].Text)
	}
	var data []string
	for _, row := range ds[0].Buttons {
		if len(row) > 4 {
			t.Errorf("row of %d buttons", len(row))
		}
		for _, b := range row {
			data = append(data, b.Data)
		}
	}
	if len(data) != 48 || data[0] != "t:1:take" || data[47] != "t:48:take" || !slices.IsSorted(data[:9]) {
		t.Errorf("buttons: %v", data)
	}
	one := renderDigests(bot.Telegram, "en", store.RoleStaffCard, entries[:1])
	if !strings.HasPrefix(one[0].Text, "🆕 1 new ticket\n") {
		t.Errorf("one entry: %q", one[0].Text)
	}
}

// BenchmarkTelegramReportBurst: 300 residents each send a tagged report in
// one resident group at the same moment, the real bot (cmd/bot's Main, the
// outbox in SQLite, bot.Sender with its digests, the Telegram adapter with
// its default limiter) answering telegramtest, which enforces Telegram's
// limits (30 a second, 20 a minute per group; 429 with retry_after beyond
// them) on the real clock. It reports, from the moment the reports were
// posted:
//
//   - confirm-s: until every resident's ticket is shown in the group (its
//     card, or its line in a digest that mentions them); target ≤ 60 s;
//   - staff-s: until the staff group shows all 300; target ≤ 60 s;
//   - group-msgs and staff-msgs: the messages that took;
//   - 429s (target 0) and lost: tickets shown nowhere or twice (target 0).
//
// It runs on the real clock (about 15 s an iteration), so only as a
// benchmark: go test ./cmd/bot -run '^$' -bench TelegramReportBurst -benchtime 1x
func BenchmarkTelegramReportBurst(b *testing.B) {
	const n = 300
	var confirm, staff, groupMsgs, staffMsgs, tooMany, lost float64
	for range b.N {
		b.StopTimer()
		w := newTGWorld(b)
		m := startTGLimited(b, w, filepath.Join(b.TempDir(), "linli.db"))
		w.setup(b)
		skipR, skipS := len(w.srv.SentTo(w.resident.ID)), len(w.srv.SentTo(w.staff.ID))
		residents := make([]models.User, n)
		for i := range residents {
			residents[i] = models.User{ID: int64(10000 + i), FirstName: fmt.Sprintf("住户%d", i+1)}
		}
		b.StartTimer()
		start := time.Now()
		for i, r := range residents {
			w.srv.SendText(w.resident, r, fmt.Sprintf("#报修 %d号楼停水了，水龙头没有水", i%12+1))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		var doneR, doneS time.Duration
		err := w.srv.WaitFor(ctx, func() bool {
			if doneR == 0 {
				if got, _ := shown(w.srv, w.resident.ID, skipR); len(got) == n {
					doneR = time.Since(start)
				}
			}
			if doneS == 0 {
				if got, _ := shown(w.srv, w.staff.ID, skipS); len(got) == n {
					doneS = time.Since(start)
				}
			}
			return doneR > 0 && doneS > 0
		})
		b.StopTimer()
		cancel()
		if err != nil {
			got, sent := shown(w.srv, w.resident.ID, skipR)
			var tickets, pending int
			m.DB.SQL().QueryRow(`SELECT count(*) FROM tickets`).Scan(&tickets)
			m.DB.SQL().QueryRow(`SELECT count(*) FROM outbox WHERE status = 'pending'`).Scan(&pending)
			b.Fatalf("after 3 minutes %d of %d tickets shown in %d messages; %d tickets filed, %d outbox rows pending, %d updates pending at the server",
				len(got), n, len(sent), tickets, pending, w.srv.PendingUpdates())
		}
		confirm, staff = max(confirm, doneR.Seconds()), max(staff, doneS.Seconds())
		for _, c := range []struct {
			chat int64
			skip int
			msgs *float64
		}{{w.resident.ID, skipR, &groupMsgs}, {w.staff.ID, skipS, &staffMsgs}} {
			got, sent := shown(w.srv, c.chat, c.skip)
			*c.msgs = max(*c.msgs, float64(len(sent)))
			for id := 1; id <= n; id++ {
				if got[id] != 1 {
					lost++
				}
			}
		}
		tooMany += float64(w.srv.TooManyCount())
		stop(b, m)
	}
	b.ReportMetric(confirm, "confirm-s")
	b.ReportMetric(staff, "staff-s")
	b.ReportMetric(groupMsgs, "group-msgs")
	b.ReportMetric(staffMsgs, "staff-msgs")
	b.ReportMetric(tooMany, "429s")
	b.ReportMetric(lost, "lost")
}

// wechatBurst: n residents report at once in the WeChat resident group; the
// bot paces its sends at pace (with its jitter). It returns how long until
// every ticket was shown in the resident group and in the staff group, the
// messages each took, the tickets shown nowhere or twice, and the sends the
// fake refused for frequency (Ret 1205; it refuses sends closer than 2/3 of pace).
func wechatBurst(tb testing.TB, n int, pace time.Duration) (answered, staff time.Duration, groupMsgs, staffMsgs, lost, refused int) {
	w := newWCWorld(tb, wechattest.WithAutoConfirm())
	w.pace = pace
	for i := range n {
		w.srv.AddMember(wcResident, wechattest.Member{NickName: fmt.Sprintf("住户%d", i+1)})
	}
	m := w.start(tb)
	w.waitUp(tb, m)
	w.setup(tb)
	w.srv.SetMinSendInterval(pace * 2 / 3)
	skipR, skipS := len(w.sentTo(wcResident)), len(w.sentTo(wcStaff))
	texts := func(to string, skip int) []string {
		var out []string
		for _, s := range w.sentTo(to)[skip:] {
			out = append(out, s.Content)
		}
		return out
	}
	start := time.Now()
	for i := range n {
		w.srv.GroupText(wcResident, fmt.Sprintf("住户%d", i+1), fmt.Sprintf("#报修 %d号楼停水了", i%5+1))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := w.srv.WaitFor(ctx, func() bool {
		if answered == 0 && len(shownIn(texts(wcResident, skipR))) == n {
			answered = time.Since(start)
		}
		if staff == 0 && len(shownIn(texts(wcStaff, skipS))) == n {
			staff = time.Since(start)
		}
		return answered > 0 && staff > 0
	})
	if err != nil {
		tb.Fatalf("%d of %d tickets answered in %d messages: %v", len(shownIn(texts(wcResident, skipR))), n, len(texts(wcResident, skipR)), err)
	}
	for _, c := range []struct {
		to   string
		skip int
		msgs *int
	}{{wcResident, skipR, &groupMsgs}, {wcStaff, skipS, &staffMsgs}} {
		got := shownIn(texts(c.to, c.skip))
		*c.msgs = len(texts(c.to, c.skip))
		for id := 1; id <= n; id++ {
			if got[id] != 1 {
				lost++
			}
		}
	}
	for _, r := range w.srv.Rejected() {
		if r.Ret == wechattest.RetTooOften {
			refused++
		}
	}
	return answered, staff, groupMsgs, staffMsgs, lost, refused
}

// TestWeChatBurstDigests: 40 reports at once with sends paced at 300 ms
// (10 s takes about 29): the groups get digests that name each resident
// with @, every ticket once, and WeChat's frequency control is never hit.
func TestWeChatBurstDigests(t *testing.T) {
	_, _, group, staff, lost, refused := wechatBurst(t, 40, 300*time.Millisecond)
	if group > 12 || staff > 12 || lost != 0 || refused != 0 {
		t.Errorf("40 reports: %d group and %d staff messages, %d lost, %d refused for frequency", group, staff, lost, refused)
	}
}

// BenchmarkWeChatReportBurst: 50 residents report at once in a WeChat group,
// the bot on WeChat's default pacing (wechat.DefaultPace, 1.5 s and up to
// 0.5 s of jitter between sends), against wechattest refusing sends closer
// than a second (1205s: how often; target 0). answered-s: until every resident's ticket is shown in the
// group (target ≤ 30 s); staff-s: in the staff group. On the real clock:
// go test ./cmd/bot -run '^$' -bench WeChatReportBurst -benchtime 1x
func BenchmarkWeChatReportBurst(b *testing.B) {
	var answered, staff time.Duration
	var group, staffMsgs, lost, refused int
	for range b.N {
		a, s, g, sm, l, r := wechatBurst(b, 50, wechat.DefaultPace)
		answered, staff = max(answered, a), max(staff, s)
		group, staffMsgs, lost, refused = max(group, g), max(staffMsgs, sm), lost+l, refused+r
	}
	b.ReportMetric(answered.Seconds(), "answered-s")
	b.ReportMetric(staff.Seconds(), "staff-s")
	b.ReportMetric(float64(group), "group-msgs")
	b.ReportMetric(float64(staffMsgs), "staff-msgs")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(refused), "1205s")
}

// startLimited runs the real binary with Telegram's limits on (the limiter
// and so digests), unlike startBinary.
func startLimited(t *testing.T, bin, db string, srv *telegramtest.Server) *process {
	t.Helper()
	f, err := os.Create(db + fmt.Sprintf(".%d.log", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"LINLI_DB="+db, "TELEGRAM_BOT_TOKEN="+tgToken, "TELEGRAM_API_URL="+srv.URL,
		"LINLI_MANAGERS=telegram:100", "LINLI_TZ=Asia/Shanghai")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	})
	return &process{cmd: cmd, log: f.Name()}
}

// TestCrashMidDigests SIGKILLs the real binary, Telegram's limits on, once
// the first digest of a burst of 300 reports is out, and restarts it. Every
// ticket is then shown in both groups; a ticket is shown twice only if the
// kill fell between Telegram taking a digest and the outbox recording it
// (one message per chat in flight), never because a merged card went out
// again on its own.
func TestCrashMidDigests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	const n = 300
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "linli.db")
	w := newTGWorld(t)
	w.srv.SetLimits(telegramtest.TelegramLimits())
	p := startLimited(t, bin, db, w.srv)
	w.srv.SendText(w.resident, w.manager, "/bind 阳光花园")
	w.waitText(t, w.resident.ID, "业主群")
	w.srv.SendText(w.staff, w.manager, "/bind 阳光花园 staff")
	w.waitText(t, w.staff.ID, "物业工作群")
	skipR, skipS := len(w.srv.SentTo(w.resident.ID)), len(w.srv.SentTo(w.staff.ID))
	for i := range n {
		w.srv.SendText(w.resident, models.User{ID: int64(100000 + i), FirstName: fmt.Sprint("业主", i)}, fmt.Sprintf("#报修 %d号楼停水", i%30+1))
	}
	waitUntil(t, w.srv, 60*time.Second, "the first digest", func() bool {
		_, sent := shown(w.srv, w.resident.ID, skipR)
		return slices.ContainsFunc(sent, func(s telegramtest.SentMessage) bool { return strings.HasPrefix(s.Text, "✅ 已登记") })
	})
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	atKill, _ := shown(w.srv, w.resident.ID, skipR)
	p = startLimited(t, bin, db, w.srv)
	waitUntil(t, w.srv, 120*time.Second, "every ticket after the restart", func() bool {
		r, _ := shown(w.srv, w.resident.ID, skipR)
		s, _ := shown(w.srv, w.staff.ID, skipS)
		return len(r) == n && len(s) == n
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
	if got := countTickets(t, db); got != n {
		t.Errorf("tickets = %d, want %d", got, n)
	}
	for _, c := range []struct {
		name string
		chat int64
		skip int
	}{{"resident", w.resident.ID, skipR}, {"staff", w.staff.ID, skipS}} {
		got, sent := shown(w.srv, c.chat, c.skip)
		twice := 0
		for _, k := range got {
			twice += k - 1
		}
		t.Logf("%s group: killed after %d tickets shown; %d tickets in %d messages, %d shown twice", c.name, len(atKill), len(got), len(sent), twice)
		if twice > limitOf(bot.Telegram).cards {
			t.Errorf("%s group: %d tickets shown twice, more than one digest in flight carries", c.name, twice)
		}
	}
	if k := w.srv.TooManyCount(); k != 0 {
		t.Errorf("%d × 429", k)
	}
}
