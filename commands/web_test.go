package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/store"
)

func TestWebSendsAOneTimeLinkPrivatelyToStaff(t *testing.T) {
	h := newHarness(t)
	h.drain()
	// Without a web desk, /web says so.
	contains(t, one(t, h.private(zhang, "/web"), bot.ChatID(zhang.ID)), "网页工作台没有开启")

	cfg := h.cfg
	cfg.WebURL = "https://linli.example"
	h.svc = h.svcWith(cfg)
	out := one(t, h.private(zhang, "/web"), bot.ChatID(zhang.ID))
	contains(t, out, "https://linli.example"+commands.WebLoginPath+"?t=", "10 分钟内有效")
	token := out.Text[strings.Index(out.Text, "?t=")+3:]
	var person int64
	err := h.db.Update(context.Background(), func(tx *store.Tx) (err error) { person, err = tx.UseLogin(token); return })
	if err != nil {
		t.Fatalf("the link's token does not sign in: %v", err)
	}
	if p := h.person(zhang); person != p {
		t.Fatalf("the link signs in person %d, want 张师傅 (%d)", person, p)
	}

	// Managers too, in English where the community speaks it; the help lists it.
	contains(t, one(t, h.private(manager, "/网页"), bot.ChatID(manager.ID)), "https://linli.example/web/login?t=")
	contains(t, one(t, h.private(zhang, "/help"), bot.ChatID(zhang.ID)), "/web")

	// In a group the link would be everyone's: refused, and no link is made.
	before := h.count("SELECT count(*) FROM web_logins")
	contains(t, one(t, h.group(staffGroup, zhang, "/web"), staffGroup), "请私聊我发送 /web")
	// Residents have no desk.
	contains(t, one(t, h.private(li, "/web"), bot.ChatID(li.ID)), "只有物业工作人员可以使用")
	if after := h.count("SELECT count(*) FROM web_logins"); after != before {
		t.Fatalf("%d login links made by refused /web", after-before)
	}

	// Five links in ten minutes at the most.
	for range store.LoginsPerWindow - 1 {
		h.private(zhang, "/web")
	}
	contains(t, one(t, h.private(zhang, "/web"), bot.ChatID(zhang.ID)), "太频繁")

	// /web logout ends every session of theirs, and only theirs.
	err = h.db.Update(context.Background(), func(tx *store.Tx) error {
		for _, id := range []int64{h.person(zhang), h.person(zhang), h.person(manager)} {
			if _, _, err := tx.NewSession(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	contains(t, one(t, h.private(zhang, "/web logout"), bot.ChatID(zhang.ID)), "结束了 2 处登录")
	if n := h.count("SELECT count(*) FROM web_sessions"); n != 1 {
		t.Fatalf("%d sessions left, want the manager's one", n)
	}
	contains(t, one(t, h.private(zhang, "/web nonsense"), bot.ChatID(zhang.ID)), "/web logout")
}

func (h *harness) person(p person) int64 {
	h.t.Helper()
	var id int64
	if err := h.db.SQL().QueryRow(`SELECT id FROM people WHERE user_key = ?`, string(p.ID)).Scan(&id); err != nil {
		h.t.Fatal(err)
	}
	return id
}
