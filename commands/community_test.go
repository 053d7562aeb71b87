package commands_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
)

// flakyPlatform fails each message's first attempt with an error naming the
// chat (as real platforms do), then accepts it.
type flakyPlatform struct {
	mu    sync.Mutex
	tries map[int64]int
	sent  []bot.Outgoing
}

func (f *flakyPlatform) ID() bot.PlatformID                     { return bot.Telegram }
func (f *flakyPlatform) Run(context.Context, bot.Inbound) error { return nil }
func (f *flakyPlatform) Send(_ context.Context, out bot.Outgoing) (bot.MessageID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tries == nil {
		f.tries = map[int64]int{}
	}
	f.tries[out.ID]++
	if f.tries[out.ID] == 1 {
		return "", errors.New("Bad Gateway while sending to chat " + string(out.Chat))
	}
	f.sent = append(f.sent, out)
	return "m1", nil
}

func TestAnonymousSuggestionLeavesNoTrace(t *testing.T) {
	h := newHarness(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := h.cfg
	cfg.Log = logger
	svc := commands.New(h.db, cfg)
	const senderID, senderName, senderChat = "8675309", "匿名王先生", "p8675309"
	// Only a resident has a suggestion box (a stranger is told how to join
	// a community): the sender is known by their id alone, from the
	// resident group. Their name, username and private chat come only with
	// the suggestion, so finding any of them stored would mean the
	// suggestion recorded its sender.
	h.send(bot.Message{Chat: residentGroup, ChatKind: bot.Group, Sender: senderID, Text: "#报修 路灯不亮"})
	m := bot.Message{Platform: bot.Telegram, Chat: senderChat, ChatKind: bot.Private, ID: "4242",
		Sender: senderID, SenderName: senderName, SenderUsername: "wang_secret", Text: "/suggest 希望小区增加儿童游乐设施"}
	if err := svc.Handle(context.Background(), &m); err != nil {
		t.Fatal(err)
	}
	// Deliver the receipt through the real sender, with one failed attempt first.
	p := &flakyPlatform{}
	sender := bot.NewSender(p, h.db.Outbox(), bot.SenderConfig{Now: h.Clock.Now}, logger)
	ctx := context.Background()
	for range 3 {
		sender.Flush(ctx)
		h.Clock.Add(time.Hour)
	}
	if len(p.sent) != 1 {
		t.Fatalf("receipts delivered = %d, want 1", len(p.sent))
	}
	receipt := p.sent[0].Text
	code := regexp.MustCompile(`[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}`).FindString(receipt)
	if code == "" || !strings.Contains(receipt, "谢谢您的建议") {
		t.Fatalf("receipt = %q", receipt)
	}

	// Staff read it, answer publicly; the resident group sees the answer.
	out := h.group(staffGroup, zhang, "/suggestions")
	contains(t, one(t, out, staffGroup), "希望小区增加儿童游乐设施", "待答复")
	out = h.group(staffGroup, zhang, "/answer 1 public 已列入明年预算")
	contains(t, one(t, out, residentGroup), "【意见箱回复】", "已列入明年预算")

	// The sender reads the answer with the code, from anywhere.
	out = h.private(tom, "/receipt "+strings.ToLower(code))
	contains(t, one(t, out, bot.ChatID(tom.ID)), "物业答复：已列入明年预算")
	out = h.private(tom, "/receipt AAAA-BBBB-CCCC")
	contains(t, one(t, out, bot.ChatID(tom.ID)), "没有找到这个回执码")

	// Nothing names the sender: not the database file, not its WAL, not the logs.
	if _, err := h.db.SQL().Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{h.db.Path(), h.db.Path() + "-wal"} {
		data, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, secret := range []string{senderChat, senderName, "wang_secret"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s contains the sender's %q", path, secret)
			}
		}
	}
	for _, secret := range []string{senderID, senderChat, senderName, "wang_secret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain the sender's %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "(anonymous)") {
		t.Errorf("the failed attempt was not logged (redacted):\n%s", logs.String())
	}
}

func TestSuggestionRulesAndLimits(t *testing.T) {
	h := newHarness(t)
	out := h.group(residentGroup, li, "/suggest 希望多装路灯")
	if len(out) != 2 || out[0].Delete == "" || !strings.Contains(out[1].Text, "请私聊我发送 /suggest") {
		t.Errorf("suggestion in a group: %+v", out)
	}
	if n := h.count("SELECT count(*) FROM suggestions"); n != 0 {
		t.Errorf("a group suggestion was stored")
	}
	me := bot.ChatID(li.ID)
	contains(t, one(t, h.private(li, "/suggest"), me), "请在 /suggest 后面写下您的建议")
	contains(t, one(t, h.private(li, "/suggest "+strings.Repeat("长", 2001)), me), "内容太长了")
	for i := range 3 {
		contains(t, one(t, h.private(li, "/suggest 建议 "+string(rune('A'+i))), me), "谢谢您的建议")
	}
	contains(t, one(t, h.private(li, "/建议 第四条"), me), "每人每天最多提 3 条建议")
	if n := h.count("SELECT count(*) FROM suggestions"); n != 3 {
		t.Errorf("suggestions = %d, want 3", n)
	}
	contains(t, one(t, h.group(residentGroup, li, "/suggestions"), residentGroup), "只有物业工作人员可以使用")
	contains(t, one(t, h.group(staffGroup, zhang, "/answer 9 谢谢"), staffGroup), "没有找到第 9 条建议")
}

