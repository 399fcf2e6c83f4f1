// Package db opens Fundus's database from one URL, applies the embedded
// migrations, and runs write transactions.
//
// Two engines are supported, chosen by the URL's scheme:
//
//   - sqlite://PATH: the embedded default (modernc.org/sqlite, pure Go). The
//     file is created on first use. Every connection runs in WAL mode with
//     synchronous=FULL (a committed write survives power loss), foreign keys
//     on and a busy timeout. All writes go through one writer connection whose
//     transactions start with BEGIN IMMEDIATE, so SQLite never has to upgrade
//     a read lock to a write lock halfway through a transaction; reads use a
//     separate pool of connections that open the file read-only. A connection of its own copies
//     the WAL back into the database file in the background (checkpoint),
//     so the writer does not stop for it.
//   - postgres://... or postgresql://...: production (pgx through
//     database/sql). Reads use a pool whose sessions are read-only
//     (default_transaction_read_only; a session set back to read write is
//     dropped, though BEGIN READ WRITE still writes: a default, not a
//     permission); writes a small pool of their own.
//
// A DB is the read handle: every package reads through it, and a statement
// that would write fails on both engines. The writer is handed out once, to
// the write path (TakeWriter, package commit), so nothing else can open a
// write transaction.
//
// All SQL in Fundus is written once, with $1-style placeholders, which both
// drivers accept. Times are stored as UTC with microsecond precision, which
// both engines compare correctly.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"fundus/errs"
)

// Engine names a database engine.
type Engine string

// The engines Fundus runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database. Embedded *sqlx.DB is the pool for reads, which
// cannot write; the writer goes to the write path (TakeWriter).
type DB struct {
	*sqlx.DB
	Engine Engine

	writer      *sqlx.DB
	writerMu    sync.Mutex
	writerTaken bool

	stopCheckpoints func() // SQLite: stops the checkpointer and waits
	reads           *Stmts // SQLite: the read pool's prepared statements
}

// Options tune Open. The zero value is fine.
type Options struct {
	// MaxReadConns bounds the read pool (SQLite) or the whole pool
	// (PostgreSQL). Zero means a default of 16.
	MaxReadConns int
}

// Open opens the database that rawURL names. It does not migrate.
// Returns Invalid for a URL that names no supported engine.
func Open(ctx context.Context, rawURL string, opt Options) (*DB, error) {
	const op errs.Op = "db.Open"
	if opt.MaxReadConns <= 0 {
		opt.MaxReadConns = 16
	}
	var d *DB
	var err error
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		d, err = openSQLite(strings.TrimPrefix(rawURL, "sqlite://"), opt)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		d, err = openPostgres(rawURL, opt)
	default:
		return nil, errs.E(op, errs.Invalid, "database URL must start with sqlite:// or postgres://")
	}
	if err != nil {
		return nil, errs.E(op, err)
	}
	if err := d.PingContext(ctx); err != nil {
		d.Close()
		return nil, errs.E(op, errs.Internal, "database does not answer", err)
	}
	return d, nil
}

