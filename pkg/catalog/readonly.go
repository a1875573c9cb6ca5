package catalog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mattn/go-sqlite3"
)

// OpenReadOnly opens an existing catalog for reading only. It writes
// nothing into the catalog's folder, so it works on a read-only folder and
// leaves no -wal or -shm file behind: SQLite's read-only mode would still
// create both next to a WAL catalog, and keep them after closing.
//
// Each query gets a fresh connection. While another process writes the
// catalog (its -wal file exists) the connection joins that process's WAL
// files and sees every commit; otherwise it reads the file as immutable,
// which needs no lock and no side file. A writer that starts in between
// is seen from the next query on. A catalog with an older schema is
// refused: migrating it is a write.
func OpenReadOnly(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("catalog: empty path")
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("catalog %q: is a directory", path)
	case err != nil:
		return nil, fmt.Errorf("catalog %q: %w", path, errors.Unwrap(err))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("catalog %q: %v", path, err)
	}
	sdb := sql.OpenDB(readOnlyConnector{path: abs})
	sdb.SetMaxIdleConns(0) // an immutable connection would never see later commits
	db := &DB{Now: time.Now, sql: sdb, path: path}
	version, appID, tables, err := db.header(context.Background(), sdb)
	if err == nil {
		err = db.checkHeader(version, appID, tables)
		if err == nil && version < SchemaVersion {
			err = fmt.Errorf("catalog %q: schema %d is older than this veza's %d; a command that writes the catalog upgrades it", path, version, SchemaVersion)
		}
	} else {
		err = db.fileErr(err)
	}
	if err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// readOnlyConnector opens read-only connections, immutable ones while no
// other process has the catalog open for writing.
type readOnlyConnector struct{ path string }

func (c readOnlyConnector) Connect(context.Context) (driver.Conn, error) {
	dsn := "file:" + escapeURIPath(c.path) + "?mode=ro&_busy_timeout=" + strconv.Itoa(int(busyTimeout/time.Millisecond))
	if _, err := os.Lstat(c.path + "-wal"); errors.Is(err, fs.ErrNotExist) {
		dsn += "&immutable=1"
	}
	return c.Driver().Open(dsn)
}

func (readOnlyConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }
