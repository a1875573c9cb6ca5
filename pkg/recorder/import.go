package recorder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// ImportResult says what Import found.
type ImportResult struct {
	Tracks     int `json:"tracks"`
	Renditions int `json:"renditions"`
	Segments   int `json:"segments"`
	// Keys counts the AES-128 keys recorded.
	Keys int `json:"keys"`
	// Problems lists playlists that could not be imported, one line each.
	Problems []string `json:"problems"`
}

// Import rebuilds catalog rows from HLS output already on disk under dir,
// whoever wrote it: every master playlist becomes a track (its folder's
// name) with one rendition per variant; a media playlist no master names
// becomes a track of its own. Segment rows are made from the playlists'
// EXTINF values and the files' sizes; a playlist naming a missing segment
// is reported and its rendition marked error.
func (r *Recorder) Import(ctx context.Context, dir string) (*ImportResult, error) {
	found, err := layout.Find(dir)
	if err != nil {
		return nil, fmt.Errorf("import %q: %w", dir, err)
	}
	var masters, medias []string
	for _, p := range found.Playlists {
		m, _, err := hls.ReadFile(p)
		switch {
		case err != nil:
			medias = append(medias, p) // reported when imported
		case m != nil:
			masters = append(masters, p)
		default:
			medias = append(medias, p)
		}
	}
	res := &ImportResult{}
	claimed := map[string]bool{}
	job := func(track string) (*Job, error) {
		return r.Start(ctx, catalog.Job{TrackID: track, Kind: "import", Args: []string{"catalog", "import", dir}})
	}
	addTrack := func(id, source string) error {
		res.Tracks++
		return r.Track(ctx, catalog.Track{ID: id, SourcePath: source})
	}
	for _, mp := range masters {
		m, err := hls.ReadMaster(mp)
		if err != nil {
			res.Problems = append(res.Problems, err.Error())
			continue
		}
		track := trackID(dir, filepath.Dir(mp), mp)
		if err := addTrack(track, mp); err != nil {
			return res, err
		}
		j, err := job(track)
		if err != nil {
			return res, err
		}
		failed := false
		for _, v := range m.Variants {
			p, err := hls.ResolveURI(filepath.Dir(mp), v.URI)
			if err != nil {
				res.Problems = append(res.Problems, fmt.Sprintf("%s: variant %q: %v", mp, v.URI, err))
				failed = true
				continue
			}
			claimed[p] = true
			rd := catalog.Rendition{TrackID: track, Name: renditionName(filepath.Dir(mp), p), Codecs: v.Codecs,
				Bandwidth: v.Bandwidth, Width: v.Resolution.Width, Height: v.Resolution.Height,
				// A variant without RESOLUTION or CODECS is audio: a master
				// gives both for video.
				Kind: Kind(v.Resolution.Width, v.Codecs, catalog.KindAudio)}
			if !r.importRendition(ctx, res, rd, p, j) {
				failed = true
			}
		}
		if len(m.Variants) > 0 {
			if p, err := hls.ResolveURI(filepath.Dir(mp), m.Variants[0].URI); err == nil && !r.importKeys(ctx, res, track, p) {
				failed = true
			}
		}
		if err := finish(ctx, j, failed); err != nil {
			return res, err
		}
	}
	sort.Strings(medias)
	for _, p := range medias {
		if claimed[p] {
			continue
		}
		track := trackID(dir, filepath.Dir(p), p)
		if err := addTrack(track, p); err != nil {
			return res, err
		}
		j, err := job(track)
		if err != nil {
			return res, err
		}
		// Nothing describes a lone media playlist's streams.
		rd := catalog.Rendition{TrackID: track, Name: renditionName(filepath.Dir(p), p), Kind: Kind(0, "", catalog.KindVideo)}
		ok := r.importRendition(ctx, res, rd, p, j)
		ok = r.importKeys(ctx, res, track, p) && ok
		if err := finish(ctx, j, !ok); err != nil {
			return res, err
		}
	}
	return res, nil
}

