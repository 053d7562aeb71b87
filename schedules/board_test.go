package schedules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/board"
	"github.com/linli/linli/bot"
)

// boardScheduler is a second Scheduler over the env's database whose
// platform (Telegram, in the env) gets the board in the given style.
func (e *env) boardScheduler(style board.Style) func() []bot.Outgoing {
	e.t.Helper()
	s, err := New(e.db, Config{Location: shanghai, Lang: "zh", Log: slog.New(slog.DiscardHandler),
		Boards: map[bot.PlatformID]board.Style{bot.Telegram: style}})
	if err != nil {
		e.t.Fatal(err)
	}
	return func() []bot.Outgoing {
		e.t.Helper()
		if _, err := s.RunJob(context.Background(), "board"); err != nil {
			e.t.Fatal(err)
		}
		return e.drain()
	}
}

func TestDailyBoard(t *testing.T) {
	e := newEnv(t) // 2026-11-02 09:00 in Shanghai
	run := e.boardScheduler(board.Daily)
	if out := run(); len(out) != 0 {
		t.Fatalf("a digest for a day before the first start: %+v", out)
	}
	e.group(residentGroup, li, "#报修 电梯异响")

	e.set(cst("2026-11-03 07:59"))
	if out := run(); len(out) != 0 {
		t.Fatalf("digest before its time: %+v", out)
	}
	e.set(cst("2026-11-03 08:00"))
	out := run()
	d := one(t, out, residentGroup).Text
	// The repair's words (from the group) but not who filed it.
	has(t, d, "📌 阳光花园 · 今日公告栏", "🔧 工单进度（未完成 1 件）", "· #1 报修 · 待处理：电梯异响", "更新于 11月3日 08:00")
	hasNot(t, d, "李阿姨")
	if len(out) != 1 {
		t.Errorf("digest went elsewhere too: %+v", out)
	}
	e.set(cst("2026-11-03 08:05"))
	if out := run(); len(out) != 0 {
		t.Fatalf("a second digest the same day: %+v", out)
	}

	// Managers move it; the new time counts from today.
	has(t, e.say(manager, "/notices digest 20:30"), "每天 20:30 发布")
	e.set(cst("2026-11-03 20:30"))
	one(t, run(), residentGroup)
	// Missed while the bot was down: late within the catch-up window...
	e.set(cst("2026-11-05 02:00"))
	has(t, one(t, run(), residentGroup).Text, "今日公告栏")
	// ...and not at all beyond it.
	e.set(cst("2026-11-06 03:00"))
	if out := run(); len(out) != 0 {
		t.Fatalf("a digest 6.5 hours late: %+v", out)
	}

	// Each community in its own language; one with nothing to show gets none.
	e.lakeside()
	e.set(cst("2026-11-06 20:30"))
	out = run()
	one(t, out, residentGroup)
	if got := to(out, otherResident); len(got) != 0 {
		t.Errorf("an empty digest for Lakeside: %+v", got)
	}
	e.group(otherResident, tom, "#repair the lift is noisy")
	e.set(cst("2026-11-07 20:30"))
	out = run()
	has(t, one(t, out, otherResident).Text, "📌 Lakeside · Today's notice board", "· #2 repair · open", "Updated Nov 7 20:30")

	has(t, e.say(manager, "/notices digest off"), "每日公告栏已关闭")
	e.set(cst("2026-11-08 20:30"))
	if out := run(); len(out) != 0 {
		t.Fatalf("digest while off: %+v", out)
	}
}

func TestPinnedBoardVersions(t *testing.T) {
	e := newEnv(t)
	run := e.boardScheduler(board.Pinned)
	ctx := context.Background()
	e.group(residentGroup, li, "#报修 电梯异响")
	first := one(t, run(), residentGroup)
	if !first.Pin || first.Edit != "" {
		t.Fatalf("first board: pin=%v edit=%q", first.Pin, first.Edit)
	}
	msg := sentID(t, e, first.ID)
	if out := run(); len(out) != 0 {
		t.Fatalf("unchanged board sent again: %+v", out)
	}

	// Pinned: the next version edits the message and does not pin again.
	e.svc.BoardPinned(ctx, first, msg, nil)
	e.group(staffGroup, zhang, "/take 1")
	edit := run()
	if len(edit) != 1 || edit[0].Edit != msg || edit[0].Pin || !strings.Contains(edit[0].Text, "#1 报修 · 处理中") {
		t.Fatalf("second version: %+v", edit)
	}

	// The bot lost the right to pin and the message was replaced: the next
	// version asks to pin; managers hear of the refusal once.
	if _, err := e.db.SQL().Exec(`UPDATE outbox SET platform_msg_id = 'new' WHERE id = ?`, edit[0].ID); err != nil {
		t.Fatal(err)
	}
	e.group(staffGroup, zhang, "/resolve 1")
	third := run()
	if len(third) != 1 || third[0].Edit != "new" || !third[0].Pin {
		t.Fatalf("third version: %+v", third)
	}
	refused := fmt.Errorf("%w: not enough rights to manage pinned messages in the chat", bot.ErrPermanent)
	for range 2 {
		e.svc.BoardPinned(ctx, third[0], "new", refused)
	}
	told := to(e.drain(), bot.ChatID(manager.ID))
	if len(told) != 1 {
		t.Fatalf("managers told %d times: %+v", len(told), told)
	}
	has(t, told[0].Text, "公告栏无法在群“g-100”置顶", "not enough rights", "此提醒只发一次")
	// A passing failure (the network) tells nobody.
	e.svc.BoardPinned(ctx, third[0], "new", errors.New("connection reset"))
	if out := e.drain(); len(out) != 0 {
		t.Errorf("told about a network error: %+v", out)
	}
}

func TestAnnouncementsOnTheBoardFor30Days(t *testing.T) {
	e := newEnv(t)
	run := e.boardScheduler(board.None)
	has(t, one(t, e.private(manager, "/announce 阳光花园 本周六停水"), bot.ChatID(manager.ID)).Text, "公告已发布到 1 个业主群")
	has(t, one(t, e.group(residentGroup, tom, "/notices"), residentGroup).Text, "📢 物业公告", "· 11月2日 本周六停水")
	e.add(29 * 24 * time.Hour)
	run()
	has(t, one(t, e.group(residentGroup, tom, "/notices"), residentGroup).Text, "本周六停水")
	e.add(2 * 24 * time.Hour)
	run()
	if n := e.count("SELECT count(*) FROM announcements"); n != 0 {
		t.Errorf("announcements kept after 31 days: %d", n)
	}
	has(t, one(t, e.group(residentGroup, tom, "/notices"), residentGroup).Text, "目前没有新公告、近期活动或处理中的工单。")
}

func sentID(t *testing.T, e *env, row int64) bot.MessageID {
	t.Helper()
	var id string
	if err := e.db.SQL().QueryRow(`SELECT platform_msg_id FROM outbox WHERE id = ?`, row).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return bot.MessageID(id)
}