func openSQLite(path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, errs.E(errs.Invalid, "sqlite:// URL needs a file path")
	}
	// An in-memory database would be a different database on each
	// connection; Fundus needs the file.
	if path == ":memory:" || strings.Contains(path, "mode=memory") {
		return nil, errs.E(errs.Invalid, "sqlite:// needs a file, not :memory:")
	}
	pragmas := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"foreign_keys(1)",
		"busy_timeout(10000)",
		// Read pages through a memory map and keep more of them per
		// connection: without these, a growing database is read with a
		// system call per page missed, and the single writer waits on them.
		"mmap_size(1073741824)",
		"cache_size(-32768)",
	} {
		pragmas.Add("_pragma", p)
	}
	pragmas.Set("_time_format", "sqlite") // what TimeColumn reads by hand (no _loc, no _texttotime)
	dsn := func(extra string) string {
		return "file:" + path + "?" + pragmas.Encode() + extra
	}
	// The writer checkpoints only when the checkpointer falls far behind.
	// It keeps its statement journals (a multi-row insert's undo within its
	// transaction) in memory, not in files under /var/tmp: they never need
	// to survive a crash, and as files they were a third of what the writer
	// wrote (issue 18). Readers keep the default: an export's sort may be
	// large.
	w, err := sqlx.Open("sqlite", dsn("&_txlock=immediate&_pragma=wal_autocheckpoint(16000)&_pragma=temp_store(MEMORY)"))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL through the writer before any
	// reader opens it.
	if _, err := w.Exec(`PRAGMA user_version`); err != nil {
		w.Close()
		return nil, err
	}
	// mode=ro opens the file read-only, which no statement on the
	// connection can undo (PRAGMA query_only = 0 could).
	r, err := sqlx.Open("sqlite", dsn("&mode=ro&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(opt.MaxReadConns)
	r.SetMaxIdleConns(opt.MaxReadConns)
	c, err := sqlx.Open("sqlite", dsn(""))
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	c.SetMaxOpenConns(1)
	return &DB{DB: r, writer: w, Engine: SQLite, stopCheckpoints: checkpoints(c), reads: newStmts(r, false)}, nil
}

// checkpointEvery is how often the checkpointer copies committed pages from
// the WAL into the database file.
const checkpointEvery = 200 * time.Millisecond

// checkpoints runs PASSIVE checkpoints on c until the returned function is
// called. A passive checkpoint takes no lock that the writer or the readers
// wait for: it copies what no reader still needs, and the next one copies
// the rest. It moves the checkpoint's writes off the single writer, which
// would otherwise do them at the commit that fills the WAL to its limit.
func checkpoints(c *sqlx.DB) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c.Close()
		tick := time.NewTicker(checkpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				c.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`) // a busy database is tried again at the next tick
			}
		}
	}()
	return func() { cancel(); <-done }
}

// writerConns bounds the PostgreSQL writer pool: the write path holds one
// connection at a time, migrations another.
const writerConns = 4

func openPostgres(rawURL string, opt Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, errs.E(errs.Invalid, "bad postgres URL", err)
	}
	w := sqlx.NewDb(stdlib.OpenDB(*cfg), "pgx")
	w.SetMaxOpenConns(writerConns)
	w.SetMaxIdleConns(writerConns)
	w.SetConnMaxIdleTime(5 * time.Minute)
	// Every session of the read pool is read-only, so that a statement
	// that writes fails there as it does on SQLite's query_only readers.
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	r := sqlx.NewDb(stdlib.OpenDB(*rcfg, stdlib.OptionResetSession(stillReadOnly)), "pgx")
	r.SetMaxOpenConns(opt.MaxReadConns)
	r.SetMaxIdleConns(opt.MaxReadConns)
	r.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{DB: r, writer: w, Engine: Postgres}, nil
}

// stillReadOnly refuses a read connection whose session was set to read
// write (SET default_transaction_read_only, SET SESSION CHARACTERISTICS),
// so that database/sql drops it instead of handing it out again. The
// server reports the setting with every change (PostgreSQL 14 and later),
// so the check costs no round trip.
func stillReadOnly(_ context.Context, c *pgx.Conn) error {
	if c.PgConn().ParameterStatus("default_transaction_read_only") != "on" {
		return driver.ErrBadConn
	}
	return nil
}

// Close closes the pools.
func (d *DB) Close() error {
	if d.stopCheckpoints != nil {
		d.stopCheckpoints()
	}
	d.reads.Close()
	return errors.Join(d.DB.Close(), d.writer.Close())
}

// Writer is the database's writer, as the write path holds it: the one way
// to change the database (besides migrations).
type Writer struct {
	Engine Engine
	pool   *sqlx.DB
	stmts  *Stmts // SQLite: the writer's prepared statements
	d      *DB
}

// TakeWriter hands the writer to the write path. There is one: until it is
// given back (Writer.Release), TakeWriter fails.
func (d *DB) TakeWriter() (*Writer, error) {
	d.writerMu.Lock()
	defer d.writerMu.Unlock()
	if d.writerTaken {
		return nil, errs.E(errs.Op("db.TakeWriter"), errs.Internal, "the writer is taken: the database has one write path")
	}
	d.writerTaken = true
	w := &Writer{Engine: d.Engine, pool: d.writer, d: d}
	if d.Engine == SQLite {
		w.stmts = newStmts(d.writer, true)
	}
	return w, nil
}

// Release gives the writer back to its database and closes its prepared
// statements.
func (w *Writer) Release() {
	w.stmts.Close()
	w.d.writerMu.Lock()
	w.d.writerTaken = false
	w.d.writerMu.Unlock()
}

// Begin opens a write transaction on a connection of its own (on SQLite
// database/sql's, whose statements go through the writer's statement
// cache; on PostgreSQL the server's, whose BEGIN goes with its first
// statements: see CachedTx). The caller ends the transaction, then closes
// the connection.
func (w *Writer) Begin(ctx context.Context) (*sqlx.Conn, *CachedTx, error) {
	w.stmts.PreparePending(ctx)
	conn, err := w.pool.Connx(ctx)
	if err != nil {
		return nil, nil, err
	}
	if w.Engine == Postgres {
		return conn, &CachedTx{conn: conn, driver: w.pool.DriverName()}, nil // BEGIN goes with the first statements
	}
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, &CachedTx{tx: tx, s: w.stmts}, nil
}

// NewID returns a new id: a UUID of version 7, whose first bits are the
// time, so that rows inserted one after another land side by side in the
// id indexes instead of on random pages (which made every commit write many
// pages). Its 74 random bits keep it unguessable.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Now is the current time as the database stores it: UTC, microseconds.
func Now() time.Time { return Time(time.Now()) }

// Time brings t to what the database stores: UTC, microseconds.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// MaxTime is the latest time both engines compare alike: SQLite keeps times
// as text, which orders by time only while the year has four digits.
var MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)

// Bound brings a time that bounds a query to what the database compares:
// Time, and no later than MaxTime (so 10000-01-01, the end of the day
// 9999-12-31, still means "the end of time" on SQLite as on PostgreSQL).
func Bound(t time.Time) time.Time {
	if t.After(MaxTime) {
		return MaxTime
	}
	return Time(t)
}

// IsUniqueViolation reports whether err is a unique constraint violation.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsRetryable reports whether a transaction that failed with err may succeed
// when run again: a serialization failure or deadlock on PostgreSQL, a busy
// or locked database on SQLite.
func IsRetryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// NotFoundOr turns sql.ErrNoRows into a NotFound error with msg; any other
// error is wrapped with op.
func NotFoundOr(op errs.Op, err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(op, errs.NotFound, msg)
	}
	return errs.E(op, err)
}
