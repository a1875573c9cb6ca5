package ladder

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/mpegts"
)

// measureAll describes every planned rendition, in ladder order. Those
// encoded by this run were measured when they were finalised.
func (run *runner) measureAll(ctx context.Context) ([]Variant, error) {
	return run.measureMany(ctx, run.plan.Renditions)
}

// measureMany measures renditions side by side (their ffprobe runs share
// run.probeSlots) and keeps the results, so nothing is measured twice.
func (run *runner) measureMany(ctx context.Context, rs []Rendition) ([]Variant, error) {
	out := make([]Variant, len(rs))
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		run.measuredMu.Lock()
		v, ok := run.measured[r.Name]
		run.measuredMu.Unlock()
		if ok {
			out[i] = v
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = run.measure(ctx, r)
			if errs[i] == nil {
				run.measuredMu.Lock()
				run.measured[r.Name] = out[i]
				run.measuredMu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// measure describes a finished rendition from its files: bit rates from
// segment sizes (HLS-RULES P1, the validator's own function), CODECS and
// resolution from the produced media (see describe), and whether every
// segment starts with a keyframe.
func (run *runner) measure(ctx context.Context, r Rendition) (Variant, error) {
	dir := filepath.Join(run.res.Dir, r.Name)
	playlist := filepath.Join(dir, layout.Playlist)
	pl, err := hls.ReadMedia(playlist)
	if err != nil {
		return Variant{}, fmt.Errorf("rendition %s: %w", r.Name, err)
	}
	if len(pl.Segments) == 0 {
		return Variant{}, fmt.Errorf("rendition %s: %s has no segments", r.Name, playlist)
	}
	v := Variant{Name: r.Name, URI: r.Name + "/" + layout.Playlist, Segments: len(pl.Segments), Duration: pl.Duration()}
	if t := r.Track; t != nil {
		v.Media = &Media{Group: AudioGroup, Language: t.Language, Label: t.Name, Default: t.Default}
	}
	if v.Bandwidth, v.AverageBandwidth, err = hls.MeasureBandwidth(pl, dir); err != nil {
		return Variant{}, fmt.Errorf("rendition %s: %w", r.Name, err)
	}
	d, err := run.describe(ctx, r, pl, dir)
	if err != nil {
		return Variant{}, fmt.Errorf("rendition %s: %w", r.Name, err)
	}
	v.Codecs = strings.Join(d.codecs, ",")
	if d.width > 0 {
		v.Width, v.Height = d.width, d.height
		v.FrameRate = run.plan.FPS.Float()
	}
	if v.Media != nil {
		v.Media.Channels = cmp.Or(d.channels, 2) // CHANNELS as encoded
	}
	if v.Width > 0 {
		v.Independent, err = run.startsWithKeyframes(ctx, dir, pl)
		if err != nil {
			return Variant{}, fmt.Errorf("rendition %s: %w", r.Name, err)
		}
	} else {
		v.Independent = true // every audio frame is a sync sample
	}
	return v, nil
}

// startsWithKeyframes checks the first frame of every segment, as many
// ffprobe processes at a time as run.probeSlots allows (one per CPU, shared
// by every rendition being measured).
func (run *runner) startsWithKeyframes(ctx context.Context, dir string, pl *hls.MediaPlaylist) (bool, error) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ok      = true
		firstEr error
	)
	for i := range pl.Segments {
		wg.Add(1)
		run.probeSlots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-run.probeSlots }()
			// ffprobe reads an fMP4 fragment after its init section, and
			// an encrypted segment in the clear.
			path, done, err := clearCopy(pl, i, dir, run.keyFor)
			if err != nil {
				mu.Lock()
				firstEr = err
				mu.Unlock()
				return
			}
			defer done()
			key, err := firstFrameIsKey(ctx, run.prober, path, pl.Segments[i].Map == nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstEr == nil {
					firstEr = err
				}
				return
			}
			if !key {
				ok = false
			}
		}()
	}
	wg.Wait()
	return ok, firstEr
}

// tsHead is how much of an MPEG-TS segment the in-process keyframe check
// reads: PAT, PMT and the first access unit fit in it many times over.
const tsHead = 256 << 10

// firstFrameIsKey says whether a segment's first video frame is a keyframe:
// in process for MPEG-TS (mpegts.StartsWithKeyframe), with ffprobe for
// anything else or what the parser cannot read.
func firstFrameIsKey(ctx context.Context, p *ffprobe.Prober, path string, ts bool) (bool, error) {
	if ts {
		if f, err := os.Open(path); err == nil {
			head := make([]byte, tsHead)
			n, _ := io.ReadFull(f, head)
			f.Close()
			if key, err := mpegts.StartsWithKeyframe(head[:n]); err == nil {
				return key, nil
			}
		}
	}
	f, err := p.FirstFrame(ctx, path)
	return f.KeyFrame, err
}

// writeMaster writes the master playlist atomically, variants in ladder
// order (highest first). Audio renditions of a demuxed ladder go into the
// audio group, which every video variant names; its CODECS gains the
// group's codecs and its bandwidths the highest-peak rendition's (RFC 8216
// 4.3.4.2: BANDWIDTH covers the variant with any rendition of its groups).
// Subtitle renditions go into the subtitle group, named by every variant.
func writeMaster(path string, vs []Variant, subs []Subtitles) error {
	m := &hls.MasterPlaylist{IndependentSegments: true}
	var groupCodecs []string
	var top *Variant
	for i, v := range vs {
		if v.Media == nil {
			continue
		}
		m.IndependentSegments = m.IndependentSegments && v.Independent
		m.Renditions = append(m.Renditions, hls.Rendition{Type: "AUDIO", GroupID: v.Media.Group, Name: v.Media.Label,
			Language: v.Media.Language, URI: v.URI, Default: v.Media.Default, Autoselect: true,
			Channels: strconv.Itoa(v.Media.Channels)})
		for _, c := range hls.SplitCodecs(v.Codecs) {
			if !slices.Contains(groupCodecs, c) {
				groupCodecs = append(groupCodecs, c)
			}
		}
		if top == nil || v.Bandwidth > top.Bandwidth {
			top = &vs[i]
		}
	}
	for _, s := range subs {
		m.Renditions = append(m.Renditions, hls.Rendition{Type: "SUBTITLES", GroupID: s.Group, Name: s.Label,
			Language: s.Language, URI: s.URI, Default: s.Default, Autoselect: true, Forced: s.Forced})
	}
	for _, v := range vs {
		if v.Media != nil {
			continue
		}
		m.IndependentSegments = m.IndependentSegments && v.Independent
		hv := hls.Variant{
			URI: v.URI, Bandwidth: v.Bandwidth, AverageBandwidth: v.AverageBandwidth, Codecs: v.Codecs,
			Resolution: hls.Resolution{Width: v.Width, Height: v.Height}, FrameRate: v.FrameRate,
		}
		if top != nil {
			hv.Audio = top.Media.Group
			hv.Bandwidth += top.Bandwidth
			hv.AverageBandwidth += top.AverageBandwidth
			hv.Codecs = strings.Join(append(hls.SplitCodecs(v.Codecs), groupCodecs...), ",")
		}
		if len(subs) > 0 {
			hv.Subtitles = subs[0].Group
		}
		m.Variants = append(m.Variants, hv)
		if v.IFrames != nil {
			m.IFrameVariants = append(m.IFrameVariants, hls.IFrameVariant(hv, v.IFrames.URI,
				hls.Bandwidth{Peak: v.IFrames.Bandwidth, Average: v.IFrames.AverageBandwidth}))
		}
	}
	return hls.WriteMaster(path, m)
}
