package main

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/schedules"
)

const boardTitle = "📌 阳光花园 · 公告栏"

// runJob runs a built-in job now. Should the cron have started the same job
// a moment before, it tries again: that run may have read the database
// before the change the test made.
func runJob(t *testing.T, m *Main, name string) {
	t.Helper()
	for {
		_, err := m.Scheduler.RunJob(context.Background(), name)
		if !errors.Is(err, schedules.ErrBusy) {
			if err != nil {
				t.Fatalf("run %s: %v", name, err)
			}
			return
		}
		runtime.Gosched()
	}
}

// idle waits until the Telegram sender has nothing left to do: a row it
// delivered has been pinned and the outcome recorded, and what that queued
// (a note to managers) has gone out too.
func idle(t *testing.T, m *Main) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m.Senders["telegram"].WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// boards returns the board messages the bot sent to chat.
func (w *tgWorld) boards(chat int64) []telegramtest.SentMessage {
	var out []telegramtest.SentMessage
	for _, s := range w.srv.SentTo(chat) {
		if strings.HasPrefix(s.Text, boardTitle) {
			out = append(out, s)
		}
	}
	return out
}

func TestTelegramBoardPinnedAndEditedInPlace(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	w.srv.SetMember(w.resident.ID, w.srv.Bot(), models.ChatMemberTypeAdministrator)

	// Nothing to show yet: no board.
	runJob(t, m, "board")
	idle(t, m)
	if n := len(w.boards(w.resident.ID)); n != 0 {
		t.Fatalf("a board with nothing on it was posted")
	}

	// The first ticket puts up the board at once, pinned without a notification.
	w.srv.SendText(w.resident, w.li, "#报修 3号楼电梯按钮坏了")
	board := w.waitText(t, w.resident.ID, boardTitle)
	idle(t, m)
	if !strings.Contains(board.Text, "#1 报修 · 待处理") || strings.Contains(board.Text, "李阿姨") {
		t.Errorf("board = %q", board.Text)
	}
	if got := w.srv.Pinned(w.resident.ID); len(got) != 1 || got[0] != board.MessageID {
		t.Fatalf("pinned %v, want the board %d", got, board.MessageID)
	}
	pins := w.srv.CallsTo("pinChatMessage")
	if len(pins) != 1 || pins[0].Params["disable_notification"] != "true" {
		t.Errorf("pin calls %+v", pins)
	}

	// A change: the same message is edited in place and stays the one pinned.
	w.srv.SendText(w.staff, w.zhang, "/take 1")
	w.waitText(t, w.resident.ID, "#1 已由张师傅接单")
	w.srv.SendText(privateChatOf(w.manager), w.manager, "/announce 阳光花园 周六上午清洗水箱，暂停供水 2 小时")
	w.waitText(t, w.manager.ID, "公告已发布到 1 个业主群")
	runJob(t, m, "board")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.srv.WaitFor(ctx, func() bool {
		msg, _ := w.srv.Message(w.resident.ID, board.MessageID)
		return strings.Contains(msg.Text, "#1 报修 · 处理中") && strings.Contains(msg.Text, "周六上午清洗水箱")
	}); err != nil {
		msg, _ := w.srv.Message(w.resident.ID, board.MessageID)
		t.Fatalf("board not edited: %q", msg.Text)
	}
	idle(t, m)
	// Nothing changed since: the job leaves the board alone.
	runJob(t, m, "board")
	idle(t, m)
	if n := len(w.boards(w.resident.ID)); n != 1 {
		t.Errorf("board messages = %d, want 1 edited in place", n)
	}
	got := w.boards(w.resident.ID)[0]
	if len(got.Edits) != 1 {
		t.Errorf("edits = %d, want 1", len(got.Edits))
	}
	if p := w.srv.Pinned(w.resident.ID); len(p) != 1 || p[0] != board.MessageID {
		t.Errorf("pinned %v", p)
	}
	if n := len(w.srv.CallsTo("pinChatMessage")); n != 1 {
		t.Errorf("pin calls = %d, want 1", n)
	}
	for _, s := range w.srv.SentTo(w.manager.ID) {
		if strings.Contains(s.Text, "无法在群") {
			t.Errorf("managers told of a pin problem: %q", s.Text)
		}
	}
	// /notices answers with the same content.
	w.srv.SendText(w.resident, w.tom, "/notices")
	w.waitSent(t, w.resident.ID, func(s telegramtest.SentMessage) bool {
		return strings.HasPrefix(s.Text, boardTitle) && s.ReplyTo != 0 && strings.Contains(s.Text, "周六上午清洗水箱")
	})
}

