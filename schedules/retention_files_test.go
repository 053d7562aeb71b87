package schedules

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// TestRetentionRemovesPhotosNothingRefersTo: the retention job removes a
// kept photo whose message was never recorded, once it is older than the
// retention, and keeps the one a ticket holds.
func TestRetentionRemovesPhotosNothingRefersTo(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "attachments")
	s, err := New(e.db, Config{Location: shanghai, Lang: "zh", Log: slog.New(slog.DiscardHandler), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	kept := []bot.Attachment{{Kind: "photo", Data: []byte("the ticket's photo")}, {Kind: "photo", Data: []byte("a failed message's photo")}}
	if err := store.KeepFiles(dir, kept); err != nil {
		t.Fatal(err)
	}
	e.group(residentGroup, li, "#报修 电梯坏了")
	e.update(func(tx *store.Tx) error {
		_, err := tx.SaveAttachment(1, bot.Telegram, kept[0], dir)
		return err
	})
	old := e.clock().Add(-40 * 24 * time.Hour)
	for _, a := range kept {
		if err := os.Chtimes(a.Stored, old, old); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.RunJob(context.Background(), "retention")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res, "另删除 1 个") {
		t.Errorf("result %q, want one file removed", res)
	}
	if _, err := os.Stat(kept[0].Stored); err != nil {
		t.Errorf("the ticket's photo: %v", err)
	}
	if _, err := os.Stat(kept[1].Stored); !os.IsNotExist(err) {
		t.Errorf("the unreferenced photo: %v, want removed", err)
	}
}
