package dash

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FindMPDs returns path itself when it is a file, else every *.mpd under
// the folder, sorted.
func FindMPDs(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".mpd") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
