// Package i18n is the one catalogue of the texts Linli's users read, in
// Chinese and English: replies, posts, ticket cards, buttons, reports and
// the workbook's headings, the Telegram command menu, the console demo's own
// lines and the platforms' alerts to managers.
//
// A message is named by a Key, a Go identifier such as CardTitle, so a typo
// or a key nobody declared does not compile; no string converts to a Key.
// Each language is one file (zh.go, en.go) that gives every key its text, a
// fmt format that T fills with its arguments. The tests check that both
// languages have every key, with the same verbs for the same arguments,
// and that every call in the module passes each message the arguments its
// verbs take.
//
// Codes that other packages store or pass on (a ticket's status, an event's
// action, a store.Error's key, a schedule's kind) are named through small
// lookup functions: Status, Event, Err, ScheduleKind…
//
// A counted word gives both its forms in braces after the number's verb,
// "%d {ticket|tickets}": T picks the one the number takes in the language
// (1 ticket, 2 tickets); Chinese needs none.
//
// To add a message, declare its key in keys.go (Name = key("family.name"))
// and give it a text in zh.go and in en.go; the tests name whatever is
// missing or does not match. A helper that takes a key and its arguments
// should be called t (as commands' r.t is), so the call-site test checks
// its calls too.
//
// The package is a leaf: it imports only the standard library and
// golang.org/x/text, so every other package may use it.
package i18n

import "fmt"

// Key names one message of the catalogue. Keys are declared in keys.go;
// the zero Key names no message.
type Key struct{ id string }

// key declares a key by its id, the dotted name it goes by in tests and logs.
func key(id string) Key { return Key{id} }

// ID returns the key's dotted name ("card.title").
func (k Key) ID() string { return k.id }

// String returns the key's ID, so a key prints readably.
func (k Key) String() string { return k.id }

// The languages of the catalogue, as communities store them.
const (
	Chinese = "zh"
	English = "en"
)

// Default is the language of replies where nothing says otherwise, and the
// one a message falls back to.
const Default = Chinese

var catalogues = map[string]map[Key]string{Chinese: zh, English: en}

// Langs lists the languages of the catalogue, Default first.
func Langs() []string { return []string{Chinese, English} }

// Supported reports whether lang is a language of the catalogue.
func Supported(lang string) bool {
	_, ok := catalogues[lang]
	return ok
}

// Normalize returns lang if the catalogue has it, and Default otherwise.
func Normalize(lang string) string {
	if Supported(lang) {
		return lang
	}
	return Default
}

// T returns the message k in lang, filled with args as by fmt.Sprintf (a
// message without args is returned as written). A language the catalogue
// lacks falls back to Chinese; a key it does not know, such as a lookup
// function's answer for an unknown code, reads as its ID.
func T(lang string, k Key, args ...any) string {
	msg, ok := catalogues[lang][k]
	if !ok {
		msg, ok = zh[k]
	}
	if !ok {
		return k.id
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(plurals(lang, msg, args), args...)
}

// Has reports whether the catalogue has a message for k.
func Has(k Key) bool {
	_, ok := zh[k]
	return ok
}
