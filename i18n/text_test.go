package i18n

import (
	"testing"
	"time"
)

func TestFormatTime(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 3, 1, 30, 0, 0, time.UTC) // 09:30 in Shanghai
	for _, c := range []struct {
		lang string
		loc  *time.Location
		want string
	}{
		{Chinese, shanghai, "11月3日 09:30"},
		{English, shanghai, "Nov 3 09:30"},
		{English, time.UTC, "Nov 3 01:30"},
	} {
		if got := FormatTime(c.lang, c.loc, at); got != c.want {
			t.Errorf("FormatTime(%s, %s) = %q, want %q", c.lang, c.loc, got, c.want)
		}
	}
}

func TestLinesAndClip(t *testing.T) {
	if got, want := Lines("标题", "", "第一行", "", "second"), "标题\n第一行\nsecond"; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	if got := Lines(); got != "" {
		t.Errorf("Lines() = %q, want empty", got)
	}
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"  3号楼电梯坏了  ", 10, "3号楼电梯坏了"},
		{"3号楼电梯按钮坏了", 4, "3号楼电…"}, // characters, not bytes
		{"exactly", 7, "exactly"},
		{"", 5, ""},
	} {
		if got := Clip(c.in, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"3号楼电梯按钮坏了", 4, "3号楼…"}, // the ellipsis counts
		{"exactly", 7, "exactly"},
		{" kept ", 6, " kept "},
		{"", 5, ""},
	} {
		if got := Fit(c.in, c.n); got != c.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
