package main

import (
	"context"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// alertingQueue is the outbox as the senders see it, telling the group's
// managers when a bound group turns out to be gone (the bot was removed while it was down,
// so no event said so): they learn it from the first refused send.
type alertingQueue struct {
	store.Outbox
	m *Main
}

var _ bot.Queue = alertingQueue{}

// ChatGone implements bot.Queue.
func (q alertingQueue) ChatGone(ctx context.Context, p bot.PlatformID, chat bot.ChatID, reason string) error {
	var was *store.Chat
	_ = q.m.DB.View(ctx, func(tx *store.Tx) error {
		c, err := tx.ChatByKey(p, chat)
		if err == nil {
			was = c
		}
		return nil
	})
	if err := q.Outbox.ChatGone(ctx, p, chat, reason); err != nil {
		return err
	}
	if was != nil && was.Bound() && was.Active && was.Kind == bot.Group {
		// The group's community's managers (and the company-wide ones), as
		// when the platform reports the removal (commands.handleEvent).
		err := q.m.DB.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
			return desk.NotifyCommunityManagers(tx, q.m.Config.Lang, was.CommunityID, func(lang string) string {
				return i18n.T(lang, i18n.RemovedFromGroup, was.Title, was.Key)
			})
		})
		if err != nil {
			q.m.Log.Error("alert managers", "err", err)
		}
	}
	return nil
}
