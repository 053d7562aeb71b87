package main

import (
	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
)

// boardStyles says how each platform's resident groups get the bulletin
// board: a pinned message, edited in place, where the adapter can pin
// (Telegram); a daily post on WeChat, which can neither pin nor edit; the
// console demo has /notices only.
func (m *Main) boardStyles() map[bot.PlatformID]commands.BoardStyle {
	styles := map[bot.PlatformID]commands.BoardStyle{}
	for _, p := range m.platforms {
		if _, ok := p.(bot.Pinner); ok {
			styles[p.ID()] = commands.BoardPinned
		} else if p.ID() == bot.WeChat {
			styles[p.ID()] = commands.BoardDaily
		}
	}
	return styles
}
