package main

import (
	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
)

// alertText words a platform's alert for a manager in lang: what happened,
// inside the "WeChat:" frame every WeChat alert has.
func alertText(lang string, a bot.Alert) string {
	var body string
	switch a.Kind {
	case bot.AlertNameShared:
		body = i18n.T(lang, i18n.WeChatAlertNameShared, a.Count, a.Name)
	case bot.AlertChatMissing:
		body = i18n.T(lang, i18n.WeChatAlertChatMissing, a.Name)
	case bot.AlertGroupUnsaved:
		body = i18n.T(lang, i18n.WeChatAlertGroupUnsaved, a.Name)
	case bot.AlertLoggedIn:
		body = i18n.T(lang, i18n.WeChatAlertLoggedIn, a.Name)
	case bot.AlertLoggedOut:
		body = i18n.T(lang, i18n.WeChatAlertLoggedOut, a.Reason)
	default: // a kind newer than this wording: say what there is
		body = string(a.Kind) + " " + a.Name + " " + a.Reason
	}
	return i18n.T(lang, i18n.WeChatAlert, body)
}
