package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runConsoleArgs is runConsole with more flags.
func runConsoleArgs(t *testing.T, db, script string, args ...string) string {
	t.Helper()
	m := NewMain()
	if err := m.ParseFlags(append([]string{"-db", db, "-tz", "Asia/Shanghai"}, args...), func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	m.Stdin, m.Stdout, m.Stderr = strings.NewReader(script), out, io.Discard
	m.Now = func() time.Time { return fixed }
	m.Log = slog.New(slog.DiscardHandler)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("console demo did not finish its script")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// With -lang en a new database seeds the demo in English; the language it
// was seeded in stays with the database.
func TestDemoSeedFollowsLang(t *testing.T) {
	db := filepath.Join(t.TempDir(), "linli.db")
	out := runConsoleArgs(t, db, ":who\n:as Auntie Li\n#repair the lift button is broken\n", "-lang", "en")
	mustContain(t, out, "You are Manager Wang", "Manager Wang — manager", "Master Zhang — staff", "Auntie Li — resident",
		"Auntie Li @ Sunny Garden residents: #repair the lift button is broken",
		"Ticket #1 · repair", "── Sunny Garden staff · Linli")
	for _, zh := range []string{"阳光花园", "王经理", "李阿姨", "报修"} {
		if strings.Contains(out, zh) {
			t.Errorf("an English demo shows %q:\n%s", zh, out)
		}
	}
	// Started again without -lang, the database's demo is still English.
	out = runConsoleArgs(t, db, ":who\n")
	mustContain(t, out, "You are Manager Wang, in Sunny Garden residents.", "Auntie Li — resident")
}
