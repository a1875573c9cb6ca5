package audio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
)

// AnalyzeConfig is one analysis pass over an input's first audio stream.
type AnalyzeConfig struct {
	// FFmpeg is the ffmpeg binary. It defaults to "ffmpeg".
	FFmpeg string
	// Input is the file to analyse.
	Input string
	// Target is the loudness the second pass will aim for; loudnorm's first
	// pass needs it for its proposed offset. Zero fields take
	// Target's defaults (-14 LUFS, -1 dBTP, 11 LU).
	Target Target
	// SilenceThreshold is the level under which audio counts as silence,
	// in dBFS. It defaults to DefaultSilenceThreshold (-50).
	SilenceThreshold float64
	// SilenceMin is the shortest silence reported. It defaults to
	// DefaultSilenceMin (3 s).
	SilenceMin time.Duration
	// Timeout bounds the pass like encode.Job.Timeout: encode.DefaultTimeout
	// when zero, none with encode.NoTimeout.
	Timeout time.Duration
}

// Analysis is what one pass found in an input's audio.
type Analysis struct {
	Input string `json:"input"`
	// Loudness is loudnorm's measurement; nil when the audio is silent.
	Loudness *Loudness `json:"loudness"`
	// Target is the target the pass was run for (defaults filled).
	Target Target `json:"target"`
	// Silences are the stretches under SilenceThreshold lasting at least
	// SilenceMin, in order; never nil.
	Silences []Silence `json:"silences"`
	// SilenceThreshold (dBFS) and SilenceMin (seconds) are the detection
	// settings used.
	SilenceThreshold float64 `json:"silence_threshold"`
	SilenceMin       float64 `json:"silence_min"`
	// Duration is the length of the audio analysed, in seconds, from
	// ffmpeg's last stats line; 0 when it printed none.
	Duration float64 `json:"duration"`
}

// Normalization builds the second pass for the analysed input (see
// Normalize).
func (a *Analysis) Normalization() (Normalization, error) {
	return Normalize(a.Target, a.Loudness)
}

// Keep returns the stretches to keep when silences of at least min seconds
// are cut to pad (see KeepIntervals); fps > 0 cuts on frame boundaries.
func (a *Analysis) Keep(min, pad, fps float64) []Interval {
	return KeepIntervals(a.Silences, TrimConfig{Min: min, Pad: pad, Duration: a.Duration, FrameRate: fps})
}

func (c AnalyzeConfig) withDefaults() AnalyzeConfig {
	if c.FFmpeg == "" {
		c.FFmpeg = "ffmpeg"
	}
	c.Target = c.Target.WithDefaults()
	if c.SilenceThreshold == 0 {
		c.SilenceThreshold = DefaultSilenceThreshold
	}
	if c.SilenceMin == 0 {
		c.SilenceMin = seconds(DefaultSilenceMin)
	}
	return c
}

// Args returns ffmpeg's arguments for the pass (without the program name).
// One decode feeds both measurements: silencedetect first, because it
// passes the audio on untouched and so reports times of the input itself
// (loudnorm resamples to 192 kHz), then loudnorm in its measuring form.
// -vn spares decoding the picture.
func (c AnalyzeConfig) Args() []string {
	c = c.withDefaults()
	af := fmt.Sprintf("silencedetect=n=%sdB:d=%s,loudnorm=I=%s:TP=%s:LRA=%s:print_format=json",
		num(c.SilenceThreshold), num(c.SilenceMin.Seconds()), num2(c.Target.I), num2(c.Target.TP), num2(c.Target.LRA))
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "level+info"}
	args = append(args, ffprobe.InputArgs(c.Input)...)
	return append(args, "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", af, "-f", "null", "-")
}

// Analyze runs one ffmpeg over the input's first audio stream and returns
// its EBU R128 loudness (loudnorm's first pass) and its silences
// (silencedetect). An input without audio is an error naming the file.
func Analyze(ctx context.Context, cfg AnalyzeConfig) (*Analysis, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Target.Check(); err != nil {
		return nil, fmt.Errorf("analyse %q: %w", cfg.Input, err)
	}
	if cfg.SilenceMin < 0 || cfg.SilenceThreshold > 0 {
		return nil, fmt.Errorf("analyse %q: silence needs a minimum duration >= 0 and a threshold <= 0 dB", cfg.Input)
	}
	var pr passReader
	out, err := encode.Capture(ctx, cfg.FFmpeg, cfg.Args(), cfg.Timeout, pr.line)
	if err != nil {
		return nil, fmt.Errorf("analyse %q: %w", cfg.Input, noAudio(err))
	}
	st, err := ParseLoudnorm(out)
	if err != nil {
		return nil, fmt.Errorf("analyse %q: %w", cfg.Input, err)
	}
	silences, duration := pr.finish()
	return &Analysis{Input: cfg.Input, Loudness: st.Loudness(), Target: cfg.Target, Silences: silences,
		SilenceThreshold: cfg.SilenceThreshold, SilenceMin: cfg.SilenceMin.Seconds(), Duration: duration}, nil
}

// passReader follows the stderr lines of a measuring pass: silencedetect's
// reports and the media time of the stats lines.
type passReader struct {
	sc       silenceCollector
	duration float64
}

