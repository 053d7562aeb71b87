package desk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// followAll has Tom (private chat), 王叔 and 赵姐 (no private chat, both of
// the second group) and Sam (of the resident group itself) follow #id.
func (e *env) followAll(id int64) {
	e.t.Helper()
	e.follow("2", "2", id)
	e.follow("3", secondGroup, id)
	e.follow("4", secondGroup, id)
	e.follow("5", residentGroup, id)
	e.drain()
}

// Issue 19 item 3: followers hear every update the reporter hears, in
// their private chat or their group, never twice in one chat, and not at
// all in the chat that has it already (the resident's thread).
func TestFollowersHearEveryUpdateOnce(t *testing.T) {
	e := newEnv(t)
	tk := e.file("1", "3号楼电梯坏了")
	out := e.drain()
	if len(to(out, residentGroup)) != 1 || len(to(out, staffGroup)) != 1 {
		t.Fatalf("filing: want one card in each group, got\n%s", texts(out))
	}
	e.followAll(tk.ID)

	steps := []struct {
		who    bot.UserID
		chat   bot.ChatID
		change desk.Change
		want   string // in every message the reporter and the followers get
	}{
		{"200", staffGroup, desk.Change{Action: store.ActTake}, "接单"},
		{"200", staffGroup, desk.Change{Action: store.ActProgress, Note: "师傅明早到"}, "师傅明早到"},
		{"200", staffGroup, desk.Change{Action: store.ActHold, Note: "等配件"}, "等配件"},
		{"200", staffGroup, desk.Change{Action: store.ActProgress, Note: "配件到了"}, "配件到了"},
		{"200", staffGroup, desk.Change{Action: store.ActComment, Note: "下午两点上门"}, "下午两点上门"},
		{"200", staffGroup, desk.Change{Action: store.ActResolve}, "#1"},
		{"200", staffGroup, desk.Change{Action: store.ActReopen}, "#1"},
	}
	for _, s := range steps {
		o := e.mustAct(s.who, s.chat, tk.ID, s.change)
		out := e.drain()
		for _, chat := range []bot.ChatID{residentGroup, "2", secondGroup} {
			got := to(out, chat)
			if len(got) != 1 || !strings.Contains(got[0].Text, s.want) {
				t.Errorf("%s: %s got %d messages, want one with %q:\n%s", s.change.Action, chat, len(got), s.want, texts(out))
			}
		}
		for _, chat := range []bot.ChatID{"3", "4", "5", staffGroup} {
			if got := to(out, chat); len(got) != 0 {
				t.Errorf("%s: %s got %d messages, want none:\n%s", s.change.Action, chat, len(got), texts(out))
			}
		}
		if o.Answer("zh") == "" {
			t.Errorf("%s: no answer for the actor", s.change.Action)
		}
		if s.change.Action == store.ActResolve {
			// How to rate, and the stars, are the reporter's alone.
			res, tom := to(out, residentGroup)[0], to(out, "2")[0]
			if len(res.Buttons) == 0 || len(tom.Buttons) != 0 || strings.Contains(tom.Text, "评") {
				t.Errorf("resolve: the reporter gets the rating buttons, followers not: %+v / %+v", res, tom)
			}
		}
	}
}

// The reporter's own reopen and cancel reach the followers too; the
// reporter hears it as the answer.
func TestFollowersHearTheReportersReopenAndCancel(t *testing.T) {
	e := newEnv(t)
	tk := e.file("1", "楼道灯不亮")
	e.drain()
	e.followAll(tk.ID)
	o := e.mustAct("1", residentGroup, tk.ID, desk.Change{Action: store.ActCancel})
	out := e.drain()
	if !o.Reply() || !strings.Contains(o.Answer("zh"), "#1") {
		t.Errorf("cancel answer = %q (reply %v)", o.Answer("zh"), o.Reply())
	}
	if len(to(out, "2")) != 1 || len(to(out, secondGroup)) != 1 || len(to(out, residentGroup)) != 0 || len(to(out, staffGroup)) != 1 {
		t.Errorf("cancel: want one message each to Tom, the second group and the staff group, none in the thread:\n%s", texts(out))
	}
}

