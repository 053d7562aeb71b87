package desk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestBigramSimilarity(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		// 3号楼电梯坏了 → 3号 号楼 楼电 电梯 梯坏 坏了 (6); the other shares 电梯 梯坏 坏了.
		{"3号楼电梯坏了", "3号楼电梯坏了", 1},
		{"3号楼电梯坏了！", "  3号楼 电梯，坏了", 1}, // punctuation and spaces do not count
		{"3号楼电梯坏了", "5栋电梯坏了", 3.0 / 8},
		{"Lift BROKEN", "lift broken", 1},
		{"aaaa", "aa", 1}, // sets: repeats count once
		{"漏水", "停电", 0},
		{"", "停电", 0},
		{"！", "！", 0}, // nothing to compare
	} {
		got := jaccard(bigrams(c.a), bigrams(c.b))
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("similarity(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// The duplicate hint's candidates live in memory and are added before their
// transaction commits: whatever the list holds, a hint names only a ticket
// that exists as remembered and is still active, and a fresh list (after a
// restart) is read from the database.
func TestRecentTicketsHintOnlyRealActiveTickets(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "hint.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	var comm *store.Community
	var chat *store.Chat
	people := map[string]*store.Person{}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		if comm, _, err = tx.CreateCommunity("阳光花园", "zh", ""); err != nil {
			return err
		}
		if chat, err = tx.SeeChat(bot.Telegram, "-1", bot.Group, "业主群"); err != nil {
			return err
		}
		for _, name := range []string{"li", "wang", "zhao", "qian"} {
			if people[name], err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: bot.UserID(name), Name: name}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var c recentTickets
	msg := 0
	// file creates a ticket and returns it and the hint's ticket (0: none);
	// with rollback the transaction is then rolled back.
	file := func(c *recentTickets, who, text string, rollback bool) (tk *store.Ticket, hint int64) {
		t.Helper()
		msg++
		errRollback := errors.New("rollback")
		err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			tk, err = tx.CreateTicket(store.NewTicket{Community: comm, Kind: store.KindRepair, Text: text, Reporter: people[who], Chat: chat, MsgID: bot.MessageID(fmt.Sprint(msg))})
			if err != nil {
				return err
			}
			o, err := c.similar(tx, tk)
			if err != nil {
				return err
			}
			if o != nil {
				hint = o.ID
			}
			if rollback {
				return errRollback
			}
			return nil
		})
		if err != nil && !(rollback && errors.Is(err, errRollback)) {
			t.Fatal(err)
		}
		return tk, hint
	}

	// A ticket that was rolled back is not hinted, even though another
	// ticket now has its number.
	ghost, _ := file(&c, "li", "3号楼电梯坏了", true)
	other, _ := file(&c, "zhao", "地下车库漏水", false)
	if other.ID != ghost.ID {
		t.Logf("the rolled-back number %d was not reused (%d)", ghost.ID, other.ID)
	}
	first, hint := file(&c, "wang", "3号楼电梯坏了", false)
	if hint != 0 {
		t.Errorf("hint to #%d: the only ticket like it was rolled back", hint)
	}
	lift, hint := file(&c, "qian", "3号楼的电梯坏了", false)
	if hint != first.ID {
		t.Errorf("hint = #%d, want #%d", hint, first.ID)
	}
	// Someone else's like ticket is hinted, the earliest of them (not the
	// latest); one's own never.
	if _, hint := file(&c, "li", "3号楼的电梯坏了！", false); hint != first.ID {
		t.Errorf("hint = #%d, want #%d (the earliest like it, not #%d)", hint, first.ID, lift.ID)
	}
	if _, hint := file(&c, "qian", "3号楼的电梯坏了", false); hint == lift.ID {
		t.Errorf("hinted the reporter's own ticket #%d", hint)
	}
	// After a restart the list is read back from the database.
	var fresh recentTickets
	if _, hint := file(&fresh, "zhao", "3号楼的电梯坏了！", false); hint == 0 {
		t.Error("no hint after a restart")
	}
	// A closed ticket is no longer hinted.
	if err := db.Update(ctx, func(tx *store.Tx) error {
		rows, err := tx.RecentActiveTickets(comm.ID, clock.Add(-time.Hour), 100)
		if err != nil {
			return err
		}
		for _, b := range rows {
			if b.ID == other.ID {
				continue
			}
			tk, err := tx.Ticket(b.ID)
			if err != nil {
				return err
			}
			if _, err := tx.Apply(tk, store.Change{Action: store.ActCancel, Actor: people["li"]}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, hint := file(&c, "wang", "3号楼电梯坏了", false); hint != 0 {
		t.Errorf("hint to #%d, which is cancelled", hint)
	}
	// A day later, nothing from the day before counts.
	if _, hint := file(&c, "li", "地下车库漏水", false); hint != other.ID {
		t.Errorf("hint = #%d, want #%d", hint, other.ID)
	}
	clock = clock.Add(hintWindow + time.Minute)
	if _, hint := file(&c, "wang", "地下车库漏水", false); hint != 0 {
		t.Errorf("hint to #%d, filed more than a day ago", hint)
	}
	// The list stays bounded.
	for i := range 3 * hintCandidates {
		file(&c, "li", fmt.Sprint("第", i, "件事"), false)
	}
	if n := len(c.by[comm.ID]); n > hintCandidates {
		t.Errorf("list holds %d tickets, max %d", n, hintCandidates)
	}
}

// Numbers that differ make tickets different, however alike the words.
func TestSameNumbers(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"2号楼第2单元电梯坏了", "1号楼第1单元电梯坏了", false},
		{"2号楼第2单元电梯坏了", "2号楼第1单元电梯坏了", false},
		{"3号楼电梯不动了", "3号楼电梯又不动了", true},
		{"3号楼电梯坏了2天", "3号楼电梯坏了", true}, // one says more
		{"电梯坏了", "3号楼电梯坏了", true},
		{"３号楼电梯坏了", "3号楼电梯坏了", true}, // full-width digits
		{"03栋漏水", "3栋漏水", true},
		{"12栋漏水", "1栋2单元漏水", false},
	} {
		if got := sameNumbers(c.a, c.b); got != c.want {
			t.Errorf("sameNumbers(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
