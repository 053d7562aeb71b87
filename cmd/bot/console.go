package main

import (
	"github.com/linli/linli/bot/console"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// consoleLines are the messages of the console's own lines.
var consoleLines = map[console.Line]i18n.Key{
	console.LineWelcome:        i18n.ConsoleWelcome,
	console.LineUsageAs:        i18n.ConsoleUsageAs,
	console.LineNowAs:          i18n.ConsoleNowAs,
	console.LineUsageIn:        i18n.ConsoleUsageIn,
	console.LineNowIn:          i18n.ConsoleNowIn,
	console.LineWho:            i18n.ConsoleWho,
	console.LineUsageReply:     i18n.ConsoleUsageReply,
	console.LineHelp:           i18n.ConsoleHelp,
	console.LineUnknownControl: i18n.ConsoleUnknownControl,
	console.LinePrivateChat:    i18n.ConsolePrivateChat,
	console.LineReplyingTo:     i18n.ConsoleReplyingTo,
	console.LineUpdated:        i18n.ConsoleUpdated,
	console.LineFile:           i18n.ConsoleFile,
	console.LinePhoto:          i18n.ConsolePhoto,
	console.LineFileEmpty:      i18n.ConsoleFileEmpty,
	console.LineFileNotSaved:   i18n.ConsoleFileNotSaved,
}

// consoleSay words the console's lines in lang (console.Config.Say).
func consoleSay(lang string) func(console.Line, ...any) string {
	return func(l console.Line, args ...any) string { return i18n.T(lang, consoleLines[l], args...) }
}

// demoRoles name the demo people's roles on the console's :who.
var demoRoles = map[string]i18n.Key{
	store.RoleManager:  i18n.DemoRoleManager,
	store.RoleStaff:    i18n.DemoRoleStaff,
	store.RoleResident: i18n.DemoRoleResident,
}

func roleLabel(lang, role string) string { return i18n.T(lang, demoRoles[role]) }
