package layout

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// Found is what Find saw in a folder, each list in walk order (lexical
// within each folder).
type Found struct {
	// Playlists are the HLS playlists (*.m3u8), masters and media alike.
	Playlists []string
	// Manifests are the DASH manifests (*.mpd).
	Manifests []string
}

// Find walks the folder dir and lists its playlists and manifests, with
// paths that start with dir. Hidden files and folders are skipped: they are
// temporary files being written (WriteFile's) and private work such as
// Staging. When dir is a file, the list holds it alone if it is a
// playlist or a manifest.
func Find(dir string) (*Found, error) {
	f := &Found{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		switch {
		case strings.EqualFold(filepath.Ext(p), ".m3u8"):
			f.Playlists = append(f.Playlists, p)
		case strings.EqualFold(filepath.Ext(p), ".mpd"):
			f.Manifests = append(f.Manifests, p)
		}
		return nil
	})
	return f, err
}
