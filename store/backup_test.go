package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func TestBackupRestoreRoundTrip(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "备份前的工单", Reporter: f.li, Chat: f.resident, MsgID: "9"})
		return err
	})
	dst := filepath.Join(t.TempDir(), "copy", "linli-backup.db")
	if err := db.Backup(context.Background(), dst); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(context.Background(), dst); err == nil {
		t.Error("backup overwrote an existing file")
	}
	// Writes after the backup are not in it.
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, err := tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: "备份后的工单", Reporter: f.li, Chat: f.resident, MsgID: "10"})
		return err
	})
	// Restoring is opening the copy in place of the database.
	restored, err := store.Open(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	restored.View(context.Background(), func(tx *store.Tx) error {
		ts, err := tx.Tickets(store.TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 1 || ts[0].Text != "备份前的工单" {
			t.Errorf("restored tickets = %+v", ts)
		}
		id, _ := tx.TicketByMessage(bot.Telegram, "-100", "9")
		if id != ts[0].ID {
			t.Errorf("restored link = %d", id)
		}
		return nil
	})
	var ok string
	restored.SQL().QueryRow("PRAGMA integrity_check").Scan(&ok)
	if ok != "ok" {
		t.Errorf("integrity_check = %s", ok)
	}
}

func TestBackupRotateKeepsSeven(t *testing.T) {
	db, _ := MustOpen(t)
	day := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	var last string
	for i := range 9 {
		p, err := db.BackupRotate(context.Background(), day.AddDate(0, 0, i), 7)
		if err != nil {
			t.Fatal(err)
		}
		last = p
	}
	got, _ := filepath.Glob(filepath.Join(filepath.Dir(db.Path()), "linli-backup-*.db"))
	if len(got) != 7 {
		t.Fatalf("backups kept = %d (%v), want 7", len(got), got)
	}
	if filepath.Base(got[0]) != "linli-backup-20261103-030000.db" || got[6] != last {
		t.Errorf("kept %v", got)
	}
	if _, err := os.Stat(last); err != nil {
		t.Error(err)
	}
}
