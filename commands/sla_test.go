package commands_test

import (
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/commands"
)

func TestParseAndFormatDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"2s", 2 * time.Second, "2s"},
		{"90s", 90 * time.Second, "1m30s"},
		{"30m", 30 * time.Minute, "30m"},
		{"24h", 24 * time.Hour, "1d"},
		{"7d", 7 * 24 * time.Hour, "7d"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"1h0m5s", time.Hour + 5*time.Second, "1h5s"},
		{"2S", 2 * time.Second, "2s"},
	} {
		got, err := commands.ParseDuration(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
			continue
		}
		if s := commands.FormatDuration(got); s != c.out {
			t.Errorf("FormatDuration(%v) = %q, want %q", got, s, c.out)
		}
	}
	for _, bad := range []string{"", "0s", "s", "5", "-2s", "1.5h", "2ms", "367d", "1x"} {
		if d, err := commands.ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, d)
		}
	}
}

func TestSLATakesSecondsForDrills(t *testing.T) {
	h := newHarness(t)
	out := h.private(manager, "/sla 阳光花园 first=2s resolve=90s")
	contains(t, one(t, out, bot.ChatID(manager.ID)), "首次回复 2s，解决 90s") // as typed
	h.group(residentGroup, li, "#报修 演练")
	got := h.ticket(1)
	if !got.FirstResponseDue.Equal(t0.Add(2*time.Second)) || !got.ResolveDue.Equal(t0.Add(90*time.Second)) {
		t.Errorf("due times %v %v, want 2s and 90s after %v", got.FirstResponseDue, got.ResolveDue, t0)
	}
}
