package ladder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// checkDASH says whether DASH output can describe this run's segments.
func checkDASH(f Format, enc *Encryption) error {
	switch {
	case f != FormatFMP4:
		return fmt.Errorf("DASH %w: DASH players read fMP4 (CMAF), not MPEG-TS", ErrNeedsFMP4)
	case enc != nil:
		return fmt.Errorf("DASH cannot describe AES-128 segments: DASH players decrypt CENC, not HLS whole-segment AES-128")
	}
	return nil
}

// writeMPD writes the track's MPD from its measured variants: each
// rendition's init section and $Number$ template, the timeline read from
// the fragments themselves, the bandwidth and codecs of the master, and the
// thumbnail sheets.
func (run *runner) writeMPD(ctx context.Context, path string, vs []Variant) error {
	var rs []dash.Rendition
	for _, v := range vs {
		playlist := filepath.Join(run.res.Dir, filepath.FromSlash(v.URI))
		pl, err := hls.ReadMedia(playlist)
		if err != nil {
			return fmt.Errorf("rendition %s: %w", v.Name, err)
		}
		first, err := segmentNumbers(pl)
		if err != nil {
			return fmt.Errorf("rendition %s: %s: %w", v.Name, playlist, err)
		}
		r := dash.Rendition{ID: v.Name, Init: v.Name + "/" + layout.Init, Media: v.Name + "/" + layout.DASHSegmentTemplate(layout.FMP4),
			StartNumber: first, Segments: len(pl.Segments), Bandwidth: v.Bandwidth, Codecs: v.Codecs,
			Width: v.Width, Height: v.Height}
		if v.Width > 0 {
			r.FrameRate = run.plan.FPS.String()
		}
		rs = append(rs, r)
	}
	m, err := dash.Build(run.res.Dir, rs)
	if err != nil {
		return err
	}
	if err := run.addMPDThumbnails(ctx, m); err != nil {
		return err
	}
	return dash.WriteFile(path, m)
}

// segmentNumbers checks that a rendition's segments are the consecutive
// seg_NNNNN.m4s files after init.mp4 that a $Number$ template names, and
// returns the first number.
func segmentNumbers(pl *hls.MediaPlaylist) (uint64, error) {
	var first uint64
	for i, s := range pl.Segments {
		if s.Map == nil || s.Map.URI != layout.Init || s.Map.ByteRange != nil || s.ByteRange != nil {
			return 0, fmt.Errorf("segment %s is not an fMP4 fragment after %s", s.URI, layout.Init)
		}
		n, ok := layout.SegmentNumber(s.URI, layout.FMP4)
		if !ok {
			return 0, fmt.Errorf("segment %s is not named %s", s.URI, layout.SegmentName(0, layout.FMP4))
		}
		if i == 0 {
			first = n
		} else if n != first+uint64(i) {
			return 0, fmt.Errorf("segment %s breaks the numbering (want %s)", s.URI, layout.SegmentName(first+uint64(i), layout.FMP4))
		}
	}
	return first, nil
}

// exists says whether path is there.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
