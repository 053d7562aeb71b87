package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// pollPlatform is a fakePlatform with native polls and pins.
type pollPlatform struct {
	fakePlatform
	mu      sync.Mutex
	polls   []bot.Outgoing
	pinned  []bot.MessageID
	pinErr  error
	pollErr error
}

func (p *pollPlatform) SendPoll(_ context.Context, out bot.Outgoing) (bot.MessageID, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pollErr != nil {
		return "", "", p.pollErr
	}
	p.polls = append(p.polls, out)
	return bot.MessageID(fmt.Sprint(500 + len(p.polls))), fmt.Sprint("poll-", len(p.polls)), nil
}

func (p *pollPlatform) Pin(_ context.Context, _ bot.ChatID, msg bot.MessageID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pinErr != nil {
		return p.pinErr
	}
	p.pinned = append(p.pinned, msg)
	return nil
}

func TestSenderPollsAndPins(t *testing.T) {
	db, clk := openDB(t)
	p := &pollPlatform{pinErr: fmt.Errorf("%w: not enough rights", bot.ErrPermanent)}
	type pinned struct {
		row int64
		msg bot.MessageID
		err error
	}
	var pins []pinned
	var polls []string
	var sentBefore []bool
	s := bot.NewSender(p, db.Outbox(), bot.SenderConfig{
		Now: clk.Now,
		PollSent: func(ctx context.Context, out bot.Outgoing, msg bot.MessageID, poll string) error {
			polls = append(polls, string(msg)+"/"+poll)
			sentBefore = append(sentBefore, status(t, db, out.ID).Status == "sent")
			return nil
		},
		Pinned: func(_ context.Context, out bot.Outgoing, msg bot.MessageID, err error) {
			pins = append(pins, pinned{out.ID, msg, err})
		},
	}, quiet)
	ids := enqueue(t, db,
		store.Out{Platform: bot.Telegram, Chat: "A", Text: "1. 周六\n2. 周日", Poll: &bot.Poll{Question: "哪天？", Options: []string{"周六", "周日"}}},
		store.Out{Platform: bot.Telegram, Chat: "A", Text: "board", Pin: true},
		store.Out{Platform: bot.Telegram, Chat: "A", Text: "plain"},
	)
	ctx := context.Background()
	if _, err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(p.polls) != 1 || p.polls[0].Poll.Options[1] != "周日" || fmt.Sprint(p.texts()) != "[A:board A:plain]" {
		t.Fatalf("polls %+v, texts %v", p.polls, p.texts())
	}
	if fmt.Sprint(polls) != "[501/poll-1]" || sentBefore[0] {
		t.Errorf("poll hook %v, called after the row was marked sent: %v", polls, sentBefore)
	}
	// The pin failed: the row is delivered all the same, the hook hears why.
	if len(pins) != 1 || pins[0].row != ids[1] || pins[0].msg != "1001" || !errors.Is(pins[0].err, bot.ErrPermanent) {
		t.Errorf("pins %+v", pins)
	}
	for _, id := range ids {
		if st := status(t, db, id).Status; st != "sent" {
			t.Errorf("row %d %s", id, st)
		}
	}

	// A platform without polls sends the text; without pins, nothing is pinned.
	plain := &fakePlatform{}
	s = bot.NewSender(plain, db.Outbox(), bot.SenderConfig{Now: clk.Now, Pinned: func(context.Context, bot.Outgoing, bot.MessageID, error) {
		t.Error("Pinned called for a platform that cannot pin")
	}}, quiet)
	enqueue(t, db,
		store.Out{Platform: bot.Telegram, Chat: "B", Text: "1. 周六\n2. 周日", Poll: &bot.Poll{Question: "哪天？", Options: []string{"周六", "周日"}}},
		store.Out{Platform: bot.Telegram, Chat: "B", Text: "board", Pin: true},
	)
	s.Flush(ctx)
	if got := fmt.Sprint(plain.texts()); got != "[B:1. 周六\n2. 周日 B:board]" {
		t.Errorf("sent %q", got)
	}
}
