package notice_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/notice"
	"github.com/linli/linli/store"
)

func TestBroadcastReachesActiveResidentGroupsOnly(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "linli.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	var comm *store.Community
	group := func(tx *store.Tx, key bot.ChatID, role string, active bool) {
		t.Helper()
		c, err := tx.SeeChat(bot.Telegram, key, bot.Group, string(key))
		if err == nil {
			err = tx.BindChat(c.ID, comm.ID, role)
		}
		if err == nil && !active {
			err = tx.SetChatActive(c.ID, false, "kicked")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	err = db.Update(ctx, func(tx *store.Tx) (err error) {
		if comm, _, err = tx.CreateCommunity("Lakeside", "en", ""); err != nil {
			return err
		}
		group(tx, "-1", store.RoleResidentChat, true)
		group(tx, "-2", store.RoleResidentChat, true)
		group(tx, "-3", store.RoleResidentChat, false) // the bot was removed
		group(tx, "-4", store.RoleStaffChat, true)
		n, err = notice.Broadcast(tx, comm, store.ScheduleAnnouncement, "  Water is off on Friday 9:00–12:00.  ")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("Broadcast reached %d groups, want 2", n)
	}
	due, err := db.Outbox().Due(ctx, bot.Telegram, 100)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, o := range due {
		to = append(to, string(o.Chat))
		if want := "📢 Notice from the property office\nWater is off on Friday 9:00–12:00."; o.Text != want {
			t.Errorf("posted %q, want %q", o.Text, want)
		}
	}
	if got := strings.Join(to, " "); got != "-1 -2" {
		t.Errorf("posted to %q, want the two active resident groups", got)
	}
	err = db.View(ctx, func(tx *store.Tx) error {
		anns, err := tx.RecentAnnouncements(comm.ID, 5)
		if err == nil && len(anns) != 1 {
			t.Errorf("%d announcements kept for the board, want 1", len(anns))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestActivityAndMeetingText(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 11, 7, 1, 0, 0, 0, time.UTC) // Saturday 09:00 in loc
	a := &store.Activity{ID: 3, Title: "Garden day", Place: "North lawn", StartsAt: at, Capacity: 20, Signups: 5}
	if got, want := notice.Activity("en", loc, a), "#3 \"Garden day\"\nWhen: Nov 7 09:00 (Sat)\nWhere: North lawn\nSigned up: 5 of 20\nTo join, send: /join 3"; got != want {
		t.Errorf("Activity:\n%s\nwant:\n%s", got, want)
	}
	a.Capacity = 0
	if got := notice.Signups("en", a); got != "Signed up: 5" {
		t.Errorf("Signups without a capacity = %q", got)
	}
	long := strings.Repeat("长", 100)
	m := &store.Meeting{ID: 1, StartsAt: at}
	got := notice.Meeting("zh", loc, m, []*store.AgendaItem{{Text: "停车位"}, {Text: long}})
	for _, want := range []string{"11月7日 09:00", "1. 停车位", "2. " + strings.Repeat("长", 80) + "…"} {
		if !strings.Contains(got, want) {
			t.Errorf("Meeting lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "地点") || strings.Contains(got, "Where") {
		t.Errorf("a meeting without a place shows one:\n%s", got)
	}
}
