package ladder

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
)

// source is the input of a run, probed, with its content hash and
// ffmpeg's version on the way.
type source struct {
	prober  *ffprobe.Prober
	probe   *ffprobe.Result
	what    string
	input   string
	hash    chan answer
	version chan answer
}

type answer struct {
	val string
	err error
}

// openSource probes cfg.Input and checks it is usable. The content hash
// and ffmpeg's version are needed only once the plan stands; they are
// worked out while ffprobe runs, and identity waits for them.
func openSource(ctx context.Context, cfg Config, what string) (*source, error) {
	src := &source{prober: &ffprobe.Prober{Path: cfg.FFprobe, AllowIndirect: cfg.AllowIndirect}, what: what, input: cfg.Input,
		hash: make(chan answer, 1), version: make(chan answer, 1)}
	go func() {
		h, err := HashFile(cfg.Input)
		src.hash <- answer{h, err}
	}()
	go func() {
		v, err := encode.CachedVersion(ctx, cfg.FFmpeg, cfg.ToolCache)
		src.version <- answer{v, err}
	}()
	// Planning needs no codec strings of the source: one ffprobe run.
	quick := *src.prober
	quick.NoCodecStrings = true
	var err error
	if src.probe, err = quick.Probe(ctx, cfg.Input); err != nil {
		return nil, err
	}
	if !src.probe.Summary.Usable {
		return nil, fmt.Errorf("%s %q: not usable as a source: %s", what, cfg.Input, strings.Join(src.probe.Summary.Problems, "; "))
	}
	return src, nil
}

// identity returns the source's content hash and ffmpeg's version, which
// together with the plan decide whether earlier output is current.
func (s *source) identity() (hash, version string, err error) {
	h := <-s.hash
	if h.err != nil {
		return "", "", fmt.Errorf("%s %q: %w", s.what, s.input, h.err)
	}
	v := <-s.version
	if v.err != nil {
		return "", "", v.err
	}
	return h.val, v.val, nil
}

// SourceFromProbe takes what planning needs from a probe result.
func SourceFromProbe(r *ffprobe.Result) Source {
	s := Source{HasVideo: r.Summary.HasVideo, HasAudio: r.Summary.HasAudio, Duration: r.Summary.Duration}
	if v := r.Video(); v != nil {
		s.Width, s.Height = v.Width, v.Height
		s.SARNum, s.SARDen = parseRatio(v.SAR)
		s.Rotation = v.Rotation
		s.FrameRate = v.FrameRate
		s.VFR = v.VFR
		s.Interlaced = v.Interlaced
		s.PixFmt = v.PixFmt
	}
	if a := r.Audio(); a != nil {
		s.AudioChannels, s.AudioRate = a.Channels, a.SampleRate
	}
	return s
}

func parseRatio(s string) (int, int) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0
	}
	n, err1 := strconv.Atoi(a)
	d, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return 0, 0
	}
	return n, d
}
