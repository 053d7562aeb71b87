package telegram

import (
	"strings"
	"testing"

	"github.com/linli/linli/bot"
)

func TestFormatHTML(t *testing.T) {
	tests := []struct {
		text  string
		title bool
		want  string
	}{
		{`a < b & c`, true, `a &lt; b &amp; c`},
		{`<b>bold</b> "q" 'x'`, false, `&lt;b&gt;bold&lt;/b&gt; &#34;q&#34; &#39;x&#39;`},
		{"工单 #12 <报修>\n3号楼 & 电梯", true, "<b>工单 #12 &lt;报修&gt;</b>\n3号楼 &amp; 电梯"},
		{"工单 #12\n3号楼", false, "工单 #12\n3号楼"},
		{"\nbody", true, "\nbody"},
		{"&amp; already", false, "&amp;amp; already"},
	}
	for _, tt := range tests {
		if got := formatHTML(tt.text, tt.title && hasTitle(tt.text)); got != tt.want {
			t.Errorf("formatHTML(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	for text, want := range map[string]bool{"a\nb": true, "a\n": false, "a\n  \n": false, "\nb": false, "a": false} {
		if got := hasTitle(text); got != want {
			t.Errorf("hasTitle(%q) = %v", text, got)
		}
	}
}

func TestUnits(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "电梯": 2, "😀": 2, "a😀b": 4, "\xff": 1} {
		if got := units(s); got != want {
			t.Errorf("units(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"fits", "short", 10, []string{"short"}},
		{"at a line break", "line one\nline two\nline three", 20, []string{"line one\nline two", "line three"}},
		{"at a space", "aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"separator right at the limit", "aaaa\nbbbb", 4, []string{"aaaa", "bbbb"}},
		{"hard cut in CJK", "电梯按钮坏了请尽快修理", 4, []string{"电梯按钮", "坏了请尽", "快修理"}},
		{"never halves a surrogate pair", "ab😀cd", 3, []string{"ab", "😀c", "d"}},
		{"an early break is not worth it", "a\nbbbbbbbbbbbbbbb", 8, []string{"a\nbbbbbb", "bbbbbbbb", "b"}},
		{"blank parts dropped", "aaaa\n\n\n\n\nbbbb", 4, []string{"aaaa", "bbbb"}},
		{"empty", "", 10, nil},
		{"blank", " \n ", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitText(tt.text, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("splitText(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
			}
			for _, p := range got {
				if units(p) > tt.limit {
					t.Errorf("part %q is %d units, over %d", p, units(p), tt.limit)
				}
			}
		})
	}
}

func TestSplitTextKeepsEscapesWhole(t *testing.T) {
	// Splitting happens before escaping, so every part escapes on its own
	// and no "&amp;" or "<b>" is ever cut.
	text := strings.Repeat("a<b&c>'\" ", 2000)
	parts := splitText(text, 4096)
	if len(parts) < 4 {
		t.Fatalf("%d parts", len(parts))
	}
	var back []string
	for i, p := range parts {
		h := formatHTML(p, i == 0)
		if strings.Count(h, "&") != strings.Count(p, "&")+strings.Count(p, "<")+strings.Count(p, ">")+strings.Count(p, "'")+strings.Count(p, `"`) {
			t.Fatalf("part %d escaped badly", i)
		}
		back = append(back, p)
	}
	if got := strings.Join(back, " "); strings.TrimSpace(got) != strings.TrimSpace(text) {
		t.Errorf("parts do not add up to the text")
	}
}

func TestClip(t *testing.T) {
	if got := clip("short", 10); got != "short" {
		t.Errorf("clip = %q", got)
	}
	if got := clip("abcdefghij", 5); got != "abcd…" || units(got) > 5 {
		t.Errorf("clip = %q", got)
	}
	if got := clip(strings.Repeat("好", 300), maxCallbackAnswer); units(got) != maxCallbackAnswer {
		t.Errorf("clip to %d gave %d units", maxCallbackAnswer, units(got))
	}
}

func TestFormatMentions(t *testing.T) {
	text := "✅ 已登记 2 件工单\n李<阿姨>：#1 停水\nTom：#2 a & b"
	at := strings.Index(text, "李")
	tom := strings.Index(text, "Tom")
	tests := []struct {
		name     string
		mentions []bot.Mention
		want     string
	}{
		{"two", []bot.Mention{{Offset: tom, Length: 3, User: "2"}, {Offset: at, Length: len("李<阿姨>"), User: "1"}},
			"<b>✅ 已登记 2 件工单</b>\n<a href=\"tg://user?id=1\">李&lt;阿姨&gt;</a>：#1 停水\n<a href=\"tg://user?id=2\">Tom</a>：#2 a &amp; b"},
		{"not a user id", []bot.Mention{{Offset: tom, Length: 3, User: "tom"}},
			"<b>✅ 已登记 2 件工单</b>\n李&lt;阿姨&gt;：#1 停水\nTom：#2 a &amp; b"},
		{"cuts a character", []bot.Mention{{Offset: at + 1, Length: 3, User: "1"}},
			"<b>✅ 已登记 2 件工单</b>\n李&lt;阿姨&gt;：#1 停水\nTom：#2 a &amp; b"},
		{"in the title, overlapping, out of range", []bot.Mention{{Offset: 0, Length: 3, User: "1"}, {Offset: tom, Length: 3, User: "2"},
			{Offset: tom + 1, Length: 2, User: "3"}, {Offset: len(text) - 1, Length: 5, User: "4"}},
			"<b>✅ 已登记 2 件工单</b>\n李&lt;阿姨&gt;：#1 停水\n<a href=\"tg://user?id=2\">Tom</a>：#2 a &amp; b"},
	}
	for _, tt := range tests {
		if got := formatMentions(text, true, tt.mentions); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}
