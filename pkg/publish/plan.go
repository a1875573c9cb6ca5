package publish

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/hls"
)

// file is one local file to publish.
type file struct {
	// rel is the slash-separated path below Config.Dir.
	rel  string
	path string
	kind Kind
	// live marks a playlist or MPD still growing (no EXT-X-ENDLIST, a
	// dynamic MPD), and a master whose media playlists are.
	live bool
	// refs are the objects a playlist or MPD names, as paths below
	// Config.Dir, keys left out. ../ may lead out of it; absolute URLs are
	// not listed.
	refs []string
}

// track is one track folder's files.
type track struct {
	// rel is the folder below Config.Dir, "." for Dir itself.
	rel   string
	files []*file
	// keyURIs are the URIs of EXT-X-KEY tags, as written.
	keyURIs []string
}

// scan finds the tracks under dir: dir itself when it holds a playlist or an
// MPD, otherwise each folder directly below it that holds publishable
// files (and dir's own loose files, as track ".").
func scan(dir string) ([]*track, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	isTrack := false
	for _, e := range entries {
		if k, ok := kindOf(e.Name()); ok && !e.IsDir() && (k == KindPlaylist || k == KindMPD) {
			isTrack = true
		}
	}
	if isTrack {
		t, err := scanTrack(dir, ".")
		if err != nil {
			return nil, err
		}
		return []*track{t}, nil
	}
	var tracks []*track
	loose := &track{rel: "."}
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		if !e.IsDir() {
			if k, ok := kindOf(e.Name()); ok && e.Type().IsRegular() {
				loose.files = append(loose.files, &file{rel: e.Name(), path: filepath.Join(dir, e.Name()), kind: k})
			}
			continue
		}
		t, err := scanTrack(dir, e.Name())
		if err != nil {
			return nil, err
		}
		if len(t.files) > 0 {
			tracks = append(tracks, t)
		}
	}
	if len(loose.files) > 0 {
		tracks = append([]*track{loose}, tracks...)
	}
	return tracks, nil
}

// scanPaths makes a track of each of paths, files and folders below dir.
func scanPaths(dir string, paths []string) ([]*track, error) {
	var tracks []*track
	for _, p := range paths {
		if !filepath.IsLocal(p) {
			return nil, fmt.Errorf("%q: not a path below %s: %w", p, dir, ErrNothingToPublish)
		}
		rel := filepath.ToSlash(filepath.Clean(p))
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			t, err := scanTrack(dir, rel)
			if err != nil {
				return nil, err
			}
			tracks = append(tracks, t)
			continue
		}
		k, ok := kindOf(rel)
		if !ok || !st.Mode().IsRegular() || k == KindPlaylist || k == KindMPD {
			// A lone playlist would be published without what it names.
			return nil, fmt.Errorf("%q: %w", p, ErrNothingToPublish)
		}
		tracks = append(tracks, &track{rel: rel, files: []*file{{rel: rel, path: filepath.Join(dir, p), kind: k}}})
	}
	return tracks, nil
}

// hidden names are never published: dotfiles and the temporary folders
// veza writes before renaming them into place.
func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// scanTrack lists the publishable files of the track folder rel below dir
// and reads its playlists and MPDs.
func scanTrack(dir, rel string) (*track, error) {
	t := &track{rel: rel}
	root := filepath.Join(dir, filepath.FromSlash(rel))
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		k, ok := kindOf(d.Name())
		if !ok {
			return nil
		}
		r, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		t.files = append(t.files, &file{rel: filepath.ToSlash(r), path: p, kind: k})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := t.read(); err != nil {
		return nil, err
	}
	return t, nil
}

