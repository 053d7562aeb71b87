package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// fingerprint summarises the state that commands may change (not replies,
// not who was last seen), so a test can tell whether a command changed anything.
func (h *harness) fingerprint() string {
	h.t.Helper()
	var parts []string
	for _, q := range []string{
		`SELECT coalesce(group_concat(id || status || coalesce(assignee_id, '-') || coalesce(rating, '-') || coalesce(first_response_at, '-'), ','), '') FROM tickets`,
		`SELECT count(*) FROM ticket_events`,
		`SELECT coalesce(group_concat(user_key || role, ','), '') FROM (SELECT user_key, role FROM people WHERE role <> 'resident' ORDER BY id)`,
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

// TestAuthorizationMatrix runs every state-changing command as every role in
// every kind of chat, and checks that exactly the allowed cells change state.
func TestAuthorizationMatrix(t *testing.T) {
	stranger := person{"900", "路人"}
	roles := []struct {
		name string
		p    person
	}{{"resident", li}, {"staff", zhang}, {"manager", manager}, {"stranger", stranger}}
	chats := []string{"resident-group", "staff-group", "private", "unbound-group"}
	commands := []struct{ name, text string }{
		{"repair", "#报修 楼道灯坏了"}, {"complain", "/complain 晚上太吵"}, {"status", "/status 1"}, {"mine", "/mine"},
		{"cancel", "/cancel 1"}, {"rate", "/rate 2 5"}, {"reopen", "/reopen 2"}, {"comment", "#1 情况有变化"},
		{"take", "/take 1"}, {"assign", "/assign 1 张师傅"}, {"progress", "/progress 1 在修"}, {"hold", "/hold 1 等配件"},
		{"resolve", "/resolve 1"}, {"tickets", "/tickets"}, {"help", "/help"},
		{"bind", "/bind 新小区"}, {"unbind", "/unbind"}, {"grant", "/grant staff Tom"}, {"revoke", "/revoke 张师傅"},
		{"sla", "/sla 阳光花园 first=1h"}, {"outbox", "/outbox retry 1"},
		{"poll", "/poll 哪天？ | 周六 | 周日"}, {"survey", "/survey add https://wj.qq.com/s/1"},
	}
	allowed := func(cmd, role, chat string) bool {
		bound := chat != "unbound-group"
		group := chat != "private"
		isStaff := role == "staff" || role == "manager"
		switch cmd {
		case "status", "mine", "tickets", "help":
			return false // read-only
		case "bind":
			return role == "manager" && group
		case "unbind":
			return role == "manager" && group && bound
		case "grant", "revoke", "sla", "outbox", "poll", "survey":
			return role == "manager" && chat == "private"
		}
		if !bound {
			return false
		}
		switch cmd {
		case "repair", "complain":
			return role != "stranger" || group // a stranger in private has no community yet
		case "cancel", "rate":
			return role == "resident"
		case "reopen", "comment":
			return role == "resident" || isStaff
		case "take", "assign", "progress", "hold", "resolve":
			return isStaff
		}
		t.Fatalf("no rule for %s", cmd)
		return false
	}

	type cell struct{ changed, want bool }
	results := map[string]cell{}
	// One prepared database, copied for every cell.
	tmpl := newHarness(t)
	// A second community, so a stranger's private chat has no default.
	tmpl.group(strangeGroup+"0", manager, "/bind 月亮湾")
	tmpl.group(residentGroup, li, "#报修 电梯坏了")       // ticket 1, open
	tmpl.group(residentGroup, li, "#报修 水管漏水")       // ticket 2
	tmpl.group(staffGroup, zhang, "/resolve 2 已修好") // resolved, to be rated or reopened
	tmpl.group(staffGroup, manager, "hi")           // the manager has been seen in the staff group
	tmpl.db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-1", Text: "x"})
		return err
	})
	tmpl.db.Outbox().Fail(context.Background(), 1, "test")
	for _, c := range commands {
		for _, r := range roles {
			for _, chat := range chats {
				h := tmpl.clone()
				before := h.fingerprint()
				switch chat {
				case "resident-group":
					h.group(residentGroup, r.p, c.text)
				case "staff-group":
					h.group(staffGroup, r.p, c.text)
				case "private":
					h.private(r.p, c.text)
				case "unbound-group":
					h.group(strangeGroup, r.p, c.text)
				}
				changed := h.fingerprint() != before
				results[c.name+"/"+r.name+"/"+chat] = cell{changed, allowed(c.name, r.name, chat)}
				h.db.Close()
			}
		}
	}

	// Print the matrix: one row per command, one column per role × chat.
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s", "")
	for _, r := range roles {
		for _, chat := range chats {
			fmt.Fprintf(&b, " %-4s", abbrev(r.name)+abbrev(chat))
		}
	}
	b.WriteString("\n")
	bad := 0
	for _, c := range commands {
		fmt.Fprintf(&b, "%-9s", c.name)
		for _, r := range roles {
			for _, chat := range chats {
				res := results[c.name+"/"+r.name+"/"+chat]
				mark := "  . "
				if res.changed {
					mark = "  ✓ "
				}
				if res.changed != res.want {
					mark = "  ✗ "
					bad++
				}
				fmt.Fprintf(&b, " %s", mark)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("columns: role (r=resident s=staff m=manager x=stranger) × chat (r=resident group, s=staff group, p=private, u=unbound group)\n✓ changed state (allowed), . no change, ✗ differs from the rule\n")
	t.Log("\n" + b.String())
	if bad > 0 {
		for k, v := range results {
			if v.changed != v.want {
				t.Errorf("%s: changed=%v, want %v", k, v.changed, v.want)
			}
		}
	}
}

func abbrev(s string) string {
	switch s {
	case "stranger":
		return "x"
	case "resident-group":
		return "r"
	case "staff-group":
		return "s"
	case "unbound-group":
		return "u"
	}
	return s[:1]
}
