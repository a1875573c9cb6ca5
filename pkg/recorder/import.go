package recorder

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/publish"
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
	return r.importDir(ctx, dir, nil)
}

// Published is output in a bucket that ImportPublished rebuilds rows
// from: its playlists copied to a local folder, its other objects known
// only from a listing.
type Published struct {
	// URL is the s3://bucket/prefix the folder mirrors: the target of the
	// publications recorded, the base of the tracks' sources.
	URL string
	// Objects are the objects below URL, as listed.
	Objects []publish.Source
}

// ImportPublished rebuilds catalog rows from output published to a
// bucket, as Import does from a folder: dir holds copies of its playlists
// at their paths below pub.URL, and segment sizes come from the listing
// instead of the disk (a playlist naming an object the listing lacks is
// reported). Each track also gets a completed publication to pub.URL
// listing the objects below its folder. Keys are not looked for: they are
// never published beside the media. Paths are recorded relative to Root,
// which should be dir so that they are the objects' paths below pub.URL.
func (r *Recorder) ImportPublished(ctx context.Context, dir string, pub Published) (*ImportResult, error) {
	return r.importDir(ctx, dir, &pub)
}

func (r *Recorder) importDir(ctx context.Context, dir string, pub *Published) (*ImportResult, error) {
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
	from := dir
	if pub != nil {
		from = pub.URL
	}
	job := func(track string) (*Job, error) {
		return r.Start(ctx, catalog.Job{TrackID: track, Kind: "import", Args: []string{"catalog", "import", from}})
	}
	im := importer{r: r, dir: dir, pub: pub}
	if pub != nil {
		im.sizes = map[string]int64{}
		for _, o := range pub.Objects {
			im.sizes[im.objectRel(o)] = o.Size
		}
	}
	// A track's source is its playlist: the file, or the object.
	addTrack := func(id, playlist string) error {
		res.Tracks++
		source := playlist
		if pub != nil {
			source = pub.URL + "/" + im.rel(playlist)
		}
		if err := r.Track(ctx, catalog.Track{ID: id, SourcePath: source}); err != nil {
			return err
		}
		return im.publication(ctx, id, path.Dir(im.rel(playlist)))
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
		// The master's I-frame playlists and EXT-X-MEDIA playlists
		// (audio groups, subtitles) belong to its track, not to tracks
		// of their own.
		for _, v := range m.IFrameVariants {
			if p, err := hls.ResolveURI(filepath.Dir(mp), v.URI); err == nil {
				claimed[p] = true
			}
		}
		for _, rd := range m.Renditions {
			if p, err := hls.ResolveURI(filepath.Dir(mp), rd.URI); rd.URI != "" && err == nil {
				claimed[p] = true
			}
		}
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
			if !im.rendition(ctx, res, rd, p, j) {
				failed = true
			}
		}
		if len(m.Variants) > 0 {
			if p, err := hls.ResolveURI(filepath.Dir(mp), m.Variants[0].URI); err == nil && !im.keys(ctx, res, track, p) {
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
		ok := im.rendition(ctx, res, rd, p, j)
		ok = im.keys(ctx, res, track, p) && ok
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

// importer is one import's source: a folder, or a folder of playlists
// copied from a bucket (pub set) whose objects' sizes are listed.
type importer struct {
	r   *Recorder
	dir string
	pub *Published
	// sizes are the listed objects' sizes by slash path below dir.
	sizes map[string]int64
}

// rel is path relative to dir, slash-separated.
func (im *importer) rel(path string) string {
	rel, err := filepath.Rel(im.dir, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// segments lists pl's segments: from the disk, or from the listing.
func (im *importer) segments(pl *hls.MediaPlaylist, playlist string) ([]catalog.Segment, error) {
	if im.pub == nil {
		return im.r.SegmentsOnDisk(pl, playlist)
	}
	segs := make([]catalog.Segment, 0, len(pl.Segments))
	for i, s := range pl.Segments {
		p, err := hls.ResolveURI(filepath.Dir(playlist), s.URI)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: segment %q: %w", im.pub.URL, im.rel(playlist), s.URI, err)
		}
		size, ok := im.sizes[im.rel(p)]
		if !ok || size == 0 {
			return nil, fmt.Errorf("%s/%s: segment %q is missing or empty in the bucket", im.pub.URL, im.rel(playlist), s.URI)
		}
		segs = append(segs, catalog.Segment{Index: int(pl.SequenceOf(i)), Path: im.r.Rel(p), Duration: s.Duration, Bytes: size})
	}
	return segs, nil
}

// publication records, for an import from a bucket, that the track whose
// playlists are in folder (slash path below dir) is published there:
// every listed object below that folder.
func (im *importer) publication(ctx context.Context, track, folder string) error {
	if im.pub == nil {
		return nil
	}
	p, err := im.r.Publishing(ctx, track, im.pub.URL, false)
	if err != nil {
		return err
	}
	for _, o := range im.pub.Objects {
		if rel := im.objectRel(o); folder != "." && !strings.HasPrefix(rel, folder+"/") {
			continue
		}
		if err := p.Object(ctx, publish.Event{Action: publish.Uploaded, Bucket: o.Bucket, Key: o.Key, Size: o.Size, ETag: o.ETag}); err != nil {
			return err
		}
	}
	return p.Done(ctx, nil)
}

// objectRel is o's key below the import's URL.
func (im *importer) objectRel(o publish.Source) string {
	loc, _ := publish.ParseLocation(im.pub.URL)
	if loc.Prefix == "" {
		return o.Key
	}
	return strings.TrimPrefix(o.Key, loc.Prefix+"/")
}

func (im *importer) rendition(ctx context.Context, res *ImportResult, rd catalog.Rendition, playlist string, j *Job) bool {
	r := im.r
	rd.PlaylistPath = playlist
	rd.Status = catalog.StatusDone
	pl, err := hls.ReadMedia(playlist)
	var segs []catalog.Segment
	if err == nil {
		segs, err = im.segments(pl, playlist)
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
func (im *importer) keys(ctx context.Context, res *ImportResult, track, playlist string) bool {
	if im.pub != nil {
		return true // keys are never published beside the media
	}
	r := im.r
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
