package store_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// fourPerDigest is a DigestRender that puts four entries in a digest, each a
// line "#N name", and mentions every name.
func fourPerDigest(p bot.PlatformID, lang, role string, es []store.DigestEntry) []store.Digest {
	var out []store.Digest
	for len(es) > 0 {
		n := min(4, len(es))
		d := store.Digest{Entries: n, Text: fmt.Sprintf("%s %s %d", lang, role, n)}
		for _, e := range es[:n] {
			d.Text += "\n"
			d.Mentions = append(d.Mentions, bot.Mention{Offset: len(d.Text) + len(fmt.Sprintf("#%d ", e.Ticket)), Length: len(e.Reporter), User: e.User})
			d.Text += fmt.Sprintf("#%d %s", e.Ticket, e.Reporter)
		}
		out = append(out, d)
		es = es[n:]
	}
	return out
}

// burst files n tickets from n residents in the resident group, each with
// its card there, and returns the cards' outbox rows.
func burst(t *testing.T, db *store.DB, f fixture, from, n int) []int64 {
	t.Helper()
	var cards []int64
	mustUpdate(t, db, func(tx *store.Tx) error {
		for i := from; i < from+n; i++ {
			p, err := tx.SeePerson(store.Sighting{Platform: bot.Telegram, Key: bot.UserID(fmt.Sprint(1000 + i)), Name: fmt.Sprint("住户", i), Chat: f.resident})
			if err != nil {
				return err
			}
			tk, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "停水了", Reporter: p, Chat: f.resident, MsgID: bot.MessageID(fmt.Sprint(i + 1))})
			if err != nil {
				return err
			}
			id, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: f.resident.Key, ReplyTo: bot.MessageID(fmt.Sprint(i + 1)), Text: fmt.Sprint("工单 #", tk.ID),
				TicketID: tk.ID, LinkRole: store.RoleCard})
			if err != nil {
				return err
			}
			cards = append(cards, id)
		}
		return nil
	})
	return cards
}

func dueIn(t *testing.T, q store.Outbox, chat bot.ChatID) []bot.Outgoing {
	t.Helper()
	rows, err := q.Due(ctx(), bot.Telegram, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []bot.Outgoing
	for _, r := range rows {
		if r.Chat == chat {
			out = append(out, r)
		}
	}
	return out
}

// TestCoalesceNothingLostNothingTwice merges a group's ten cards into three
// digests, "crashes" (closes the database) after the merge and again after
// the first digest went out, and checks that every card is delivered once,
// by the digest that carries it, which links its message to every ticket.
func TestCoalesceNothingLostNothingTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linli.db")
	db, err := store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	f := setup(t, db)
	cards := burst(t, db, f, 0, 10)
	q := db.Outbox().WithDigests(fourPerDigest)

	// Within budget: nothing merged.
	if n, err := q.Coalesce(ctx(), bot.Telegram, f.resident.Key, 10, 0); err != nil || n != 0 {
		t.Fatalf("within budget: merged %d, %v", n, err)
	}
	// Over it (the other pending rows count too): all ten, into three digests.
	if n, err := q.Coalesce(ctx(), bot.Telegram, f.resident.Key, 10, 1); err != nil || n != 10 {
		t.Fatalf("over budget: merged %d, %v; want 10", n, err)
	}
	db.Close() // a crash between the merge and the first send

	db, err = store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	q = db.Outbox().WithDigests(fourPerDigest)
	due := dueIn(t, q, f.resident.Key)
	if len(due) != 3 || due[0].Text != "zh card 4\n#1 住户0\n#2 住户1\n#3 住户2\n#4 住户3" || due[2].Text != "zh card 2\n#9 住户8\n#10 住户9" {
		t.Fatalf("due after the merge: %+v", due)
	}
	if m := due[0].Mentions; len(m) != 4 || due[0].Text[m[1].Offset:m[1].Offset+m[1].Length] != "住户1" || m[1].User != "1001" {
		t.Errorf("mentions of the first digest: %+v", m)
	}
	for _, d := range due {
		if d.Mergeable || d.ReplyTo != "" {
			t.Errorf("digest %d: mergeable %v, reply to %q", d.ID, d.Mergeable, d.ReplyTo)
		}
	}
	// Merging again finds nothing new: no card is in two digests.
	if n, err := q.Coalesce(ctx(), bot.Telegram, f.resident.Key, 0, 0); err != nil || n != 0 {
		t.Fatalf("second merge: %d, %v", n, err)
	}
	// The first digest goes out; then a crash.
	if err := q.Sent(ctx(), due[0].ID, "501"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	q = db.Outbox().WithDigests(fourPerDigest)
	rest := dueIn(t, q, f.resident.Key)
	if len(rest) != 2 || rest[0].ID != due[1].ID || rest[1].ID != due[2].ID {
		t.Fatalf("due after the first digest: %+v", rest)
	}
	for i, d := range rest {
		if err := q.Sent(ctx(), d.ID, bot.MessageID(fmt.Sprint(502+i))); err != nil {
			t.Fatal(err)
		}
	}
	if rows := dueIn(t, q, f.resident.Key); len(rows) != 0 {
		t.Fatalf("still due: %+v", rows)
	}
	// Each card: sent once, as its digest's message.
	var msgs []string
	for _, id := range cards {
		var r *store.OutboxRow
		var msg string
		mustUpdate(t, db, func(tx *store.Tx) error {
			var err error
			r, err = tx.OutboxRowByID(id)
			if err != nil {
				return err
			}
			return db.SQL().QueryRow(`SELECT platform_msg_id FROM outbox WHERE id = ?`, id).Scan(&msg)
		})
		if r.Status != "sent" || r.Attempts != 1 {
			t.Errorf("card %d: %s after %d attempts", id, r.Status, r.Attempts)
		}
		msgs = append(msgs, msg)
	}
	if got := strings.Join(msgs, " "); got != "501 501 501 501 502 502 502 502 503 503" {
		t.Errorf("cards delivered as %s", got)
	}
	// The digest's message links to each of its tickets; a card's edit is
	// not queued (the digest cannot be edited for one ticket).
	mustUpdate(t, db, func(tx *store.Tx) error {
		ids, err := tx.DigestTickets(bot.Telegram, f.resident.Key, "502")
		if err != nil {
			return err
		}
		if fmt.Sprint(ids) != "[5 6 7 8]" {
			t.Errorf("digest 502 carries %v", ids)
		}
		id, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: f.resident.Key, EditOf: cards[0], Text: "工单 #1 处理中"})
		if err != nil || id != 0 {
			t.Errorf("edit of a card a digest carried: row %d, %v", id, err)
		}
		return nil
	})
	// A restarted sender does not count the merged cards as messages sent.
	recent, err := q.RecentSends(ctx(), bot.Telegram, t0.Add(-3600e9))
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 3 {
		t.Errorf("recent sends = %d, want the 3 digests", len(recent))
	}
}

