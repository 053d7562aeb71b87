package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// dirFiles lists the names of dir's files.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

func newTicket(t *testing.T, db *store.DB, f fixture, text string) *store.Ticket {
	t.Helper()
	var tk *store.Ticket
	mustUpdate(t, db, func(tx *store.Tx) error {
		var err error
		tk, err = tx.CreateTicket(store.NewTicket{Community: f.comm, Kind: store.KindRepair, Text: text, Reporter: f.li, Chat: f.resident})
		return err
	})
	return tk
}

var errAgain = errors.New("the group's transaction failed")

// TestKeptPhotoIsWrittenOnceBeforeTheTransaction: the bytes are written
// before the transaction under their hash; a transaction that fails and runs
// again (group commit does that) records the same file and writes no other.
func TestKeptPhotoIsWrittenOnceBeforeTheTransaction(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	tk := newTicket(t, db, f, "水管漏水")
	dir := filepath.Join(t.TempDir(), "attachments")
	data := []byte("\xff\xd8\xff a leaking pipe")
	as := []bot.Attachment{{Kind: "photo", Ref: "file-1", MIMEType: "image/jpeg", Data: data}}
	if err := store.KeepFiles(dir, as); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := filepath.Join(dir, hex.EncodeToString(sum[:])+".jpg")
	if as[0].Stored != want {
		t.Fatalf("stored at %q, want %q", as[0].Stored, want)
	}
	st, err := os.Stat(want)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("photo mode %o, want 600", st.Mode().Perm())
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("folder: %v, %v; want mode 700", st, err)
	}
	if got, _ := os.ReadFile(want); string(got) != string(data) {
		t.Errorf("file holds %q", got)
	}
	// Keeping the same bytes again (the message handed in again) finds them.
	again := []bot.Attachment{{Kind: "photo", MIMEType: "image/jpeg", Data: data}}
	if err := store.KeepFiles(dir, again); err != nil || again[0].Stored != want {
		t.Fatalf("kept again at %q (%v)", again[0].Stored, err)
	}

	// The first run fails after saving; the rerun saves again and commits.
	runs := 0
	for {
		runs++
		err := db.Update(ctx(), func(tx *store.Tx) error {
			if _, err := tx.SaveAttachment(tk.ID, bot.Telegram, as[0], dir); err != nil {
				return err
			}
			if runs == 1 {
				return errAgain
			}
			return nil
		})
		if errors.Is(err, errAgain) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if got := dirFiles(t, dir); !slices.Equal(got, []string{filepath.Base(want)}) {
		t.Errorf("files after a failed run and a rerun: %q, want only %q", got, filepath.Base(want))
	}
	var saved []*store.TicketAttachment
	mustUpdate(t, db, func(tx *store.Tx) (err error) {
		saved, err = tx.TicketAttachments(tk.ID)
		return err
	})
	if len(saved) != 1 || saved[0].Path != want || saved[0].Ref != "file-1" {
		t.Fatalf("rows: %+v", saved)
	}
}

// TestSaveAttachmentWithoutKeptCopyUsesTheHashName: bytes that nobody kept
// before the transaction are written by SaveAttachment itself, under the
// same name, so a rerun adds no file either.
func TestSaveAttachmentWithoutKeptCopyUsesTheHashName(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	tk := newTicket(t, db, f, "门禁坏了")
	dir := filepath.Join(t.TempDir(), "attachments")
	a := bot.Attachment{Kind: "file", Name: "报价单.PDF", MIMEType: "application/pdf", Data: []byte("%PDF-1.4 quote")}
	var paths []string
	for run := range 2 {
		err := db.Update(ctx(), func(tx *store.Tx) error {
			ta, err := tx.SaveAttachment(tk.ID, bot.WeChat, a, dir)
			if err != nil {
				return err
			}
			paths = append(paths, ta.Path)
			if run == 0 {
				return errAgain
			}
			return nil
		})
		if err != nil && !errors.Is(err, errAgain) {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256(a.Data)
	want := hex.EncodeToString(sum[:]) + ".PDF"
	if len(paths) != 2 || paths[0] != paths[1] || filepath.Base(paths[0]) != want {
		t.Errorf("paths %q, want twice %s", paths, want)
	}
	if got := dirFiles(t, dir); !slices.Equal(got, []string{want}) {
		t.Errorf("files: %q, want only %q", got, want)
	}
	if st, err := os.Stat(paths[0]); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("file: %v, %v; want mode 600", st, err)
	}
	// An odd extension is not carried into the name.
	odd := bot.Attachment{Kind: "file", Name: "x.p d;f", Data: []byte("odd")}
	if err := store.KeepFiles(dir, []bot.Attachment{odd}); err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		ta, err := tx.SaveAttachment(tk.ID, bot.WeChat, odd, dir)
		if err == nil && filepath.Ext(ta.Path) != "" {
			t.Errorf("odd name kept as %q", ta.Path)
		}
		return err
	})
}

