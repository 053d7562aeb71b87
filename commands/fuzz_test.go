package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/linli/linli/bot"
)

// FuzzHandle feeds arbitrary text, from every role, in every kind of chat,
// through the whole message handler: it must never fail, never panic, and
// every reply it queues must be non-empty valid UTF-8 that a platform accepts.
func FuzzHandle(f *testing.F) {
	for _, seed := range []string{
		"#报修 3号楼电梯坏了", "/repair@Linli_bot <b>急</b>", "／报修 a < b & c", "#12 已派师傅", "/status 99999999999999999999",
		"/rate 1 5 很好", "评分 5", "/assign 1 @nobody", "/sla 阳光花园 first=0m", "/bind '; DROP TABLE tickets; --",
		"\x00\x01\x02/take 1", "#报修 \xff\xfe", "/grant staff \u202e李阿姨", strings.Repeat("#报修 长", 8000),
		"@Linli_bot 报修 电梯", "【投诉】噪音", "/tickets overdue", "/hold 1", "/progress 1 " + strings.Repeat("x", 3000),
	} {
		f.Add(seed, uint8(0), uint8(0))
	}
	h := newHarness(f)
	h.group(residentGroup, li, "#报修 电梯坏了") // ticket 1
	roles := []person{li, zhang, manager, {ID: "901", Name: "访客"}}
	var n int
	f.Fuzz(func(t *testing.T, text string, who, where uint8) {
		n++
		p := roles[int(who)%len(roles)]
		m := bot.Message{Platform: bot.Telegram, ID: bot.MessageID(fmt.Sprint("f", n)), Sender: p.ID, SenderName: p.Name,
			Text: text, BotNames: []string{"Linli_bot"}, ChatKind: bot.Group}
		switch where % 4 {
		case 0:
			m.Chat = residentGroup
		case 1:
			m.Chat = staffGroup
		case 2:
			m.Chat, m.ChatKind = bot.ChatID(p.ID), bot.Private
		case 3:
			m.Chat = strangeGroup
		}
		if err := h.svc.Handle(context.Background(), &m); err != nil {
			t.Fatalf("Handle(%q) = %v", text, err)
		}
		rows, err := h.db.Outbox().Due(context.Background(), bot.Telegram, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if strings.TrimSpace(r.Text) == "" || !utf8.ValidString(r.Text) {
				t.Fatalf("reply to %q is not sendable: %q", text, r.Text)
			}
			if err := h.db.Outbox().Sent(context.Background(), r.ID, bot.MessageID(fmt.Sprint("s", r.ID))); err != nil {
				t.Fatal(err)
			}
		}
	})
}
