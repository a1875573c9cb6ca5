package catalog

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/veza-media/veza/pkg/layout"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// clock returns a clock starting at t0 that advances one second per call,
// so every recorded time is distinct and predictable.
func clock() func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return t0.Add(time.Duration(n-1) * time.Second)
	}
}

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "out", layout.CatalogName))
	if err != nil {
		t.Fatal(err)
	}
	db.Now = clock()
	t.Cleanup(func() { db.Close() })
	return db
}

func pragma(t *testing.T, db *DB, name string) string {
	t.Helper()
	var v string
	if err := db.sql.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenSettings(t *testing.T) {
	db := openTest(t)
	if _, err := os.Stat(db.Path()); err != nil {
		t.Fatalf("catalog file not created: %v", err)
	}
	// Each setting must hold on every connection of the pool, so ask on a
	// few at once.
	ctx := context.Background()
	var conns []*sql.Conn
	for range 3 {
		c, err := db.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		for _, tc := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"busy_timeout", "10000"},
			{"synchronous", "1"},
			{"user_version", "12"},
			{"application_id", "1986361953"}, // "veza",
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("conn %d: PRAGMA %s = %s, want %s", i, tc.pragma, got, tc.want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if SchemaVersion != 12 {
		t.Errorf("SchemaVersion = %d; update the user_version case above", SchemaVersion)
	}
}

func TestOpenWriteTransactionsAreImmediate(t *testing.T) {
	db := openTest(t)
	tx, err := db.sql.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// A second connection must not even start a write while the first
	// holds BEGIN IMMEDIATE. A short busy timeout keeps the test quick.
	c, err := db.sql.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(context.Background(), "PRAGMA busy_timeout = 50"); err != nil {
		t.Fatal(err)
	}
	_, err = c.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second writer: err = %v, want database is locked", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notDB := write("notes.db", strings.Repeat("this is not a database\n", 100))
	other := filepath.Join(dir, "other.db")
	{
		sdb, err := sql.Open("sqlite3", other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sdb.Exec("CREATE TABLE songs (name TEXT)"); err != nil {
			t.Fatal(err)
		}
		sdb.Close()
	}
	newer := filepath.Join(dir, "newer.db")
	{
		db, err := Open(newer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.sql.Exec("PRAGMA user_version = 99"); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	missing := filepath.Join(dir, "nope", layout.CatalogName)

	tests := []struct {
		name     string
		open     func(string) (*DB, error)
		path     string
		want     string
		wantIs   error
		wantType bool // a *NewerSchemaError
	}{
		{"newer schema", Open, newer, `catalog "` + newer + `": made by a newer veza (schema 99, this binary knows ` + strconv.Itoa(SchemaVersion) + `); upgrade veza`, nil, true},
		{"newer schema existing", OpenExisting, newer, `made by a newer veza (schema 99, this binary knows ` + strconv.Itoa(SchemaVersion) + `)`, nil, true},
		{"not a database", Open, notDB, `catalog "` + notDB + `": not a SQLite database`, nil, false},
		{"another program's database", Open, other, `catalog "` + other + `": not a veza catalog`, nil, false},
		{"directory", Open, dir, `catalog "` + dir + `": is a directory`, nil, false},
		{"missing", OpenExisting, missing, `catalog "` + missing + `": file does not exist`, fs.ErrNotExist, false},
		{"empty path", Open, "", "catalog: empty path", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := tc.open(tc.path)
			if err == nil {
				db.Close()
				t.Fatal("opened, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to contain %q", err, tc.want)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.wantIs)
			}
			var ns *NewerSchemaError
			if errors.As(err, &ns) != tc.wantType {
				t.Errorf("errors.As(*NewerSchemaError) = %v, want %v", !tc.wantType, tc.wantType)
			}
		})
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenExisting created %s", filepath.Dir(missing))
	}
	// The refused files are left as they were.
	if b, _ := os.ReadFile(notDB); !strings.HasPrefix(string(b), "this is not") {
		t.Error("not-a-database file was changed")
	}
}

func TestOpenOddPath(t *testing.T) {
	// '?' and '#' and '%' mean something in a file: URI; they must reach
	// the file name unchanged.
	p := filepath.Join(t.TempDir(), "a?b#c%20d", layout.CatalogName)
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("catalog not at %s: %v", p, err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	p := filepath.Join(t.TempDir(), layout.CatalogName)
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.UpsertTrack(ctx, Track{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = OpenExisting(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts, err := db.Tracks(ctx)
	if err != nil || len(ts) != 1 || ts[0].ID != "a" {
		t.Fatalf("after reopen: %v, %v", ts, err)
	}
}

func TestLoadMigrations(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string // error substring; "" = ok
	}{
		{"in order", []string{"0001_a.sql", "0002_b.sql"}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, "want a name starting 0002_"},
		{"no number", []string{"init.sql"}, "want a name starting 0001_"},
		{"none", nil, "no embedded migrations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["migrations/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			ms, err := loadMigrations(fsys)
			if tc.want == "" {
				if err != nil || len(ms) != len(tc.files) {
					t.Fatalf("got %d migrations, %v", len(ms), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	if got, want := DefaultPath("out/x"), filepath.Join("out", "x", "veza.db"); got != want {
		t.Errorf("DefaultPath = %q, want %q", got, want)
	}
}

func TestCheckTrackID(t *testing.T) {
	for id, ok := range map[string]bool{
		"film": true, "Film_2024.v2": true, "cam-1": true, "a": true,
		"": false, ".": false, "..": false, "../x": false, "a/b": false, `a\b`: false,
		".hidden": false, "-rf": false, "a b": false, "é": false, "x\x00": false,
		strings.Repeat("a", 128): true, strings.Repeat("a", 129): false,
	} {
		err := CheckTrackID(id)
		if (err == nil) != ok {
			t.Errorf("CheckTrackID(%q) = %v, want ok %v", id, err, ok)
		}
		if err != nil && !errors.Is(err, ErrBadTrackID) {
			t.Errorf("CheckTrackID(%q) = %v, not ErrBadTrackID", id, err)
		}
	}
	// Every generated id passes.
	for _, s := range []string{"My Film (2024).mkv", "../../etc", "Ünïcode — title"} {
		if id := Slug(s); id != "" {
			if err := CheckTrackID(id); err != nil {
				t.Errorf("Slug(%q) = %q fails: %v", s, id, err)
			}
		}
	}
}
