package recorder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
)

// Recorder writes into DB what veza produced under Root. It is safe for
// concurrent use, as catalog.DB is.
type Recorder struct {
	DB *catalog.DB
	// Root is the folder the catalog's paths are relative to; veza's
	// commands use the folder that holds the catalog file. Required.
	Root string
}

// Rel is path as the catalog records it: relative to Root, with forward
// slashes. A path that cannot be made relative is recorded absolute.
func (r *Recorder) Rel(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	root, err := filepath.Abs(r.Root)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	if rel, err := filepath.Rel(root, abs); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// Kind decides what a rendition carries, for every writer: video when it
// has a picture width or lists a video codec, audio when it lists codecs
// and none is video. When neither is known yet (a live stream before its
// first segment is probed, a media playlist no master describes, a ladder
// rung before it is measured) it is unknown, what the writer expects.
func Kind(width int, codecs string, unknown catalog.Kind) catalog.Kind {
	switch {
	case width > 0 || hasVideoCodec(codecs):
		return catalog.KindVideo
	case codecs != "":
		return catalog.KindAudio
	}
	return unknown
}

func hasVideoCodec(codecs string) bool {
	for _, c := range hls.SplitCodecs(codecs) {
		for _, p := range []string{"avc", "hvc", "hev", "av01", "vp09", "mp4v"} {
			if strings.HasPrefix(strings.ToLower(c), p) {
				return true
			}
		}
	}
	return false
}

// Track records a track: where it came from and what its source is.
func (r *Recorder) Track(ctx context.Context, t catalog.Track) error {
	return r.DB.UpsertTrack(ctx, t)
}

// Rendition records a rendition as its writer knows it now: planned,
// encoding or measured. PlaylistPath is the media playlist on disk; it is
// recorded by Rel.
func (r *Recorder) Rendition(ctx context.Context, rd catalog.Rendition) error {
	rd.PlaylistPath = r.Rel(rd.PlaylistPath)
	return r.DB.UpsertRendition(ctx, rd)
}

// RenditionStatus records that a rendition reached status.
func (r *Recorder) RenditionStatus(ctx context.Context, trackID, rendition string, status catalog.Status) error {
	return r.DB.SetRenditionStatus(ctx, trackID, rendition, status)
}

// Keys records the AES-128 keys covering a track's segments, replacing
// earlier ones; none records that the track is clear. Each key's Path is
// its file on disk and is recorded by Rel.
func (r *Recorder) Keys(ctx context.Context, trackID string, keys []catalog.Key) error {
	rows := slices.Clone(keys)
	for i := range rows {
		rows[i].Path = r.Rel(rows[i].Path)
	}
	return r.DB.ReplaceKeys(ctx, trackID, rows)
}

// Analysis records a loudness and silence analysis of a source or of a
// rendition.
func (r *Recorder) Analysis(ctx context.Context, a catalog.Analysis) error {
	return r.DB.PutAnalysis(ctx, a)
}

// Media records a track's EXT-X-MEDIA renditions (audio languages,
// subtitles) and the source streams its output leaves out, replacing an
// earlier run's. Each PlaylistPath is the playlist on disk, recorded by
// Rel.
func (r *Recorder) Media(ctx context.Context, trackID string, ms []catalog.Media, nc []catalog.NotCarried) error {
	rows := slices.Clone(ms)
	for i := range rows {
		rows[i].PlaylistPath = r.Rel(rows[i].PlaylistPath)
	}
	return r.DB.PutMedia(ctx, trackID, rows, nc)
}

// Quality records the measured picture quality of a track's video
// renditions (pkg/report), replacing an earlier report's.
func (r *Recorder) Quality(ctx context.Context, trackID string, qs []catalog.Quality) error {
	return r.DB.PutQuality(ctx, trackID, qs)
}

// Damaged records what ffmpeg reported of a track's damaged but decodable
// source; nil records a clean source, removing an earlier report.
func (r *Recorder) Damaged(ctx context.Context, trackID string, d *encode.Damaged) error {
	row := catalog.Damage{TrackID: trackID}
	if d != nil {
		row.Errors, row.Short = d.Errors, d.Short
		row.Expected, row.Encoded = d.Expected.Seconds(), d.Encoded.Seconds()
		for _, rg := range d.Ranges {
			row.Ranges = append(row.Ranges, catalog.DamageRange{Start: rg.Start.Seconds(), End: rg.End.Seconds(), Count: rg.Count})
		}
	}
	return r.DB.PutDamage(ctx, row)
}

// Cleared records that an earlier output of a rendition was removed from
// disk: its segment rows go. A rendition the catalog does not have is
// already clear.
func (r *Recorder) Cleared(ctx context.Context, trackID, rendition string) error {
	_, err := r.DB.DeleteSegmentsFrom(ctx, trackID, rendition, 0)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	return nil
}

// SegmentsOnDisk lists a media playlist's segments as the catalog records
// them (paths by Rel). A segment whose file is missing or empty is an
// error: the playlist names something that is not there.
func (r *Recorder) SegmentsOnDisk(pl *hls.MediaPlaylist, playlistPath string) ([]catalog.Segment, error) {
	dir := filepath.Dir(playlistPath)
	segs := make([]catalog.Segment, 0, len(pl.Segments))
	for i, s := range pl.Segments {
		p, err := hls.ResolveURI(dir, s.URI)
		if err != nil {
			return nil, fmt.Errorf("%s: segment %q: %w", playlistPath, s.URI, err)
		}
		st, err := os.Stat(p)
		if err != nil || st.Size() == 0 {
			return nil, fmt.Errorf("%s: segment %q is missing or empty on disk", playlistPath, s.URI)
		}
		segs = append(segs, catalog.Segment{Index: int(pl.SequenceOf(i)), Path: r.Rel(p), Duration: s.Duration, Bytes: st.Size()})
	}
	return segs, nil
}

// Thumbnails records the files of a track's seek-bar thumbnails (the VTT
// and its sheets), replacing those recorded before. Each Path is the file
// on disk and is recorded by Rel.
func (r *Recorder) Thumbnails(ctx context.Context, trackID string, ts []catalog.Thumbnail) error {
	rows := slices.Clone(ts)
	for i := range rows {
		rows[i].Path = r.Rel(rows[i].Path)
	}
	return r.DB.PutThumbnails(ctx, trackID, rows)
}
