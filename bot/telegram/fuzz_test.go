package telegram_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/telegram/telegramtest"
)

// FuzzSendText sends arbitrary text through the adapter to the fake Bot API,
// which parses HTML the way Telegram does: no markup a resident types may
// break a send, and what Telegram shows must be the text itself.
func FuzzSendText(f *testing.F) {
	for _, s := range []string{
		"工单 #1 · 报修\n内容：<b>急</b> a < b & c", "&amp; &lt;tag&gt; &#169; &unknown;", "*_[]()~`>#+-=|{}.!",
		"<a href=\"x\">link</a>", "</b></i><pre>", "😀\n\n\t 第二行", "a\u200db\u202ec", strings.Repeat("<", 5000),
		"0\f", "\v\u0085x\u3000",
	} {
		f.Add(s)
	}
	srv := telegramtest.NewServer(token, telegramtest.WithUsername(botName))
	f.Cleanup(srv.Close)
	chat := srv.AddChat(models.Chat{ID: -4001, Type: models.ChatTypeSupergroup, Title: "fuzz"})
	tg, err := telegram.New(telegram.Config{Token: token, APIURL: srv.URL, Limits: telegram.Limits{Disabled: true}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// The core only ever queues valid, non-blank UTF-8 (FuzzHandle checks that).
		if !utf8.ValidString(text) || strings.TrimSpace(text) == "" || strings.ContainsRune(text, 0) {
			t.Skip()
		}
		before := len(srv.SentTo(chat.ID))
		if _, err := tg.Send(context.Background(), bot.Outgoing{Platform: bot.Telegram, Chat: "-4001", Text: text}); err != nil {
			t.Fatalf("send %q: %v", text, err)
		}
		var shown strings.Builder
		for _, m := range srv.SentTo(chat.ID)[before:] {
			if m.ParseMode != "HTML" {
				t.Fatalf("sent without HTML parse mode (a fallback): %q", text)
			}
			shown.WriteString(m.Text)
		}
		if strip(shown.String()) != strip(text) {
			t.Fatalf("Telegram shows %q for %q", shown.String(), text)
		}
	})
}

// strip drops white space (unicode.IsSpace: Telegram trims all of it at the
// ends of a message, form feeds included), which the adapter may also move to
// a part boundary when it splits a long text.
func strip(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
