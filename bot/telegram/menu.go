package telegram

import (
	"context"
	"slices"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Command is one entry of the menu Telegram clients show after "/".
type Command struct {
	Name        string // without the slash, [a-z0-9_]{1,32}
	Description string
}

// Menu is the command menu per language code ("zh", "en"), for groups and
// for private chats. cmd/bot words it; the adapter only sets it.
type Menu struct {
	Group   map[string][]Command
	Private map[string][]Command
}

// setCommands sets the menu for private chats and for groups, once per
// language and once more without a language for everyone else (in
// Config.Lang). A failure is logged: the bot works without a menu.
func (t *Telegram) setCommands(ctx context.Context) {
	if t.cfg.Menu == nil {
		return
	}
	scopes := []struct {
		name  string
		scope models.BotCommandScope
		menu  map[string][]Command
	}{
		{"all_private_chats", &models.BotCommandScopeAllPrivateChats{}, t.cfg.Menu.Private},
		{"all_group_chats", &models.BotCommandScopeAllGroupChats{}, t.cfg.Menu.Group},
	}
	for _, sc := range scopes {
		langs := make([]string, 0, len(sc.menu))
		for lang := range sc.menu {
			langs = append(langs, lang)
		}
		slices.Sort(langs)
		if _, ok := sc.menu[t.cfg.Lang]; ok {
			langs = append(langs, "") // the fallback for every other language
		}
		for _, lang := range langs {
			src := t.cfg.Lang
			if lang != "" {
				src = lang
			}
			var cmds []models.BotCommand
			for _, c := range sc.menu[src] {
				cmds = append(cmds, models.BotCommand{Command: c.Name, Description: c.Description})
			}
			if len(cmds) == 0 {
				continue
			}
			rctx, cancel := t.request(ctx)
			_, err := t.api.SetMyCommands(rctx, &tgbot.SetMyCommandsParams{Commands: cmds, Scope: sc.scope, LanguageCode: lang})
			cancel()
			if err != nil {
				t.log.Warn("telegram set command menu", "scope", sc.name, "lang", lang, "err", err)
			}
		}
	}
}
