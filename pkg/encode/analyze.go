package encode

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// AnalyzeConfig is one analysis pass over an input's first audio stream.
type AnalyzeConfig struct {
	// FFmpeg is the ffmpeg binary. It defaults to "ffmpeg".
	FFmpeg string
	// Input is the file to analyse.
	Input string
	// Target is the loudness the second pass will aim for; loudnorm's first
	// pass needs it for its proposed offset. Zero fields take
	// LoudnessTarget's defaults (-14 LUFS, -1 dBTP, 11 LU).
	Target LoudnessTarget
	// SilenceThreshold is the level under which audio counts as silence,
	// in dBFS. It defaults to DefaultSilenceThreshold (-50).
	SilenceThreshold float64
	// SilenceMin is the shortest silence reported. It defaults to
	// DefaultSilenceMin (3 s).
	SilenceMin time.Duration
	// Timeout bounds the pass like Job.Timeout: DefaultTimeout when zero,
	// none with NoTimeout.
	Timeout time.Duration
}

// Analysis is what one pass found in an input's audio.
type Analysis struct {
	Input string `json:"input"`
	// Loudness is loudnorm's measurement; nil when the audio is silent.
	Loudness *Loudness `json:"loudness"`
	// Target is the target the pass was run for (defaults filled).
	Target LoudnessTarget `json:"target"`
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
		c.SilenceMin = time.Duration(DefaultSilenceMin * float64(time.Second))
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
	return []string{"-hide_banner", "-nostdin", "-loglevel", "level+info",
		"-i", inputArg(c.Input), "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", af, "-f", "null", "-"}
}

// inputArg keeps a file name that starts with a dash from reading as an
// option.
func inputArg(p string) string {
	if strings.HasPrefix(p, "-") {
		return "file:" + p
	}
	return p
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
	out, err := runCapture(ctx, cfg.FFmpeg, cfg.Args(), cfg.Timeout, pr.line)
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
	if s, ok := ParseStats(ParseLogLine(l).Text); ok && s.HasTime {
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
	var ee *ExitError
	if errors.As(err, &ee) {
		for _, l := range append([]string{ee.Line}, ee.StderrTail...) {
			if strings.Contains(l, "matches no streams") {
				return errors.New("no audio stream")
			}
		}
	}
	return err
}

// OutputLoudness is an encoded output measured by ebur128 (and the
// silences still in it).
type OutputLoudness struct {
	Path string `json:"path"`
	// I is the integrated loudness (LUFS), LRA the loudness range (LU),
	// TruePeak the true peak (dBTP), Threshold the relative gate (LUFS).
	I         float64 `json:"integrated"`
	LRA       float64 `json:"lra"`
	TruePeak  float64 `json:"true_peak"`
	Threshold float64 `json:"threshold"`
	// Silences are the stretches under DefaultSilenceThreshold lasting at
	// least the SilenceMin given to MeasureLoudness.
	Silences []Silence `json:"silences"`
	// Duration is the audio's length in seconds from ffmpeg's stats.
	Duration float64 `json:"duration"`
}

// MeasureLoudness measures a finished output — a media file, or an HLS
// playlist read whole, segment after segment — with ffmpeg's ebur128 filter
// (integrated loudness, range, true peak) and silencedetect, in one decode
// of its first audio stream. silenceMin <= 0 means DefaultSilenceMin.
func MeasureLoudness(ctx context.Context, ffmpeg, path string, silenceMin time.Duration, timeout time.Duration) (*OutputLoudness, error) {
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	if silenceMin <= 0 {
		silenceMin = time.Duration(DefaultSilenceMin * float64(time.Second))
	}
	// framelog=verbose keeps ebur128's ten lines a second out of the log.
	af := fmt.Sprintf("silencedetect=n=%sdB:d=%s,ebur128=peak=true:framelog=verbose",
		num(DefaultSilenceThreshold), num(silenceMin.Seconds()))
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "level+info",
		"-i", inputArg(path), "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", af, "-f", "null", "-"}
	var pr passReader
	out, err := runCapture(ctx, ffmpeg, args, timeout, pr.line)
	if err != nil {
		return nil, fmt.Errorf("measure loudness of %q: %w", path, noAudio(err))
	}
	sum, err := ParseR128Summary(out)
	if err != nil {
		return nil, fmt.Errorf("measure loudness of %q: %w", path, err)
	}
	silences, duration := pr.finish()
	return &OutputLoudness{Path: path, I: sum.I, LRA: sum.LRA, TruePeak: sum.Peak, Threshold: sum.Threshold,
		Silences: silences, Duration: duration}, nil
}

// captureLimit bounds the stderr text kept for the report parsers: the
// reports come last, and a long input's warnings must not grow memory.
const captureLimit = 1 << 20

// runCapture runs ffmpeg with args in its own process group, hands every
// stderr line to onLine and returns the last captureLimit bytes of stderr.
// Cancelling ctx or passing the timeout sends SIGINT to the group and
// SIGKILL after DefaultGracePeriod; the error is then ctx.Err() or wraps
// ErrTimeout. A failing ffmpeg gives an *ExitError.
func runCapture(ctx context.Context, bin string, args []string, timeout time.Duration, onLine func(string)) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%w: %q", ErrFFmpegNotFound, bin)
	}
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < 0:
		timeout = 0
	}
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	cmd := exec.CommandContext(runCtx, path, args...)
	cmd.SysProcAttr = sysProcAttr()
	// SIGINT lets ffmpeg stop cleanly; WaitDelay then kills it.
	cmd.Cancel = func() error {
		signalGroup(cmd.Process.Pid, syscall.SIGINT)
		return nil
	}
	cmd.WaitDelay = DefaultGracePeriod
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start ffmpeg: %w", err)
	}
	var (
		buf     strings.Builder
		tail    []string
		errKind ErrorKind
		errLine string
	)
	_ = readLines(stderr, func(l string) {
		onLine(l)
		if buf.Len() > 2*captureLimit {
			keep := buf.String()[buf.Len()-captureLimit:]
			buf.Reset()
			buf.WriteString(keep)
		}
		buf.WriteString(l)
		buf.WriteByte('\n')
		ll := ParseLogLine(l)
		if _, ok := ParseStats(ll.Text); ok || ll.Text == "" {
			return
		}
		if tail = append(tail, l); len(tail) > tailLines {
			tail = tail[1:]
		}
		if ll.Level >= LevelError {
			kind, known := classifyError(ll.Text)
			if errLine == "" || (errKind == KindOther && known) {
				errKind, errLine = kind, ll.Text
			}
		}
	})
	waitErr := cmd.Wait()
	// Reap anything ffmpeg left behind in its group.
	signalGroup(cmd.Process.Pid, syscall.SIGKILL)
	switch {
	case ctx.Err() != nil:
		return "", ctx.Err()
	case runCtx.Err() != nil:
		return "", fmt.Errorf("%w after %s", ErrTimeout, timeout)
	case waitErr != nil:
		ee := &ExitError{Args: append([]string{path}, args...), Code: cmd.ProcessState.ExitCode(),
			Kind: errKind, Line: errLine, StderrTail: tail, Err: waitErr}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			ee.Signal = ws.Signal().String()
		}
		return "", ee
	}
	return buf.String(), nil
}
