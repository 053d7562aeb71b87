package i18n

import (
	"regexp"
	"strings"
	"testing"
)

func TestPlurals(t *testing.T) {
	for _, c := range []struct {
		lang string
		k    Key
		args []any
		want string
	}{
		{English, PollTotal, []any{1}, "1 vote:"},
		{English, PollTotal, []any{0}, "0 votes:"},
		{English, PollTotal, []any{2}, "2 votes:"},
		{English, PollTotal, []any{int64(1)}, "1 vote:"},
		{English, ErrActivityFull, []any{3, 1}, "all 1 place of activity #3"},
		{English, SummaryTickets, []any{1, 2, 1}, "1 repair request and 2 complaints; 1 was completed."},
		{Chinese, PollTotal, []any{1}, "1"},
	} {
		if got := T(c.lang, c.k, c.args...); !strings.Contains(got, c.want) {
			t.Errorf("T(%s, %s, %v) = %q, want it to hold %q", c.lang, c.k, c.args, got, c.want)
		}
	}
	if got := plurals(English, "100%% of %d {day|days}, %[1]d more {x|y}", []any{1}); got != "100%% of %d day, %[1]d more x" {
		t.Errorf("plurals = %q", got)
	}
}

// Every counted word in the catalogue follows a %d and gives both forms.
func TestPluralFormsAreWellFormed(t *testing.T) {
	braces := regexp.MustCompile(`\{[^}]*\}`)
	good := regexp.MustCompile(`%(\[\d+\])?d[^%{}]*\{[^|{}%]+\|[^|{}%]+\}`)
	for lang, cat := range catalogues {
		for k, msg := range cat {
			if n, m := len(braces.FindAllString(msg, -1)), len(good.FindAllString(msg, -1)); n != m {
				t.Errorf("%s %s: %d counted words, %d well formed: %q", lang, k, n, m, msg)
			}
		}
	}
}
