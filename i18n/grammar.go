package i18n

import (
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// List joins items the way lang lists them: "一、三、五" in Chinese,
// "Monday, Wednesday and Friday" in English (ListSep between them, ListLast
// before the last).
func List(lang string, items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	last := len(items) - 1
	return T(lang, ListLast, strings.Join(items[:last], T(lang, ListSep)), items[last])
}

// Ordinal is n as an ordinal number in lang: "1st", "22nd", "13th" in
// English; "1" in Chinese, where the message around it says "日". Which
// form a number takes is the language's plural rule for ordinals, from
// CLDR through golang.org/x/text (one: 1st, 21st; two: 2nd; few: 3rd;
// other: 4th, 11th–13th …).
func Ordinal(lang string, n int) string {
	form := plural.Ordinal.MatchPlural(language.Make(Normalize(lang)), n, 0, 0, 0, 0)
	k, ok := ordinals[form]
	if !ok {
		k = OrdinalOther
	}
	return T(lang, k, n)
}

var ordinals = map[plural.Form]Key{plural.One: OrdinalOne, plural.Two: OrdinalTwo, plural.Few: OrdinalFew, plural.Other: OrdinalOther}

// plurals picks the forms of the counted words of a message: "{one|other}"
// after a %d verb ("%d {ticket|tickets}", "%d more {group|groups}") becomes
// the form the number that verb prints takes in lang's plural rule for
// cardinals (CLDR, through golang.org/x/text: in English 1 is "one", 0 and 2
// are "other"). Messages without braces are returned as they are.
func plurals(lang, msg string, args []any) string {
	if !strings.Contains(msg, "{") {
		return msg
	}
	tag := language.Make(Normalize(lang))
	var b strings.Builder
	next, last := 0, -1 // the argument the next verb prints; the last %d's
	for i := 0; i < len(msg); i++ {
		switch msg[i] {
		case '{':
			end := strings.IndexByte(msg[i:], '}')
			one, other, ok := strings.Cut(msg[i+1:i+max(end, 1)], "|")
			if end < 0 || !ok || last < 0 || last >= len(args) {
				b.WriteByte('{')
				continue
			}
			form := other
			if n, isInt := count(args[last]); isInt && plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0) == plural.One {
				form = one
			}
			b.WriteString(form)
			i += end
			continue
		case '%':
		default:
			b.WriteByte(msg[i])
			continue
		}
		b.WriteByte('%')
		j := i + 1
		if j < len(msg) && msg[j] == '%' {
			b.WriteByte('%')
			i = j
			continue
		}
		for j < len(msg) && strings.IndexByte("+-# 0123456789.", msg[j]) >= 0 {
			j++
		}
		if j < len(msg) && msg[j] == '[' {
			if end := strings.IndexByte(msg[j:], ']'); end > 0 {
				if n, err := strconv.Atoi(msg[j+1 : j+end]); err == nil {
					next = n - 1
				}
				j += end + 1
			}
		}
		if j >= len(msg) {
			b.WriteString(msg[i+1:])
			break
		}
		b.WriteString(msg[i+1 : j+1])
		if msg[j] == 'd' {
			last = next
		}
		i, next = j, next+1
	}
	return b.String()
}

// count is an integer argument as an int.
func count(a any) (int, bool) {
	switch n := a.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	}
	return 0, false
}
