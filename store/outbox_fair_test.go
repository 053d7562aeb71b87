package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestDueGivesEveryChatItsShare(t *testing.T) {
	db, _ := MustOpen(t)
	// 150 private messages to one person, then a new ticket's card in a group.
	mustUpdate(t, db, func(tx *store.Tx) error {
		for i := range 150 {
			if _, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "42", Text: fmt.Sprint("notice ", i)}); err != nil {
				return err
			}
		}
		_, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-1001", Text: "工单 #1"})
		return err
	})
	rows, err := db.Outbox().Due(ctx(), bot.Telegram, 100)
	if err != nil {
		t.Fatal(err)
	}
	per := map[bot.ChatID][]string{}
	for _, r := range rows {
		per[r.Chat] = append(per[r.Chat], r.Text)
	}
	if got := per["-1001"]; len(got) != 1 {
		t.Fatalf("the card is not among the rows due behind a backlog of 150: %d rows, %d chats", len(rows), len(per))
	}
	if got := per["42"]; len(got) != store.DuePerChat || got[0] != "notice 0" || got[len(got)-1] != fmt.Sprint("notice ", store.DuePerChat-1) {
		t.Errorf("the backlogged chat's rows: %q, want its oldest %d in order", got, store.DuePerChat)
	}
}

func TestDeferredRowWaitsWithoutHoldingItsChat(t *testing.T) {
	db, clk := MustOpen(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "42", Text: "digest", NotBefore: clk.Now().Add(2 * time.Minute)}); err != nil {
			return err
		}
		_, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "42", Text: "reply"})
		return err
	})
	texts := func() (out []string) {
		rows, err := db.Outbox().Due(ctx(), bot.Telegram, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out = append(out, r.Text)
		}
		return out
	}
	if got := fmt.Sprint(texts()); got != "[reply]" {
		t.Errorf("due before the digest's time: %s, want the reply alone", got)
	}
	clk.Add(2 * time.Minute)
	if got := fmt.Sprint(texts()); got != "[digest reply]" {
		t.Errorf("due at the digest's time: %s", got)
	}
	// A row waiting for a retry still holds back what follows it.
	rows, _ := db.Outbox().Due(ctx(), bot.Telegram, 100)
	if err := db.Outbox().Retry(ctx(), rows[0].ID, clk.Now().Add(time.Minute), "500", true); err != nil {
		t.Fatal(err)
	}
	if got := texts(); len(got) != 0 {
		t.Errorf("due behind a row waiting for its retry: %q", got)
	}
}

func TestRecentSendsAndRewritePending(t *testing.T) {
	db, clk := MustOpen(t)
	var ids []int64
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, chat := range []bot.ChatID{"-1", "-2", "-1"} {
			id, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: chat, Text: "m " + string(chat)})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err := db.Outbox().Sent(ctx(), ids[0], "1"); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute)
	if err := db.Outbox().Sent(ctx(), ids[1], "2"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Outbox().RecentSends(ctx(), bot.Telegram, clk.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Chat != "-2" || !got[0].At.Equal(clk.Now()) {
		t.Errorf("sends of the last minute: %+v", got)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		if ok, err := tx.RewritePending(ids[2], "new text"); err != nil || !ok {
			t.Errorf("rewrite a pending row: %v %v", ok, err)
		}
		if ok, err := tx.RewritePending(ids[0], "too late"); err != nil || ok {
			t.Errorf("rewrite a sent row: %v %v", ok, err)
		}
		return nil
	})
	rows, _ := db.Outbox().Due(ctx(), bot.Telegram, 10)
	if len(rows) != 1 || rows[0].Text != "new text" {
		t.Errorf("pending after the rewrite: %+v", rows)
	}
}
