package telegram_test

import (
	"context"
	"errors"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram/telegramtest"
)

func TestSendPoll(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()
	out := bot.Outgoing{Chat: "-1001001", Text: "🗳 投票 #1：哪天？\n1. 周六\n2. 周日", Poll: &bot.Poll{Question: "哪天？", Options: []string{"周六", "周日"}}}
	id, poll, err := f.tg.SendPoll(ctx, out)
	if err != nil || poll == "" {
		t.Fatalf("SendPoll: %q, %q, %v", id, poll, err)
	}
	m := f.sent(t, out.Chat, id)
	if m.Kind != telegramtest.KindPoll || m.Poll.ID != poll || m.Poll.IsAnonymous || m.Poll.Type != "regular" || len(m.Poll.Options) != 2 {
		t.Errorf("sent %+v poll %+v", m, m.Poll)
	}
	// A group that refuses polls gets the numbered list instead.
	f.srv.FailNext("sendPoll", telegramtest.Failure{Kind: telegramtest.FailError, Code: 400, Description: "Bad Request: not enough rights to send polls to the chat"})
	id, poll, err = f.tg.SendPoll(ctx, out)
	if err != nil || poll != "" {
		t.Fatalf("fallback: %q, %q, %v", id, poll, err)
	}
	if m := f.sent(t, out.Chat, id); m.Kind != telegramtest.KindMessage || m.Text != out.Text {
		t.Errorf("fallback sent %+v", m)
	}
}

func TestPin(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()
	id, _ := f.send(t, bot.Outgoing{Chat: "-1001001", Text: "📌 公告栏\n暂无"})
	// A plain member of a supergroup may not pin: permanent, not a gone chat.
	err := f.tg.Pin(ctx, "-1001001", id)
	var gone *bot.ChatGoneError
	if !errors.Is(err, bot.ErrPermanent) || errors.As(err, &gone) {
		t.Fatalf("pin without the right: %v", err)
	}
	f.srv.SetMember(residents.ID, f.srv.Bot(), models.ChatMemberTypeAdministrator)
	if err := f.tg.Pin(ctx, "-1001001", id); err != nil {
		t.Fatal(err)
	}
	if p := f.srv.Pinned(residents.ID); len(p) != 1 || itoa(p[0]) != string(id) {
		t.Errorf("pinned %v", p)
	}
	calls := f.srv.CallsTo("pinChatMessage")
	if last := calls[len(calls)-1]; last.Params["disable_notification"] != "true" {
		t.Errorf("pin params %v", last.Params)
	}
}
