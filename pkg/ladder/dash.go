package ladder

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/hls"
)

// MPDName is the DASH manifest's file name in the track folder, written
// with Config.DASH next to master.m3u8 and describing the same fMP4
// segments.
const MPDName = "manifest.mpd"

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
// the fragments themselves, and the bandwidth and codecs of the master.
func (run *runner) writeMPD(path string, vs []Variant) error {
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
		r := dash.Rendition{ID: v.Name, Init: v.Name + "/" + InitName, Media: v.Name + "/seg_$Number%05d$.m4s",
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
	return dash.WriteFile(path, m)
}

// segmentNumbers checks that a rendition's segments are the consecutive
// seg_NNNNN.m4s files after init.mp4 that a $Number$ template names, and
// returns the first number.
func segmentNumbers(pl *hls.MediaPlaylist) (uint64, error) {
	var first uint64
	for i, s := range pl.Segments {
		if s.Map == nil || s.Map.URI != InitName || s.Map.ByteRange != nil || s.ByteRange != nil {
			return 0, fmt.Errorf("segment %s is not an fMP4 fragment after %s", s.URI, InitName)
		}
		num, ok := strings.CutPrefix(strings.TrimSuffix(s.URI, ".m4s"), "seg_")
		n, err := strconv.ParseUint(num, 10, 64)
		if !ok || err != nil || len(num) < 5 || !strings.HasSuffix(s.URI, ".m4s") {
			return 0, fmt.Errorf("segment %s is not named seg_NNNNN.m4s", s.URI)
		}
		if i == 0 {
			first = n
		} else if n != first+uint64(i) {
			return 0, fmt.Errorf("segment %s breaks the numbering (want seg_%05d.m4s)", s.URI, first+uint64(i))
		}
	}
	return first, nil
}

// exists says whether path is there.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
