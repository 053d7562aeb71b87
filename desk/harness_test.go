package desk_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/bottest"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/store"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// Telegram-style chats of the test community 阳光花园: its resident group,
// its second resident group, its staff group, and a group of another
// community.
const (
	residentGroup            = bottest.ResidentGroup
	secondGroup   bot.ChatID = "-300"
	staffGroup               = bottest.StaffGroup
	otherGroup    bot.ChatID = "-400"
)

// env is bottest.Env (a real database, its clock and outbox) with one
// community, its groups and people, and a Desk over it; the tests act
// through the desk and read back what it queued. The community is made in
// the store directly: the desk is below the commands that would bind it.
type env struct {
	*bottest.Env
	t    *testing.T
	db   *store.DB
	d    *desk.Desk
	comm *store.Community
	msgs int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	be := bottest.NewEnv(t, time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	e := &env{Env: be, t: t, db: be.DB}
	e.d = desk.New(desk.Config{Lang: "zh", Location: shanghai, Log: slog.New(slog.DiscardHandler),
		Editable: map[bot.PlatformID]bool{bot.Telegram: true}, Buttons: map[bot.PlatformID]bool{bot.Telegram: true},
		DataDir: t.TempDir()})
	e.update(func(tx *store.Tx) error {
		var err error
		if e.comm, _, err = tx.CreateCommunity("阳光花园", "zh", ""); err != nil {
			return err
		}
		other, _, err := tx.CreateCommunity("Lakeside", "en", "")
		if err != nil {
			return err
		}
		for _, g := range []struct {
			key  bot.ChatID
			comm int64
			role string
		}{{residentGroup, e.comm.ID, store.RoleResidentChat}, {secondGroup, e.comm.ID, store.RoleResidentChat},
			{staffGroup, e.comm.ID, store.RoleStaffChat}, {otherGroup, other.ID, store.RoleResidentChat}} {
			c, err := tx.SeeChat(bot.Telegram, g.key, bot.Group, "g"+string(g.key))
			if err != nil {
				return err
			}
			if err := tx.BindChat(c.ID, g.comm, g.role); err != nil {
				return err
			}
		}
		return nil
	})
	// 张师傅 works for 阳光花园; 李阿姨 files in the resident group; Tom,
	// 王叔 and 赵姐 are neighbours (王叔 and 赵姐 never opened a private
	// chat with the bot, and write in the second group); Sam writes in the
	// resident group too; Pat works for Lakeside.
	e.see("200", "张师傅", staffGroup, true)
	e.see("1", "李阿姨", residentGroup, true)
	e.see("2", "Tom", residentGroup, true)
	e.see("2", "Tom", secondGroup, false)
	e.see("3", "王叔", secondGroup, false)
	e.see("4", "赵姐", secondGroup, false)
	e.see("5", "Sam", residentGroup, true)
	e.see("6", "Pat", otherGroup, true)
	e.update(func(tx *store.Tx) error {
		zhang, err := tx.PersonByKey(bot.Telegram, "200")
		if err != nil {
			return err
		}
		if _, err := tx.Grant(zhang.ID, e.comm.ID, store.RoleStaff, 0); err != nil {
			return err
		}
		pat, err := tx.PersonByKey(bot.Telegram, "6")
		if err != nil {
			return err
		}
		_, err = tx.Grant(pat.ID, pat.LastCommunityID, store.RoleStaff, 0)
		return err
	})
	e.drain()
	return e
}

func (e *env) update(f func(tx *store.Tx) error) {
	e.t.Helper()
	e.Update(f)
}

// see records a person writing in a group, and privately when private is set.
func (e *env) see(key bot.UserID, name string, group bot.ChatID, private bool) {
	e.t.Helper()
	e.update(func(tx *store.Tx) error {
		c, err := tx.ChatByKey(bot.Telegram, group)
		if err != nil {
			return err
		}
		if _, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: key, Name: name, Chat: c}); err != nil {
			return err
		}
		if !private {
			return nil
		}
		pc, err := tx.SeeChat(bot.Telegram, bot.ChatID(key), bot.Private, "")
		if err != nil {
			return err
		}
		_, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: key, Name: name, Chat: pc})
		return err
	})
}

// in is someone acting in a chat: a group of ours (scoped to its
// community) or, for a chat key equal to their own, privately.
func (e *env) in(tx *store.Tx, key bot.UserID, chat bot.ChatID) desk.Actor {
	e.t.Helper()
	p, err := tx.PersonByKey(bot.Telegram, key)
	if err != nil {
		e.t.Fatal(err)
	}
	if p.Memberships, err = tx.Memberships(p.ID); err != nil {
		e.t.Fatal(err)
	}
	a := desk.Actor{Person: p, Where: desk.InPrivate, Platform: bot.Telegram, Chat: chat}
	if chat != bot.ChatID(key) {
		c, err := tx.ChatByKey(bot.Telegram, chat)
		if err != nil {
			e.t.Fatal(err)
		}
		a.Where, a.Scope = desk.InGroup, c.CommunityID
		a.Person = p.In(c.CommunityID)
	}
	return a
}

// file has 李阿姨 (or who) file a repair in the resident group.
func (e *env) file(key bot.UserID, text string) *store.Ticket {
	e.t.Helper()
	var t *store.Ticket
	e.update(func(tx *store.Tx) error {
		chat, err := tx.ChatByKey(bot.Telegram, residentGroup)
		if err != nil {
			return err
		}
		e.msgs++
		o, err := e.d.File(tx, e.in(tx, key, residentGroup), desk.Filing{Kind: store.KindRepair, Text: text, Community: e.comm,
			Chat: chat, MsgID: bot.MessageID(fmt.Sprint("m", e.msgs))})
		t = o.Ticket
		return err
	})
	return t
}

// act has key act in chat on ticket id and returns the answer.
func (e *env) act(key bot.UserID, chat bot.ChatID, id int64, c desk.Change) (desk.Outcome, error) {
	e.t.Helper()
	var o desk.Outcome
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		o, err = e.d.Act(tx, e.in(tx, key, chat), id, c)
		return err
	})
	return o, err
}

func (e *env) mustAct(key bot.UserID, chat bot.ChatID, id int64, c desk.Change) desk.Outcome {
	e.t.Helper()
	o, err := e.act(key, chat, id, c)
	if err != nil {
		e.t.Fatalf("%s on #%d by %s: %v", c.Action, id, key, err)
	}
	return o
}

func (e *env) follow(key bot.UserID, chat bot.ChatID, id int64) desk.Outcome {
	e.t.Helper()
	var o desk.Outcome
	e.update(func(tx *store.Tx) (err error) {
		o, err = e.d.Follow(tx, e.in(tx, key, chat), id)
		return err
	})
	return o
}

// drain delivers everything queued, giving each sent message an id.
func (e *env) drain() []bot.Outgoing {
	e.t.Helper()
	return e.Drain()
}

// to returns the new messages sent to a chat (card edits left out).
func to(outs []bot.Outgoing, chat bot.ChatID) []bot.Outgoing { return bottest.To(outs, chat) }

// edits returns the card edits sent to a chat.
func edits(outs []bot.Outgoing, chat bot.ChatID) []bot.Outgoing { return bottest.Edits(outs, chat) }

// texts lists what a chat got, for failure messages.
func texts(outs []bot.Outgoing) string {
	var ls []string
	for _, o := range outs {
		ls = append(ls, fmt.Sprintf("%s%s: %q", o.Chat, map[bool]string{true: " (edit)"}[o.Edit != ""], o.Text))
	}
	return strings.Join(ls, "\n")
}
