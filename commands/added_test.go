package commands_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
)

func TestStrangerAddingTheBotToManyGroupsSendsOneSummary(t *testing.T) {
	h := newHarness(t)
	h.drain()
	// A stranger adds the bot to 25 groups within a few seconds.
	for i := range 25 {
		if out := h.send(bot.Message{Chat: bot.ChatID(fmt.Sprint(-5000 - i)), ChatKind: bot.Group, ChatTitle: fmt.Sprint("广告群", i), Event: bot.EventBotAdded}); len(out) != 0 {
			t.Fatalf("addition %d sent %d messages at once", i, len(out))
		}
		h.Clock.Add(time.Second)
	}
	// The manager's own messages are not held back meanwhile.
	if out := h.private(manager, "/whoami"); len(out) != 1 {
		t.Fatalf("the manager's reply waited behind the digest: %+v", out)
	}
	h.Clock.Add(commands.AddedFold)
	out := h.drain()
	if len(out) != 1 || out[0].Chat != bot.ChatID(manager.ID) {
		t.Fatalf("%d messages for 25 additions, want one summary to the manager: %+v", len(out), out)
	}
	text := out[0].Text
	for _, want := range []string{"机器人被加入了 25 个群", "“广告群0”（-5000）", "“广告群19”", "另有 5 个群", "/bind"} {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "广告群20") {
		t.Errorf("the summary lists more than 20 groups:\n%s", text)
	}

	// More right after: one more notice, an hour after the first.
	h.send(bot.Message{Chat: "-6001", ChatKind: bot.Group, ChatTitle: "又一个群", Event: bot.EventBotAdded})
	h.send(bot.Message{Chat: "-6002", ChatKind: bot.Group, ChatTitle: "再一个群", Event: bot.EventBotAdded})
	h.Clock.Add(30 * time.Minute)
	if out := h.drain(); len(out) != 0 {
		t.Fatalf("a second notice within the hour: %+v", out)
	}
	h.Clock.Add(30 * time.Minute)
	out = h.drain()
	if len(out) != 1 || !strings.Contains(out[0].Text, "机器人被加入了 2 个群") {
		t.Fatalf("after the hour: %+v", out)
	}

	// Long after, a single addition is the plain notice again.
	h.Clock.Add(2 * time.Hour)
	h.send(bot.Message{Chat: "-7001", ChatKind: bot.Group, ChatTitle: "Lakeside", Event: bot.EventBotAdded})
	h.Clock.Add(commands.AddedFold)
	out = h.drain()
	if len(out) != 1 || !strings.Contains(out[0].Text, "“Lakeside”（-7001）") {
		t.Fatalf("a single addition later: %+v", out)
	}
}
