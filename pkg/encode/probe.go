package encode

import (
	"context"
	"path/filepath"
	"time"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// probeTimeout bounds the duration probe; a stuck ffprobe must not hold up
// the job it only adds a percentage to.
const probeTimeout = 30 * time.Second

// probeDuration finds the first input's duration with ffprobe, for Percent.
// Inputs that are not plain files (lavfi graphs, stdin, URLs) are not probed;
// failures leave the duration unknown — ffmpeg reports a bad input itself.
func (j *Job) probeDuration(ctx context.Context) time.Duration {
	if len(j.Inputs) == 0 {
		return 0
	}
	in := j.Inputs[0]
	if in.Format != "" || !isLocalPath(in.Path) {
		return 0
	}
	path := in.Path
	if !filepath.IsAbs(path) && j.Dir != "" {
		path = filepath.Join(j.Dir, path)
	}
	bin := j.FFprobe
	if bin == "" {
		bin = "ffprobe"
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	res, err := (&ffprobe.Prober{Path: bin}).Probe(ctx, path)
	if err != nil || res.Format.Duration <= 0 {
		return 0
	}
	return time.Duration(res.Format.Duration * float64(time.Second))
}
