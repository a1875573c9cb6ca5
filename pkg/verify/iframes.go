package verify

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/mpegts"
)

// checkIFrameVariants applies the text part of P9 to a master: each
// EXT-X-I-FRAME-STREAM-INF has BANDWIDTH, CODECS with video only and
// RESOLUTION; with require, each video variant has an I-frame playlist of
// its codecs and resolution.
func checkIFrameVariants(pl *hls.MasterPlaylist, r *PlaylistReport) {
	for _, iv := range pl.IFrameVariants {
		if iv.Bandwidth <= 0 {
			r.add("P9", Must, iv.URI, "", "BANDWIDTH", "the I-frame playlist has no BANDWIDTH")
		}
		if iv.Codecs == "" {
			r.add("P9", Must, iv.URI, "", "CODECS", "the I-frame playlist has no CODECS attribute")
		}
		for _, c := range hls.SplitCodecs(iv.Codecs) {
			if !hls.IsVideoCodec(c) {
				r.add("P9", Must, iv.URI, iv.Codecs, hls.VideoCodecs(iv.Codecs), "CODECS %q of an I-frame playlist lists %s, which is not video", iv.Codecs, c)
			}
		}
		if iv.Resolution.IsZero() {
			r.add("P9", Must, iv.URI, "", "RESOLUTION", "the I-frame playlist has no RESOLUTION")
		}
	}
}

// checkIFramesPresent is P9's MUST that every video variant has an I-frame
// playlist of its codecs and resolution (with Options.RequireIFrames). An
// AES-128 variant is exempt, with a note: a byte range inside a segment
// encrypted whole as one CBC stream has no IV and no padding of its own,
// so no correct I-frame playlist can point into it.
func (v *verifier) checkIFramesPresent(m *masterCheck) {
	pl, r := m.pl, m.r
	for i, vr := range pl.Variants {
		video := hls.VideoCodecs(vr.Codecs)
		if video == "" {
			continue // audio only, or CODECS missing (P4 says so)
		}
		if own := m.variants[i]; own != nil && own.pl != nil && encrypted(own.pl) {
			r.note("%s is AES-128 encrypted: I-frame playlists cannot point into whole-segment CBC, none required", clip(vr.URI))
			continue
		}
		found := false
		for _, iv := range pl.IFrameVariants {
			if strings.EqualFold(hls.VideoCodecs(iv.Codecs), video) && iv.Resolution == vr.Resolution {
				found = true
				break
			}
		}
		if !found {
			r.add("P9", Must, vr.URI, "", "EXT-X-I-FRAME-STREAM-INF", "the video variant has no I-frame playlist of its codecs (%s) and resolution: players cannot show frames while seeking", video)
		}
	}
}

// encrypted reports whether a media playlist's segments are AES-128.
func encrypted(pl *hls.MediaPlaylist) bool {
	for _, s := range pl.Segments {
		if s.Key != nil && strings.EqualFold(s.Key.Method, "AES-128") {
			return true
		}
	}
	return false
}

// iframeTolerance is how far an I-frame's real time may be from the time
// its EXTINF values give: EXTINF is written with a few decimals, so an
// allowance grows with each entry added up.
func iframeTolerance(entries int) float64 { return 0.02 + 0.0005*float64(entries) }

