package layout

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data so that a reader sees either the old
// file or the whole new one, never a half-written playlist: the data goes
// to a temporary file in the same directory (same file system, so the
// rename is atomic), is synced, and is renamed over path. The directory is
// synced too, so the rename survives a crash. perm is the file's mode:
// 0644 for what a web server serves, 0600 for keys.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return place(path, data, perm, os.Rename)
}

// CreateFile is WriteFile for a file that must not exist yet: it fails
// with an error matching fs.ErrExist when path is there, and a reader
// still never sees the file half-written.
func CreateFile(path string, data []byte, perm os.FileMode) error {
	// A hard link fails when the name exists: an exclusive create of a
	// file that is already whole.
	return place(path, data, perm, os.Link)
}

// place writes data to a temporary file beside path and moves it there.
func place(path string, data []byte, perm os.FileMode, move func(tmp, path string) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// A leading dot and a suffix other than .m3u8 keep Find from taking
	// the temporary file for a playlist.
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		os.Remove(tmp) // already gone after a rename; a link leaves it
		if err != nil {
			err = fmt.Errorf("write %q: %w", path, err)
		}
	}()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = move(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		// Best effort: some file systems refuse to sync a directory, and
		// the file itself is already complete.
		_ = d.Sync()
		d.Close()
	}
	return nil
}
