package catalog

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/veza-media/veza/pkg/layout"
)

// DefaultPath is where the catalog of an output directory lives:
// <outDir>/veza.db (layout.CatalogName).
func DefaultPath(outDir string) string { return filepath.Join(outDir, layout.CatalogName) }

// ErrNotFound is returned (wrapped, so test it with errors.Is) when a track,
// rendition, job or segment does not exist. Messages name what was missing:
// `track "x": not found`.
var ErrNotFound = errors.New("not found")

// ErrJobFinished is returned (wrapped) when a job that already reached a
// final status is started, finished or advanced again, for example a job
// that timed out and later reports success.
var ErrJobFinished = errors.New("job already finished")

// NewerSchemaError says the catalog was written by a newer veza whose schema
// this binary does not know; veza refuses to touch it.
type NewerSchemaError struct {
	Path   string
	Schema int // the catalog's schema version
	Known  int // the newest version this binary knows
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("catalog %q: made by a newer veza (schema %d, this binary knows %d); upgrade veza", e.Path, e.Schema, e.Known)
}

// DB is an open catalog. It is safe for concurrent use by many goroutines,
// and several processes may open the same file.
type DB struct {
	// Now is the clock for every time the catalog records. It defaults to
	// time.Now; tests set a fixed clock to get deterministic rows.
	Now func() time.Time

	sql  *sql.DB
	path string

	// wmu serialises this process's write transactions: they would queue on
	// SQLite's file lock anyway, but there waiting means polling with sleeps
	// (busy_timeout), here it means a cheap mutex. Other processes still
	// wait on the file lock.
	wmu sync.Mutex
}

// applicationID marks the file as a veza catalog (PRAGMA application_id,
// "veza" in ASCII), so another program's SQLite file is not mistaken for one.
const applicationID = 0x76657a61

// busyTimeout is how long a write waits for another process's transaction
// before failing with "database is locked". Writes are short (a batch of
// segments at most), so 10 s means something is badly wrong.
const busyTimeout = 10 * time.Second

//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations are the embedded schema steps, in order; migrations[i] brings a
// catalog from schema i to i+1. Names are NNNN_what.sql with NNNN = i+1.
var migrations = mustLoadMigrations(migrationFiles)

// SchemaVersion is the newest catalog schema this binary knows.
var SchemaVersion = len(migrations)

func mustLoadMigrations(fsys fs.FS) []migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic(err)
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ms []migration
	for i, name := range names {
		base := filepath.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("catalog migration %s: want a name starting %04d_", base, i+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	if len(ms) == 0 {
		return nil, errors.New("catalog: no embedded migrations")
	}
	return ms, nil
}

// Open opens the catalog at path, creating it (and its directory) if needed,
// and brings its schema up to date. A catalog made by a newer veza is refused
// with a *NewerSchemaError.
func Open(path string) (*DB, error) { return open(path, true) }

// OpenExisting opens an existing catalog like Open, but never creates one: a
// missing file gives an error wrapping fs.ErrNotExist. Commands that only
// read the catalog use it so a typo does not leave an empty veza.db behind.
func OpenExisting(path string) (*DB, error) { return open(path, false) }

func open(path string, create bool) (*DB, error) {
	if path == "" {
		return nil, errors.New("catalog: empty path")
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("catalog %q: is a directory", path)
	case errors.Is(err, fs.ErrNotExist) && !create:
		return nil, fmt.Errorf("catalog %q: %w", path, fs.ErrNotExist)
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("catalog %q: %w", path, errors.Unwrap(err))
		}
	case err != nil:
		return nil, fmt.Errorf("catalog %q: %w", path, errors.Unwrap(err))
	}

	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("catalog %q: %v", path, err)
	}
	mode := "rwc"
	if !create {
		mode = "rw"
	}
	// A file: URI so that any byte of the path survives (a bare path would
	// be cut at its first '?'); the _ parameters are go-sqlite3's and run
	// on every new connection of the pool. synchronous=NORMAL is the WAL
	// setting that stays consistent on power loss and only risks the last
	// commits, which a re-run or `veza catalog import` restores.
	dsn := "file:" + escapeURIPath(abs) + "?mode=" + mode +
		"&_busy_timeout=" + strconv.Itoa(int(busyTimeout/time.Millisecond)) +
		"&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=on&_txlock=immediate&_stmt_cache_size=64"
	sdb, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("catalog %q: %v", path, err)
	}
	db := &DB{Now: time.Now, sql: sdb, path: path}
	// When several processes open a fresh catalog together, SQLite can
	// answer "database is locked" at once instead of waiting (switching the
	// file to WAL, or a reader upgrading to a writer), so opening retries
	// for as long as a busy write would wait.
	deadline := time.Now().Add(busyTimeout)
	for {
		err = db.migrate(context.Background())
		if err == nil || !isLocked(err) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Duration(10+rand.IntN(40)) * time.Millisecond)
	}
	if err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// isLocked says whether err is SQLite's busy or locked answer.