func TestTelegramBoardWithoutPinRightsTellsManagersOnce(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	// The bot is a plain member of the supergroup: it may not pin.
	w.srv.SendText(w.resident, w.li, "#报修 楼道灯不亮")
	board := w.waitText(t, w.resident.ID, boardTitle)
	note := w.waitText(t, w.manager.ID, "公告栏无法在群“阳光花园业主群”置顶")
	if !strings.Contains(note.Text, "not enough rights") || !strings.Contains(note.Text, "设为该群管理员") {
		t.Errorf("note = %q", note.Text)
	}

	// The board still changes in place and the pin is tried again, but the
	// managers have heard about it already.
	w.srv.SendText(w.staff, w.zhang, "/take 1")
	w.waitText(t, w.resident.ID, "#1 已由张师傅接单")
	runJob(t, m, "board")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := w.srv.WaitCalls(ctx, "pinChatMessage", 2); err != nil {
		t.Fatal("the pin was not tried again with the next version")
	}
	idle(t, m)
	if msg, _ := w.srv.Message(w.resident.ID, board.MessageID); !strings.Contains(msg.Text, "处理中") {
		t.Errorf("board not edited: %q", msg.Text)
	}
	told := 0
	for _, s := range w.srv.SentTo(w.manager.ID) {
		if strings.Contains(s.Text, "无法在群") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("managers told %d times, want once", told)
	}

	// Once the bot may pin, the next version is pinned.
	w.srv.SetMember(w.resident.ID, w.srv.Bot(), models.ChatMemberTypeAdministrator)
	w.srv.SendText(w.staff, w.zhang, "/resolve 1 换了灯泡")
	w.waitText(t, w.resident.ID, "#1 已处理完成")
	runJob(t, m, "board")
	if err := w.srv.WaitFor(ctx, func() bool { return len(w.srv.Pinned(w.resident.ID)) == 1 }); err != nil {
		t.Fatal("board not pinned once the bot had the right")
	}
	if p := w.srv.Pinned(w.resident.ID); p[0] != board.MessageID {
		t.Errorf("pinned %v, want the board %d", p, board.MessageID)
	}
}

func TestTelegramPollAnswersStoredAndReported(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	manager := privateChatOf(w.manager)

	// Only managers, only privately.
	w.srv.SendText(w.resident, w.manager, "/poll 周末活动选哪天？ | 周六 | 周日")
	w.waitText(t, w.resident.ID, "管理命令请私聊我发送")
	w.srv.SendText(w.resident, w.tom, "/whoami") // a resident now, not a stranger
	w.waitText(t, w.resident.ID, "您是Tom")
	w.srv.SendText(privateChatOf(w.tom), w.tom, "/poll 周末活动选哪天？ | 周六 | 周日")
	w.waitText(t, w.tom.ID, "只有物业经理可以使用")

	w.srv.SendText(manager, w.manager, "/poll 周末活动选哪天？ | 周六 | 周日")
	w.waitText(t, w.manager.ID, "✅ 投票 #1 已发到 1 个业主群")
	sent := w.waitSent(t, w.resident.ID, func(s telegramtest.SentMessage) bool { return s.Kind == telegramtest.KindPoll })
	p := sent.Poll
	idle(t, m) // the poll's id is recorded once sendPoll has answered
	if p.Question != "周末活动选哪天？" || len(p.Options) != 2 || p.Options[1].Text != "周日" || p.IsAnonymous {
		t.Fatalf("poll = %+v, want a non-anonymous poll with the two options", p)
	}

	// 李阿姨 votes 周六 then changes to 周日; Tom votes 周日 then takes it
	// back; 路人 votes 周六.
	w.srv.AnswerPoll(p.ID, w.li, 0)
	w.srv.AnswerPoll(p.ID, w.tom, 1)
	w.srv.AnswerPoll(p.ID, w.li, 1)
	w.srv.AnswerPoll(p.ID, w.x, 0)
	w.srv.AnswerPoll(p.ID, w.tom)
	// A voter's answers are handled in order with what they send privately:
	// once these are answered, their votes are in.
	for _, u := range []models.User{w.li, w.tom, w.x} {
		w.srv.SendText(privateChatOf(u), u, "/whoami")
		w.waitText(t, u.ID, "您是")
	}
	w.srv.SendText(manager, w.manager, "/poll results 1")
	res := w.waitText(t, w.manager.ID, "🗳 投票 #1：周末活动选哪天？")
	for _, want := range []string{"共 2 票", "1. 周六 — 1 票（50%）", "2. 周日 — 1 票（50%）"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("results lack %q:\n%s", want, res.Text)
		}
	}
	var votes int
	m.DB.SQL().QueryRow("SELECT count(*) FROM poll_votes").Scan(&votes)
	if votes != 2 {
		t.Errorf("stored votes = %d, want 2 (one per person, a retracted one removed)", votes)
	}
	// A number typed in the group is no vote where the poll is a real one.
	w.srv.SendText(w.resident, w.tom, "1")
	w.srv.SendText(w.resident, w.tom, "/mine")
	w.waitText(t, w.resident.ID, "您还没有提交过工单")
	w.srv.SendText(manager, w.manager, "/report")
	rep := w.waitText(t, w.manager.ID, "投票（1 个）：")
	if !strings.Contains(rep.Text, "· #1 周末活动选哪天？（2 票）：周六 1（50%）、周日 1（50%）") {
		t.Errorf("report polls section:\n%s", rep.Text)
	}
	for _, s := range w.srv.SentTo(w.resident.ID) {
		if strings.Contains(s.Text, "的投票") {
			t.Errorf("a typed number was counted in a Telegram group: %q", s.Text)
		}
	}
}
