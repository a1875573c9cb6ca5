package ladder

import (
	"context"
	"path/filepath"

	"github.com/veza-media/veza/pkg/layout"
)

// publish measures every rendition and writes the master playlist from
// the measurements (and the MPD), then records the keys and measures the
// loudness of what was encoded.
func (run *runner) publish(ctx context.Context) error {
	r := run.res
	var err error
	if r.Variants, err = run.measureAll(ctx); err != nil {
		return err
	}
	if err := run.writeIFrames(r.Variants); err != nil {
		return err
	}
	if r.Subtitles, err = run.writeSubtitles(ctx, r.Variants); err != nil {
		return err
	}
	if err := writeMaster(r.Master, r.Variants, r.Subtitles); err != nil {
		return err
	}
	if run.cfg.DASH {
		mpd := filepath.Join(r.Dir, layout.Manifest)
		if err := run.writeMPD(mpd, r.Variants); err != nil {
			return err
		}
		r.MPD = mpd
	}
	if err := run.recordKeys(ctx); err != nil {
		return err
	}
	return run.measureLoudness(ctx, r.Encoded)
}