func isLocked(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return strings.Contains(err.Error(), "database is locked")
}

// escapeURIPath escapes the bytes that mean something in a SQLite file: URI.
func escapeURIPath(p string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return r.Replace(filepath.ToSlash(p))
}

// Path is the file the catalog was opened from.
func (db *DB) Path() string { return db.path }

// Close closes the catalog.
func (db *DB) Close() error { return db.sql.Close() }

// migrate checks what the file is and applies the migrations it lacks.
func (db *DB) migrate(ctx context.Context) error {
	version, appID, tables, err := db.header(ctx, db.sql)
	if err != nil {
		return db.fileErr(err)
	}
	if err := db.checkHeader(version, appID, tables); err != nil {
		return err
	}
	if version == SchemaVersion {
		return nil
	}
	// Several processes may open a fresh catalog at once: the immediate
	// transaction makes one of them migrate while the others wait, and the
	// others then find the schema current.
	return db.write(ctx, func(tx *sql.Tx) error {
		version, appID, tables, err := db.header(ctx, tx)
		if err != nil {
			return db.fileErr(err)
		}
		if err := db.checkHeader(version, appID, tables); err != nil {
			return err
		}
		for _, m := range migrations[version:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("catalog %q: migration %s: %v", db.path, m.name, err)
			}
		}
		// PRAGMAs take no parameters; both values are integers we own.
		_, err = tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", SchemaVersion, applicationID))
		return err
	})
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) header(ctx context.Context, q queryer) (version, appID, tables int, err error) {
	// One statement, so one snapshot: read separately, a migration another
	// process commits in between would show its tables without its
	// application_id, and the file would look like someone else's.
	err = q.QueryRowContext(ctx, `SELECT
		(SELECT user_version FROM pragma_user_version),
		(SELECT application_id FROM pragma_application_id),
		(SELECT count(*) FROM sqlite_schema)`).Scan(&version, &appID, &tables)
	return
}

func (db *DB) checkHeader(version, appID, tables int) error {
	if appID != applicationID && (appID != 0 || version != 0 || tables != 0) {
		return fmt.Errorf("catalog %q: not a veza catalog (another program's SQLite database)", db.path)
	}
	if version > SchemaVersion {
		return &NewerSchemaError{Path: db.path, Schema: version, Known: SchemaVersion}
	}
	return nil
}

// fileErr turns SQLite's complaints about the file itself into one line
// naming the file.
func (db *DB) fileErr(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		return fmt.Errorf("catalog %q: not a SQLite database", db.path)
	}
	return fmt.Errorf("catalog %q: %v", db.path, err)
}

// write runs fn in one immediate write transaction: the write lock is taken
// at BEGIN, so two writers never both read and then fail to upgrade
// (SQLITE_BUSY_SNAPSHOT, which busy_timeout cannot wait out).
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil) // BEGIN IMMEDIATE, from _txlock
	if err != nil {
		return db.fileErr(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return db.fileErr(err)
	}
	return nil
}

// read runs fn on one connection inside a deferred (read) transaction, so a
// query made of several statements sees one snapshot even while other
// processes write. database/sql's BeginTx cannot be used: it would take the
// write lock (_txlock=immediate).
func (db *DB) read(ctx context.Context, fn func(q queryer) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return db.fileErr(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return db.fileErr(err)
	}
	err = fn(conn)
	// A read transaction has nothing to keep; end it even when ctx is done,
	// so the connection goes back to the pool clean.
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil && err == nil {
		err = db.fileErr(rerr)
	}
	return err
}

// timeFormat is how times are stored: UTC, milliseconds, fixed width, so
// text order is time order.
const timeFormat = "2006-01-02T15:04:05.000Z"

func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Millisecond) }

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: fmtTime(t), Valid: true}
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("catalog: bad time %q in the database", s)
	}
	return t.UTC(), nil
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// isForeignKeyErr says whether err is SQLite refusing a row whose parent
// (track, rendition or job) does not exist.
func isForeignKeyErr(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}
