package main

import (
	"github.com/linli/linli/board"
	"github.com/linli/linli/bot"
)

// boardStyles says how each platform's resident groups get the bulletin
// board: a pinned message, edited in place, where the adapter can pin
// (Telegram); a daily post on WeChat, which can neither pin nor edit; the
// console demo has /notices only.
func (m *Main) boardStyles() map[bot.PlatformID]board.Style {
	styles := map[bot.PlatformID]board.Style{}
	for _, p := range m.platforms {
		if _, ok := p.(bot.Pinner); ok {
			styles[p.ID()] = board.Pinned
		} else if p.ID() == bot.WeChat {
			styles[p.ID()] = board.Daily
		}
	}
	return styles
}
