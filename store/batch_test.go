package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/store"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "group.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// until polls cond (a group commit counter) with a deadline.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// blocker holds the leader inside a one-call group until released, so
// that the calls queued meanwhile form the next group, in the order queued.
type blocker struct {
	release chan struct{}
	done    chan error
}

func block(t *testing.T, db *store.DB) *blocker {
	t.Helper()
	b := &blocker{release: make(chan struct{}), done: make(chan error, 1)}
	in := make(chan struct{})
	go func() {
		b.done <- db.Batch(context.Background(), func(tx *store.Tx) error {
			close(in)
			<-b.release
			return tx.SetSetting("blocker", "1")
		})
	}()
	<-in
	return b
}

// groupCall is one queued Batch call and its outcome.
type groupCall struct{ err chan error }

// queue starts a Batch call and waits until it is waiting for its group,
// so that calls queue in a known order.
func queue(t *testing.T, db *store.DB, ctx context.Context, fn func(tx *store.Tx) error) groupCall {
	t.Helper()
	before := db.BatchStats().Waiting
	c := groupCall{err: make(chan error, 1)}
	go func() { c.err <- db.Batch(ctx, fn) }()
	until(t, "the call to queue", func() bool { return db.BatchStats().Waiting > before })
	return c
}

func setting(t *testing.T, db *store.DB, key string) string {
	t.Helper()
	var v string
	if err := db.View(context.Background(), func(tx *store.Tx) (err error) { v, err = tx.Setting(key); return }); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGroupCommitsWaitingCallsTogether(t *testing.T) {
	db := openDB(t)
	b := block(t, db)
	var calls []groupCall
	var order []int
	var mu sync.Mutex
	for i := range 10 {
		calls = append(calls, queue(t, db, context.Background(), func(tx *store.Tx) error {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return tx.SetSetting(fmt.Sprint("k", i), fmt.Sprint(i))
		}))
	}
	close(b.release)
	if err := <-b.done; err != nil {
		t.Fatal(err)
	}
	for i, c := range calls {
		if err := <-c.err; err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if got := setting(t, db, fmt.Sprint("k", i)); got != fmt.Sprint(i) {
			t.Errorf("k%d = %q after Batch returned", i, got)
		}
	}
	if st := db.BatchStats(); st.Batches != 2 || st.Calls != 11 || st.Waiting != 0 {
		t.Errorf("stats = %+v, want the 10 queued calls in one group after the blocker's", st)
	}
	for i, got := range order {
		if got != i {
			t.Fatalf("calls ran in order %v, want the order they queued in", order)
		}
	}
}

func TestGroupFailingCallRollsBackAlone(t *testing.T) {
	db := openDB(t)
	b := block(t, db)
	boom := errors.New("boom")
	good1 := queue(t, db, context.Background(), func(tx *store.Tx) error { return tx.SetSetting("good1", "y") })
	bad := queue(t, db, context.Background(), func(tx *store.Tx) error {
		if err := tx.SetSetting("bad", "written"); err != nil {
			return err
		}
		if err := tx.SetSetting("good1", "overwritten by the failing call"); err != nil {
			return err
		}
		return boom
	})
	good2 := queue(t, db, context.Background(), func(tx *store.Tx) error {
		// The failing call's writes are gone before the next call runs.
		if v, err := tx.Setting("bad"); err != nil || v != "" {
			return fmt.Errorf("bad = %q, %v: the failed call's write is visible", v, err)
		}
		return tx.SetSetting("good2", "y")
	})
	close(b.release)
	<-b.done
	if err := <-good1.err; err != nil {
		t.Errorf("good1: %v", err)
	}
	if err := <-bad.err; !errors.Is(err, boom) {
		t.Errorf("bad: err = %v, want its own error", err)
	}
	if err := <-good2.err; err != nil {
		t.Errorf("good2: %v", err)
	}
	for k, want := range map[string]string{"good1": "y", "good2": "y", "bad": ""} {
		if got := setting(t, db, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if st := db.BatchStats(); st.Batches != 2 {
		t.Errorf("%d groups, want 2 (the three calls shared one)", st.Batches)
	}
}

func TestGroupSkipsCancelledCall(t *testing.T) {
	db := openDB(t)
	b := block(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	c := queue(t, db, ctx, func(tx *store.Tx) error { ran = true; return tx.SetSetting("cancelled", "y") })
	other := queue(t, db, context.Background(), func(tx *store.Tx) error { return tx.SetSetting("other", "y") })
	cancel()
	close(b.release)
	<-b.done
	if err := <-c.err; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if err := <-other.err; err != nil {
		t.Fatal(err)
	}
	if ran || setting(t, db, "cancelled") != "" {
		t.Error("a call cancelled before its turn ran")
	}
}

func TestGroupHooksRunAfterCommit(t *testing.T) {
	db := openDB(t)
	var mu sync.Mutex
	var seen []int
	db.OnOutbox(func() {
		// Another connection sees the rows: the hook runs after the commit.
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil {
			t.Error(err)
		}
		mu.Lock()
		seen = append(seen, n)
		mu.Unlock()
	})
	b := block(t, db)
	var calls []groupCall
	for i := range 3 {
		calls = append(calls, queue(t, db, context.Background(), func(tx *store.Tx) error {
			_, err := tx.Enqueue(store.Out{Platform: bot.Telegram, Chat: "-1", Text: fmt.Sprint("m", i)})
			return err
		}))
	}
	close(b.release)
	<-b.done
	for _, c := range calls {
		if err := <-c.err; err != nil {
			t.Fatal(err)
		}
		// The hook ran before the caller heard back.
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == 0 {
			t.Fatal("Batch returned before the OnOutbox hook ran")
		}
	}
	if len(seen) != 1 || seen[0] != 3 {
		t.Errorf("hook saw %v, want once with all 3 rows committed", seen)
	}
}

func TestGroupPanicReachesCaller(t *testing.T) {
	db := openDB(t)
	b := block(t, db)
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_ = db.Batch(context.Background(), func(tx *store.Tx) error { panic("handler bug") })
	}()
	until(t, "the panicking call to queue", func() bool { return db.BatchStats().Waiting == 1 })
	other := queue(t, db, context.Background(), func(tx *store.Tx) error { return tx.SetSetting("other", "y") })
	close(b.release)
	<-b.done
	if p := <-panicked; p == nil {
		t.Fatal("the panic did not reach the caller")
	}
	if err := <-other.err; err != nil {
		t.Fatal(err)
	}
	if setting(t, db, "other") != "y" {
		t.Error("a panic in one call lost another call's write")
	}
}

func TestSavepointNests(t *testing.T) {
	db := openDB(t)
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.Savepoint(func(tx *store.Tx) error {
			if err := tx.SetSetting("outer", "y"); err != nil {
				return err
			}
			inner := tx.Savepoint(func(tx *store.Tx) error {
				if err := tx.SetSetting("inner", "y"); err != nil {
					return err
				}
				return errors.New("inner fails")
			})
			if inner == nil {
				return errors.New("inner error lost")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if setting(t, db, "outer") != "y" || setting(t, db, "inner") != "" {
		t.Errorf("outer = %q, inner = %q; want the inner savepoint alone rolled back", setting(t, db, "outer"), setting(t, db, "inner"))
	}
}

func TestGroupAfterClose(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "closed.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Batch(context.Background(), func(tx *store.Tx) error { return tx.SetSetting("a", "b") }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.Batch(context.Background(), func(tx *store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

// A caller's Batch returns once its own call is committed, even while the
// calls that queued behind it are still being run.
func TestGroupCallerDoesNotServeOthers(t *testing.T) {
	db := openDB(t)
	b := block(t, db) // leads a group of one, held until released
	inA := make(chan struct{})
	releaseA := make(chan struct{})
	a := queue(t, db, context.Background(), func(tx *store.Tx) error {
		close(inA)
		<-releaseA
		return tx.SetSetting("a", "1")
	})
	close(b.release)
	<-inA // A's group is running now
	select {
	case err := <-b.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first caller is still busy with the group queued after it")
	}
	close(releaseA)
	if err := <-a.err; err != nil {
		t.Fatal(err)
	}
	if setting(t, db, "a") != "1" || setting(t, db, "blocker") != "1" {
		t.Error("a call's write is missing")
	}
	// With nobody waiting, the next call leads at once.
	if err := db.Batch(context.Background(), func(tx *store.Tx) error { return tx.SetSetting("b", "1") }); err != nil {
		t.Fatal(err)
	}
}