func finish(ctx context.Context, j *Job, failed bool) error {
	if failed {
		return j.Finished(ctx, catalog.StatusError, "some playlists could not be imported")
	}
	return j.Finished(ctx, catalog.StatusDone, "")
}

func (r *Recorder) importRendition(ctx context.Context, res *ImportResult, rd catalog.Rendition, playlist string, j *Job) bool {
	rd.PlaylistPath = playlist
	rd.Status = catalog.StatusDone
	pl, err := hls.ReadMedia(playlist)
	var segs []catalog.Segment
	if err == nil {
		segs, err = r.SegmentsOnDisk(pl, playlist)
		if err == nil && !pl.EndList {
			rd.Status = catalog.StatusEncoding
		}
	}
	if err != nil {
		rd.Status = catalog.StatusError
		res.Problems = append(res.Problems, err.Error())
	}
	if uerr := r.Rendition(ctx, rd); uerr != nil {
		res.Problems = append(res.Problems, uerr.Error())
		return false
	}
	res.Renditions++
	if err != nil {
		return false
	}
	if _, err := j.Reconciled(ctx, rd.Name, segs); err != nil {
		res.Problems = append(res.Problems, err.Error())
		return false
	}
	res.Segments += len(segs)
	return true
}

// importKeys records which AES-128 key covers which segments, read from
// one media playlist of the track (every rendition of a veza track shares
// its keys), as catalog key rows: URI, key file, segment range and a
// fingerprint, never the key. A key that is not a readable 16-byte local
// file is reported.
func (r *Recorder) importKeys(ctx context.Context, res *ImportResult, track, playlist string) bool {
	pl, err := hls.ReadMedia(playlist)
	if err != nil {
		return true // already reported with its rendition
	}
	var keys []catalog.Key
	for i, s := range pl.Segments {
		idx := int(pl.SequenceOf(i))
		if s.Key == nil || s.Key.Method != "AES-128" {
			continue
		}
		if n := len(keys); n > 0 && keys[n-1].URI == s.Key.URI && keys[n-1].LastSegment == idx-1 {
			keys[n-1].LastSegment = idx
			continue
		}
		path, err := hls.ResolveURI(filepath.Dir(playlist), s.Key.URI)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: key %q: %v", playlist, s.Key.URI, err))
			return false
		}
		key, err := os.ReadFile(path)
		if err == nil && len(key) != 16 {
			err = fmt.Errorf("%d bytes, not 16", len(key))
		}
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: key %q: %v", playlist, s.Key.URI, err))
			return false
		}
		keys = append(keys, catalog.Key{TrackID: track, Index: len(keys), Method: "AES-128", URI: s.Key.URI,
			Path: path, FirstSegment: idx, LastSegment: idx, Fingerprint: catalog.KeyFingerprint(key)})
	}
	if len(keys) == 0 {
		return true
	}
	if err := r.Keys(ctx, track, keys); err != nil {
		res.Problems = append(res.Problems, err.Error())
		return false
	}
	res.Keys += len(keys)
	return true
}

// trackID names a track after its folder below the import root, or after
// the playlist file when it sits in the root itself.
func trackID(root, dir, playlist string) string {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == "." {
		base := filepath.Base(playlist)
		if abs, err := filepath.Abs(root); err == nil && (base == layout.Master || base == layout.Playlist) {
			return slug(filepath.Base(abs))
		}
		return slug(strings.TrimSuffix(base, filepath.Ext(base)))
	}
	return slug(filepath.ToSlash(rel))
}

// renditionName names a rendition after its folder below the master's, or
// after the playlist file when it sits beside the master.
func renditionName(masterDir, playlist string) string {
	rel, err := filepath.Rel(masterDir, filepath.Dir(playlist))
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		base := filepath.Base(playlist)
		return slug(strings.TrimSuffix(base, filepath.Ext(base)))
	}
	return slug(filepath.ToSlash(rel))
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if out == "" {
		return "track"
	}
	return out
}
