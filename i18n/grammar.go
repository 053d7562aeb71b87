package i18n

import (
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
