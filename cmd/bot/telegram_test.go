package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
	"github.com/linli/linli/store"
)

const tgToken = "4242:TEST-token"

// tgWorld is a fake Telegram with a community's chats and people.
type tgWorld struct {
	srv                        *telegramtest.Server
	resident, staff, stranger  models.Chat
	manager, zhang, li, tom, x models.User
}

func newTGWorld(t testing.TB) *tgWorld {
	t.Helper()
	srv := telegramtest.NewServer(tgToken, telegramtest.WithUsername("Linli_bot"))
	t.Cleanup(srv.Close) // registered first, so it runs after the bot has stopped
	w := &tgWorld{srv: srv,
		manager: models.User{ID: 100, FirstName: "王经理", Username: "wang"},
		zhang:   models.User{ID: 200, FirstName: "张师傅", Username: "zhang"},
		li:      models.User{ID: 1, FirstName: "李阿姨"},
		tom:     models.User{ID: 2, FirstName: "Tom", Username: "tom"},
		x:       models.User{ID: 3, FirstName: "路人"},
	}
	w.resident = srv.AddChat(models.Chat{ID: -1001, Type: models.ChatTypeSupergroup, Title: "阳光花园业主群"})
	w.staff = srv.AddChat(models.Chat{ID: -1002, Type: models.ChatTypeSupergroup, Title: "阳光花园物业群"})
	w.stranger = srv.AddChat(models.Chat{ID: -1003, Type: models.ChatTypeSupergroup, Title: "别的群"})
	for _, u := range []models.User{w.manager, w.zhang, w.li, w.tom, w.x} {
		srv.AddPrivateChat(u)
	}
	return w
}

