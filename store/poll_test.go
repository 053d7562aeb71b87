package store_test

import (
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestPollVotesAndNativeIDs(t *testing.T) {
	db, c := MustOpen(t)
	var poll *store.Poll
	var row int64
	var li, tom *store.Person
	mustUpdate(t, db, func(tx *store.Tx) error {
		comm, _, err := tx.CreateCommunity("阳光花园", "zh", "")
		if err != nil {
			return err
		}
		if poll, err = tx.AddPoll(store.Poll{CommunityID: comm.ID, Question: " 哪天？ ", Options: []string{"周六", " 周日 "}}); err != nil {
			return err
		}
		if row, err = tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-1", Text: "1. 周六\n2. 周日", Poll: &bot.Poll{Question: "哪天？", Options: poll.Options}}); err != nil {
			return err
		}
		if err := tx.AddPollPost(poll.ID, row, bot.Telegram, "-1"); err != nil {
			return err
		}
		li, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "1", Name: "李阿姨"})
		if err != nil {
			return err
		}
		tom, err = tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: "2", Name: "Tom"})
		return err
	})
	if poll.Question != "哪天？" || poll.Options[1] != "周日" || !poll.ClosesAt.Equal(c.now.Add(store.PollLifetime)) {
		t.Fatalf("poll = %+v", poll)
	}
	rows, err := db.Outbox().Due(ctx(), bot.Telegram, 10)
	if err != nil || len(rows) != 1 || rows[0].Poll == nil || rows[0].Poll.Options[0] != "周六" {
		t.Fatalf("due = %+v, %v", rows, err)
	}

	// Sent twice (a crash before it was marked sent): both polls lead to it.
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, id := range []string{"p1", "p2", "p2"} {
			if err := tx.PollPosted(row, id); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, id := range []string{"p1", "p2"} {
			p, err := tx.PollByNative(bot.Telegram, id)
			if err != nil || p == nil || p.ID != poll.ID {
				t.Errorf("poll of %s = %+v, %v", id, p, err)
			}
		}
		if p, err := tx.PollByNative(bot.Telegram, "p3"); p != nil || err != nil {
			t.Errorf("unknown poll = %+v, %v", p, err)
		}
		// A native poll is not answered by typing a number.
		if p, err := tx.NumberedPoll(bot.Telegram, "-1", ""); p != nil || err != nil {
			t.Errorf("numbered poll in a chat with a native one = %+v, %v", p, err)
		}
		// One vote per person; voting again replaces it.
		for _, v := range []struct {
			who    *store.Person
			choice int
			prev   int
		}{{li, 0, -1}, {tom, 1, -1}, {li, 1, 0}, {li, 1, 1}} {
			prev, err := tx.Vote(poll.ID, v.who.ID, v.choice)
			if err != nil || prev != v.prev {
				t.Errorf("vote %s %d: prev %d, %v; want %d", v.who.Name, v.choice, prev, err, v.prev)
			}
		}
		res, err := tx.PollResult(poll)
		if err != nil || res.Total != 2 || res.Counts[0] != 0 || res.Counts[1] != 2 {
			t.Errorf("result = %+v, %v", res, err)
		}
		if err := tx.Unvote(poll.ID, tom.ID); err != nil {
			return err
		}
		res, _ = tx.PollResult(poll)
		if res.Total != 1 {
			t.Errorf("after a retraction: %+v", res)
		}
		return nil
	})
	if err := store.CheckPoll("问题", []string{"甲", "甲 "}); store.ErrorCode(err) != store.EINVALID {
		t.Errorf("a repeated option passed: %v", err)
	}
	if err := store.CheckPoll("问题", []string{"甲"}); store.ErrorCode(err) != store.EINVALID {
		t.Errorf("one option passed: %v", err)
	}
}
