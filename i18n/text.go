package i18n

import (
	"strings"
	"time"
)

// FormatTime shows t in loc the way lang reads times ("11月3日 09:30",
// "Nov 3 09:30"). Every package that shows a time to people uses it, so
// that a reply, a job's reminder and the board write times alike.
func FormatTime(lang string, loc *time.Location, t time.Time) string {
	return t.In(loc).Format(T(lang, TimeFormat))
}

// Lines joins the non-empty lines of a message.
func Lines(ls ...string) string {
	var b strings.Builder
	for _, l := range ls {
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// Clip trims text and shortens it to its first n characters, marking a cut
// with "…": what a message quotes of what someone wrote.
func Clip(text string, n int) string {
	rs := []rune(strings.TrimSpace(text))
	if len(rs) <= n {
		return string(rs)
	}
	return string(rs[:n]) + "…"
}

// Fit shortens text to at most n characters, the last an ellipsis when it
// cut: a quote that must stay within a field's width (a card line, an error
// echoing what was typed).
func Fit(text string, n int) string {
	rs := []rune(text)
	if len(rs) <= n || n < 1 {
		return text
	}
	return string(rs[:n-1]) + "…"
}
