package ladder

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// writeIFrames writes an I-frame playlist for every video rendition in vs
// (Apple's authoring rules make them a MUST: players show thumbnails while
// seeking and scrub fast) and notes them in vs. They are read from the
// finished segments, so they cost no encode. Encrypted renditions get none:
// a byte range inside a segment encrypted whole as one CBC stream has no IV
// of its own and no padding, so no player could decrypt it.
func (run *runner) writeIFrames(vs []Variant) error {
	skipped := ""
	for i := range vs {
		v := &vs[i]
		v.IFrames = nil
		if v.Width == 0 {
			continue
		}
		dir := filepath.Join(run.res.Dir, v.Name)
		pl, bw, err := hls.BuildIFramePlaylist(filepath.Join(dir, layout.Playlist))
		switch {
		case errors.Is(err, hls.ErrEncryptedIFrames):
			skipped = "AES-128 renditions get no I-frame playlists: a byte range inside a segment encrypted whole cannot be decrypted on its own"
			continue
		case errors.Is(err, hls.ErrNoVideo):
			continue
		case err != nil:
			return fmt.Errorf("rendition %s: I-frame playlist: %w", v.Name, err)
		}
		data, err := pl.Encode()
		if err != nil {
			return fmt.Errorf("rendition %s: I-frame playlist: %w", v.Name, err)
		}
		if err := layout.WriteFile(filepath.Join(dir, layout.IFrames), data, 0o644); err != nil {
			return err
		}
		v.IFrames = &IFrames{URI: v.Name + "/" + layout.IFrames, Bandwidth: bw.Peak, AverageBandwidth: bw.Average, Entries: len(pl.Segments)}
	}
	if skipped != "" {
		run.note(skipped)
	}
	return nil
}