// TestCoalesceFoldsAndLeavesAlone: new cards join the chat's last untried
// digest; private chats, lone cards, photos and other messages are never merged.
func TestCoalesceFoldsAndLeavesAlone(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	q := db.Outbox().WithDigests(fourPerDigest)
	burst(t, db, f, 0, 1)
	// One card with no digest to join stays a card.
	if n, err := q.Coalesce(ctx(), bot.Telegram, f.resident.Key, 0, 0); err != nil || n != 0 {
		t.Fatalf("lone card merged: %d, %v", n, err)
	}
	burst(t, db, f, 1, 1)
	if n, err := q.Coalesce(ctx(), bot.Telegram, f.resident.Key, 0, 0); err != nil || n != 2 {
		t.Fatalf("two cards: merged %d, %v", n, err)
	}
	// Three more and a photo card and a plain reply: the cards fold into the
	// digest of two (four a digest) and a new one; the others stay.
	burst(t, db, f, 2, 3)
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: f.resident.Key, Text: "照片卡", TicketID: 1, LinkRole: store.RoleCard,
			Attachment: &store.OutAttachment{Kind: "photo", Ref: "F"}}); err != nil {
			return err
		}
		_, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: f.resident.Key, Text: "收到"})
		return err
	})
	if n, err := q.Coalesce(ctx(), bot.Telegram, f.resident.Key, 0, 0); err != nil || n != 3 {
		t.Fatalf("folded %d, %v; want 3", n, err)
	}
	var texts []string
	for _, r := range dueIn(t, q, f.resident.Key) {
		texts = append(texts, r.Text)
	}
	want := "[zh card 4\n#1 住户0\n#2 住户1\n#3 住户2\n#4 住户3 照片卡 收到 zh card 1\n#5 住户4]"
	if got := fmt.Sprint(texts); got != want {
		t.Errorf("due = %q\nwant %q", got, want)
	}

	// A private chat is never merged, however busy.
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := tx.SeeChat(bot.Telegram, "1", bot.Private, ""); err != nil {
			return err
		}
		for range 5 {
			if _, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "1", Text: "工单", TicketID: 1, LinkRole: store.RoleCard}); err != nil {
				return err
			}
		}
		return nil
	})
	if n, err := q.Coalesce(ctx(), bot.Telegram, "1", 0, 0); err != nil || n != 0 {
		t.Errorf("private chat merged: %d, %v", n, err)
	}
	// Without a renderer nothing is merged at all.
	burst(t, db, f, 5, 5)
	if n, err := db.Outbox().Coalesce(ctx(), bot.Telegram, f.resident.Key, 0, 0); err != nil || n != 0 {
		t.Errorf("merged without digests on: %d, %v", n, err)
	}
}
