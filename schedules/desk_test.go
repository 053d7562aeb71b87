package schedules

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/bottest"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
)

// deskEnv is newEnv with the bot's wiring of the workflow: the commands
// and the jobs share one Desk, and Telegram cards are edited in place.
func deskEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	log := slog.New(slog.DiscardHandler)
	tg := map[bot.PlatformID]bool{bot.Telegram: true}
	d := desk.New(desk.Config{Lang: "zh", Location: shanghai, Log: log, Editable: tg, Buttons: tg})
	var err error
	if e.s, err = New(e.db, Config{Location: shanghai, Lang: "zh", Log: log, Desk: d}); err != nil {
		t.Fatal(err)
	}
	e.svc = commands.New(e.db, commands.Config{Lang: "zh", Location: shanghai, Log: log, Jobs: e.s, Desk: d, Editable: tg, Buttons: tg})
	// 赵姐 lives in 阳光花园 and writes in its second resident group, and
	// privately: she reads what is said in the first group's threads only
	// when she is told.
	e.group(secondGroup, manager, "/bind 阳光花园")
	e.group(secondGroup, zhao, "大家好")
	e.private(zhao, "/help")
	return e
}

const secondGroup bot.ChatID = "-500"

var zhao = who{ID: "3", Name: "赵姐"}

// Issue 15's drift: after an autoclose the Telegram cards still said
// "已解决，待评价" and the me-too followers never heard. Autoclose goes
// through the desk now: both cards show the ticket closed, the resident
// hears how to reopen it, the follower that it is closed.
func TestAutocloseEditsTheCardsAndTellsTheFollowers(t *testing.T) {
	e := deskEnv(t)
	e.group(residentGroup, li, "#报修 门禁卡失灵")
	e.private(zhao, "/metoo 1")
	e.group(staffGroup, zhang, "/resolve 1")
	e.add(AutocloseAfter + time.Minute)
	out := e.run("autoclose")
	closed := i18n.T("zh", i18n.StatusClosed)
	for _, chat := range []bot.ChatID{residentGroup, staffGroup} {
		if ed := bottest.Edits(out, chat); len(ed) != 1 || !strings.Contains(ed[0].Text, closed) {
			t.Errorf("%s: the card is not edited to %q: %+v", chat, closed, out)
		}
	}
	has(t, one(t, out, residentGroup).Text, "/reopen 1")
	if got, want := one(t, out, bot.ChatID(zhao.ID)).Text, i18n.T("zh", i18n.DeskClosedFollower, 1); got != want {
		t.Errorf("the follower got %q, want %q", got, want)
	}
}

// Escalations that reach the resident's thread reach the followers too.
func TestEscalationsReachTheFollowers(t *testing.T) {
	e := deskEnv(t)
	e.group(residentGroup, li, "#报修 楼道灯不亮")
	e.private(zhao, "/metoo 1")
	e.add(25 * time.Hour)
	out := e.run("escalate")
	want := i18n.T("zh", i18n.EscResident1, 1)
	if got := one(t, out, residentGroup).Text; got != want {
		t.Errorf("the thread got %q, want %q", got, want)
	}
	if got := one(t, out, bot.ChatID(zhao.ID)).Text; got != want {
		t.Errorf("the follower got %q, want %q", got, want)
	}
}