// Rights are per community: a resident may not work a ticket, staff of
// another community do not see it, and repeating an action changes nothing.
func TestRightsAndRepeats(t *testing.T) {
	e := newEnv(t)
	tk := e.file("1", "水管漏水")
	e.drain()
	for _, c := range []struct {
		who    bot.UserID
		chat   bot.ChatID
		action store.Action
		code   string
	}{
		{"2", residentGroup, store.ActTake, "not_staff"},
		{"2", "2", store.ActResolve, "not_staff"},
		{"6", "6", store.ActTake, "no_ticket"},
		{"6", otherGroup, store.ActTake, "no_ticket"},
		{"200", "200", store.ActCancel, "not_reporter"},
		{"2", "2", store.ActRate, "not_reporter"},
	} {
		_, err := e.act(c.who, c.chat, tk.ID, desk.Change{Action: c.action, Rating: 5})
		var se *store.Error
		if !asStoreError(err, &se) || se.Key != c.code {
			t.Errorf("%s by %s in %s: err %v, want %s", c.action, c.who, c.chat, err, c.code)
		}
	}
	e.mustAct("200", staffGroup, tk.ID, desk.Change{Action: store.ActTake})
	e.drain()
	o := e.mustAct("200", staffGroup, tk.ID, desk.Change{Action: store.ActTake})
	if out := e.drain(); !o.Unchanged || len(out) != 0 {
		t.Errorf("a second take: unchanged %v, sent\n%s", o.Unchanged, texts(out))
	}
	if got, want := o.Answer("zh"), i18n.T("zh", i18n.AlreadyYours, tk.ID); got != want {
		t.Errorf("a second take answers %q, want %q", got, want)
	}
	// A job acts as the bot: it may close, nothing else.
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := e.d.Act(tx, desk.Actor{Where: desk.ByJob}, tk.ID, desk.Change{Action: store.ActTake})
		return err
	})
	if err == nil {
		t.Error("a job took a ticket")
	}
}

func asStoreError(err error, se **store.Error) bool {
	if err == nil {
		return false
	}
	e, ok := err.(*store.Error)
	if ok {
		*se = e
	}
	return ok
}

// The drift of issue 15: after an autoclose the cards said "已解决，待评价"
// and the followers never heard. The desk's close edits both cards and
// tells the resident and the followers.
func TestCloseEditsCardsAndTellsFollowers(t *testing.T) {
	e := newEnv(t)
	tk := e.file("1", "单元门禁坏了")
	e.drain()
	e.followAll(tk.ID)
	e.mustAct("200", staffGroup, tk.ID, desk.Change{Action: store.ActResolve})
	e.drain()
	e.Clock.Add(4 * 24 * time.Hour)
	e.update(func(tx *store.Tx) error {
		t, err := tx.Ticket(tk.ID)
		if err != nil {
			return err
		}
		_, err = e.d.Run(tx).Close(t)
		return err
	})
	out := e.drain()
	closed := i18n.T("zh", i18n.StatusClosed)
	for _, chat := range []bot.ChatID{residentGroup, staffGroup} {
		ed := edits(out, chat)
		if len(ed) != 1 || !strings.Contains(ed[0].Text, closed) {
			t.Errorf("%s: want its card edited to %q:\n%s", chat, closed, texts(out))
		}
	}
	if got := to(out, residentGroup); len(got) != 1 || !strings.Contains(got[0].Text, "/reopen 1") {
		t.Errorf("the resident is told how to reopen:\n%s", texts(out))
	}
	want := i18n.T("zh", i18n.DeskClosedFollower, tk.ID)
	for _, chat := range []bot.ChatID{"2", secondGroup} {
		if got := to(out, chat); len(got) != 1 || got[0].Text != want {
			t.Errorf("%s: want %q:\n%s", chat, want, texts(out))
		}
	}
}

// Escalations and what reaches the resident's thread reach the followers.
func TestEscalationReachesFollowers(t *testing.T) {
	e := newEnv(t)
	tk := e.file("1", "停车场的灯坏了")
	e.drain()
	e.followAll(tk.ID)
	for level, key := range map[int]i18n.Key{1: i18n.EscResident1, 2: i18n.EscResident2} {
		e.update(func(tx *store.Tx) error {
			t, err := tx.Ticket(tk.ID)
			if err != nil {
				return err
			}
			return e.d.Run(tx).Escalate(t, level)
		})
		out := e.drain()
		want := i18n.T("zh", key, tk.ID)
		for _, chat := range []bot.ChatID{residentGroup, "2", secondGroup} {
			if got := to(out, chat); len(got) != 1 || got[0].Text != want {
				t.Errorf("level %d: %s want %q:\n%s", level, chat, want, texts(out))
			}
		}
		if got := to(out, staffGroup); len(got) != 1 {
			t.Errorf("level %d: the staff group hears once:\n%s", level, texts(out))
		}
	}
}

// A chat the bot can no longer post in (removed from the group) gets
// nothing; the followers still hear.
func TestInactiveChatsAreSkipped(t *testing.T) {
	e := newEnv(t)
	tk := e.file("1", "车库门打不开")
	e.drain()
	e.follow("2", "2", tk.ID)
	e.update(func(tx *store.Tx) error {
		c, err := tx.ChatByKey(bot.Telegram, residentGroup)
		if err != nil {
			return err
		}
		return tx.SetChatActive(c.ID, false, "kicked")
	})
	e.drain()
	e.mustAct("200", staffGroup, tk.ID, desk.Change{Action: store.ActTake})
	out := e.drain()
	if got := to(out, residentGroup); len(got) != 0 {
		t.Errorf("an inactive group was sent to:\n%s", texts(out))
	}
	if got := to(out, "2"); len(got) != 1 {
		t.Errorf("the follower did not hear:\n%s", texts(out))
	}
}
