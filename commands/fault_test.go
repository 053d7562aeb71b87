package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// TestFullDiskLosesNoTicket fills the database to its cap (SQLITE_FULL, as
// on a full disk) while residents keep filing tickets. A message either
// becomes its ticket or fails as a whole, with nothing kept and nothing
// answered, so that the adapter hands it in again: once there is room
// again, every message is exactly one ticket, and nobody was told
// "something went wrong" about a ticket that then did not exist. (Each
// message is from another resident: five tickets in ten minutes is the
// limit for one.)
func TestFullDiskLosesNoTicket(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var pages int64
	h.db.View(ctx, func(tx *store.Tx) error {
		return h.db.SQL().QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages)
	})
	if _, err := h.db.CapPages(ctx, pages); err != nil {
		t.Fatal(err)
	}
	const n = 60
	var failed []bot.Message
	for i := range n {
		m := bot.Message{Chat: residentGroup, ChatKind: bot.Group, ID: bot.MessageID(fmt.Sprint("full-", i)),
			Sender: bot.UserID(fmt.Sprint(5000 + i)), SenderName: fmt.Sprint("业主", i),
			Text: fmt.Sprintf("#报修 %d号楼的电梯按钮坏了，麻烦尽快派师傅来看看，谢谢！%s", i, strings.Repeat("很急", 20))}
		h.Stamp(&m)
		err := h.svc.Handle(ctx, &m)
		if err == nil {
			continue
		}
		if _, ok := store.Fault(err); !ok {
			t.Fatalf("message %d: %v, want a storage fault", i, err)
		}
		failed = append(failed, m)
	}
	if len(failed) == 0 {
		t.Fatal("the cap never filled the database: the test proves nothing")
	}
	if _, err := h.db.CapPages(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	// The adapter hands the failed ones in again.
	for _, m := range failed {
		if err := h.svc.Handle(ctx, &m); err != nil {
			t.Fatalf("once there is room: %v", err)
		}
	}
	var tickets int
	h.db.View(ctx, func(tx *store.Tx) error {
		return h.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM tickets").Scan(&tickets)
	})
	if tickets != n {
		t.Errorf("%d tickets from %d messages (%d failed on the full disk)", tickets, n, len(failed))
	}
	for _, o := range h.drain() {
		if strings.Contains(o.Text, i18n.T("zh", i18n.ErrInternal)) {
			t.Errorf("a resident was told %q", o.Text)
		}
	}
}
