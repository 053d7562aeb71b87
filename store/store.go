// Package store keeps Linli's state in SQLite through the pure-Go driver
// modernc.org/sqlite: communities, chats, people, tickets with their events
// and links, the inbox of handled messages and the outbox of messages to send.
//
// Every change runs in one transaction (DB.Update) that records "now" once, so
// the timestamps it writes agree and tests can fix the clock. Times are stored
// as unix seconds in UTC.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the Linli database.
type DB struct {
	db   *sql.DB
	path string
	// Now is the clock; tests replace it. It must be set before use.
	Now func() time.Time

	mu     sync.Mutex
	hooks  []func()
	closed bool

	// stmts caches prepared statements by their SQL: parsing a statement
	// costs more than running most of ours. database/sql prepares each at
	// most once per pooled connection and reuses it.
	stmts sync.Map // string → *sql.Stmt

	// writer serialises write transactions inside the process. SQLite has one
	// writer anyway; queueing here is fair and cheap, where contending
	// connections would spin in SQLite's busy handler and could starve.
	writer sync.Mutex
	// wconn is the writers' own connection, taken from the pool for good:
	// write transactions run on it (BEGIN IMMEDIATE … COMMIT) with statements
	// prepared on it once (wstmts), which spares database/sql's per-transaction
	// work (a connection from the pool, each statement re-bound to the
	// transaction and closed at its end) on every message. Both are guarded
	// by writer.
	wconn  *sql.Conn
	wstmts map[string]*sql.Stmt
	// wfault is the storage fault that broke the write transaction under
	// way (SQLite may have rolled it back by itself); later statements of it
	// are refused. Guarded by writer; begin clears it.
	wfault error

	// Group commit (batch.go).
	gmu      sync.Mutex    // guards gqueue and gclosed
	gqueue   []*batchJob   // Batch calls waiting for a leader, in arrival order
	gclosed  bool          // Close was called: Batch refuses new calls
	leader   chan struct{} // capacity 1: held by the Batch call running groups
	stopOnce sync.Once
	gstats   batchCounters

	health writeHealth // storage faults of write transactions (health.go)
}

// DSN returns the driver's data source name for path with every pragma Linli
// relies on, and the default busy timeout (DefaultBusyTimeout). Pragmas go in
// the DSN because a PRAGMA statement reaches only one pooled connection:
//   - journal_mode(WAL): readers never block the writer;
//   - synchronous(FULL): a transaction reported committed survives a power cut
//     (NORMAL could lose the last few commits, and a lost commit here is a lost
//     resident message or a ticket the resident was told exists);
//   - busy_timeout: wait for the write lock instead of failing;
//   - foreign_keys(1): references hold;
//   - _txlock=immediate: a transaction takes the write lock at BEGIN, so a
//     read-then-write transaction never fails with SQLITE_BUSY half-way;
//   - secure_delete(1): deleted rows are overwritten, so an erased anonymous
//     receipt leaves no bytes behind in the file;
//   - temp_store(MEMORY): savepoints' sub-journals stay in memory. Every
//     message runs in a savepoint (see Batch); with the default, a group's
//     sub-journal spills to a temporary file once it passes 64 KiB, and every
//     page a message touches is then written to it with a system call.
func DSN(path string) string { return dsn(path, DefaultBusyTimeout) }

