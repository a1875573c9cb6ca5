package recorder

import (
	"context"
	"sync"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
)

// Job records one catalog job: what its ffmpeg process completed while it
// ran, and how it ended. Its methods may be called from several
// goroutines.
type Job struct {
	rec *Recorder
	// ID is the catalog job's id and TrackID its track's.
	ID, TrackID string
	// Outputs names the rendition of each encode output, by index, for
	// Handle.
	Outputs []string
	// ProgressEvery is the least time between two progress writes of
	// Handle. It defaults to one second.
	ProgressEvery time.Duration

	mu           sync.Mutex
	err          error
	lastProgress time.Time
}

// Start records a job (j's TrackID, Rendition, Kind, Args and
// FFmpegVersion) and that it started.
func (r *Recorder) Start(ctx context.Context, j catalog.Job) (*Job, error) {
	j, err := r.DB.CreateJob(ctx, j)
	if err != nil {
		return nil, err
	}
	if err := r.DB.StartJob(ctx, j.ID); err != nil {
		return nil, err
	}
	return &Job{rec: r, ID: j.ID, TrackID: j.TrackID}, nil
}

// Handle records what an encode event says: a completed segment of one of
// Outputs becomes a segment row the moment encode reports it, progress
// becomes the job's progress. Use it as (part of) encode.Job.OnEvent.
// Errors are kept for Err rather than stopping the encode.
func (j *Job) Handle(ctx context.Context, ev encode.Event) {
	switch e := ev.(type) {
	case encode.SegmentCompleted:
		if e.Output < 0 || e.Output >= len(j.Outputs) {
			return
		}
		// encode reports only segments it found on disk, listed in the
		// playlist, with their size; an empty one is not worth a row.
		if e.Bytes == 0 {
			return
		}
		j.keep(j.Segment(ctx, catalog.Segment{Rendition: j.Outputs[e.Output], Index: e.Index,
			Path: e.Path, Duration: e.Duration.Seconds(), Bytes: e.Bytes}))
	case encode.Progress:
		every := j.ProgressEvery
		if every == 0 {
			every = time.Second
		}
		j.mu.Lock()
		due := e.Done || time.Since(j.lastProgress) >= every
		if due {
			j.lastProgress = time.Now()
		}
		j.mu.Unlock()
		if due {
			j.keep(j.Progress(ctx, min(e.Percent/100, 1), e.OutTime.Seconds()))
		}
	}
}

// Segment records a completed segment of the job's track: s.Rendition,
// Index, Duration and Bytes as given, s.Path (the file on disk) by Rel.
func (j *Job) Segment(ctx context.Context, s catalog.Segment) error {
	s.TrackID, s.JobID, s.Path = j.TrackID, j.ID, j.rec.Rel(s.Path)
	return j.rec.DB.UpsertSegment(ctx, s)
}

// Progress records how far the job is: progress from 0 to 1 (0 when
// unknown, as for a live stream) and the duration written so far, in
// seconds.
func (j *Job) Progress(ctx context.Context, progress, current float64) error {
	return j.rec.DB.SetJobProgress(ctx, j.ID, progress, current)
}

// Removed records that a live window dropped segment index of rendition:
// the row stays, marked removed.
func (j *Job) Removed(ctx context.Context, rendition string, index int) error {
	return j.rec.DB.MarkSegmentRemoved(ctx, j.TrackID, rendition, index)
}

// Reconcile makes the catalog's segments of rendition exactly those of the
// media playlist at playlistPath: segments Handle missed are added, stale
// rows of earlier runs removed, durations set to the final EXTINF.
func (j *Job) Reconcile(ctx context.Context, rendition, playlistPath string) (catalog.Reconciled, error) {
	pl, err := hls.ReadMedia(playlistPath)
	if err != nil {
		return catalog.Reconciled{}, err
	}
	segs, err := j.rec.SegmentsOnDisk(pl, playlistPath)
	if err != nil {
		return catalog.Reconciled{}, err
	}
	return j.Reconciled(ctx, rendition, segs)
}

// Reconciled makes the catalog's segments of rendition exactly segs (as
// SegmentsOnDisk lists them), credited to the job.
func (j *Job) Reconciled(ctx context.Context, rendition string, segs []catalog.Segment) (catalog.Reconciled, error) {
	for i := range segs {
		segs[i].TrackID, segs[i].JobID = j.TrackID, j.ID
	}
	return j.rec.DB.ReplaceSegments(ctx, j.TrackID, rendition, segs)
}

// Finished records how the job ended: its final status and, for a
// failure, the error's text.
func (j *Job) Finished(ctx context.Context, status catalog.Status, errText string) error {
	return j.rec.DB.FinishJob(ctx, j.ID, status, errText)
}

// Err returns the first error Handle met while recording.
func (j *Job) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

func (j *Job) keep(err error) {
	if err == nil {
		return
	}
	j.mu.Lock()
	if j.err == nil {
		j.err = err
	}
	j.mu.Unlock()
}
