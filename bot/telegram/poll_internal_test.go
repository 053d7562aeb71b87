package telegram

import (
	"reflect"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
)

func TestTranslatePollAnswer(t *testing.T) {
	me := identity{ID: 9000, Username: "Linli_bot"}
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	li := models.User{ID: 42, FirstName: "阿姨", LastName: "李", Username: "li_ayi"}
	got, ok := translate(&models.Update{ID: 77, PollAnswer: &models.PollAnswer{PollID: "5001", User: &li, OptionIDs: []int{1}}}, me, now)
	want := bot.Message{
		Platform: bot.Telegram, Chat: "42", ChatKind: bot.Private, ID: "poll:77",
		Sender: "42", SenderName: "阿姨 李", SenderUsername: "li_ayi", BotNames: []string{"Linli_bot"}, Time: now,
		PollAnswer: &bot.PollAnswer{Poll: "5001", Options: []int{1}},
	}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v\nwant %+v", got, ok, want)
	}
	// A retracted vote has no options.
	got, ok = translate(&models.Update{ID: 78, PollAnswer: &models.PollAnswer{PollID: "5001", User: &li}}, me, now)
	if !ok || got.PollAnswer == nil || len(got.PollAnswer.Options) != 0 {
		t.Errorf("retraction: %+v, %v", got, ok)
	}
	// An anonymous vote (a channel's voter_chat) cannot be counted per person.
	if _, ok := translate(&models.Update{ID: 79, PollAnswer: &models.PollAnswer{PollID: "5001", VoterChat: &models.Chat{ID: -100}}}, me, now); ok {
		t.Error("an anonymous vote was passed on")
	}
}