func dsn(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "secure_delete(1)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// DefaultBusyTimeout is how long a transaction waits for the write lock held
// by another connection (another process: a backup, an operator's sqlite3
// shell) before it fails with a storage fault (FaultLocked).
const DefaultBusyTimeout = 5 * time.Second

// Options tune Open. The zero value takes the defaults.
type Options struct {
	// BusyTimeout is how long to wait for a lock another connection holds
	// (DefaultBusyTimeout when 0). Tests that hold the lock on purpose
	// shorten it.
	BusyTimeout time.Duration
}

// Open opens (creating if needed) the database at path and applies pending migrations.
func Open(ctx context.Context, path string) (*DB, error) { return OpenWith(ctx, path, Options{}) }

// OpenWith is Open with options. The file is created readable by its owner
// only (0600), and an older file readable by others is made so: it holds
// residents' names, addresses and complaints. SQLite gives the WAL and
// shared-memory files the database file's mode.
func OpenWith(ctx context.Context, path string, opt Options) (*DB, error) {
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = DefaultBusyTimeout
	}
	if err := privateFile(path); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sdb, err := sql.Open("sqlite", dsn(path, opt.BusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// SQLite has one writer; more connections would only queue on its lock.
	// Reads share the pool with writes: WAL lets them run beside the writer.
	sdb.SetMaxOpenConns(4)
	db := &DB{db: sdb, path: path, Now: time.Now, leader: make(chan struct{}, 1), wstmts: map[string]*sql.Stmt{}}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	if db.wconn, err = sdb.Conn(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// privateFile creates the database file (and its folder) for its owner
// only, or takes away the access of others from an existing one and from
// its WAL and shared-memory files.
func privateFile(path string) error {
	if strings.HasPrefix(path, "file:") || path == ":memory:" || path == "" {
		return nil // a URI or memory database: the driver makes it
	}
	if dir := filepath.Dir(path); dir != "." {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm()&0o077 != 0 {
			// Best effort: a file of another user stays as it is, and
			// SQLite then says whether it can be used at all.
			_ = os.Chmod(p, st.Mode().Perm()&0o700)
		}
	}
	return nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// SQL returns the underlying handle, for tests and backups.
func (db *DB) SQL() *sql.DB { return db.db }

// Close closes the database.
func (db *DB) Close() error {
	db.mu.Lock()
	db.closed = true
	db.mu.Unlock()
	db.stopOnce.Do(db.stopGroups)
	db.writer.Lock()
	for _, s := range db.wstmts {
		s.Close()
	}
	db.wstmts = nil
	db.wconn.Close()
	db.wconn = nil // Update and Batch now fail with ErrClosed
	db.writer.Unlock()
	db.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	return db.db.Close()
}

// OnOutbox registers f to run after every commit that queued outgoing
// messages. The senders use it to wake up.
func (db *DB) OnOutbox(f func()) {
	db.mu.Lock()
	db.hooks = append(db.hooks, f)
	db.mu.Unlock()
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	if err := db.checkNewer(ctx, names); err != nil {
		return err
	}
	for _, name := range names {
		if err := db.applyMigration(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// ErrNewerVersion is returned by Open for a database that a newer version of
// Linli has migrated: this version does not know its tables as they are now,
// and writing to them could break them for the version that made them.
var ErrNewerVersion = errors.New("the database was written by a newer version of Linli")

// checkNewer refuses a database with migrations that known (the embedded
// ones, sorted) does not have.
func (db *DB) checkNewer(ctx context.Context, known []string) error {
	rows, err := db.db.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("read migrations: %w", err)
		}
		if _, found := slices.BinarySearch(known, name); !found {
			unknown = append(unknown, strings.TrimPrefix(name, "migrations/"))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%w (it has migration %s, which this version does not know): "+
			"run the newer version, or restore a backup made by this one", ErrNewerVersion, strings.Join(unknown, ", "))
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, name string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return fmt.Errorf("check migration %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return fmt.Errorf("read migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("apply migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, time.Now().Unix()); err != nil {
		return fmt.Errorf("record migration %s: %w", name, err)
	}
	return tx.Commit()
}

// Tx is one transaction. Its methods share the transaction's clock.
type Tx struct {
	tx     *sql.Tx // a read transaction (View); nil in a write transaction, which runs on db.wconn
	ctx    context.Context
	now    time.Time
	db     *DB
	queued bool
	open   bool // a write transaction not yet committed or rolled back
	depth  int  // savepoints open (group.go)
	// reportMemo keeps the report's event figures per window (report_scan.go).
	reportMemo map[[2]int64]*reportEvents
}

// Now is the transaction's time, the same for everything it writes.
func (tx *Tx) Now() time.Time { return tx.now }

// Context returns the transaction's context.
func (tx *Tx) Context() context.Context { return tx.ctx }

// Update runs fn in a write transaction and commits it when fn returns nil.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	db.writer.Lock()
	defer db.writer.Unlock()
	tx, err := db.begin(ctx)
	if err != nil {
		db.health.failed(err)
		return err
	}
	defer tx.rollback()
	if err := fn(tx); err != nil {
		db.health.failed(err)
		return err
	}
	if err := tx.commit(); err != nil {
		db.health.failed(err)
		return err
	}
	db.health.committed()
	if tx.queued {
		db.runHooks()
	}
	return nil
}

// begin starts a write transaction on the writers' connection; the caller
// holds db.writer and must end it with commit or rollback.
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	if db.wconn == nil {
		return nil, ErrClosed
	}
	tx := &Tx{ctx: ctx, now: db.Now().UTC().Truncate(time.Second), db: db}
	db.wfault = nil
	if _, err := tx.exec("BEGIN IMMEDIATE"); err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	tx.open = true
	return tx, nil
}

func (tx *Tx) commit() error {
	if _, err := tx.execOn(context.Background(), "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.open = false
	return nil
}

// rollback ends the transaction if commit did not; it may run after SQLite
// already rolled back on its own (an I/O error), when it fails harmlessly.
func (tx *Tx) rollback() {
	if tx.open {
		tx.execOn(context.Background(), "ROLLBACK")
		tx.open = false
	}
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer stx.Rollback()
	return fn(&Tx{tx: stx, ctx: ctx, now: db.Now().UTC().Truncate(time.Second), db: db})
}

// stmt returns the transaction's handle on the cached prepared statement for q.
func (tx *Tx) stmt(q string) (*sql.Stmt, error) {
	if tx.tx == nil {
		s := tx.db.wstmts[q]
		if s == nil {
			var err error
			if s, err = tx.db.wconn.PrepareContext(context.Background(), q); err != nil {
				return nil, err
			}
			tx.db.wstmts[q] = s
		}
		return s, nil
	}
	s, ok := tx.db.stmts.Load(q)
	if !ok {
		// Prepared on this transaction's own connection (closed with it),
		// never on the pool from inside a transaction: that needs a second
		// connection, and readers that all hold one and all wait for
		// another (four senders' chats reading at once) wait forever. The
		// cached copy is prepared on the pool once a connection is free.
		p, err := tx.tx.PrepareContext(tx.ctx, q)
		if err != nil {
			return nil, err
		}
		go tx.db.cacheStmt(q)
		return p, nil
	}
	return tx.tx.StmtContext(tx.ctx, s.(*sql.Stmt)), nil
}

// cacheStmt prepares q on the pool for the read transactions' cache.
func (db *DB) cacheStmt(q string) {
	if _, ok := db.stmts.Load(q); ok {
		return
	}
	p, err := db.db.PrepareContext(context.Background(), q)
	if err != nil {
		return // closed, or a statement the transaction will have reported
	}
	if _, ok := db.stmts.LoadOrStore(q, p); ok {
		p.Close() // another goroutine won the race
	}
}

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) { return tx.execOn(tx.ctx, q, args...) }

func (tx *Tx) execOn(ctx context.Context, q string, args ...any) (sql.Result, error) {
	write := tx.tx == nil
	if write && tx.db.wfault != nil && q != "ROLLBACK" {
		// SQLite may have rolled the transaction back by itself: a statement
		// run now would run on its own, outside any transaction, and stay
		// written whatever happens to the rest (an inbox row without its
		// ticket: a message lost).
		return nil, fmt.Errorf("transaction given up after a storage fault: %w", tx.db.wfault)
	}
	s, err := tx.stmt(q)
	if err != nil {
		return nil, err
	}
	res, err := s.ExecContext(ctx, args...)
	if write && err != nil {
		if _, fault := Fault(err); fault {
			tx.db.wfault = err
		}
	}
	return res, err
}

// insert runs an INSERT and returns the new row's id: cheaper than
// RETURNING, which makes SQLite gather the returned rows in a temporary table.
func (tx *Tx) insert(q string, args ...any) (int64, error) {
	res, err := tx.exec(q, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (tx *Tx) query(q string, args ...any) (*sql.Rows, error) {
	s, err := tx.stmt(q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(tx.ctx, args...)
}

func (tx *Tx) queryRow(q string, args ...any) *sql.Row {
	s, err := tx.stmt(q)
	if err != nil {
		// Let the error surface from Scan, as QueryRowContext does.
		if tx.tx == nil {
			return tx.db.wconn.QueryRowContext(tx.ctx, q, args...)
		}
		return tx.tx.QueryRowContext(tx.ctx, q, args...)
	}
	return s.QueryRowContext(tx.ctx, args...)
}

// queryAll runs q and returns every row as scan reads it.
func queryAll[T any](tx *Tx, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	var out []T
	err := tx.eachRow(func(rows *sql.Rows) error {
		v, err := scan(rows)
		if err == nil {
			out = append(out, v)
		}
		return err
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow runs q and calls fn with each row.
func (tx *Tx) eachRow(fn func(*sql.Rows) error, q string, args ...any) error {
	rows, err := tx.query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Setting reads a value from the settings table ("" when unset).
func (tx *Tx) Setting(key string) (string, error) {
	var v string
	err := tx.queryRow(`SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting writes a value to the settings table.
func (tx *Tx) SetSetting(key, value string) error {
	_, err := tx.exec(`INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func unix(t time.Time) int64 { return t.UTC().Unix() }

func fromUnix(s int64) time.Time { return time.Unix(s, 0).UTC() }

func nullTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromUnix(n.Int64)
}
