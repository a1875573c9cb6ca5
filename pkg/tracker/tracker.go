package tracker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
)

// Tracker records one encode job's segments in the catalog the moment
// encode reports them complete, and reconciles them with the final playlist
// when the job ends. It is the segment tracker of the stream processing
// thread veza replaces, with exact durations instead of a placeholder.
type Tracker struct {
	DB      *catalog.DB
	TrackID string
	// JobID is the catalog job the segments are credited to.
	JobID string
	// Renditions names the rendition of each encode output, by index.
	Renditions []string
	// Root is the directory segment paths are recorded relative to. It
	// defaults to the catalog's directory.
	Root string
	// ProgressEvery is the least time between two progress writes. It
	// defaults to one second.
	ProgressEvery time.Duration

	mu           sync.Mutex
	err          error
	lastProgress time.Time
}

// Handle records what ev says. Use it as (part of) encode.Job.OnEvent.
// Errors are kept for Err rather than stopping the encode.
func (t *Tracker) Handle(ctx context.Context, ev encode.Event) {
	switch e := ev.(type) {
	case encode.SegmentCompleted:
		if e.Output < 0 || e.Output >= len(t.Renditions) {
			return
		}
		// encode reports only segments it found on disk, listed in the
		// playlist, with their size; an empty one is not worth a row.
		if e.Bytes == 0 {
			return
		}
		t.keep(t.DB.UpsertSegment(ctx, catalog.Segment{
			TrackID: t.TrackID, Rendition: t.Renditions[e.Output], Index: e.Index,
			Path: t.rel(e.Path), Duration: e.Duration.Seconds(), Bytes: e.Bytes, JobID: t.JobID,
		}))
	case encode.Progress:
		if t.JobID == "" {
			return
		}
		every := t.ProgressEvery
		if every == 0 {
			every = time.Second
		}
		t.mu.Lock()
		due := e.Done || time.Since(t.lastProgress) >= every
		if due {
			t.lastProgress = time.Now()
		}
		t.mu.Unlock()
		if due {
			t.keep(t.DB.SetJobProgress(ctx, t.JobID, min(e.Percent/100, 1), e.OutTime.Seconds()))
		}
	}
}

// Reconcile makes the catalog's segments of rendition exactly those of the
// media playlist at playlistPath: segments the tracker missed are added,
// stale rows of earlier runs removed, durations set to the final EXTINF.
func (t *Tracker) Reconcile(ctx context.Context, rendition, playlistPath string) (catalog.Reconciled, error) {
	pl, err := hls.ReadMedia(playlistPath)
	if err != nil {
		return catalog.Reconciled{}, err
	}
	segs, err := SegmentsOnDisk(pl, playlistPath, t.root())
	if err != nil {
		return catalog.Reconciled{}, err
	}
	for i := range segs {
		segs[i].JobID = t.JobID
	}
	return t.DB.ReplaceSegments(ctx, t.TrackID, rendition, segs)
}

// SegmentsOnDisk lists a media playlist's segments as catalog rows with
// paths relative to root. A segment whose file is missing or empty is an
// error: the playlist names something that is not there.
func SegmentsOnDisk(pl *hls.MediaPlaylist, playlistPath, root string) ([]catalog.Segment, error) {
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
		rel, err := filepath.Rel(root, p)
		if err != nil {
			rel = p
		}
		segs = append(segs, catalog.Segment{Index: int(pl.SequenceOf(i)), Path: filepath.ToSlash(rel), Duration: s.Duration, Bytes: st.Size()})
	}
	return segs, nil
}

// Err returns the first error met while recording.
func (t *Tracker) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

func (t *Tracker) keep(err error) {
	if err == nil {
		return
	}
	t.mu.Lock()
	if t.err == nil {
		t.err = err
	}
	t.mu.Unlock()
}

func (t *Tracker) root() string {
	if t.Root != "" {
		return t.Root
	}
	return filepath.Dir(t.DB.Path())
}

func (t *Tracker) rel(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	root, err := filepath.Abs(t.root())
	if err != nil {
		return filepath.ToSlash(p)
	}
	if r, err := filepath.Rel(root, abs); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(abs)
}
