package commands_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/linli/linli/bot"
)

// TestFilesTheBotWritesArePrivate: exports, charts and ticket photos hold
// residents' names and homes; only the bot's own user may read them.
func TestFilesTheBotWritesArePrivate(t *testing.T) {
	h, dir := exportHarness(t)
	exportFixture(t, h)
	h.now = mustTime(t, "2026-12-01T02:00:00Z")
	h.private(manager, "/export 2026-11")
	workbook := lastQueued(t, h, 1)[0].path
	h.private(manager, "/report 2026-11")
	chartFile := lastQueued(t, h, 1)[0].path
	h.send(bot.Message{Chat: residentGroup, ChatKind: bot.Group, Sender: li.id, SenderName: li.name, Text: "#报修 窗户坏了",
		Attachments: []bot.Attachment{{Kind: "photo", MIMEType: "image/jpeg", Data: []byte("\xff\xd8\xff photo")}}})
	photos, _ := filepath.Glob(filepath.Join(dir, "*", "ticket-*"))
	more, _ := filepath.Glob(filepath.Join(dir, "ticket-*"))
	photos = append(photos, more...)
	if workbook == "" || chartFile == "" || len(photos) == 0 {
		t.Fatalf("files written: workbook %q, chart %q, photos %q", workbook, chartFile, photos)
	}
	for _, f := range append([]string{workbook, chartFile}, photos...) {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 600", f, st.Mode().Perm())
		}
		for d := filepath.Dir(f); len(d) >= len(dir); d = filepath.Dir(d) {
			if st, err := os.Stat(d); err == nil && st.Mode().Perm() != 0o700 {
				t.Errorf("folder %s has mode %o, want 700", d, st.Mode().Perm())
			}
		}
	}
}
