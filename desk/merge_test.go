package desk_test

import (
	"strings"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Issue 18 item 3: duplicates fold into one ticket. Each closes as merged
// with an event naming the ticket, its resident hears so in its thread,
// its reporter and followers follow the ticket, the cards of both are
// edited, and resolving the ticket tells them all.
func TestMergeFoldsDuplicatesAndResolvingTellsThemAll(t *testing.T) {
	e := newEnv(t)
	one := e.file("1", "3号楼电梯坏了")
	two := e.file("2", "3号楼电梯又坏了")
	three := e.file("3", "3号楼的电梯不动了")
	e.drain()
	e.follow("4", secondGroup, two.ID)
	e.drain()

	o := e.mustAct("200", staffGroup, one.ID, desk.Change{Action: desk.ActMerge, Merge: []int64{two.ID, three.ID, two.ID}})
	out := e.drain()
	if got, want := o.Answer("zh"), i18n.T("zh", i18n.MergeDone, "#2、#3", 1, 1); got != want {
		t.Errorf("answer %q, want %q", got, want)
	}
	// Each duplicate's resident is told in its thread (a reply to their report).
	thread := to(out, residentGroup)
	if len(thread) != 2 || thread[0].ReplyTo != "m2" || thread[1].ReplyTo != "m3" ||
		!strings.Contains(thread[0].Text, "#2 和 #1") || !strings.Contains(thread[1].Text, "#3 和 #1") {
		t.Errorf("the duplicates' threads:\n%s", texts(out))
	}
	// The follower of #2 hears of it where she reads.
	if got := to(out, secondGroup); len(got) != 1 || !strings.Contains(got[0].Text, "#2 和 #1") {
		t.Errorf("the follower of #2:\n%s", texts(out))
	}
	// The cards of #2 and #3 say where they went; #1's staff card lists them.
	closed := i18n.T("zh", i18n.StatusClosed)
	var merged, from int
	for _, ed := range append(edits(out, residentGroup), edits(out, staffGroup)...) {
		switch {
		case strings.Contains(ed.Text, i18n.T("zh", i18n.CardMergedInto, 1)) && strings.Contains(ed.Text, closed):
			merged++
		case strings.Contains(ed.Text, i18n.T("zh", i18n.CardMergedFrom, "#2、#3")):
			from++
		}
	}
	if merged != 4 || from != 1 {
		t.Errorf("card edits: %d of the duplicates' (want 4), %d of #1's staff card (want 1):\n%s", merged, from, texts(out))
	}
	e.update(func(tx *store.Tx) error {
		for _, id := range []int64{two.ID, three.ID} {
			tk, err := tx.Ticket(id)
			if err != nil {
				return err
			}
			if tk.Status != store.StatusClosed || tk.MergedInto != one.ID || tk.ClosedAt.IsZero() {
				t.Errorf("#%d: %s, merged into %d", id, tk.Status, tk.MergedInto)
			}
			evs, err := tx.Events(id)
			if err != nil {
				return err
			}
			if last := evs[len(evs)-1]; last.Action != "merged" || last.Note != "#1" {
				t.Errorf("#%d's last event: %s %q", id, last.Action, last.Note)
			}
		}
		evs, err := tx.Events(one.ID)
		if err != nil {
			return err
		}
		var notes []string
		for _, ev := range evs {
			if ev.Action == "merge" {
				notes = append(notes, ev.Note)
			}
		}
		if strings.Join(notes, " ") != "#2 #3" {
			t.Errorf("#1's merge events: %q", notes)
		}
		fs, err := tx.Followers(one.ID)
		if err != nil {
			return err
		}
		var keys []string
		for _, f := range fs {
			keys = append(keys, string(f.Key))
		}
		if strings.Join(keys, " ") != "2 3 4" {
			t.Errorf("#1's followers: %v, want the reporters of #2 and #3 and #2's follower", keys)
		}
		return nil
	})

	// A duplicate is done with: its reporter is pointed to the ticket.
	if _, err := e.act("2", "2", two.ID, desk.Change{Action: store.ActRate, Rating: 1}); store.ErrorCode(err) != store.EINVALID {
		t.Errorf("rating a merged ticket: %v", err)
	}

	e.mustAct("200", staffGroup, one.ID, desk.Change{Action: store.ActResolve})
	out = e.drain()
	// The reporter in the thread; Tom privately; 赵姐 in her group; 王叔
	// (no private chat, of the resident group) reads the thread.
	for chat, n := range map[bot.ChatID]int{residentGroup: 1, "2": 1, secondGroup: 1, "3": 0, "4": 0} {
		if got := to(out, chat); len(got) != n || (n == 1 && !strings.Contains(got[0].Text, "#1 已处理完成")) {
			t.Errorf("resolve: %s got %d, want %d:\n%s", chat, len(got), n, texts(out))
		}
	}
}

// A merge is for the community's staff, of active tickets of that one community.
func TestMergeRefusals(t *testing.T) {
	e := newEnv(t)
	one := e.file("1", "楼道灯不亮")
	two := e.file("2", "楼道的灯不亮了")
	e.drain()
	var lake *store.Ticket
	e.update(func(tx *store.Tx) error {
		zhang, err := tx.PersonByKey(bot.Telegram, "200")
		if err != nil {
			return err
		}
		other, err := tx.CommunityByName("Lakeside")
		if err != nil {
			return err
		}
		if _, err := tx.Grant(zhang.ID, other.ID, store.RoleStaff, 0); err != nil {
			return err
		}
		chat, err := tx.ChatByKey(bot.Telegram, otherGroup)
		if err != nil {
			return err
		}
		o, err := e.d.File(tx, e.in(tx, "6", otherGroup), desk.Filing{Kind: store.KindRepair, Text: "Lift broken", Community: other, Chat: chat, MsgID: "x"})
		lake = o.Ticket
		return err
	})
	e.mustAct("200", staffGroup, two.ID, desk.Change{Action: store.ActResolve})
	e.drain()
	for _, c := range []struct {
		who  bot.UserID
		chat bot.ChatID
		into int64
		dups []int64
		key  string
	}{
		{"1", residentGroup, one.ID, []int64{two.ID}, "not_staff"},
		{"200", "200", one.ID, []int64{one.ID}, "merge_self"},
		{"200", "200", one.ID, []int64{lake.ID}, "merge_other_community"},
		{"200", staffGroup, one.ID, []int64{lake.ID}, "no_ticket"}, // the group's community only
		{"200", "200", one.ID, []int64{two.ID}, "bad_transition"},  // #2 is resolved
		{"200", "200", one.ID, nil, "usage"},
	} {
		_, err := e.act(c.who, c.chat, c.into, desk.Change{Action: desk.ActMerge, Merge: c.dups})
		var se *store.Error
		if !asStoreError(err, &se) || se.Key != c.key {
			t.Errorf("merge %v into #%d by %s in %s: %v, want %s", c.dups, c.into, c.who, c.chat, err, c.key)
		}
	}
	if out := e.drain(); len(out) != 0 {
		t.Errorf("refused merges sent:\n%s", texts(out))
	}
}
