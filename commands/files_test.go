package commands_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/linli/linli/bot"
)

// TestFilesTheBotWritesArePrivate: exports, charts and ticket photos hold
// residents' names and homes; only the bot's own user may read them.
func TestFilesTheBotWritesArePrivate(t *testing.T) {
	h, dir := exportHarness(t)
	exportFixture(t, h)
	h.Clock.Set(mustTime(t, "2026-12-01T02:00:00Z"))
	h.private(manager, "/export 2026-11")
	workbook := lastQueued(t, h, 1)[0].path
	h.private(manager, "/report 2026-11")
	chartFile := lastQueued(t, h, 1)[0].path
	h.send(bot.Message{Chat: residentGroup, ChatKind: bot.Group, Sender: li.ID, SenderName: li.Name, Text: "#报修 窗户坏了",
		Attachments: []bot.Attachment{{Kind: "photo", MIMEType: "image/jpeg", Data: []byte("\xff\xd8\xff photo")}}})
	photos, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
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

// TestPhotosAreKeptOnceBeforeTheTransaction: a photo's bytes are kept under
// their hash before the message's transaction, so the same picture sent
// again, or the same message handed in again, adds rows but no file; a bare
// photo that belongs to no ticket is not kept at all.
func TestPhotosAreKeptOnceBeforeTheTransaction(t *testing.T) {
	h, dir := exportHarness(t)
	photo := func() []bot.Attachment {
		return []bot.Attachment{{Kind: "photo", MIMEType: "image/jpeg", Data: []byte("\xff\xd8\xff broken window")}}
	}
	h.send(bot.Message{Chat: residentGroup, ChatKind: bot.Group, Sender: li.ID, SenderName: li.Name, Text: "#报修 窗户坏了", Attachments: photo()})
	bare := bot.Message{ID: "bare-1", Chat: residentGroup, ChatKind: bot.Group, Sender: li.ID, SenderName: li.Name, Attachments: photo()}
	h.send(bare)
	h.send(bare) // handed in again
	h.send(bot.Message{Chat: residentGroup, ChatKind: bot.Group, Sender: tom.ID, SenderName: tom.Name,
		Attachments: []bot.Attachment{{Kind: "photo", MIMEType: "image/jpeg", Data: []byte("\xff\xd8\xff tom's cat")}}})
	var names []string
	rows, err := h.db.SQL().Query(`SELECT path FROM ticket_attachments WHERE ticket_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Base(p))
	}
	rows.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	if len(names) != 2 || names[0] != names[1] || !slices.Equal(files, names[:1]) {
		t.Errorf("ticket rows name %q; files %q; want two rows naming the one file", names, files)
	}
}
