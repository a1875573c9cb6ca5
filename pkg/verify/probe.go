package verify

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
)

// segProbe is what ffprobe says about one segment. Segments named by
// several playlists are probed once.
type segProbe struct {
	seg  section
	init *section // the EXT-X-MAP section prepended for fMP4

	res       *ffprobe.Result
	first     *ffprobe.FrameInfo // first video frame; nil without video
	keyframes []float64
	err       error
	// starts are the fMP4 fragment's decode start times by track handler
	// ("vide", "soun"); nil for other segments.
	starts map[string]float64
	// firstErr is set when the segment has video but no frame of it can be
	// decoded from its start: no IDR, no parameter sets (rule S1).
	firstErr error
}

// video returns the probed video stream, or nil.
func (p *segProbe) video() *ffprobe.Stream {
	if p == nil || p.res == nil {
		return nil
	}
	return p.res.Video()
}

// start is the segment's first presentation time: the first video frame,
// else the container's start.
func (p *segProbe) start() float64 {
	if p.first != nil {
		return p.first.PTS
	}
	return p.res.Format.StartTime
}

// duration is the segment's real duration and whether ffprobe knows it:
// the video stream's, else for fMP4 the audio stream's, else the
// container's. For fMP4 ffprobe gives a stream's end time as its duration,
// so the fragment's decode start (tfdt) is taken off. Audio-only MPEG-TS
// durations are estimates (ffprobe does not split PES packets holding
// several AAC frames), so ok is false for them.
func (p *segProbe) duration() (d float64, ok bool) {
	if v := p.video(); v != nil && v.Duration > 0 {
		return v.Duration - p.starts["vide"], true
	}
	if a := p.res.Audio(); a != nil && a.Duration > 0 && p.starts != nil {
		return a.Duration - p.starts["soun"], true
	}
	return p.res.Format.Duration, !strings.Contains(p.res.Format.Name, "mpegts")
}

// frame is the length of one frame: video frame, else one AAC frame of
// audio, else 40 ms.
func (p *segProbe) frame() float64 {
	if v := p.video(); v != nil && v.FrameRate > 0 {
		return 1 / v.FrameRate
	}
	if a := p.res.Audio(); a != nil && a.SampleRate > 0 {
		return 1024 / float64(a.SampleRate)
	}
	return 0.040
}

// probeFor registers the probe of a segment, sharing one per distinct
// byte range.
func (v *verifier) probeFor(st segState, m *hls.Map, dir string) *segProbe {
	var init *section
	key := fmt.Sprintf("%s\x00%d\x00%d", st.sec.path, st.sec.offset, st.sec.length)
	if m != nil {
		path, err := hls.ResolveURI(dir, m.URI)
		if err != nil {
			return nil
		}
		init = &section{path: path, length: -1}
		if m.ByteRange != nil {
			init.offset, init.length = m.ByteRange.Offset, m.ByteRange.Length
		}
		if _, err := os.Stat(path); err != nil {
			return nil
		}
		key += fmt.Sprintf("\x00%s\x00%d\x00%d", init.path, init.offset, init.length)
	}
	if p, ok := v.probes[key]; ok {
		return p
	}
	p := &segProbe{seg: st.sec, init: init}
	v.probes[key] = p
	return p
}

// runProbes probes every registered segment, Jobs at a time: one ffprobe
// for streams and format, and for video one for the first frame and one for
// keyframe times (packet flags only, nothing decoded).
func (v *verifier) runProbes(ctx context.Context) error {
	if len(v.probes) == 0 {
		return nil
	}
	tmp, err := os.MkdirTemp("", "veza-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *segProbe)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done, total := 0, len(v.probes)
	for range min(v.opts.Jobs, total) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				v.probeOne(ctx, p, tmp)
				mu.Lock()
				done++
				if v.opts.OnProbe != nil {
					v.opts.OnProbe(done, total)
				}
				mu.Unlock()
			}
		}()
	}
	keys := sortedKeys(v.probes)
