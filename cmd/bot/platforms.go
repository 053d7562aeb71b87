package main

import (
	"context"
	"fmt"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/console"
)

// buildPlatforms makes the configured platforms, or the console demo when none is.
func (m *Main) buildPlatforms(ctx context.Context) ([]bot.Platform, error) {
	var ps []bot.Platform
	if m.Config.TelegramToken != "" {
		return nil, fmt.Errorf("telegram is not built into this version yet")
	}
	if m.Config.WeChat {
		return nil, fmt.Errorf("wechat is not built into this version yet")
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
		BotName: "Linli", Operator: demoManager, People: demo.people, Lang: demo.lang,
		WaitIdle: func(ctx context.Context) error {
			if s := m.Senders[bot.Console]; s != nil {
				return s.WaitIdle(ctx)
			}
			return nil
		},
		Now: m.Now,
	})
	return []bot.Platform{c}, nil
}