// read parses the track's playlists and MPDs: their kind, state and the
// objects they name. Files named by an EXT-X-KEY become keys whatever their
// extension.
func (t *track) read() error {
	byRel := map[string]*file{}
	for _, f := range t.files {
		byRel[f.rel] = f
	}
	keys := map[string]bool{}
	liveMedia := map[string]bool{}
	var masters []*file
	for _, f := range t.files {
		switch f.kind {
		case KindPlaylist:
			data, err := os.ReadFile(f.path)
			if err != nil {
				return err
			}
			master, media, err := hls.Parse(data)
			if err != nil {
				return fmt.Errorf("playlist %q: %w", f.path, err)
			}
			if master != nil {
				f.kind = KindMaster
				f.refs = masterRefs(f.rel, master)
				masters = append(masters, f)
				continue
			}
			f.live = !media.EndList && media.Type != hls.TypeVOD
			liveMedia[f.rel] = f.live
			for _, s := range media.Segments {
				f.addRef(s.URI)
				if s.Map != nil {
					f.addRef(s.Map.URI)
				}
				if s.Key != nil && s.Key.URI != "" && s.Key.Method != "NONE" {
					if !slices.Contains(t.keyURIs, s.Key.URI) {
						t.keyURIs = append(t.keyURIs, s.Key.URI)
					}
					if r, ok := resolve(f.rel, s.Key.URI); ok {
						keys[r] = true
					}
				}
			}
		case KindMPD:
			data, err := os.ReadFile(f.path)
			if err != nil {
				return err
			}
			m, err := dash.Parse(data)
			if err != nil {
				return fmt.Errorf("MPD %q: %w", f.path, err)
			}
			f.live = m.Type == "dynamic"
			if err := f.addMPDRefs(m); err != nil {
				return fmt.Errorf("MPD %q: %w", f.path, err)
			}
		}
	}
	for _, m := range masters {
		for _, r := range m.refs {
			m.live = m.live || liveMedia[r]
		}
	}
	for r := range keys {
		if f, ok := byRel[r]; ok {
			f.kind = KindKey
		}
	}
	for _, f := range t.files {
		slices.Sort(f.refs)
		f.refs = slices.Compact(f.refs)
		f.refs = slices.DeleteFunc(f.refs, func(r string) bool { return keys[r] })
	}
	// Phase order, and within a phase init sections first, then by path:
	// the order uploads are started in.
	slices.SortStableFunc(t.files, func(a, b *file) int {
		if d := a.kind.phase() - b.kind.phase(); d != 0 {
			return d
		}
		if (a.kind == KindInit) != (b.kind == KindInit) {
			if a.kind == KindInit {
				return -1
			}
			return 1
		}
		return strings.Compare(a.rel, b.rel)
	})
	return nil
}

// masterRefs lists the playlists a multivariant playlist names.
func masterRefs(rel string, m *hls.MasterPlaylist) []string {
	f := &file{rel: rel}
	for _, v := range m.Variants {
		f.addRef(v.URI)
	}
	for _, v := range m.IFrameVariants {
		f.addRef(v.URI)
	}
	for _, r := range m.Renditions {
		f.addRef(r.URI)
	}
	return f.refs
}

// addMPDRefs lists the init sections and segments an MPD's templates name.
func (f *file) addMPDRefs(m *dash.MPD) error {
	total := float64(m.MediaPresentationDuration)
	for _, p := range m.Periods {
		for i := range p.AdaptationSets {
			as := &p.AdaptationSets[i]
			for j := range as.Representations {
				r := &as.Representations[j]
				t := as.Template(r)
				if t == nil {
					continue
				}
				if t.Initialization != "" {
					u, err := t.InitializationURL(r.ID, r.Bandwidth)
					if err != nil {
						return err
					}
					f.addRef(u)
				}
				segs, err := t.Segments(r.ID, r.Bandwidth, total)
				if err != nil {
					return err
				}
				for _, s := range segs {
					f.addRef(s.URL)
				}
			}
		}
	}
	return nil
}

// addRef adds the object uri names, relative to f, unless it is an
// absolute URL; read removes the repeats.
func (f *file) addRef(uri string) {
	if r, ok := resolve(f.rel, uri); ok {
		f.refs = append(f.refs, r)
	}
}

// resolve turns uri, written in the file at rel, into a path below
// Config.Dir; false for an absolute URL or path, which the bucket layout
// does not decide.
func resolve(rel, uri string) (string, bool) {
	if uri == "" || strings.Contains(uri, "://") || strings.HasPrefix(uri, "/") || strings.HasPrefix(uri, "data:") {
		return "", false
	}
	uri, _, _ = strings.Cut(uri, "?")
	uri, _, _ = strings.Cut(uri, "#")
	return path.Join(path.Dir(rel), uri), true
}