feed:
	for _, k := range keys {
		select {
		case jobs <- v.probes[k]:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}

// probeOne probes one segment. Byte ranges and fMP4 segments are copied to a
// temporary file first (init section + segment), since ffprobe needs the
// moov to read a fragment and knows nothing of ranges.
func (v *verifier) probeOne(ctx context.Context, p *segProbe, tmp string) {
	input := p.seg.path
	if p.init != nil || p.seg.offset != 0 || p.seg.length >= 0 || p.seg.key != nil {
		f, err := os.CreateTemp(tmp, "seg-*")
		if err != nil {
			p.err = err
			return
		}
		input = f.Name()
		defer os.Remove(input)
		var parts [2][]byte
		for i, s := range []*section{p.init, &p.seg} {
			if s == nil || err != nil {
				continue
			}
			if parts[i], err = s.read(-1); err == nil {
				_, err = f.Write(parts[i])
			}
		}
		if p.init != nil && err == nil {
			p.starts = decodeStarts(parts[0], parts[1])
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			p.err = err
			return
		}
	}
	p.res, p.err = v.prober.Probe(ctx, input)
	if p.err != nil || p.res.Video() == nil {
		return
	}
	if first, err := v.prober.FirstFrame(ctx, input); err != nil {
		p.firstErr = err
	} else {
		p.first = &first
		// A segment that opens with an IDR and lasts no more than 2 s
		// cannot hold a keyframe gap over 2 s (S2): its one keyframe
		// needed is known, and a third ffprobe run is saved.
		if d, ok := p.duration(); ok && first.KeyFrame && first.PictType == "I" && d <= 2+p.frame()/2 {
			p.keyframes = []float64{first.PTS}
			return
		}
	}
	p.keyframes, p.err = v.prober.KeyframeTimes(ctx, input)
}

// checkProbed applies the rules that need ffprobe to a media playlist: M3
// (real segment durations), M4, M11, S1, S2 and S4. I-frame playlists get
// S1 and S4 only: their ranges hold one frame, not a stretch of time.
func checkProbed(mc *mediaCheck) {
	pl, r := mc.pl, mc.r
	n := len(pl.Segments)
	probed := make([]*segProbe, n) // nil: not probed or unreadable
	dur := make([]float64, n)      // measured duration
	measured := make([]bool, n)    // dur is known
	native := make([]bool, n)      // dur comes from the segment alone
	complete := true
	for i, s := range pl.Segments {
		p := mc.segs[i].probe
		switch {
		case p == nil:
			complete = false
		case p.err != nil:
			complete = false
			rule := "M10"
			switch mc.segs[i].kind {
			case containerTS:
				rule = "M9"
			case containerFMP4:
				rule = "M8"
			}
			r.add(rule, Must, s.URI, "", "", "ffprobe cannot read the segment: %v", p.err)
		default:
			probed[i] = p
			dur[i], native[i] = p.duration()
			measured[i] = native[i]
		}
	}
	// Audio-only MPEG-TS: ffprobe's duration is an estimate, but start
	// times are exact, so a segment lasts until the next one starts.
	for i := 0; i+1 < n; i++ {
		if probed[i] != nil && !native[i] && probed[i+1] != nil && !pl.Segments[i+1].Discontinuity {
			dur[i], measured[i] = probed[i+1].start()-probed[i].start(), true
		}
	}

	for i, s := range pl.Segments {
		p := probed[i]
		if p == nil {
			continue
		}
		if v := p.video(); v != nil {
			if p.firstErr != nil {
				r.add("S1", Must, s.URI, "no decodable frame", "IDR",
					"no video frame decodes from the segment's start (it does not open with an IDR and its parameter sets): %v", p.firstErr)
			} else if !p.first.KeyFrame || p.first.PictType != "I" {
				r.add("S1", Must, s.URI, fmt.Sprintf("%s frame (key_frame=%v)", orDash(p.first.PictType), p.first.KeyFrame), "IDR",
					"the segment's first video frame is not an IDR frame")
			}
			checkVideoCodec(v, mc.segs[i].kind, s.URI, r)
		}
	}
	if pl.IFramesOnly {
		return
	}

	var lastKey float64
	haveKey := false
	for i, s := range pl.Segments {
		p := probed[i]
		if p == nil {
			haveKey = false
			continue
		}
		if measured[i] && pl.TargetDuration >= 0 && dur[i] > float64(pl.TargetDuration)+0.5 {
			r.add("M3", Must, s.URI, fmt.Sprintf("%.3f s", dur[i]), fmt.Sprintf("≤ %g s", float64(pl.TargetDuration)+0.5),
				"the segment lasts %.3f s (ffprobe), more than the target %d s + 0.5 s", dur[i], pl.TargetDuration)
		}
		if i > 0 && probed[i-1] != nil && !s.Discontinuity {
			// The previous segment's own duration, else its EXTINF: a
			// duration derived from this segment's start proves nothing.
			prevDur := pl.Segments[i-1].Duration
			if native[i-1] {
				prevDur = dur[i-1]
			}
			want := probed[i-1].start() + prevDur
			if gap := p.start() - want; math.Abs(gap) > max(2*p.frame(), 0.1) {
				r.add("M11", Must, s.URI, fmt.Sprintf("starts at %.3f s", p.start()), fmt.Sprintf("%.3f s", want),
					"timestamps jump by %+.3f s from the previous segment without EXT-X-DISCONTINUITY", gap)
			}
		}
		if p.video() != nil {
			if s.Discontinuity {
				haveKey = false
			}
			lastKey, haveKey = checkKeyframeGaps(p, dur[i], s.URI, lastKey, haveKey, r)
		}
	}

	// M4 compares the whole playlist with the whole media: only meaningful
	// when every segment could be measured.
	if !complete || n == 0 {
		return
	}
	var sumExtinf, frame float64
	for i, s := range pl.Segments {
		sumExtinf += s.Duration
		frame = max(frame, probed[i].frame())
	}
	lastDur := pl.Segments[n-1].Duration
	if native[n-1] {
		lastDur = dur[n-1]
	}
	real := probed[n-1].start() + lastDur - probed[0].start()
	if math.Abs(sumExtinf-real) > frame+0.001 {
		r.add("M4", Must, "", fmt.Sprintf("%.3f s", sumExtinf), fmt.Sprintf("%.3f s ± %.3f", real, frame),
			"the EXTINF values add up to %.3f s but the media lasts %.3f s (more than one frame apart)", sumExtinf, real)
	}
}

// checkKeyframeGaps applies S2: no more than 2 s between keyframes,
// counting from the last keyframe of the segments before (lastKey, when
// haveKey) and up to the segment's end. It returns the last keyframe seen.
func checkKeyframeGaps(p *segProbe, dur float64, uri string, lastKey float64, haveKey bool, r *PlaylistReport) (float64, bool) {
	const limit = 2.0
	worst := 0.0
	for _, k := range p.keyframes {
		if haveKey {
			worst = max(worst, k-lastKey)
		}
		lastKey, haveKey = k, true
	}
	end := p.start() + dur
	if haveKey {
		worst = max(worst, end-lastKey)
	}
	if worst > limit+p.frame()/2 {
		r.add("S2", Should, uri, fmt.Sprintf("%.3f s", worst), "≤ 2 s", "keyframes are %.3f s apart; Apple asks for one every 2 s", worst)
	}
	return lastKey, haveKey
}

// checkVideoCodec applies S4: avc1/hvc1 sample entries in fMP4, HEVC only in
// fMP4, H.264 no higher than High@5.2.
func checkVideoCodec(v *ffprobe.Stream, kind container, uri string, r *PlaylistReport) {
	switch v.Codec {
	case "h264":
		if kind == containerFMP4 && v.CodecTag != "" && v.CodecTag != "avc1" {
			r.add("S4", Should, uri, v.CodecTag, "avc1", "H.264 sample entry is %q; Apple asks for avc1", v.CodecTag)
		}
		if !h264ProfileOK(v.Profile) {
			r.add("S4", Should, uri, v.Profile, "≤ High", "H.264 profile %q is above High", v.Profile)
		}
		if v.Level > 52 {
			r.add("S4", Should, uri, fmt.Sprintf("%d.%d", v.Level/10, v.Level%10), "≤ 5.2", "H.264 level %d.%d is above 5.2", v.Level/10, v.Level%10)
		}
	case "hevc":
		if kind == containerTS {
			r.add("S4", Should, uri, "MPEG-TS", "fMP4", "HEVC in MPEG-TS segments; Apple asks for fMP4")
		}
		if kind == containerFMP4 && v.CodecTag != "" && v.CodecTag != "hvc1" {
			r.add("S4", Should, uri, v.CodecTag, "hvc1", "HEVC sample entry is %q; Apple asks for hvc1 (-tag:v hvc1)", v.CodecTag)
		}
	}
}

func h264ProfileOK(p string) bool {
	switch strings.ToLower(p) {
	case "", "baseline", "constrained baseline", "main", "extended", "high":
		return true
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