func TestMeTooAndDuplicateHint(t *testing.T) {
	h := newHarness(t)
	out := h.group(residentGroup, li, "#报修 3号楼电梯不动了")
	card := one(t, out, residentGroup)
	// Tom files nearly the same thing: his card (one message, nothing
	// besides it) points at #1.
	out = h.group(residentGroup, tom, "#报修 3号楼电梯又不动了")
	tomCard := one(t, out, residentGroup)
	contains(t, tomCard, "工单 #2", "可能与 #1（3号楼电梯不动了）是同一问题：发送 /metoo 1 一起关注即可")
	// A third alike report points at the earliest, #1, not at #2.
	contains(t, one(t, h.group(residentGroup, person{ID: "4", Name: "赵大爷"}, "#报修 3号楼电梯也不动了"), residentGroup), "工单 #3", "可能与 #1（")
	h.group(residentGroup, tom, "/cancel 2")
	// Following the hint follows #1.
	out = h.group(residentGroup, tom, "/metoo 1")
	contains(t, one(t, out, residentGroup), "您也遇到了 #1 的问题", "共 2 户")
	contains(t, one(t, out, staffGroup), "#1 又有一户反映同样的问题（Tom），共 2 户")
	contains(t, one(t, h.reply(residentGroup, tom, h.sentID(card), "同"), residentGroup), "您已经在关注 #1 了")
	contains(t, one(t, h.group(residentGroup, li, "/metoo 1"), residentGroup), "是您自己报的")
	// A "+1" about nothing is chatter.
	if out := h.group(residentGroup, tom, "+1"); len(out) != 0 {
		t.Errorf("+1 about nothing answered: %+v", out)
	}
	// Co-reporters who are elsewhere (in another resident group of the
	// community) hear about progress privately.
	h.group("-101", manager, "/bind 阳光花园")
	h.group("-101", person{ID: "3", Name: "王阿姨"}, "我们楼也是")
	h.private(person{ID: "3", Name: "王阿姨"}, "/metoo 1")
	out = h.group(staffGroup, zhang, "/take 1")
	contains(t, one(t, out, "3"), "#1 已由张师傅接单")
}

func TestVolunteers(t *testing.T) {
	h := newHarness(t)
	contains(t, one(t, h.group(residentGroup, li, "/volunteer 会修电器"), residentGroup), "谢谢您加入志愿者队伍！（特长：会修电器）")
	contains(t, one(t, h.group(residentGroup, tom, "/志愿者"), residentGroup), "谢谢您加入志愿者队伍")
	me := bot.ChatID(manager.ID)
	contains(t, one(t, h.private(manager, "/volunteers"), me), "志愿者（2 人）", "李阿姨（会修电器）", "Tom")
	contains(t, one(t, h.group(residentGroup, tom, "/volunteer leave"), residentGroup), "您已退出志愿者队伍")
	contains(t, one(t, h.group(residentGroup, tom, "/volunteer leave"), residentGroup), "您还不在志愿者名单上")
	contains(t, one(t, h.group(residentGroup, li, "/volunteers"), residentGroup), "只有物业经理可以使用")
}

// /receipt in a group would show everyone who wrote the suggestion: it is
// refused, the message taken down, and nothing about the suggestion said.
func TestReceiptOnlyInPrivate(t *testing.T) {
	h := newHarness(t)
	out := h.private(li, "/suggest 希望多装路灯")
	code := regexp.MustCompile(`[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}`).FindString(one(t, out, bot.ChatID(li.ID)).Text)
	if code == "" {
		t.Fatalf("no receipt code in %+v", out)
	}
	out = h.group(residentGroup, li, "/receipt "+code)
	if len(out) != 2 || out[0].Delete == "" || out[0].Chat != residentGroup {
		t.Fatalf("receipt in a group not taken down: %+v", out)
	}
	contains(t, out[1], "请私聊我发送 /receipt")
	if strings.Contains(out[1].Text, "路灯") {
		t.Errorf("the group answer shows the suggestion: %q", out[1].Text)
	}
	setLang(t, h, "阳光花园", "en")
	contains(t, to(h.group(residentGroup, li, "/receipt "+code), residentGroup)[1], "please send /receipt CODE to me privately")
	contains(t, one(t, h.private(li, "/receipt "+code), bot.ChatID(li.ID)), "希望多装路灯")
}
