package hls

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomic replaces path with data so that a reader sees either the
// old file or the whole new one, never a half-written playlist: the data goes
// to a temporary file in the same directory (same file system, so the rename
// is atomic), is synced, and is renamed over path. The directory is synced
// too, so the rename survives a crash. The file is made readable by all
// (0644), as a web server serving it needs.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// A leading dot and a suffix other than .m3u8 keep directory scanners
	// (the segment tracker, veza verify) from taking the temporary file for
	// a playlist.
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("write %q: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		// Best effort: some file systems refuse to sync a directory, and the
		// file itself is already complete.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// WriteMaster encodes p and writes it atomically to path.
func WriteMaster(path string, p *MasterPlaylist) error {
	data, err := p.Encode()
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return WriteFileAtomic(path, data)
}

// WriteMedia encodes p and writes it atomically to path.
func WriteMedia(path string, p *MediaPlaylist) error {
	data, err := p.Encode()
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return WriteFileAtomic(path, data)
}
