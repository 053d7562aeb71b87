package main

import (
	"context"
	"path/filepath"
	"strconv"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/console"
	"github.com/linli/linli/bot/telegram"
	"github.com/linli/linli/bot/wechat"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// buildPlatforms makes the configured platforms, or the console demo when none is.
func (m *Main) buildPlatforms(ctx context.Context) ([]bot.Platform, error) {
	var ps []bot.Platform
	if m.Config.TelegramToken != "" {
		cfg := telegram.Config{
			Token: m.Config.TelegramToken, APIURL: m.Config.TelegramAPI, Log: m.Log,
			Offsets: settingOffsets{db: m.DB, key: "telegram.offset"}, Lang: m.Config.Lang, Menu: telegramMenu(),
		}
		if m.Config.TelegramWebhook != "" {
			cfg.Webhook = &telegram.WebhookConfig{PublicURL: m.Config.TelegramWebhook, Listen: m.Config.TelegramListen, Secret: m.Config.TelegramSecret}
		}
		if m.TelegramLimits != nil {
			cfg.Limits = *m.TelegramLimits
		}
		if m.Config.TelegramNoLimits {
			cfg.Limits.Disabled = true
		}
		tg, err := telegram.New(cfg)
		if err != nil {
			return nil, err
		}
		m.seedTelegramLimits(ctx, tg)
		ps = append(ps, tg)
	}
	if m.Config.WeChat {
		var wc *wechat.WeChat
		wc, err := wechat.New(wechat.Config{
			SessionFile: m.Config.WeChatSession, Log: m.Log, Out: m.Stderr, Now: m.Now,
			Pace: m.Config.WeChatPace, Transport: m.WeChatTransport,
			OnLoginURL: func(url string) {
				m.alertManagers(bot.WeChat, func(lang string) string { return i18n.T(lang, i18n.WeChatLogin, url) })
			},
			OnAlert: func(a bot.Alert) {
				m.alertManagers(bot.WeChat, func(lang string) string { return alertText(lang, a) })
			},
			OnStatus: func(up bool, _ string) {
				if !up {
					return
				}
				// Logged in again: what waited out the logout goes now.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := m.DB.Outbox().Hurry(ctx, bot.WeChat); err != nil {
					m.Log.Error("wechat outbox after login", "err", err)
				}
				m.checkWeChatGroups(ctx, wc)
			},
		})
		if err != nil {
			return nil, err
		}
		ps = append(ps, wc)
	}
	if m.Config.WeChatMPAppID != "" {
		mp, err := m.newServiceAccount()
		if err != nil {
			return nil, err
		}
		m.mp = mp
		ps = append(ps, mp)
	}
	if len(ps) > 0 {
		return ps, nil
	}
	demo, err := m.seedDemo(ctx)
	if err != nil {
		return nil, err
	}
	c := console.New(console.Config{
		In: m.Stdin, Out: m.Stdout, Prompt: isTerminal(m.Stdin),
		ResidentTitle: demo.residentTitle, StaffTitle: demo.staffTitle,
		BotName: "Linli", Operator: demo.operator, People: demo.people, Say: consoleSay(demo.lang),
		WaitIdle: func(ctx context.Context) error {
			if s := m.Senders[bot.Console]; s != nil {
				return s.WaitIdle(ctx)
			}
			return nil
		},
		Now:   m.Now,
		Files: filepath.Join(m.dataDir(), "console"),
	})
	return []bot.Platform{c}, nil
}

// checkWeChatGroups tells managers, after a login, about bound WeChat groups
// the session cannot find (not saved to contacts, or renamed while the bot
// was down) or cannot tell apart (two chats with the name).
func (m *Main) checkWeChatGroups(ctx context.Context, wc *wechat.WeChat) {
	if wc == nil {
		return
	}
	var names []string
	err := m.DB.View(ctx, func(tx *store.Tx) (err error) {
		names, err = tx.BoundGroups(bot.WeChat)
		return err
	})
	if err != nil {
		m.Log.Error("wechat bound groups", "err", err)
		return
	}
	for _, name := range names {
		var msg i18n.Key
		switch wc.Group(name) {
		case wechat.GroupUnknown:
			msg = i18n.WeChatMissing
		case wechat.GroupShared:
			msg = i18n.WeChatShared
		default:
			continue
		}
		m.alertManagers(bot.WeChat, func(lang string) string { return i18n.T(lang, msg, name) })
	}
}

// alertManagers tells every manager privately, on every platform except the
// one the alert is about (a WeChat logout cannot be reported over WeChat).
func (m *Main) alertManagers(about bot.PlatformID, text func(lang string) string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := m.DB.Update(ctx, func(tx *store.Tx) error {
		return desk.NotifyManagers(tx, m.Config.Lang, about, text)
	})
	if err != nil {
		m.Log.Error("alert managers", "err", err)
	}
}

// settingOffsets keeps a platform's update offset in the settings table.
type settingOffsets struct {
	db  *store.DB
	key string
}

// LoadOffset implements telegram.OffsetStore.
func (o settingOffsets) LoadOffset(ctx context.Context) (int64, error) {
	var v string
	err := o.db.View(ctx, func(tx *store.Tx) (err error) { v, err = tx.Setting(o.key); return })
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// SaveOffset implements telegram.OffsetStore.
func (o settingOffsets) SaveOffset(ctx context.Context, off int64) error {
	return o.db.Update(ctx, func(tx *store.Tx) error { return tx.SetSetting(o.key, strconv.FormatInt(off, 10)) })
}

// seedTelegramLimits tells the Telegram limiter what the last run sent in
// its last minute, so that a restart after a busy minute draws no 429s.
func (m *Main) seedTelegramLimits(ctx context.Context, tg *telegram.Telegram) {
	recent, err := m.DB.Outbox().RecentSends(ctx, bot.Telegram, m.Now().Add(-2*time.Minute))
	if err != nil {
		m.Log.Warn("telegram limits start empty", "err", err)
		return
	}
	sent := make([]telegram.Sent, 0, len(recent))
	for _, r := range recent {
		// sent_at is whole seconds: the end of that second is the safe side.
		sent = append(sent, telegram.Sent{Chat: r.Chat, At: r.At.Add(time.Second), Text: r.Text})
	}
	tg.SeedLimits(sent)
}
