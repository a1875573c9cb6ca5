package ladder

import (
	"context"
	"path/filepath"

	"github.com/veza-media/veza/pkg/catalog"

	"github.com/veza-media/veza/pkg/layout"
)

// publish measures every rendition and writes the master playlist from
// the measurements (and the thumbnail VTT and the MPD), then records the
// keys and measures the loudness of what was encoded.
func (run *runner) publish(ctx context.Context) error {
	r := run.res
	var err error
	if r.Variants, err = run.measureAll(ctx); err != nil {
		return err
	}
	if err := run.writeIFrames(r.Variants); err != nil {
		return err
	}
	if err := run.publishThumbnails(ctx, r.Variants); err != nil {
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
		if err := run.writeMPD(ctx, mpd, r.Variants); err != nil {
			return err
		}
		r.MPD = mpd
	}
	if err := run.recordMedia(ctx); err != nil {
		return err
	}
	if err := run.recordKeys(ctx); err != nil {
		return err
	}
	return run.measureLoudness(ctx, r.Encoded)
}

// recordMedia records the track's audio and subtitle renditions and what
// it did not carry.
func (run *runner) recordMedia(ctx context.Context) error {
	r := run.res
	var ms []catalog.Media
	for _, v := range r.Variants {
		if m := v.Media; m != nil {
			ms = append(ms, catalog.Media{Rendition: v.Name, Type: "audio", GroupID: m.Group, Language: m.Language, Name: m.Label,
				Default: m.Default, Channels: m.Channels, PlaylistPath: filepath.Join(r.Dir, filepath.FromSlash(v.URI))})
		}
	}
	for _, s := range r.Subtitles {
		ms = append(ms, catalog.Media{Rendition: s.Name, Type: "subtitles", GroupID: s.Group, Language: s.Language, Name: s.Label,
			Default: s.Default, Forced: s.Forced, PlaylistPath: filepath.Join(r.Dir, filepath.FromSlash(s.URI))})
	}
	nc := make([]catalog.NotCarried, len(r.NotCarried))
	for i, n := range r.NotCarried {
		nc[i] = catalog.NotCarried{Stream: n.Stream, File: n.File, Type: n.Type, Codec: n.Codec, Language: n.Language, Reason: n.Reason}
	}
	return run.rec.Media(ctx, run.trackID, ms, nc)
}
