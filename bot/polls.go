package bot

import (
	"context"
)

// Poll is a question with options, sent as a native poll where the platform
// has them.
type Poll struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
}

// PollAnswer is one person's vote in a native poll the bot sent.
type PollAnswer struct {
	// Poll is the platform's id of the poll (as PollSender returned it).
	Poll string
	// Options are the chosen options, 0-based; none means the vote was retracted.
	Options []int
}

// Pinner is implemented by platforms that can pin a message in a chat (where
// the bot has the right to).
type Pinner interface {
	Pin(ctx context.Context, chat ChatID, msg MessageID) error
}

// PollSender is implemented by platforms with native polls. SendPoll sends
// out.Poll to out.Chat and returns the message's id and the poll's id, which
// later PollAnswers name.
type PollSender interface {
	SendPoll(ctx context.Context, out Outgoing) (msg MessageID, poll string, err error)
}

// send delivers a row: a native poll where the row has one and the platform
// can, else the row's text. It also returns the poll's id, if one was sent.
func (s *Sender) send(ctx context.Context, r Outgoing) (MessageID, string, error) {
	if ps, ok := s.p.(PollSender); ok && r.Poll != nil && r.Edit == "" {
		return ps.SendPoll(ctx, r)
	}
	id, err := s.p.Send(ctx, r)
	return id, "", err
}

// pollSent reports a native poll's id before its row is marked sent: should
// the process die in between, the row goes out again and both polls are known.
func (s *Sender) pollSent(ctx context.Context, r Outgoing, msg MessageID, poll string) {
	if poll == "" || s.cfg.PollSent == nil {
		return
	}
	if err := s.cfg.PollSent(ctx, r, msg, poll); err != nil {
		s.log.Error("record poll", "id", r.ID, "err", err)
	}
}

// pin pins a delivered row's message when the row asks for it. It is best
// effort: the message is out whether or not the pin works, and the outcome
// goes to the Pinned hook (lacking the right to pin is for managers to fix).
func (s *Sender) pin(ctx context.Context, r Outgoing, msg MessageID) {
	if !r.Pin || msg == "" {
		return
	}
	p, ok := s.p.(Pinner)
	if !ok {
		return
	}
	err := p.Pin(ctx, r.Chat, msg)
	if err != nil {
		s.log.Warn("pin failed", "id", r.ID, "chat", r.Chat, "err", err)
	}
	if s.cfg.Pinned != nil {
		s.cfg.Pinned(ctx, r, msg, err)
	}
}
