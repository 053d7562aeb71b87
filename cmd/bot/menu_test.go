package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// Main gives Telegram the menu worded by the catalogue: residents'
// commands in groups, everyone's in private chats, in each language.
func TestTelegramMenuFromTheCatalogue(t *testing.T) {
	w := newTGWorld(t)
	m := startTG(t, w, filepath.Join(t.TempDir(), "linli.db"))
	defer stop(t, m)
	type key struct{ scope, lang string }
	got := map[key][]models.BotCommand{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.srv.WaitFor(ctx, func() bool { return len(w.srv.Commands()) == 6 }); err != nil {
		t.Fatalf("menus set: %+v", w.srv.Commands())
	}
	for _, c := range w.srv.Commands() {
		got[key{c.ScopeType, c.LanguageCode}] = c.Commands
	}
	for _, c := range []struct {
		k           key
		n           int
		first, last models.BotCommand
	}{
		{key{"all_group_chats", "zh"}, 11, models.BotCommand{Command: "repair", Description: "报修：/repair 问题描述"}, models.BotCommand{Command: "help", Description: "使用说明"}},
		{key{"all_group_chats", "en"}, 11, models.BotCommand{Command: "repair", Description: "Repair request: /repair what is broken"}, models.BotCommand{Command: "help", Description: "How to use Linli"}},
		{key{"all_group_chats", ""}, 11, models.BotCommand{Command: "repair", Description: "报修：/repair 问题描述"}, models.BotCommand{Command: "help", Description: "使用说明"}},
		{key{"all_private_chats", "zh"}, 34, models.BotCommand{Command: "repair", Description: "报修：/repair 问题描述"}, models.BotCommand{Command: "runjob", Description: "经理：立即运行任务"}},
		{key{"all_private_chats", "en"}, 34, models.BotCommand{Command: "repair", Description: "Repair request: /repair what is broken"}, models.BotCommand{Command: "runjob", Description: "Manager: run a job now"}},
	} {
		cs := got[c.k]
		if len(cs) != c.n || cs[0] != c.first || cs[len(cs)-1] != c.last {
			t.Errorf("menu %+v: %d commands %+v … %+v", c.k, len(cs), first(cs), last(cs))
		}
	}
}

func first(cs []models.BotCommand) models.BotCommand {
	if len(cs) == 0 {
		return models.BotCommand{}
	}
	return cs[0]
}

func last(cs []models.BotCommand) models.BotCommand {
	if len(cs) == 0 {
		return models.BotCommand{}
	}
	return cs[len(cs)-1]
}
