package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupCommandAndRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "linli.db")
	runConsole(t, db, ":as 李阿姨\n#报修 楼道灯不亮\n")
	dest := filepath.Join(dir, "backups", "b.db")
	var out strings.Builder
	if err := runBackup(context.Background(), []string{"-db", db, dest}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "backed up") {
		t.Errorf("output %q", out.String())
	}
	if err := runBackup(context.Background(), []string{"-db", db}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("backup without a destination succeeded")
	}
	// Restore = run the bot on the copy: the ticket is there.
	got := runConsole(t, dest, ":as 李阿姨\n/status 1\n")
	mustContain(t, got, "楼道灯不亮", "待处理")
}
