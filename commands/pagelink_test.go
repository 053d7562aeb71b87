package commands_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/store"
)

// pageLinks is a desk.Config.PageURL that says which page it links.
func pageLinks(tx *store.Tx, t *store.Ticket, reporter bool) (string, error) {
	page := "view"
	if reporter {
		page = "own"
	}
	return "https://linli.example/page/" + page + "/" + strconv.FormatInt(t.ID, 10), nil
}

const (
	viewLink = "https://linli.example/page/view/1"
	ownLink  = "https://linli.example/page/own/1"
)

// /status shows the reporter's own page only to the reporter in a private
// chat: in a group, and to anyone else, the read-only view page (or, for a
// neighbour, the notice board's view, which links nothing).
func TestStatusLinksTheReporterPageOnlyPrivately(t *testing.T) {
	h := newHarness(t)
	cfg := h.cfg
	cfg.Desk = desk.New(desk.Config{Lang: cfg.Lang, Location: cfg.Location, Editable: cfg.Editable, Buttons: cfg.Buttons, PageURL: pageLinks})
	h.svc = h.svcWith(cfg)

	card := one(t, h.group(residentGroup, li, "#报修 3号楼电梯按钮坏了"), residentGroup)
	contains(t, card, "工单 #1", viewLink)
	if strings.Contains(card.Text, ownLink) {
		t.Errorf("the card in the group links the reporter's page:\n%s", card.Text)
	}

	for _, c := range []struct {
		name      string
		out       func() []bot.Outgoing
		chat      bot.ChatID
		want, not []string
	}{
		{"the reporter privately", func() []bot.Outgoing { return h.private(li, "/status 1") }, bot.ChatID(li.ID),
			[]string{"工单 #1", "3号楼电梯按钮坏了", "李阿姨 提交", ownLink}, []string{viewLink}},
		{"the reporter in the group", func() []bot.Outgoing { return h.group(residentGroup, li, "/status 1") }, residentGroup,
			[]string{"工单 #1", "李阿姨 提交", viewLink}, []string{ownLink}},
		{"staff privately", func() []bot.Outgoing { return h.private(zhang, "/status 1") }, bot.ChatID(zhang.ID),
			[]string{"工单 #1", "李阿姨 提交", viewLink}, []string{ownLink}},
		{"a neighbour privately", func() []bot.Outgoing { return h.private(tom, "/status 1") }, bot.ChatID(tom.ID),
			[]string{"#1"}, []string{ownLink, viewLink}},
	} {
		o := one(t, c.out(), c.chat)
		contains(t, o, c.want...)
		for _, n := range c.not {
			if strings.Contains(o.Text, n) {
				t.Errorf("%s: /status shows %s:\n%s", c.name, n, o.Text)
			}
		}
	}

	// Filed privately, the card is the reporter's alone: it links their page,
	// and so does the card as it is edited.
	card = one(t, h.private(li, "#报修 厨房水管漏水"), bot.ChatID(li.ID))
	contains(t, card, "工单 #2", "https://linli.example/page/own/2")
	edited := false
	for _, o := range h.group(staffGroup, zhang, "/take 2") {
		if o.Chat == bot.ChatID(li.ID) && o.Edit != "" {
			edited = true
			contains(t, o, "处理中", "https://linli.example/page/own/2")
		}
	}
	if !edited {
		t.Error("the private card was not edited")
	}
	// The group's card of #1, edited, still links the view page.
	edited = false
	for _, o := range h.group(staffGroup, zhang, "/take 1") {
		if o.Chat == residentGroup && o.Edit != "" {
			edited = true
			contains(t, o, "处理中", viewLink)
			if strings.Contains(o.Text, ownLink) {
				t.Errorf("an edit in the group links the reporter's page:\n%s", o.Text)
			}
		}
	}
	if !edited {
		t.Error("the group's card was not edited")
	}
}
