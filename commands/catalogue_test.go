package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// A word that is no role is named in the answer, in either language, and
// no format error shows (it used to read "…manager.%!(EXTRA string=boss)").
func TestGrantWithNoRoleNamesTheWord(t *testing.T) {
	h := newHarness(t)
	me := bot.ChatID(manager.ID)
	zh := one(t, h.private(manager, "/grant boss Tom"), me)
	contains(t, zh, "“boss”不是角色", "staff（工作人员）或 manager（经理）")
	setLang(t, h, "阳光花园", "en")
	en := one(t, h.private(manager, "/grant boss Tom"), me)
	contains(t, en, `"boss" isn't a role: the role must be staff or manager.`)
	for _, o := range []bot.Outgoing{zh, en} {
		if strings.Contains(o.Text, "%!") {
			t.Errorf("format error in %q", o.Text)
		}
	}
}

// An empty repair or complaint still gets the example of its own tag.
func TestEmptyTicketShowsItsTag(t *testing.T) {
	h := newHarness(t)
	contains(t, one(t, h.group(residentGroup, li, "#报修"), residentGroup), "请在后面写上具体情况，例如：#报修 3号楼电梯按钮坏了")
	contains(t, one(t, h.group(residentGroup, li, "#投诉"), residentGroup), "例如：#投诉 ")
	setLang(t, h, "阳光花园", "en")
	contains(t, one(t, h.group(residentGroup, li, "#repair"), residentGroup), "for example: #repair the lift button")
	contains(t, one(t, h.group(residentGroup, li, "#complaint"), residentGroup), "for example: #complaint ")
}

func setLang(t *testing.T, h *harness, community, lang string) {
	t.Helper()
	err := h.db.Update(context.Background(), func(tx *store.Tx) error {
		c, err := tx.CommunityByName(community)
		if err != nil {
			return err
		}
		return tx.SetCommunityLang(c.ID, lang)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// What code used to word by language: a history note, a volunteer's skill
// and a month, each in both languages.
func TestWordsOnceChosenByCode(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 3号楼电梯按钮坏了")
	h.group(staffGroup, zhang, "/hold 1 等配件")
	h.group(residentGroup, li, "/volunteer 会修电器")
	me := bot.ChatID(manager.ID)
	contains(t, one(t, h.group(residentGroup, li, "/status 1"), residentGroup), "张师傅 暂缓：等配件")
	contains(t, one(t, h.private(manager, "/volunteers"), me), "李阿姨（会修电器）")
	contains(t, one(t, h.private(manager, "/expense list"), me), "2026年")
	setLang(t, h, "阳光花园", "en")
	contains(t, one(t, h.group(residentGroup, li, "/status 1"), residentGroup), "张师傅 put it on hold: 等配件")
	contains(t, one(t, h.private(manager, "/volunteers"), me), "李阿姨 (会修电器) · joined")
	contains(t, one(t, h.private(manager, "/expense list"), me), "No expenses recorded for "+t0.In(shanghai(t)).Month().String()+" 2026.")
}

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
