package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ladder"
)

// audioFlags are the loudness and silence flags of transcode, segment and
// ladder, as typed; processing turns them into the library's settings.
type audioFlags struct {
	loudness, truePeak, lra, threshold float64
	trim                               time.Duration
}

func addAudioFlags(fl *pflag.FlagSet) *audioFlags {
	a := &audioFlags{}
	fl.Float64Var(&a.loudness, "loudness", 0, "normalise to this integrated loudness in LUFS, EBU R128 two-pass, e.g. -14 (default: leave loudness alone)")
	fl.Float64Var(&a.truePeak, "true-peak", 0, "true-peak limit in dBTP with --loudness (default -1)")
	fl.Float64Var(&a.lra, "lra", 0, "loudness range target in LU, used when loudnorm must run in dynamic mode (default 11)")
	fl.DurationVar(&a.trim, "trim-silence", 0, "cut silences at least this long down to 0.5 s, picture and sound together, e.g. 3s")
	fl.Float64Var(&a.threshold, "silence-threshold", 0, "level in dBFS under which sound counts as silence (default -50)")
	return a
}

// processing checks the flags and returns them as settings; zero fields are
// unset, so a ladder file's own settings stay.
func (a *audioFlags) processing() (ladder.AudioProcessing, error) {
	if a.trim < 0 {
		return ladder.AudioProcessing{}, usageErrorf("--trim-silence must not be negative")
	}
	if (a.truePeak != 0 || a.lra != 0) && a.loudness == 0 {
		return ladder.AudioProcessing{}, usageErrorf("--true-peak and --lra go with --loudness")
	}
	p := ladder.AudioProcessing{Loudness: a.loudness, TruePeak: a.truePeak, LRA: a.lra,
		TrimSilence: a.trim.Seconds(), SilenceThreshold: a.threshold}
	if err := p.Validate(); err != nil {
		return ladder.AudioProcessing{}, usageErrorf("%v", err)
	}
	return p, nil
}

// writeLoudnessReport prints what a ladder run did to the sound.
func writeLoudnessReport(w io.Writer, r *ladder.LoudnessReport) {
	if r == nil {
		return
	}
	if in := r.Input; in != nil {
		fmt.Fprintf(w, "  source:  %.2f LUFS, true peak %.2f dBTP, LRA %.2f LU\n", in.I, in.TP, in.LRA)
	}
	if r.Note != "" {
		fmt.Fprintf(w, "  %s\n", r.Note)
	}
	if r.Settings.TrimSilence > 0 {
		fmt.Fprintf(w, "  silences: %s; %.2f s cut\n", silenceList(r.Silences), r.Cut)
	}
	for _, o := range r.Outputs {
		fmt.Fprintf(w, "  %-8s %s LUFS, true peak %s dBTP, LRA %s LU (measured over the playlist)\n",
			o.Rendition, figure(o.I), figure(o.TruePeak), figure(o.LRA))
	}
}

func figure(v *float64) string {
	if v == nil {
		return "-inf"
	}
	return fmt.Sprintf("%.2f", *v)
}

// silenceList writes silences as "6.00–11.00 s, 20.00–24.50 s".
func silenceList(s []encode.Silence) string {
	if len(s) == 0 {
		return "none"
	}
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = fmt.Sprintf("%.2f–%.2f s", x.Start, x.End)
	}
	return strings.Join(parts, ", ")
}