// addIFrames applies P9 to an I-frame playlist: every range lies inside its
// file and holds exactly one keyframe, whole, at the time the EXTINF values
// before it give. MPEG-TS ranges are read in process (with the segment's
// PAT and PMT in front, as a player keeps them); fMP4 ranges are left to
// checkIFrameFragments, which runs ffprobe.
func (v *verifier) addIFrames(mc *mediaCheck) {
	pl, r := mc.pl, mc.r
	files := map[string][]byte{}
	var times []iframeTime
	present := true
	at := 0.0
	for i, s := range pl.Segments {
		listed := at
		at += s.Duration
		sec, ok := localSection(mc.dir, s.URI, nil, r, s.URI, "segment")
		if !ok {
			present = false
			continue
		}
		br := s.ByteRange
		if br == nil {
			r.add("P9", Must, s.URI, "", "EXT-X-BYTERANGE", "entry %d of the I-frame playlist has no byte range: it names the whole segment, not one frame", i)
			continue
		}
		data, seen := files[sec.path]
		if !seen {
			var err error
			if data, err = os.ReadFile(sec.path); err != nil {
				r.add("M10", Must, s.URI, "", "", "cannot read the segment: %v", unwrapPath(err))
				present = false
				continue
			}
			files[sec.path] = data
		}
		if br.Length <= 0 || br.Offset+br.Length > int64(len(data)) {
			r.add("P9", Must, s.URI, fmt.Sprintf("%d@%d", br.Length, br.Offset), fmt.Sprintf("inside %d bytes", len(data)),
				"byte range %d@%d is empty or runs past the end of %q (%d bytes)", br.Length, br.Offset, s.URI, len(data))
			present = false
			continue
		}
		if s.Key != nil {
			r.note("I-frame ranges of encrypted segments are not decoded")
			continue
		}
		rng := data[br.Offset : br.Offset+br.Length]
		switch {
		case s.Map != nil || sniff(rng) == containerFMP4:
			v.iframeFragments = append(v.iframeFragments, iframeFragment{mc: mc, index: i, listed: listed})
		default:
			t, ok := checkTSIFrame(data, rng, br, s.URI, r)
			if ok {
				times = append(times, iframeTime{index: i, listed: listed, real: t})
			}
		}
	}
	checkIFrameTimes(pl, times, r)
	if present && len(pl.Segments) > 0 {
		mc.peak, mc.average, _ = hls.MeasureBandwidth(pl, mc.dir)
	}
}

// iframeTime is when an I-frame playlist says an entry shows (listed, the
// EXTINF sum before it) and when its keyframe really does (real, in the
// media's own clock).
type iframeTime struct {
	index        int
	listed, real float64
}

// checkTSIFrame reads one MPEG-TS range of file in process: exactly one
// picture starts in it, a keyframe, and the range holds all of that
// picture's packets. It returns the keyframe's time in seconds.
func checkTSIFrame(file, rng []byte, br *hls.ByteRange, uri string, r *PlaylistReport) (float64, bool) {
	label := fmt.Sprintf("%d@%d", br.Length, br.Offset)
	pics, err := mpegts.Pictures(append(mpegts.TablePackets(file), rng...))
	if err != nil {
		r.add("P9", Must, uri, label, "one keyframe", "byte range %s cannot be read: %v", label, err)
		return 0, false
	}
	if len(pics) != 1 || !pics[0].Key {
		keys := 0
		for _, p := range pics {
			if p.Key {
				keys++
			}
		}
		r.add("P9", Must, uri, fmt.Sprintf("%d pictures, %d keyframes", len(pics), keys), "one keyframe",
			"byte range %s holds %d pictures, %d of them keyframes, not exactly one keyframe", label, len(pics), keys)
		return 0, false
	}
	whole, err := mpegts.Pictures(file)
	if err == nil {
		for _, p := range whole {
			if p.PTS == pics[0].PTS && p.Key && p.Offset+p.Length > br.Offset+br.Length {
				r.add("P9", Must, uri, label, fmt.Sprintf("up to byte %d", p.Offset+p.Length),
					"byte range %s stops before the keyframe's last packet (byte %d)", label, p.Offset+p.Length)
				return 0, false
			}
		}
	}
	return float64(pics[0].PTS) / mpegts.PTSClock, pics[0].PTS >= 0
}

// checkIFrameTimes compares each entry's real time with its listed time,
// both counted from the first entry after the last discontinuity.
func checkIFrameTimes(pl *hls.MediaPlaylist, times []iframeTime, r *PlaylistReport) {
	var base *iframeTime
	since := 0
	for i := range times {
		t := &times[i]
		if base == nil || discontinuityBetween(pl, base.index, t.index) {
			base, since = t, 0
			continue
		}
		since++
		real := t.real - base.real
		if pts := mpegts.PTSDiff(int64(t.real*mpegts.PTSClock), int64(base.real*mpegts.PTSClock)); math.Abs(real) > 1<<31/mpegts.PTSClock {
			real = float64(pts) / mpegts.PTSClock // across a PTS wrap
		}
		listed := t.listed - base.listed
		if math.Abs(real-listed) > iframeTolerance(since) {
			s := pl.Segments[t.index]
			r.add("P9", Must, s.URI, fmt.Sprintf("%.3f s", real), fmt.Sprintf("%.3f s", listed),
				"the keyframe of entry %d shows %.3f s after entry %d's, but the EXTINF values put it %.3f s after", t.index, real, base.index, listed)
			return // later entries shift with it
		}
	}
}

