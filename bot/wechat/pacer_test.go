package wechat

import (
	"context"
	"testing"
	"time"
)

// TestPacerBudget: the sends the pace allows in the next ten seconds, less
// the wait already reserved, whatever the chat.
func TestPacerBudget(t *testing.T) {
	p := &pacer{pace: DefaultPace, jitter: DefaultPace / 3}
	if got := p.ChatBudget("阳光花园业主群", 10*time.Second); got != 6 { // at 0, 1.75, 3.5, 5.25, 7, 8.75 s
		t.Errorf("idle account: %d, want 6", got)
	}
	// A send taken (it goes at once): the next slot is 1.5–2 s ahead.
	if err := p.Wait(context.Background(), "x"); err != nil {
		t.Fatal(err)
	}
	if got := p.ChatBudget("别的群", 10*time.Second); got < 5 || got > 6 {
		t.Errorf("after a send: %d, want 5 or 6", got)
	}
	if got := p.ChatBudget("x", time.Second); got != 0 {
		t.Errorf("within the reserved wait: %d, want 0", got)
	}
}