func (pr *passReader) line(l string) {
	if m, ok := ParseSilenceLine(l); ok {
		pr.sc.add(m)
		// A report glued behind a stats line still leaves the stats in front.
	}
	if s, ok := encode.ParseStats(encode.ParseLogLine(l).Text); ok && s.HasTime {
		pr.duration = max(pr.duration, s.Time.Seconds())
	}
}

// finish returns the silences (never nil) and the media duration seen.
func (pr *passReader) finish() ([]Silence, float64) {
	s := pr.sc.finish(pr.duration)
	if s == nil {
		s = []Silence{}
	}
	return s, pr.duration
}

// noAudio makes ffmpeg's "Stream map '0:a:0' matches no streams" plain.
func noAudio(err error) error {
	var ee *encode.ExitError
	if errors.As(err, &ee) {
		for _, l := range append([]string{ee.Line}, ee.StderrTail...) {
			if strings.Contains(l, "matches no streams") {
				return errors.New("no audio stream")
			}
		}
	}
	return err
}

// Output is the sound of one encoded output — a file, a whole HLS playlist
// or, for a probe, a source — as measured. A figure is nil when ffmpeg
// measured -inf (silence), which JSON cannot carry.
type Output struct {
	// Rendition names the ladder rendition measured; "" for a file.
	Rendition string `json:"rendition,omitempty"`
	// Integrated is the integrated loudness (LUFS), TruePeak the true peak
	// (dBTP), LRA the loudness range (LU) and Threshold the relative gate
	// (LUFS).
	Integrated *float64 `json:"integrated"`
	TruePeak   *float64 `json:"true_peak"`
	LRA        *float64 `json:"lra"`
	Threshold  *float64 `json:"threshold"`
	// Duration is the audio's length in seconds from ffmpeg's stats.
	Duration float64 `json:"duration"`
	// Silences are the stretches under SilenceThreshold (dBFS) lasting at
	// least SilenceMin (seconds).
	Silences         []Silence `json:"silences"`
	SilenceThreshold float64   `json:"silence_threshold"`
	SilenceMin       float64   `json:"silence_min"`
}

// Output is the analysed input's figures in the form of a measured output
// (loudnorm's measurement instead of ebur128's).
func (a *Analysis) Output() Output {
	o := Output{Duration: a.Duration, Silences: a.Silences, SilenceThreshold: a.SilenceThreshold, SilenceMin: a.SilenceMin}
	if l := a.Loudness; l != nil {
		o.Integrated, o.TruePeak, o.LRA, o.Threshold = finite(l.I), finite(l.TP), finite(l.LRA), finite(l.Thresh)
	}
	return o
}

// MeasureConfig is one measurement of a finished output.
type MeasureConfig struct {
	// FFmpeg is the ffmpeg binary. It defaults to "ffmpeg".
	FFmpeg string
	// Path is a media file or an HLS media playlist (read whole, segment
	// after segment).
	Path string
	// SilenceMin is the shortest silence reported. It defaults to
	// DefaultSilenceMin (3 s); silences are found under
	// DefaultSilenceThreshold.
	SilenceMin time.Duration
	// Timeout bounds the pass like AnalyzeConfig.Timeout.
	Timeout time.Duration
}

// Measure measures a finished output with ffmpeg's ebur128 filter
// (integrated loudness, range, true peak) and silencedetect, in one decode
// of its first audio stream.
func Measure(ctx context.Context, cfg MeasureConfig) (*Output, error) {
	if cfg.FFmpeg == "" {
		cfg.FFmpeg = "ffmpeg"
	}
	if cfg.SilenceMin <= 0 {
		cfg.SilenceMin = seconds(DefaultSilenceMin)
	}
	// framelog=verbose keeps ebur128's ten lines a second out of the log.
	af := fmt.Sprintf("silencedetect=n=%sdB:d=%s,ebur128=peak=true:framelog=verbose",
		num(DefaultSilenceThreshold), num(cfg.SilenceMin.Seconds()))
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "level+info"}
	args = append(args, ffprobe.InputArgs(cfg.Path)...)
	args = append(args, "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", af, "-f", "null", "-")
	var pr passReader
	out, err := encode.Capture(ctx, cfg.FFmpeg, args, cfg.Timeout, pr.line)
	if err != nil {
		return nil, fmt.Errorf("measure loudness of %q: %w", cfg.Path, noAudio(err))
	}
	sum, err := ParseR128Summary(out)
	if err != nil {
		return nil, fmt.Errorf("measure loudness of %q: %w", cfg.Path, err)
	}
	silences, duration := pr.finish()
	return &Output{Integrated: finite(sum.I), TruePeak: finite(sum.Peak), LRA: finite(sum.LRA), Threshold: finite(sum.Threshold),
		Duration: duration, Silences: silences, SilenceThreshold: DefaultSilenceThreshold, SilenceMin: cfg.SilenceMin.Seconds()}, nil
}

// finite is v, or nil for ffmpeg's -inf.
func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

// Figure formats a measured figure with two decimals, "-inf" for nil.
func Figure(v *float64) string {
	if v == nil {
		return "-inf"
	}
	return fmt.Sprintf("%.2f", *v)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