// startTG runs the bot against the fake, on db.
func startTG(t *testing.T, w *tgWorld, db string) *Main {
	t.Helper()
	m := NewMain()
	m.Stderr = io.Discard
	args := []string{"-db", db, "-telegram-token", tgToken, "-telegram-api", w.srv.URL, "-managers", "telegram:100", "-tz", "Asia/Shanghai"}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Log = slog.New(slog.DiscardHandler)
	m.TelegramLimits = &telegram.Limits{Disabled: true}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

func stop(t testing.TB, m *Main) {
	t.Helper()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitSent waits until a message to chat satisfies ok, and returns it.
func (w *tgWorld) waitSent(t testing.TB, chat int64, ok func(telegramtest.SentMessage) bool) telegramtest.SentMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got telegramtest.SentMessage
	err := w.srv.WaitFor(ctx, func() bool {
		for _, s := range w.srv.SentTo(chat) {
			if ok(s) {
				got = s
				return true
			}
		}
		return false
	})
	if err != nil {
		var texts []string
		for _, s := range w.srv.SentTo(chat) {
			texts = append(texts, s.Text)
		}
		t.Fatalf("no matching message in chat %d; sent there: %q", chat, texts)
	}
	return got
}

func (w *tgWorld) waitText(t testing.TB, chat int64, part string) telegramtest.SentMessage {
	t.Helper()
	return w.waitSent(t, chat, func(s telegramtest.SentMessage) bool { return strings.Contains(s.Text, part) })
}

func ticketCount(t *testing.T, m *Main) int {
	t.Helper()
	var n int
	if err := m.DB.SQL().QueryRow("SELECT count(*) FROM tickets").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// setup binds the groups and grants 张师傅 staff, as a manager would.
func (w *tgWorld) setup(t testing.TB) {
	t.Helper()
	w.srv.SendText(w.resident, w.manager, "/bind@Linli_bot 阳光花园")
	w.waitText(t, w.resident.ID, "业主群")
	w.srv.SendText(w.staff, w.manager, "/bind 阳光花园 staff")
	w.waitText(t, w.staff.ID, "物业工作群")
	w.srv.SendText(w.staff, w.zhang, "/whoami")
	w.waitText(t, w.staff.ID, "您是张师傅")
	w.srv.SendText(privateChatOf(w.manager), w.manager, "/grant staff @zhang")
	w.waitText(t, w.manager.ID, "张师傅 设为“阳光花园”的工作人员")
}

// roleCount counts the staff and manager roles someone holds.
func roleCount(t *testing.T, m *Main, platform, key string) int {
	t.Helper()
	var n int
	if err := m.DB.SQL().QueryRow(`SELECT count(*) FROM memberships m JOIN people p ON p.id = m.person_id
		WHERE p.platform = ? AND p.user_key = ? AND m.role <> 'resident'`, platform, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func privateChatOf(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName, Username: u.Username}
}

func TestTelegramTicketJourney(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)

	// A resident's tag: the card answers her message, the staff card has buttons.
	up := w.srv.SendText(w.resident, w.li, "#报修 3号楼电梯按钮坏了 <b>急</b> a < b & c")
	card := w.waitText(t, w.resident.ID, "工单 #1 · 报修")
	if card.ReplyTo != up.Message.ID || card.ParseMode != "HTML" {
		t.Errorf("card reply_to=%d parse_mode=%q, want a reply to %d in HTML", card.ReplyTo, card.ParseMode, up.Message.ID)
	}
	if !strings.Contains(card.Text, "3号楼电梯按钮坏了 <b>急</b> a < b & c") {
		t.Errorf("user text not verbatim: %q", card.Text)
	}
	staffCard := w.waitText(t, w.staff.ID, "新工单 #1")
	if staffCard.Markup == nil || len(staffCard.Markup.InlineKeyboard) == 0 || staffCard.Markup.InlineKeyboard[0][0].CallbackData != "t:1:take" {
		t.Fatalf("staff card buttons = %+v", staffCard.Markup)
	}

	// Staff press "take": a toast, the card edited in place, the resident told in her thread.
	w.srv.Callback(w.staff, w.zhang, staffCard.MessageID, "t:1:take")
	told := w.waitText(t, w.resident.ID, "#1 已由张师傅接单")
	if told.ReplyTo != up.Message.ID {
		t.Errorf("news not threaded: reply_to=%d", told.ReplyTo)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.srv.WaitFor(ctx, func() bool {
		msg, _ := w.srv.Message(w.staff.ID, staffCard.MessageID)
		return strings.Contains(msg.Text, "处理中") && len(w.srv.AnsweredCallbacks()) == 1
	}); err != nil {
		t.Fatalf("staff card not edited or callback not answered: %+v", w.srv.AnsweredCallbacks())
	}
	if a := w.srv.AnsweredCallbacks()[0]; a.Text != "✅ #1 已接单。" {
		t.Errorf("toast = %q", a.Text)
	}

	// Staff reply to the card: the reply reaches the resident's thread.
	w.srv.ReplyText(w.staff, w.zhang, "下午三点上门 & 带上 <配件>", staffCard.MessageID)
	w.waitText(t, w.resident.ID, "#1 物业回复（张师傅）：下午三点上门 & 带上 <配件>")

	// Resolve: a 1–5 keyboard; pressing 5 stores the rating and closes the ticket.
	w.srv.SendText(w.staff, w.zhang, "/resolve@Linli_bot 1 按钮已更换")
	ask := w.waitText(t, w.resident.ID, "#1 已处理完成")
	if ask.Markup == nil || len(ask.Markup.InlineKeyboard) != 2 {
		t.Fatalf("rating keyboard = %+v", ask.Markup)
	}
	w.srv.Callback(w.resident, w.li, ask.MessageID, "rate:1:5")
	if err := w.srv.WaitFor(ctx, func() bool { return len(w.srv.AnsweredCallbacks()) == 2 }); err != nil {
		t.Fatal("rating press not answered")
	}
	var status string
	var rating int
	m.DB.SQL().QueryRow("SELECT status, rating FROM tickets WHERE id = 1").Scan(&status, &rating)
	if status != store.StatusClosed || rating != 5 {
		t.Errorf("ticket after rating: %s %d", status, rating)
	}
	// Commands for another bot are none of ours.
	w.srv.SendText(w.resident, w.li, "/status@OtherBot 1")
	w.srv.SendText(w.resident, w.li, "/status 1")
	w.waitText(t, w.resident.ID, "评分：5 星")
	for _, s := range w.srv.SentTo(w.resident.ID) {
		if strings.Count(s.Text, "评分：5 星") > 0 && s.ReplyTo != 0 {
			if orig, _ := w.srv.Message(w.resident.ID, s.ReplyTo); strings.Contains(orig.Text, "OtherBot") {
				t.Error("answered a command addressed to another bot")
			}
		}
	}
}

func TestTelegramAdminAndStrangers(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)

	w.srv.SendText(privateChatOf(w.manager), w.manager, "/sla 阳光花园 first=2h resolve=3d")
	w.waitText(t, w.manager.ID, "首次回复 2h，解决 3d")
	// A stranger's admin command is refused: in private they are told how
	// to reach their community first; a manager's, in a group.
	w.srv.SendText(privateChatOf(w.x), w.x, "/grant manager @tom")
	w.waitText(t, w.x.ID, "还不知道您住在哪个小区")
	w.srv.SendText(w.resident, w.x, "/whoami")
	w.waitText(t, w.resident.ID, "您是路人")
	w.srv.SendText(privateChatOf(w.x), w.x, "/grant manager @tom")
	w.waitText(t, w.x.ID, "只有物业经理可以使用")
	w.srv.SendText(w.staff, w.manager, "/grant manager @tom")
	w.waitText(t, w.staff.ID, "管理命令请私聊我发送")
	if n := roleCount(t, m, "telegram", "2"); n != 0 {
		t.Errorf("Tom holds %d roles", n)
	}
	// An unbound group is ignored, then bound by a manager.
	w.srv.SendText(w.stranger, w.li, "#报修 没人管的群")
	w.srv.SendText(w.stranger, w.manager, "/bind 月亮湾")
	w.waitText(t, w.stranger.ID, "已新建小区“月亮湾”")
	if n := ticketCount(t, m); n != 0 {
		t.Errorf("a ticket came from an unbound group: %d", n)
	}
	if got := len(w.srv.SentTo(w.stranger.ID)); got != 1 {
		t.Errorf("messages in the stranger group = %d, want only the /bind answer", got)
	}
}

func TestTelegramDuplicateUpdateAndRestart(t *testing.T) {
	w := newTGWorld(t)
	db := filepath.Join(t.TempDir(), "linli.db")
	m := startTG(t, w, db)
	w.setup(t)
	up := w.srv.SendText(w.resident, w.li, "#报修 水管漏水")
	w.waitText(t, w.resident.ID, "工单 #1")
	// Telegram delivers the same message again in a new update.
	again := models.Update{Message: up.Message}
	w.srv.PushUpdate(again)
	w.srv.SendText(w.resident, w.li, "/mine")
	w.waitText(t, w.resident.ID, "您的工单")
	if n := ticketCount(t, m); n != 1 {
		t.Errorf("tickets after a duplicate update = %d", n)
	}
	stop(t, m)

	// While the bot is down, messages arrive; after the restart each is
	// handled once, and nothing already handled comes back.
	w.srv.SendText(w.resident, w.tom, "#repair lobby door stuck")
	w.srv.SendText(w.resident, w.li, "#报修 楼道灯不亮")
	m = startTG(t, w, db)
	defer stop(t, m)
	w.waitText(t, w.resident.ID, "工单 #3")
	w.srv.SendText(w.resident, w.li, "/mine")
	w.waitText(t, w.resident.ID, "楼道灯不亮")
	if n := ticketCount(t, m); n != 3 {
		t.Errorf("tickets after restart = %d, want 3", n)
	}
	cards := 0
	for _, s := range w.srv.SentTo(w.resident.ID) {
		if strings.HasPrefix(s.Text, "工单 #") {
			cards++
		}
	}
	if cards != 3 {
		t.Errorf("resident cards = %d, want 3 (one per ticket)", cards)
	}
}

func TestTelegramKickedGroupAndMigration(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	w.srv.SendText(w.resident, w.li, "#报修 电梯坏了")
	w.waitText(t, w.resident.ID, "工单 #1")

	// The group is upgraded: the binding and the ticket's thread follow it.
	w.srv.Migrate(w.resident.ID, -1009)
	moved := models.Chat{ID: -1009, Type: models.ChatTypeSupergroup, Title: w.resident.Title}
	w.srv.SendText(moved, w.li, "/status 1")
	w.waitText(t, -1009, "工单 #1")
	w.srv.SendText(w.staff, w.zhang, "/take 1")
	w.waitText(t, -1009, "#1 已由张师傅接单")

	// The staff group kicks the bot: marked inactive, managers told, nothing retried forever.
	w.srv.MyChatMember(w.staff, w.manager, models.ChatMemberTypeBanned)
	w.srv.Kick(w.staff.ID)
	w.waitText(t, w.manager.ID, "已被移出群")
	w.srv.SendText(moved, w.li, "#报修 又坏了")
	w.waitText(t, -1009, "工单 #2")
	var active int
	m.DB.SQL().QueryRow("SELECT active FROM chats WHERE chat_key = '-1002'").Scan(&active)
	if active != 0 {
		t.Error("kicked staff group still active")
	}
}

func TestTelegram429Storm(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	// Half of all sends are refused with 429 retry_after=1 for a while.
	w.srv.SetFailureRate(0.5, 7, telegramtest.FailTooMany)
	for i := range 4 {
		w.srv.SendText(w.resident, models.User{ID: int64(500 + i), FirstName: fmt.Sprint("业主", i)}, fmt.Sprintf("#报修 第%d户漏水", i))
	}
	for i := range 4 {
		w.waitText(t, w.resident.ID, fmt.Sprintf("第%d户漏水", i))
	}
	w.srv.SetFailureRate(0, 0)
	if w.srv.TooManyCount() == 0 {
		t.Error("the storm produced no 429")
	}
	if st := m.Senders["telegram"].Stats(); st.RateLimited == 0 || st.Failed != 0 {
		t.Errorf("sender stats = %+v: want 429s honoured and nothing failed", st)
	}
}

func TestTelegramTaggedPhoto(t *testing.T) {
	w := newTGWorld(t)
	db := filepath.Join(t.TempDir(), "linli.db")
	m := startTG(t, w, db)
	defer stop(t, m)
	w.setup(t)
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	png.Encode(&buf, img)

	w.srv.SendPhoto(w.resident, w.li, "#报修 楼道墙皮脱落，见照片", buf.Bytes())
	w.waitText(t, w.resident.ID, "工单 #1")
	card := w.waitText(t, w.staff.ID, "新工单 #1")
	if card.Kind != telegramtest.KindPhoto || card.FileID == "" {
		t.Fatalf("staff card is a %s (file %q), want the photo with the card as its caption", card.Kind, card.FileID)
	}
	// Taking the ticket edits the caption in place, photo and all.
	w.srv.SendText(w.staff, w.zhang, "/take 1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.srv.WaitFor(ctx, func() bool {
		msg, _ := w.srv.Message(w.staff.ID, card.MessageID)
		return strings.Contains(msg.Caption, "处理中")
	}); err != nil {
		t.Fatal("photo card caption not edited")
	}
	// A second photo right after, without a tag, joins the same ticket.
	w.srv.SendPhoto(w.resident, w.li, "", buf.Bytes())
	w.waitText(t, w.resident.ID, "已把照片附到工单 #1")
	w.waitSent(t, w.staff.ID, func(s telegramtest.SentMessage) bool {
		return s.Kind == telegramtest.KindPhoto && strings.Contains(s.Text, "#1 业主补充的照片")
	})
	var n int
	m.DB.SQL().QueryRow("SELECT count(*) FROM ticket_attachments WHERE ticket_id = 1").Scan(&n)
	if n != 2 {
		t.Errorf("attachments = %d, want 2", n)
	}
	// Photos posted in the group with no ticket behind them are not ours.
	w.srv.SendPhoto(w.resident, w.tom, "", buf.Bytes())
	w.srv.SendText(w.resident, w.tom, "/mine")
	w.waitText(t, w.resident.ID, "您还没有提交过工单")
	m.DB.SQL().QueryRow("SELECT count(*) FROM ticket_attachments").Scan(&n)
	if n != 2 {
		t.Errorf("a stray photo was attached: %d", n)
	}
}

func TestTelegramKickedSilentlyAndPrivacyHint(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	w.setup(t)
	// Removed without an update reaching the bot: the first refused send tells the managers.
	w.srv.Kick(w.staff.ID)
	w.srv.SendText(w.resident, w.li, "#报修 门禁坏了")
	w.waitText(t, w.resident.ID, "工单 #1")
	w.waitText(t, w.manager.ID, "已被移出群“阳光花园物业群”")
	var active int
	m.DB.SQL().QueryRow("SELECT active FROM chats WHERE chat_key = ?", fmt.Sprint(w.staff.ID)).Scan(&active)
	if active != 0 {
		t.Error("the group that refused sends is still active")
	}
}

func TestTelegramPrivacyModeHint(t *testing.T) {
	srv := telegramtest.NewServer(tgToken, telegramtest.WithUsername("Linli_bot"), telegramtest.WithPrivacyMode(true))
	t.Cleanup(srv.Close)
	w := &tgWorld{srv: srv, manager: models.User{ID: 100, FirstName: "王经理"}}
	w.resident = srv.AddChat(models.Chat{ID: -1001, Type: models.ChatTypeSupergroup, Title: "阳光花园业主群"})
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	srv.SendText(w.resident, w.manager, "/bind 阳光花园")
	w.waitText(t, w.resident.ID, "隐私模式")
}
