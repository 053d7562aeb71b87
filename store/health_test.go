package store_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

// holdWriteLock takes the database's write lock from a connection of its
// own, as another process would (an operator's sqlite3 shell, a second bot),
// and returns the function that lets it go.
func holdWriteLock(tb testing.TB, path string) (release func()) {
	tb.Helper()
	other, err := sql.Open("sqlite", store.DSN(path))
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := other.Conn(ctx())
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx(), "BEGIN IMMEDIATE"); err != nil {
		tb.Fatal(err)
	}
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		if _, err := conn.ExecContext(ctx(), "ROLLBACK"); err != nil {
			tb.Error(err)
		}
		conn.Close()
		other.Close()
	}
	tb.Cleanup(release)
	return release
}

func TestWriteHealthFollowsALockedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linli.db")
	db, err := store.OpenWith(ctx(), path, store.Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var changes []store.WriteHealth
	db.OnWriteHealth(func(h store.WriteHealth) { changes = append(changes, h) })
	if h := db.WriteHealth(); !h.OK {
		t.Fatalf("a new database reports %+v", h)
	}

	release := holdWriteLock(t, path)
	enqueue := func(tx *store.Tx) error {
		_, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-1", Text: "x"})
		return err
	}
	for range 3 {
		err := db.Update(ctx(), enqueue)
		reason, ok := store.Fault(err)
		if !ok || reason != store.FaultLocked {
			t.Fatalf("Update under another connection's lock: %v (fault %q %v)", err, reason, ok)
		}
		if err := db.Batch(ctx(), enqueue); err == nil {
			t.Fatal("Batch wrote under another connection's lock")
		}
	}
	h := db.WriteHealth()
	if h.OK || h.Reason != store.FaultLocked || h.Since.IsZero() {
		t.Errorf("while locked: %+v", h)
	}
	release()
	if err := db.Update(ctx(), enqueue); err != nil {
		t.Fatal(err)
	}
	if h := db.WriteHealth(); !h.OK {
		t.Errorf("after the lock is gone: %+v", h)
	}
	// Six failed writes, one change each way.
	if len(changes) != 2 || changes[0].OK || changes[0].Reason != store.FaultLocked || !changes[1].OK {
		t.Errorf("observers heard %+v, want one failure and one recovery", changes)
	}
}

func TestFaultIsNotADataError(t *testing.T) {
	db, _ := MustOpen(t)
	err := db.Update(ctx(), func(tx *store.Tx) error {
		_, err := tx.Enqueue(store.Out{}) // no destination
		return err
	})
	if err == nil {
		t.Fatal("enqueue without a destination worked")
	}
	if _, ok := store.Fault(err); ok {
		t.Errorf("%v counted as a storage fault", err)
	}
	if _, ok := store.Fault(errors.New("database is locked")); ok {
		t.Error("a plain error that only reads like one counted as a storage fault")
	}
	if h := db.WriteHealth(); !h.OK {
		t.Errorf("a refused write made writes look broken: %+v", h)
	}
}

func TestOpenRefusesANewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linli.db")
	db, err := store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	// A later version added a migration this one does not have.
	if _, err := db.SQL().ExecContext(ctx(), `INSERT INTO schema_migrations (name, applied_at) VALUES ('migrations/9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = store.Open(ctx(), path)
	if !errors.Is(err, store.ErrNewerVersion) {
		t.Fatalf("Open: %v, want ErrNewerVersion", err)
	}
	for _, want := range []string{"newer version", "9999_future.sql", "backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
}

func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "linli.db")
	db, err := store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error { return tx.SetSetting("k", "v") })
	backup := filepath.Join(t.TempDir(), "copies", "b.db")
	if err := db.Backup(ctx(), backup); err != nil {
		t.Fatal(err)
	}
	rotated, err := db.BackupRotate(ctx(), t0, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", backup, rotated} {
		checkMode(t, p, 0o600)
	}
	checkMode(t, dir, 0o700)
	checkMode(t, filepath.Dir(backup), 0o700)
	db.Close()

	// A database made by an older version, readable by everyone, is made private.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(ctx(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	checkMode(t, path, 0o600)
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", filepath.Base(path), got, want)
	}
}
