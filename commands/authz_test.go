package commands_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// fingerprint summarises the state that commands may change (not replies,
// not who was last seen, not the resident memberships a sighting adds), so
// a test can tell whether a command changed anything.
func (h *harness) fingerprint() string {
	h.t.Helper()
	var parts []string
	for _, q := range []string{
		`SELECT coalesce(group_concat(id || status || coalesce(assignee_id, '-') || coalesce(rating, '-') || coalesce(first_response_at, '-'), ','), '') FROM tickets`,
		`SELECT count(*) FROM ticket_events`,
		`SELECT count(*) FROM ticket_followers`,
		`SELECT coalesce(group_concat(k, ','), '') FROM (SELECT person_id || role || coalesce(community_id, '*') AS k FROM memberships WHERE role <> 'resident' ORDER BY k)`,
		`SELECT count(*) FROM pending_grants`,
		`SELECT coalesce(group_concat(chat_key || community_id || role, ','), '') FROM (SELECT * FROM chats WHERE community_id IS NOT NULL ORDER BY id)`,
		`SELECT coalesce(group_concat(name || first_response_sla || resolve_sla, ','), '') FROM communities`,
		`SELECT count(*) FROM outbox WHERE status = 'failed'`,
		`SELECT count(*) FROM polls`,
		`SELECT count(*) FROM outbox WHERE text LIKE '📝%'`, // survey posts
	} {
		var s string
		if err := h.db.SQL().QueryRow(q).Scan(&s); err != nil {
			h.t.Fatal(err)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "|")
}

// The second community of the matrix, 月亮湾, and its groups.
const (
	otherResidentGroup bot.ChatID = "-110"
	otherStaffGroup    bot.ChatID = "-210"
)

// matrixActor is someone of the authorization matrix: a role held in the
// tickets' own community (阳光花园), in the other community (月亮湾), in
// every community, or in none.
type matrixActor struct {
	code, role, comm string
	p                person
}

// TestAuthorizationMatrix runs every state-changing command as every role
// of every community axis (own, other, all, none) in every kind of chat
// (the own community's resident and staff groups, the other community's
// resident group, a private chat, an unbound group), and checks that
// exactly the allowed cells change state. The tickets (#1 open, #2
// resolved, both 李阿姨's) and the community the commands name are
// 阳光花园's.
func TestAuthorizationMatrix(t *testing.T) {
	actors := []matrixActor{
		{"rA", "resident", "own", li},
		{"rB", "resident", "other", person{ID: "11", Name: "陈阿姨"}},
		{"sA", "staff", "own", zhang},
		{"sB", "staff", "other", person{ID: "202", Name: "孙师傅"}},
		{"s0", "staff", "none", person{ID: "203", Name: "周师傅"}}, // migrated without a community
		{"mA", "manager", "own", person{ID: "101", Name: "赵经理"}},
		{"mB", "manager", "other", person{ID: "102", Name: "钱经理"}},
		{"m*", "manager", "all", manager},
		{"x", "none", "none", person{ID: "900", Name: "路人"}},
	}
	chats := []struct {
		code string
		key  bot.ChatID
	}{{"a", residentGroup}, {"s", staffGroup}, {"b", otherResidentGroup}, {"p", ""}, {"u", strangeGroup}}
	commands := []struct{ name, text string }{
		{"repair", "#报修 楼道灯坏了"}, {"complain", "/complain 晚上太吵"}, {"status", "/status 1"}, {"mine", "/mine"},
		{"cancel", "/cancel 1"}, {"rate", "/rate 2 5"}, {"reopen", "/reopen 2"}, {"comment", "#1 情况有变化"},
		{"comment1", "#1号楼 情况有变化"}, {"metoo", "/metoo 1"},
		{"take", "/take 1"}, {"assign", "/assign 1 张师傅"}, {"progress", "/progress 1 在修"}, {"hold", "/hold 1 等配件"},
		{"resolve", "/resolve 1"}, {"tickets", "/tickets"}, {"help", "/help"}, {"whoami", "/whoami"}, {"roles", "/roles"},
		{"bind", "/bind 新小区 resident confirm"} /* a bound group asks first: confirmed here */, {"unbind", "/unbind"}, {"grant", "/grant staff Tom 阳光花园"},
		{"grant-new", "/grant staff @newbie 阳光花园"}, {"revoke", "/revoke 张师傅 阳光花园"},
		{"sla", "/sla 阳光花园 first=1h"}, {"outbox", "/outbox retry 1"},
		{"poll", "/poll 哪天？ | 周六 | 周日"}, {"survey", "/survey add https://wj.qq.com/s/1"},
	}
	allowed := func(cmd string, a matrixActor, chat string) bool {
		inA := chat == "a" || chat == "s"
		private := chat == "p"
		reporter := a.code == "rA"
		staffA := (a.role == "staff" || a.role == "manager") && (a.comm == "own" || a.comm == "all")
		managerA := a.role == "manager" && (a.comm == "own" || a.comm == "all")
		managerB := a.role == "manager" && (a.comm == "other" || a.comm == "all")
		belongs := a.comm != "none" // in a private chat: a stranger gets nothing
		switch cmd {
		case "status", "mine", "tickets", "help", "whoami", "roles", "comment1":
			return false // read-only; "#1号楼" is no reference to ticket 1
		case "repair", "complain":
			// A bound group's community (seen there: a resident of it), or
			// in private one's own.
			return inA || chat == "b" || private && belongs
		case "cancel", "rate":
			return reporter && (inA || private)
		case "reopen", "comment":
			return (reporter || staffA) && (inA || private)
		case "metoo":
			// Anyone seen in the community's groups is its resident; in
			// private, its members. The reporter has nothing to follow.
			return !reporter && (inA || private && (staffA || a.comm == "all"))
		case "take", "assign", "progress", "hold", "resolve":
			return staffA && (inA || private)
		case "bind":
			return inA && managerA || chat == "b" && managerB || chat == "u" && a.role == "manager"
		case "unbind":
			return inA && managerA || chat == "b" && managerB
		case "grant", "grant-new", "revoke", "sla":
			return managerA && private
		case "outbox":
			return a.comm == "all" && private
		case "poll", "survey":
			return a.role == "manager" && private // in their own community
		}
		t.Fatalf("no rule for %s", cmd)
		return false
	}

	// One prepared database, copied for every cell.
	tmpl := newHarness(t)
	tmpl.group(otherResidentGroup, manager, "/bind 月亮湾")
	tmpl.group(otherStaffGroup, manager, "/bind 月亮湾 staff")
	tmpl.group(strangeGroup+"0", manager, "/bind 星河湾")          // a third community
	tmpl.group(residentGroup, li, "#报修 电梯坏了")                   // ticket 1, open
	tmpl.group(residentGroup, li, "#报修 水管漏水")                   // ticket 2
	tmpl.group(staffGroup, zhang, "/resolve 2 已修好")             // resolved, to be rated or reopened
	tmpl.group(staffGroup, manager, "hi")                       // the manager has been seen in the staff group
	tmpl.group(otherResidentGroup, actors[1].p, "#报修 月亮湾的路灯坏了") // ticket 3, the other community's
	tmpl.group(staffGroup, actors[5].p, "我是赵经理")
	tmpl.group(otherStaffGroup, actors[3].p, "我是孙师傅")
	tmpl.group(otherStaffGroup, actors[6].p, "我是钱经理")
	tmpl.private(manager, "/grant manager 赵经理 阳光花园")
	tmpl.private(manager, "/grant staff 孙师傅 月亮湾")
	tmpl.private(manager, "/grant manager 钱经理 月亮湾")
	tmpl.private(actors[4].p, "你好") // a stranger so far
	// Staff with no community, as the migration leaves them.
	if _, err := tmpl.db.SQL().Exec(`INSERT INTO memberships (person_id, community_id, role, created_at)
		SELECT id, NULL, 'staff', 0 FROM people WHERE user_key = ?`, actors[4].p.ID); err != nil {
		t.Fatal(err)
	}
	tmpl.db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-1", Text: "x"})
		return err
	})
	tmpl.db.Outbox().Fail(context.Background(), 1, "test")
	// Every actor holds what the matrix says, and nothing more.
	for _, a := range actors {
		var got []string
		rows, err := tmpl.db.SQL().Query(`SELECT m.role || '@' || coalesce(c.name, '*') FROM memberships m JOIN people p ON p.id = m.person_id
			LEFT JOIN communities c ON c.id = m.community_id WHERE p.user_key = ? AND m.role <> 'resident' ORDER BY 1`, a.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			got = append(got, s)
		}
		rows.Close()
		want := map[string]string{"rA": "", "rB": "", "sA": "staff@阳光花园", "sB": "staff@月亮湾", "s0": "staff@*",
			"mA": "manager@阳光花园", "mB": "manager@月亮湾", "m*": "manager@*", "x": ""}[a.code]
		if strings.Join(got, ",") != want {
			t.Fatalf("%s holds %v, want %q", a.code, got, want)
		}
	}
	before := tmpl.fingerprint()
	snap := tmpl.snapshot()

	type cell struct{ changed, want bool }
	results := map[string]cell{}
	var mu sync.Mutex
	type job struct {
		cmd  struct{ name, text string }
		a    matrixActor
		chat string
		key  bot.ChatID
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				h := tmpl.cloneFrom(snap)
				m := bot.Message{Chat: j.key, ChatKind: bot.Group, ChatTitle: "g" + string(j.key), Sender: j.a.p.ID, SenderName: j.a.p.Name, Text: j.cmd.text}
				if j.chat == "p" {
					m = bot.Message{Chat: bot.ChatID(j.a.p.ID), ChatKind: bot.Private, Sender: j.a.p.ID, SenderName: j.a.p.Name, Text: j.cmd.text}
				}
				h.handle(m) // what it answers is not the matrix's business: left undelivered
				changed := h.fingerprint() != before
				h.Close()
				mu.Lock()
				results[j.cmd.name+"/"+j.a.code+"/"+j.chat] = cell{changed, allowed(j.cmd.name, j.a, j.chat)}
				mu.Unlock()
			}
		}()
	}
	for _, c := range commands {
		for _, a := range actors {
			for _, chat := range chats {
				jobs <- job{cmd: c, a: a, chat: chat.code, key: chat.key}
			}
		}
	}
	close(jobs)
	wg.Wait()

	// Print the matrix: one row per command, one column per actor × chat.
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s", "")
	for _, a := range actors {
		fmt.Fprintf(&b, "|%-5s", a.code)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-10s", "")
	for range actors {
		b.WriteString("|")
		for _, chat := range chats {
			b.WriteString(chat.code)
		}
	}
	b.WriteString("\n")
	bad := 0
	for _, c := range commands {
		fmt.Fprintf(&b, "%-10s", c.name)
		for _, a := range actors {
			b.WriteString("|")
			for _, chat := range chats {
				res := results[c.name+"/"+a.code+"/"+chat.code]
				mark := "."
				if res.changed {
					mark = "✓"
				}
				if res.changed != res.want {
					mark = "✗"
					bad++
				}
				b.WriteString(mark)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("actors: role (r=resident s=staff m=manager x=stranger) × community (A=阳光花园, the tickets' own; B=月亮湾, another; *=every one; 0=none)\n" +
		"chats: a=A's resident group, s=A's staff group, b=B's resident group, p=private, u=unbound group\n" +
		"✓ changed state (allowed), . no change, ✗ differs from the rule\n")
	t.Log("\n" + b.String())
	if bad > 0 {
		for k, v := range results {
			if v.changed != v.want {
				t.Errorf("%s: changed=%v, want %v", k, v.changed, v.want)
			}
		}
	}
}

// snapshot checkpoints the harness's database into its main file and
// returns the file's bytes (nothing may write meanwhile).
func (h *harness) snapshot() []byte {
	h.t.Helper()
	if _, err := h.db.SQL().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		h.t.Fatal(err)
	}
	data, err := os.ReadFile(h.db.Path())
	if err != nil {
		h.t.Fatal(err)
	}
	return data
}

// cloneFrom is clone from a snapshot: a plain copy of the file, much
// cheaper than a VACUUM INTO for each of the matrix's cells.
func (h *harness) cloneFrom(snap []byte) *harness {
	h.t.Helper()
	path := filepath.Join(h.t.TempDir(), "cell.db")
	if err := os.WriteFile(path, snap, 0o600); err != nil {
		h.t.Fatal(err)
	}
	return over(h.Fork(path), h.cfg)
}

// handle hands the harness's Service one message and leaves its answers
// in the outbox.
func (h *harness) handle(m bot.Message) {
	h.t.Helper()
	h.Stamp(&m)
	if err := h.svc.Handle(context.Background(), &m); err != nil {
		h.t.Errorf("handle %q: %v", m.Text, err)
	}
}
