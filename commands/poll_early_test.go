package commands_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/linli/linli/bot"
)

// Telegram shows a poll to the group before the bot's send returns: votes can
// arrive before the poll's id is recorded. They wait, and count once it is.
func TestPollAnswersBeforeThePollIsRecorded(t *testing.T) {
	h := newHarness(t)
	var poll bot.Outgoing
	for _, o := range h.private(manager, "/poll 周末活动选哪天？ | 周六 | 周日") {
		if o.Poll != nil && o.Chat == residentGroup {
			poll = o
		}
	}
	if poll.Poll == nil {
		t.Fatal("no native poll queued for the resident group")
	}
	answer := func(update int, p person, options ...int) {
		t.Helper()
		h.send(bot.Message{Chat: bot.ChatID(p.ID), ChatKind: bot.Private, ID: bot.MessageID(fmt.Sprint("poll:", update)),
			Sender: p.ID, SenderName: p.Name, PollAnswer: &bot.PollAnswer{Poll: "5001", Options: options}})
	}
	votes := func() map[string]int {
		got := map[string]int{}
		for _, p := range []person{li, tom, zhang} {
			var choice int
			err := h.db.SQL().QueryRow(`SELECT v.choice FROM poll_votes v JOIN people p ON p.ID = v.person_id WHERE p.user_key = ?`, p.ID).Scan(&choice)
			if err == nil {
				got[p.Name] = choice
			}
		}
		return got
	}
	answer(1, li, 1)
	answer(2, tom, 0)
	answer(3, tom) // Tom takes his vote back
	answer(1, li, 1)
	answer(4, zhang, 0)
	if v := votes(); len(v) != 0 {
		t.Fatalf("votes counted before the poll is known: %v", v)
	}
	if n := h.count("SELECT count(*) FROM poll_answers_early"); n != 4 {
		t.Fatalf("%d answers waiting, want 4 (one was a repeat)", n)
	}
	if err := h.svc.PollPosted(context.Background(), poll, "s900", "5001"); err != nil {
		t.Fatal(err)
	}
	if v := votes(); !reflect.DeepEqual(v, map[string]int{li.Name: 1, zhang.Name: 0}) {
		t.Errorf("votes after the poll was recorded = %v, want 李阿姨 → 周日, 张师傅 → 周六, Tom none", v)
	}
	if n := h.count("SELECT count(*) FROM poll_answers_early"); n != 0 {
		t.Errorf("%d answers still waiting", n)
	}
	// From now on votes count at once.
	answer(5, tom, 1)
	if v := votes(); v[tom.Name] != 1 {
		t.Errorf("Tom's vote after the poll was recorded: %v", v)
	}
	// An answer for a poll that never gets recorded waits a day, then goes.
	h.send(bot.Message{Chat: bot.ChatID(li.ID), ChatKind: bot.Private, ID: "poll:7", Sender: li.ID, SenderName: li.Name,
		PollAnswer: &bot.PollAnswer{Poll: "9999", Options: []int{0}}})
	h.Clock.Add(25 * time.Hour)
	h.send(bot.Message{Chat: bot.ChatID(tom.ID), ChatKind: bot.Private, ID: "poll:8", Sender: tom.ID, SenderName: tom.Name,
		PollAnswer: &bot.PollAnswer{Poll: "9998", Options: []int{0}}})
	if n := h.count("SELECT count(*) FROM poll_answers_early WHERE native_id = '9999'"); n != 0 {
		t.Errorf("an answer to an unknown poll still waits after a day")
	}
}