// discontinuityBetween says whether an entry after from up to to carries
// EXT-X-DISCONTINUITY.
func discontinuityBetween(pl *hls.MediaPlaylist, from, to int) bool {
	for i := from + 1; i <= to; i++ {
		if pl.Segments[i].Discontinuity {
			return true
		}
	}
	return false
}

// iframeFragment is an fMP4 I-frame entry waiting for ffprobe.
type iframeFragment struct {
	mc     *mediaCheck
	index  int
	listed float64
}

// checkIFrameFragments applies P9 to the fMP4 I-frame entries: the init
// section and the range, given to ffprobe together, decode to one keyframe
// (an I picture) and no other keyframe.
func (v *verifier) checkIFrameFragments(ctx context.Context) error {
	if len(v.iframeFragments) == 0 {
		return nil
	}
	tmp, err := os.MkdirTemp("", "veza-verify-iframes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	byPlaylist := map[*mediaCheck][]iframeTime{}
	var order []*mediaCheck
	for n, f := range v.iframeFragments {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := f.mc.pl.Segments[f.index]
		label := fmt.Sprintf("%d@%d", s.ByteRange.Length, s.ByteRange.Offset)
		var parts []byte
		if s.Map != nil {
			init, ok := localSection(f.mc.dir, s.Map.URI, s.Map.ByteRange, f.mc.r, s.URI, "EXT-X-MAP init section")
			if !ok {
				continue
			}
			if parts, err = init.read(-1); err != nil {
				continue
			}
		}
		seg, _ := localSection(f.mc.dir, s.URI, s.ByteRange, f.mc.r, s.URI, "segment")
		rng, err := seg.read(-1)
		if err != nil {
			continue
		}
		path := filepath.Join(tmp, "iframe-"+strconv.Itoa(n)+".mp4")
		if err := os.WriteFile(path, append(parts, rng...), 0o600); err != nil {
			return err
		}
		first, err := v.prober.FirstFrame(ctx, path)
		var keys []float64
		if err == nil {
			keys, err = v.prober.KeyframeTimes(ctx, path)
		}
		os.Remove(path)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			f.mc.r.add("P9", Must, s.URI, label, "one keyframe", "the init section and byte range %s do not decode: %v", label, err)
			continue
		case !first.KeyFrame || first.PictType != "I" || len(keys) != 1:
			f.mc.r.add("P9", Must, s.URI, fmt.Sprintf("%s frame, %d keyframes", orDash(first.PictType), len(keys)), "one keyframe",
				"the init section and byte range %s decode to a %s frame and %d keyframes, not exactly one keyframe", label, orDash(first.PictType), len(keys))
			continue
		}
		if _, ok := byPlaylist[f.mc]; !ok {
			order = append(order, f.mc)
		}
		byPlaylist[f.mc] = append(byPlaylist[f.mc], iframeTime{index: f.index, listed: f.listed, real: first.PTS})
	}
	for _, mc := range order {
		checkIFrameTimes(mc.pl, byPlaylist[mc], mc.r)
	}
	return nil
}

// checkIFrameBandwidth applies the bandwidth part of P9: BANDWIDTH and
// AVERAGE-BANDWIDTH of an EXT-X-I-FRAME-STREAM-INF within 10 % of what
// MeasureBandwidth measures over the I-frame ranges.
func checkIFrameBandwidth(vr hls.Variant, ic *mediaCheck, r *PlaylistReport) {
	if !ic.pl.IFramesOnly {
		r.add("P9", Must, vr.URI, "", "EXT-X-I-FRAMES-ONLY", "EXT-X-I-FRAME-STREAM-INF names a playlist without EXT-X-I-FRAMES-ONLY")
		return
	}
	if ic.peak == 0 {
		return
	}
	for _, c := range []struct {
		attr           string
		declared, real int64
	}{{"BANDWIDTH", vr.Bandwidth, ic.peak}, {"AVERAGE-BANDWIDTH", vr.AverageBandwidth, ic.average}} {
		if c.declared > 0 && math.Abs(pct(c.real, c.declared)) > 10 {
			r.add("P9", Must, vr.URI, strconv.FormatInt(c.real, 10), fmt.Sprintf("%d ± 10 %%", c.declared),
				"measured I-frame %s %d bit/s is %+.0f %% off the declared %d", strings.ToLower(c.attr), c.real, pct(c.real, c.declared), c.declared)
		}
	}
}
