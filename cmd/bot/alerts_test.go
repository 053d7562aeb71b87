package main

import (
	"strings"
	"testing"

	"github.com/linli/linli/bot"
)

// Each kind of platform alert is worded in both languages with what it is
// about, and no format error.
func TestAlertTextWordsEveryKind(t *testing.T) {
	for _, c := range []struct {
		a      bot.Alert
		zh, en string
	}{
		{bot.Alert{Kind: bot.AlertNameShared, Name: "1期业主群", Count: 2},
			"微信提醒：微信里有 2 个群或好友都叫「1期业主群」，机器人分不清", `WeChat: 2 chats are named "1期业主群".`},
		{bot.Alert{Kind: bot.AlertChatMissing, Name: "2期业主群"},
			"微信提醒：通讯录里找不到「2期业主群」，发往它的消息暂时发不出去。", `WeChat: No group or friend named "2期业主群" in the contact list`},
		{bot.Alert{Kind: bot.AlertGroupUnsaved, Name: "2期业主群"},
			"微信提醒：群「2期业主群」没有保存到通讯录。", `WeChat: The group "2期业主群" is not saved to contacts.`},
		{bot.Alert{Kind: bot.AlertLoggedIn, Name: "物业助手"},
			"微信提醒：微信已重新登录（物业助手），未发出的消息将陆续补发。", "WeChat: WeChat is logged in again (物业助手); pending messages will now go out."},
		{bot.Alert{Kind: bot.AlertLoggedOut, Reason: "session ended"},
			"微信提醒：微信已掉线（session ended），机器人正在重新登录", "WeChat: WeChat logged out (session ended). Logging in again"},
		{bot.Alert{Kind: "new_kind", Name: "x"}, "微信提醒：new_kind x", "WeChat: new_kind x"},
	} {
		for lang, want := range map[string]string{"zh": c.zh, "en": c.en} {
			got := alertText(lang, c.a)
			if !strings.HasPrefix(got, want) || strings.Contains(got, "%!") {
				t.Errorf("%s %s: %q, want it to start %q", c.a.Kind, lang, got, want)
			}
		}
	}
}
