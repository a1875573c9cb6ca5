package recorder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/publish"
)

// Recording records a live job's raw recording, rec.Path being the file:
// when it starts, and with its size and end when it ends.
func (r *Recorder) Recording(ctx context.Context, rec catalog.Recording) error {
	rec.Path = r.Rel(rec.Path)
	return r.DB.PutRecording(ctx, rec)
}

// RecordingPart records a part of the recording at path (the file)
// backed up to a bucket.
func (r *Recorder) RecordingPart(ctx context.Context, trackID, path string, p catalog.RecordingPart) error {
	return r.DB.PutRecordingPart(ctx, trackID, r.Rel(path), p)
}

// PruneConfig is one retention pass over the raw recordings.
type PruneConfig struct {
	// EndedBefore: the recordings that ended before it are removed.
	// Required; recordings still being written are never removed.
	EndedBefore time.Time
	// DryRun reports what would be removed, removing nothing.
	DryRun bool
	// Bucket is how the recordings' parts in object storage are reached.
	Bucket publish.FetchConfig
	// OnPruned is called with each recording removed (or, with DryRun,
	// to remove). It may be nil.
	OnPruned func(Pruned)
}

// Pruned is one recording a prune removed.
type Pruned struct {
	TrackID string `json:"track_id"`
	// Path is the file, relative to the catalog's root; Bytes its size.
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	// Objects are the s3:// URLs of its parts.
	Objects []string  `json:"objects"`
	EndedAt time.Time `json:"ended_at"`
	DryRun  bool      `json:"dry_run,omitempty"`
}

// Prune removes the raw recordings that ended before cfg.EndedBefore:
// their parts in the bucket first, then the file (and the parts a crashed
// job left beside it), then their catalog rows. A recording that cannot be
// removed keeps its row, so the next prune tries again; the others are
// removed all the same, and the errors are returned joined.
func (r *Recorder) Prune(ctx context.Context, cfg PruneConfig) ([]Pruned, error) {
	if cfg.EndedBefore.IsZero() {
		return nil, errors.New("prune: no retention given")
	}
	recs, err := r.DB.Recordings(ctx, cfg.EndedBefore)
	if err != nil {
		return nil, err
	}
	var out []Pruned
	var errs []error
	for _, rec := range recs {
		p := Pruned{TrackID: rec.TrackID, Path: rec.Path, Bytes: rec.Bytes, Objects: []string{}, EndedAt: rec.EndedAt, DryRun: cfg.DryRun}
		for _, part := range rec.Parts {
			p.Objects = append(p.Objects, "s3://"+part.Bucket+"/"+part.Key)
		}
		if !cfg.DryRun {
			if err := r.prune(ctx, cfg, p); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		out = append(out, p)
		if cfg.OnPruned != nil {
			cfg.OnPruned(p)
		}
	}
	return out, errors.Join(errs...)
}

func (r *Recorder) prune(ctx context.Context, cfg PruneConfig, p Pruned) error {
	if err := publish.Remove(ctx, cfg.Bucket, p.Objects...); err != nil {
		return fmt.Errorf("recording %s of track %q: %w", p.Path, p.TrackID, err)
	}
	file := filepath.FromSlash(p.Path)
	if !filepath.IsAbs(file) {
		file = filepath.Join(r.Root, file)
	}
	leftovers, _ := filepath.Glob(globEscape(file) + ".part*")
	for _, f := range append([]string{file}, leftovers...) {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("recording %s of track %q: %w", p.Path, p.TrackID, err)
		}
	}
	return r.DB.DeleteRecording(ctx, p.TrackID, p.Path)
}

// globEscape escapes the pattern characters of a file name.
func globEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, c := range s {
		switch c {
		case '*', '?', '[', '\\':
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return string(out)
}
