package transcode

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/recorder"
)

// record is one HLS output's rows in the catalog: a track per output, one
// rendition named after the preset, and a job from start to finish.
type record struct {
	rec       *recorder.Recorder
	job       *recorder.Job
	rendition string
}

// trackID names an output's track: the slug of its folder below OutDir
// ("Live Set/day 1" gives "live-set-day-1"), so outputs of two subfolders
// with the same name stay apart.
func trackID(outDir, output string) string {
	rel, err := filepath.Rel(outDir, output)
	if err != nil {
		rel = filepath.Base(output)
	}
	if id := catalog.Slug(rel); id != "" {
		return id
	}
	return "track"
}

// startRecord records the track, its rendition (encoding) and the job
// about to run with args.
func (b *batch) startRecord(ctx context.Context, it *Item, args []string) (*record, error) {
	r := &record{rec: b.cfg.Recorder, rendition: it.Preset}
	track := trackID(b.cfg.OutDir, it.Output)
	kind := catalog.KindAudio
	if it.preset.Video() {
		kind = catalog.KindVideo
	}
	if err := r.rec.Track(ctx, catalog.Track{ID: track, SourcePath: it.Input}); err != nil {
		return nil, err
	}
	if err := r.rec.Rendition(ctx, catalog.Rendition{TrackID: track, Name: r.rendition, Kind: kind,
		PlaylistPath: filepath.Join(it.Output, layout.Playlist), Status: catalog.StatusEncoding}); err != nil {
		return nil, err
	}
	job, err := r.rec.Start(ctx, catalog.Job{TrackID: track, Rendition: r.rendition, Kind: "transcode", Args: args})
	if err != nil {
		return nil, err
	}
	r.job = job
	return r, nil
}

// reconcile records the segments of the output renamed into place, from
// its final playlist: the segment rows of an earlier output of the same
// track go.
func (r *record) reconcile(ctx context.Context, output string) error {
	_, err := r.job.Reconcile(ctx, r.rendition, filepath.Join(output, layout.Playlist))
	return err
}

// finish records how the item ended, in the job and the rendition.
func (r *record) finish(ctx context.Context, it *Item) error {
	status := catalog.Status(it.Status)
	if err := r.rec.RenditionStatus(ctx, r.job.TrackID, r.rendition, status); err != nil {
		return err
	}
	return r.job.Finished(ctx, status, it.Error)
}

// catalogError says that the encode went as it says but its catalog rows
// could not be written.
func catalogError(err error) error { return fmt.Errorf("catalog: %w", err) }
