package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/veza-media/veza/pkg/audio"
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
func (a *audioFlags) processing() (audio.Settings, error) {
	if a.trim < 0 {
		return audio.Settings{}, usageErrorf("--trim-silence must not be negative")
	}
	if (a.truePeak != 0 || a.lra != 0) && a.loudness == 0 {
		return audio.Settings{}, usageErrorf("--true-peak and --lra go with --loudness")
	}
	p := audio.Settings{Loudness: a.loudness, TruePeak: a.truePeak, LRA: a.lra,
		TrimSilence: a.trim.Seconds(), SilenceThreshold: a.threshold}
	if err := p.Validate(); err != nil {
		return audio.Settings{}, usageErrorf("%v", err)
	}
	return p, nil
}

// writeLoudnessReport prints what a ladder run did to the sound.
func writeLoudnessReport(w io.Writer, r *audio.Report) {
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
			o.Rendition, audio.Figure(o.Integrated), audio.Figure(o.TruePeak), audio.Figure(o.LRA))
	}
}

// silenceList writes silences as "6.00–11.00 s, 20.00–24.50 s".
func silenceList(s []audio.Silence) string {
	if len(s) == 0 {
		return "none"
	}
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = fmt.Sprintf("%.2f–%.2f s", x.Start, x.End)
	}
	return strings.Join(parts, ", ")
}

// probeLoudness is what `veza probe --loudness` adds for an input with
// audio: the analysis pass's figures (null when ffmpeg measured -inf) and
// silences.
type probeLoudness = audio.Output

// measureProbeLoudness runs one analysis pass (loudnorm's measurement and
// silencedetect) over the input's first audio stream.
func measureProbeLoudness(ctx context.Context, ffmpeg, input string) (*probeLoudness, error) {
	a, err := audio.Analyze(ctx, audio.AnalyzeConfig{FFmpeg: ffmpeg, Input: input})
	if err != nil {
		return nil, err
	}
	o := a.Output()
	return &o, nil
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
		fmt.Fprintf(w, "loudness: %s LUFS integrated, LRA %s LU, true peak %s dBTP\n", audio.Figure(l.Integrated), audio.Figure(l.LRA), audio.Figure(l.TruePeak))
	}
	fmt.Fprintf(w, "silences: %s (under %g dBFS for %g s or more)\n", silenceList(l.Silences), l.SilenceThreshold, l.SilenceMin)
}