// finiteOrNil is v, or nil for -inf (silence), which JSON cannot carry.
func finiteOrNil(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

// probeLoudness is what `veza probe --loudness` adds for an input with
// audio. A figure is null when ffmpeg measured -inf (silence).
type probeLoudness struct {
	Integrated *float64         `json:"integrated"` // LUFS
	TruePeak   *float64         `json:"true_peak"`  // dBTP
	LRA        *float64         `json:"lra"`        // LU
	Threshold  *float64         `json:"threshold"`  // LUFS
	Silences   []encode.Silence `json:"silences"`
	// SilenceThreshold (dBFS) and SilenceMin (seconds) are how silences
	// were found.
	SilenceThreshold float64 `json:"silence_threshold"`
	SilenceMin       float64 `json:"silence_min"`
}

// measureProbeLoudness runs one analysis pass (loudnorm's measurement and
// silencedetect) over the input's first audio stream.
func measureProbeLoudness(ctx context.Context, ffmpeg, input string) (*probeLoudness, error) {
	a, err := encode.Analyze(ctx, encode.AnalyzeConfig{FFmpeg: ffmpeg, Input: input})
	if err != nil {
		return nil, err
	}
	pl := &probeLoudness{Silences: a.Silences, SilenceThreshold: a.SilenceThreshold, SilenceMin: a.SilenceMin}
	if l := a.Loudness; l != nil {
		pl.Integrated, pl.TruePeak, pl.LRA, pl.Threshold = finiteOrNil(l.I), finiteOrNil(l.TP), finiteOrNil(l.LRA), finiteOrNil(l.Thresh)
	}
	return pl, nil
}

// writeProbeLoudness adds the loudness lines under a probe table.
func writeProbeLoudness(w io.Writer, l *probeLoudness) {
	if l == nil {
		fmt.Fprintln(w, "loudness: no audio")
		return
	}
	if l.Integrated == nil {
		fmt.Fprintln(w, "loudness: silent (below -70 LUFS)")
	} else {
		fmt.Fprintf(w, "loudness: %s LUFS integrated, LRA %s LU, true peak %s dBTP\n", figure(l.Integrated), figure(l.LRA), figure(l.TruePeak))
	}
	fmt.Fprintf(w, "silences: %s (under %g dBFS for %g s or more)\n", silenceList(l.Silences), l.SilenceThreshold, l.SilenceMin)
}

// transcodeLoudness is what loudness and silence processing did to one
// transcoded file.
type transcodeLoudness struct {
	// Input is the source's measurement (nil: silent), Normalization
	// "linear", "dynamic" or "" and Note why.
	Input         *encode.Loudness `json:"input"`
	Normalization string           `json:"normalization,omitempty"`
	Note          string           `json:"note,omitempty"`
	// Silences found in the source and the seconds cut.
	Silences []encode.Silence `json:"silences"`
	Cut      float64          `json:"cut"`
	// Output is the encoded file measured with ebur128.
	Output *probeLoudness `json:"output,omitempty"`
}

// condition analyses one input and puts its silence cuts and loudness
// filter in front of the job's output.
func (b *transcodeBatch) condition(ctx context.Context, job *encode.Job, it *transcodeItem) error {
	ap := b.opts.Audio
	if !it.src.HasAudio {
		b.opts.IO.Logf("%s: no audio: loudness and silence settings ignored", it.Input)
		return nil
	}
	o := job.Outputs[0]
	if o.VideoCodec == "copy" || o.AudioCodec == "copy" {
		return fmt.Errorf("preset %s copies streams; loudness normalisation and silence trimming need re-encoding", it.Preset)
	}
	minSilence := ap.TrimSilence
	if minSilence <= 0 {
		minSilence = encode.DefaultSilenceMin
	}
	a, err := encode.Analyze(ctx, encode.AnalyzeConfig{FFmpeg: b.ffmpeg, Input: job.Inputs[0].Path, Target: ap.Target(),
		SilenceThreshold: ap.SilenceThreshold, SilenceMin: secondsDuration(minSilence), Timeout: b.timeout})
	if err != nil {
		return err
	}
	rep := &transcodeLoudness{Input: a.Loudness, Silences: a.Silences}
	filter := ""
	if ap.Loudness != 0 {
		if a.Loudness == nil {
			rep.Note = "the source is silent (below -70 LUFS): loudness left alone"
		} else {
			n, err := a.Normalization()
			if err != nil {
				return err
			}
			filter, rep.Normalization, rep.Note = n.Filter, n.Mode(), n.Note
		}
	}
	var keep []encode.Interval
	if ap.TrimSilence > 0 {
		fps := 0.0
		if !o.NoVideo {
			fps = it.src.FrameRate
		}
		keep = a.Keep(ap.TrimSilence, encode.DefaultSilencePad, fps)
		if keep != nil {
			d := max(a.Duration, it.src.Duration)
			rep.Cut = d - encode.KeptDuration(keep, d)
			job.Duration = secondsDuration(d - rep.Cut)
		}
	}
	if err := job.Condition(keep, filter, it.src.SampleRate); err != nil {
		return err
	}
	it.Loudness = rep
	if rep.Note != "" {
		b.opts.IO.Logf("%s: %s", it.Input, rep.Note)
	}
	return nil
}

// measure measures the encoded output (a file, or the HLS playlist) before
// it is moved into place.
func (b *transcodeBatch) measure(ctx context.Context, it *transcodeItem, path string) error {
	minSilence := b.opts.Audio.TrimSilence
	if minSilence <= 0 {
		minSilence = encode.DefaultSilenceMin
	}
	m, err := encode.MeasureLoudness(ctx, b.ffmpeg, path, secondsDuration(minSilence), b.timeout)
	if err != nil {
		return err
	}
	it.Loudness.Output = &probeLoudness{Integrated: finiteOrNil(m.I), TruePeak: finiteOrNil(m.TruePeak), LRA: finiteOrNil(m.LRA),
		Threshold: finiteOrNil(m.Threshold), Silences: m.Silences, SilenceThreshold: encode.DefaultSilenceThreshold, SilenceMin: minSilence}
	b.opts.IO.Logf("%s: output %s LUFS, true peak %s dBTP, LRA %s LU", it.Input,
		figure(it.Loudness.Output.Integrated), figure(it.Loudness.Output.TruePeak), figure(it.Loudness.Output.LRA))
	return nil
}
