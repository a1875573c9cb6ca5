package audio

import (
	"context"
	"time"
)

// PrepareConfig is the conditioning of one source.
type PrepareConfig struct {
	// FFmpeg is the ffmpeg binary. It defaults to "ffmpeg".
	FFmpeg string
	// Input is the source, which must have sound.
	Input string
	// Settings say what to do; the zero value only analyses.
	Settings Settings
	// Duration is the source's probed duration in seconds; what trimming
	// cuts is counted over the longer of it and the audio analysed. 0 when
	// unknown.
	Duration float64
	// FrameRate, when positive, puts the cuts on frame boundaries so that
	// picture and sound are cut at the same instant; 0 for outputs without
	// picture.
	FrameRate float64
	// Timeout bounds the analysis pass like AnalyzeConfig.Timeout.
	Timeout time.Duration
}

// Preparation is a source made ready for encoding: the filters to put in
// front of every output and the report of what they do.
type Preparation struct {
	Filters
	// Analysis is the source's analysis pass.
	Analysis *Analysis
	// Report says what the filters do; the caller adds the measured outputs.
	Report *Report
	// Duration is how long the prepared media lasts, in seconds: the
	// source's duration less what trimming cut.
	Duration float64
}

// Report is what loudness and silence processing did to a source and, once
// measured, what came out.
type Report struct {
	// Settings are the processing asked for.
	Settings Settings `json:"settings"`
	// Input is the source's measurement; nil when it is silent.
	Input *Loudness `json:"input"`
	// Normalization is "linear", "dynamic" or "" (loudness left alone), and
	// Note says why.
	Normalization string `json:"normalization,omitempty"`
	Note          string `json:"note,omitempty"`
	// Silences are the silences found in the source; Cut how many seconds
	// trimming removed.
	Silences []Silence `json:"silences"`
	Cut      float64   `json:"cut"`
	// Outputs are the encoded outputs measured after encoding.
	Outputs []Output `json:"outputs,omitempty"`
}

// Prepare runs the analysis pass over a source and works out the filters
// that bring it to the settings: the second-pass loudnorm filter (Normalize)
// when a loudness is asked for and the source is not silent, and the
// stretches to keep (KeepIntervals, DefaultSilencePad) when silences are
// trimmed.
func Prepare(ctx context.Context, cfg PrepareConfig) (*Preparation, error) {
	s := cfg.Settings
	a, err := Analyze(ctx, AnalyzeConfig{FFmpeg: cfg.FFmpeg, Input: cfg.Input, Target: s.Target(),
		SilenceThreshold: s.SilenceThreshold, SilenceMin: seconds(s.MinSilence()), Timeout: cfg.Timeout})
	if err != nil {
		return nil, err
	}
	dur := max(a.Duration, cfg.Duration)
	p := &Preparation{Analysis: a, Duration: dur,
		Report: &Report{Settings: s, Input: a.Loudness, Silences: a.Silences}}
	if s.Loudness != 0 {
		if a.Loudness == nil {
			p.Report.Note = "the source is silent (below -70 LUFS): loudness left alone"
		} else {
			n, err := a.Normalization()
			if err != nil {
				return nil, err
			}
			p.AudioFilter = n.Filter
			p.Report.Normalization, p.Report.Note = n.Mode(), n.Note
		}
	}
	if s.TrimSilence > 0 {
		p.Keep = a.Keep(s.TrimSilence, DefaultSilencePad, cfg.FrameRate)
		if p.Keep != nil {
			p.Duration = KeptDuration(p.Keep, dur)
			p.Report.Cut = dur - p.Duration
		}
	}
	return p, nil
}
