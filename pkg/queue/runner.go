package queue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/publish"
)

// Runner runs ladder jobs on this machine through ladder.Run; its Run is
// a Worker's Run.
type Runner struct {
	// FFmpeg and FFprobe are the binaries; they default to names on PATH.
	FFmpeg, FFprobe string
	// Catalog is this worker's own catalog. Required.
	Catalog *catalog.DB
	// Timeout bounds each ffmpeg process (encode.Job.Timeout semantics).
	Timeout time.Duration
	// HTTP fetches http and https sources; nil uses http.DefaultClient.
	HTTP *http.Client
	// MaxSourceBytes bounds the download of a web source. It defaults to
	// DefaultMaxSourceBytes.
	MaxSourceBytes int64
	// S3 is the object-storage settings (Endpoint, PathStyle, UploadJobs…)
	// of the jobs that name a publish target; its Dir, Paths and Target
	// are set per job.
	S3 publish.Config
	// OnEvent receives each job's ladder events. It may be nil.
	OnEvent func(Job, ladder.Event)
}

// Run builds the job's ladder, publishes it when the job names a target,
// and returns the published URL or the track folder. progress is called
// with the share done whenever an ffmpeg process's media time advances. A
// source that is missing or not usable media, or that the ladder does not
// fit, gives an error wrapping ErrBadInput.
func (r *Runner) Run(ctx context.Context, j Job, progress func(share float64)) (string, error) {
	input := j.Source
	switch {
	case isWebSource(j.Source):
		dir, err := os.MkdirTemp("", "veza-source-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(dir)
		client, max := r.HTTP, r.MaxSourceBytes
		if client == nil {
			client = http.DefaultClient
		}
		if max <= 0 {
			max = DefaultMaxSourceBytes
		}
		if input, err = fetchSource(ctx, client, j, dir, max, func() { progress(0) }); err != nil {
			return "", err
		}
	case strings.Contains(j.Source, "://"):
		return "", fmt.Errorf("%w: job %s: this worker reads sources on shared storage or the web, not %s", ErrBadInput, j.ID, redactURL(j.Source))
	default:
		if _, err := os.Stat(j.Source); err != nil {
			return "", fmt.Errorf("%w: job %s: source %q: %v", ErrBadInput, j.ID, j.Source, errors.Unwrap(err))
		}
	}
	var pc *publish.Config
	if j.Publish != "" {
		c := r.S3
		c.Target = j.Publish
		pc = &c
	}
	var mu sync.Mutex
	// Each ffmpeg process's media time and share done: the job's share is
	// their mean.
	reached := map[string]time.Duration{}
	shares := map[string]float64{}
	cfg := ladder.Config{
		Input: input, OutDir: j.Output, TrackID: trackOf(j), Ladder: j.Ladder,
		Encoding:    ladder.Encoding{Format: ladder.Format(j.Options.Format), Preset: j.Options.Preset},
		SegmentTime: j.Options.SegmentTime, Strategy: ladder.Strategy(j.Options.Strategy), Strict: j.Options.Strict,
		FFmpeg: r.FFmpeg, FFprobe: r.FFprobe, Catalog: r.Catalog, CatalogRoot: j.Output, Timeout: r.Timeout,
		Publish: pc,
		OnEvent: func(ev ladder.Event) {
			var moved bool
			var share float64
			mu.Lock()
			if p, ok := ev.Encode.(encode.Progress); ok && p.OutTime > reached[ev.JobID] {
				reached[ev.JobID], shares[ev.JobID] = p.OutTime, p.Percent/100
				moved = true
			}
			// Uploading the track is progress too: a long publish keeps
			// the job's delivery alive.
			moved = moved || ev.Object != nil
			for _, s := range shares {
				share += s / float64(len(shares))
			}
			mu.Unlock()
			if moved {
				progress(share)
			}
			if r.OnEvent != nil {
				r.OnEvent(j, ev)
			}
		},
	}
	res, err := ladder.Run(ctx, cfg)
	if err != nil {
		if input != j.Source {
			err = fmt.Errorf("%s, downloaded: %w", j.SourceName(), err)
		}
		if ctx.Err() == nil && badInput(err) {
			err = fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		return "", err
	}
	if res.Published != "" {
		return res.Published, nil
	}
	return res.Dir, nil
}

// badInput says whether a ladder error comes from the source or the job
// itself rather than from this machine or the moment.
func badInput(err error) bool {
	var probe *ffprobe.Error
	if errors.As(err, &probe) {
		// A timeout's reason carries its duration ("timed out after 30s").
		return !strings.HasPrefix(probe.Reason, ffprobe.ReasonTimeout) && probe.Reason != ffprobe.ReasonCancelled
	}
	return errors.Is(err, ladder.ErrNoVideo) || errors.Is(err, ladder.ErrNeedsFMP4) || errors.Is(err, catalog.ErrBadTrackID) ||
		// ladder reports an unusable source with no type of its own.
		strings.Contains(err.Error(), "not usable as a source")
}