// TestSamePhotoOnTwoTicketsSharesOneFile: one file, two rows.
func TestSamePhotoOnTwoTicketsSharesOneFile(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	dir := filepath.Join(t.TempDir(), "attachments")
	data := []byte("\x89PNG the same crack")
	var paths []string
	for _, text := range []string{"墙裂了", "3栋墙也裂了"} {
		tk := newTicket(t, db, f, text)
		as := []bot.Attachment{{Kind: "photo", MIMEType: "image/png", Data: data}}
		if err := store.KeepFiles(dir, as); err != nil {
			t.Fatal(err)
		}
		mustUpdate(t, db, func(tx *store.Tx) error {
			if _, err := tx.SaveAttachment(tk.ID, bot.Telegram, as[0], dir); err != nil {
				return err
			}
			saved, err := tx.TicketAttachments(tk.ID)
			if err != nil {
				return err
			}
			if len(saved) != 1 {
				t.Fatalf("ticket %d has %d attachments", tk.ID, len(saved))
			}
			paths = append(paths, saved[0].Path)
			return nil
		})
	}
	if paths[0] != paths[1] || filepath.Ext(paths[0]) != ".png" {
		t.Errorf("paths %q, want one .png twice", paths)
	}
	if got := dirFiles(t, dir); len(got) != 1 {
		t.Errorf("files: %q, want one", got)
	}
}

// TestPruneFilesRemovesOnlyOldUnreferencedCopies: a copy kept for a
// transaction that then failed goes once it is as old as the cutoff; copies
// rows refer to, recent ones, and the data directory's other files stay.
func TestPruneFilesRemovesOnlyOldUnreferencedCopies(t *testing.T) {
	db, _ := MustOpen(t)
	f := setup(t, db)
	tk := newTicket(t, db, f, "电梯坏了")
	dir := filepath.Join(t.TempDir(), "attachments")
	keep := func(data string) string {
		t.Helper()
		as := []bot.Attachment{{Kind: "photo", Data: []byte(data)}}
		if err := store.KeepFiles(dir, as); err != nil {
			t.Fatal(err)
		}
		return as[0].Stored
	}
	old := time.Now().Add(-40 * 24 * time.Hour)
	age := func(paths ...string) {
		t.Helper()
		for _, p := range paths {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	ticketPhoto := keep("ticket photo")
	outPhoto := keep("sent photo")
	orphan := keep("failed transaction")
	recent := keep("failed a moment ago")
	revived := keep("failed, then sent again")
	legacy := filepath.Join(dir, "ticket-7-12345.jpg")
	other := filepath.Join(dir, "notes.txt")
	export := filepath.Join(dir, "exports", "1-2026-11.xlsx")
	for _, p := range []string{legacy, other, export} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		// Recorded by another path to the same folder (the database was
		// opened by a relative path then): still recognised by name.
		a := bot.Attachment{Kind: "photo", Stored: filepath.Join("..", "elsewhere", filepath.Base(ticketPhoto))}
		if _, err := tx.SaveAttachment(tk.ID, bot.Telegram, a, dir); err != nil {
			return err
		}
		_, err := tx.Enqueue(store.Out{Platform: bot.WeChat, Chat: "staff", Text: "照片", Attachment: &store.OutAttachment{Kind: "photo", Path: outPhoto}})
		return err
	})
	age(ticketPhoto, outPhoto, orphan, revived, legacy, other, export)
	// The revived copy is kept again for a new message: its time is fresh.
	if got := keep("failed, then sent again"); got != revived {
		t.Fatalf("kept again at %q, want %q", got, revived)
	}
	n, err := db.PruneFiles(ctx(), dir, time.Now().Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("removed %d files, want 2 (the old orphan and the old legacy copy)", n)
	}
	for _, p := range []string{ticketPhoto, outPhoto, recent, revived, other, export} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v, want kept", filepath.Base(p), err)
		}
	}
	for _, p := range []string{orphan, legacy} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: %v, want removed", filepath.Base(p), err)
		}
	}
	if n, err := db.PruneFiles(ctx(), filepath.Join(dir, "missing"), time.Now()); n != 0 || err != nil {
		t.Errorf("a missing folder: %d, %v", n, err)
	}
}
