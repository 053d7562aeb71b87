package main

import (
	"strings"
	"testing"

	"github.com/linli/linli/bot/console"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Every line of the console has a message in both languages.
func TestConsoleSaysEveryLine(t *testing.T) {
	for _, l := range console.Lines() {
		k, ok := consoleLines[l]
		if !ok || !i18n.Has(k) {
			t.Errorf("console line %d has no message", l)
		}
	}
	if len(consoleLines) != len(console.Lines()) {
		t.Errorf("%d messages for %d lines", len(consoleLines), len(console.Lines()))
	}
	for lang, want := range map[string]string{
		"zh": "邻里 Linli 控制台演示。输入 :help 查看说明。现在你是 王经理，在私聊·王经理。",
		"en": "Linli console demo. Type :help for help. You are 王经理, in private·王经理.",
	} {
		say := consoleSay(lang)
		if got := say(console.LineWelcome, "王经理", say(console.LinePrivateChat, "王经理")); got != want {
			t.Errorf("%s welcome: %q, want %q", lang, got, want)
		}
	}
	for _, role := range []string{store.RoleManager, store.RoleStaff, store.RoleResident} {
		for _, lang := range i18n.Langs() {
			if got := roleLabel(lang, role); got == "" || strings.Contains(got, "role") {
				t.Errorf("roleLabel(%s, %s) = %q", lang, role, got)
			}
		}
	}
	if roleLabel("en", store.RoleStaff) != "staff" || roleLabel("zh", store.RoleStaff) != "物业工作人员" {
		t.Error("the demo's staff role is worded differently")
	}
}
