package catalog

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/veza-media/veza/pkg/layout"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestCatalogOpenReadOnlyCreatesNoFiles: reading a closed catalog leaves
// the folder as it was (SQLite's read-only mode alone creates -wal and
// -shm and keeps them), and a writer that starts later is seen.
func TestCatalogOpenReadOnlyCreatesNoFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, layout.CatalogName)
	w, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UpsertTrack(ctx, Track{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	r, err := OpenReadOnly(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ts, err := r.Tracks(ctx)
	if err != nil || len(ts) != 1 {
		t.Fatalf("tracks %v, %v", ts, err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{layout.CatalogName}) {
		t.Errorf("folder after a read: %v", got)
	}

	w, err = Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.UpsertTrack(ctx, Track{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	if ts, err := r.Tracks(ctx); err != nil || len(ts) != 2 {
		t.Errorf("a writer's commit not seen: %v, %v", ts, err)
	}
	if err := r.UpsertTrack(ctx, Track{ID: "c"}); err == nil {
		t.Error("a read-only catalog accepted a write")
	}
}

// TestCatalogOpenReadOnlyFolder: a catalog in a folder nobody may write
// is read.
func TestCatalogOpenReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only folders; TestCatalogOpenReadOnlyCreatesNoFiles shows nothing is created")
	}
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, layout.CatalogName)
	w, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UpsertTrack(ctx, Track{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	r, err := OpenReadOnly(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ts, err := r.Tracks(ctx); err != nil || len(ts) != 1 {
		t.Errorf("tracks %v, %v", ts, err)
	}
}

func TestCatalogOpenReadOnlyErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenReadOnly(filepath.Join(dir, "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
		t.Error("a missing catalog was created")
	}
	other := filepath.Join(dir, "other.db")
	if err := os.WriteFile(other, []byte("not sqlite at all, just text"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReadOnly(other); err == nil {
		t.Error("a text file opened as a catalog")
	}
}
