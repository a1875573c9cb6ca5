package ladder

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
)

// AudioProcessing is a ladder's loudness normalisation and silence
// trimming. It applies to the source once, before the rungs split, so every
// rendition carries the same sound (and, with video, the same cuts).
type AudioProcessing struct {
	// Loudness is the integrated loudness target in LUFS (EBU R128,
	// two-pass: measured, then normalised linearly when the true-peak limit
	// allows). 0 leaves the loudness alone.
	Loudness float64 `yaml:"loudness,omitempty" json:"loudness,omitempty"`
	// TruePeak is the true-peak ceiling in dBTP. It defaults to -1.
	TruePeak float64 `yaml:"true_peak,omitempty" json:"true_peak,omitempty"`
	// LRA is the loudness range target in LU for dynamic normalisation. It
	// defaults to 11.
	LRA float64 `yaml:"lra,omitempty" json:"lra,omitempty"`
	// TrimSilence, in seconds, cuts every silence at least this long down
	// to a 0.5 s pad, in picture and sound. 0 keeps silences.
	TrimSilence float64 `yaml:"trim_silence,omitempty" json:"trim_silence,omitempty"`
	// SilenceThreshold is the level under which sound is silence, in dBFS.
	// It defaults to -50.
	SilenceThreshold float64 `yaml:"silence_threshold,omitempty" json:"silence_threshold,omitempty"`
}

// Active says whether anything is to be done to the sound.
func (a AudioProcessing) Active() bool { return a.Loudness != 0 || a.TrimSilence > 0 }

// Override returns a with the non-zero fields of o: command-line flags
// over a ladder file's settings.
func (a AudioProcessing) Override(o AudioProcessing) AudioProcessing {
	for _, f := range []struct{ dst, src *float64 }{
		{&a.Loudness, &o.Loudness}, {&a.TruePeak, &o.TruePeak}, {&a.LRA, &o.LRA},
		{&a.TrimSilence, &o.TrimSilence}, {&a.SilenceThreshold, &o.SilenceThreshold},
	} {
		if *f.src != 0 {
			*f.dst = *f.src
		}
	}
	return a
}

// Target is the loudness target (defaults filled by encode).
func (a AudioProcessing) Target() encode.LoudnessTarget {
	return encode.LoudnessTarget{I: a.Loudness, TP: a.TruePeak, LRA: a.LRA}.WithDefaults()
}

// Validate checks the ranges ffmpeg accepts.
func (a AudioProcessing) Validate() error {
	for _, v := range []float64{a.Loudness, a.TruePeak, a.LRA, a.TrimSilence, a.SilenceThreshold} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("loudness and silence settings must be numbers")
		}
	}
	if a.Loudness != 0 || a.TruePeak != 0 || a.LRA != 0 {
		if err := a.Target().Check(); err != nil {
			return err
		}
	}
	switch {
	case a.TrimSilence < 0:
		return fmt.Errorf("trim_silence %v: must be a positive number of seconds", a.TrimSilence)
	case a.SilenceThreshold > 0 || a.SilenceThreshold < -120:
		return fmt.Errorf("silence_threshold %v dB: must be between -120 and 0", a.SilenceThreshold)
	}
	return nil
}

// fingerprint names the settings that change a rendition's bytes; "" when
// inactive, so ladders without processing keep their fingerprints.
func (a AudioProcessing) fingerprint() string {
	if !a.Active() {
		return ""
	}
	t := a.Target()
	thr := a.SilenceThreshold
	if thr == 0 {
		thr = encode.DefaultSilenceThreshold
	}
	loud := "off"
	if a.Loudness != 0 {
		loud = fmt.Sprintf("%g/%g/%g", t.I, t.TP, t.LRA)
	}
	return fmt.Sprintf("audio:%s:trim=%g@%gdB/pad=%g", loud, a.TrimSilence, thr, encode.DefaultSilencePad)
}

// Conditioning is AudioProcessing made concrete for one source: the cuts
// and the loudness filter that Build puts in front of every rung.
type Conditioning struct {
	// Keep are the stretches of the source kept; empty keeps it whole.
	Keep []encode.Interval
	// AudioFilter is the loudness filter ("loudnorm=..."); empty for none.
	AudioFilter string
}

func (c Conditioning) empty() bool { return len(c.Keep) == 0 && c.AudioFilter == "" }

// LoudnessReport is what a run did to the sound and what came out.
type LoudnessReport struct {
	// Settings are the processing asked for.
	Settings AudioProcessing `json:"settings"`
	// Input is the source's measurement; nil when it is silent.
	Input *encode.Loudness `json:"input"`
	// Normalization is "linear", "dynamic" or "" (loudness left alone), and
	// Note says why.
	Normalization string `json:"normalization,omitempty"`
	Note          string `json:"note,omitempty"`
	// Silences are the silences found in the source; Cut how many seconds
	// trimming removed.
	Silences []encode.Silence `json:"silences"`
	Cut      float64          `json:"cut"`
	// Outputs are the renditions measured after encoding.
	Outputs []OutputLoudness `json:"outputs,omitempty"`
}

// OutputLoudness is one rendition's encoded sound measured over its whole
// media playlist with ebur128.
// A figure is nil when ffmpeg printed -inf (silence), which JSON cannot
// carry.
type OutputLoudness struct {
	Rendition string   `json:"rendition"`
	I         *float64 `json:"integrated"`
	TruePeak  *float64 `json:"true_peak"`
	LRA       *float64 `json:"lra"`
	Duration  float64  `json:"duration"`
	// Silences are those still at least TrimSilence (or 3 s) long.
	Silences []encode.Silence `json:"silences"`
}

// condition runs the analysis pass once for the source and works out what
// every rung gets. It records the measurement in the catalog.
func (run *runner) condition(ctx context.Context) error {
	ap := run.audio
	if !ap.Active() {
		return nil
	}
	if !run.src.Summary.HasAudio {
		run.note("the source has no audio: loudness and silence settings ignored")
		return nil
	}
	minSilence := ap.TrimSilence
	if minSilence <= 0 {
		minSilence = encode.DefaultSilenceMin
	}
	a, err := encode.Analyze(ctx, encode.AnalyzeConfig{
		FFmpeg: run.cfg.FFmpeg, Input: run.cfg.Input, Target: ap.Target(),
		SilenceThreshold: ap.SilenceThreshold, SilenceMin: seconds(minSilence), Timeout: run.cfg.Timeout,
	})
	if err != nil {
		return err
	}
	rep := &LoudnessReport{Settings: ap, Input: a.Loudness, Silences: a.Silences}
	var c Conditioning
	if ap.Loudness != 0 {
		if a.Loudness == nil {
			rep.Note = "the source is silent (below -70 LUFS): loudness left alone"
		} else {
			n, err := a.Normalization()
			if err != nil {
				return err
			}
			c.AudioFilter = n.Filter
			rep.Normalization, rep.Note = n.Mode(), n.Note
		}
	}
	if ap.TrimSilence > 0 {
		fps := 0.0
		if run.plan.FPS.Num > 0 && run.hasVideoRendition() {
			fps = run.plan.FPS.Float()
		}
		c.Keep = a.Keep(ap.TrimSilence, encode.DefaultSilencePad, fps)
		if c.Keep != nil {
			dur := max(a.Duration, run.src.Summary.Duration)
			rep.Cut = dur - encode.KeptDuration(c.Keep, dur)
		}
	}
	run.plan.Conditioning = c
	run.res.Loudness = rep
	msg := fmt.Sprintf("analysed %s: ", filepath.Base(run.cfg.Input))
	if a.Loudness != nil {
		msg += fmt.Sprintf("%.2f LUFS, true peak %.2f dBTP, LRA %.2f LU; ", a.Loudness.I, a.Loudness.TP, a.Loudness.LRA)
	}
	msg += fmt.Sprintf("%d silence(s) of %g s or more", len(a.Silences), minSilence)
	if rep.Cut > 0 {
		msg += fmt.Sprintf(", %.2f s cut", rep.Cut)
	}
	run.note(msg)
	if rep.Note != "" {
		run.note(rep.Note)
	}
	in := catalog.Analysis{TrackID: run.trackID, Kind: catalog.AnalysisInput, Normalization: rep.Normalization,
		Silences: catalogSilences(a.Silences)}
	if l := a.Loudness; l != nil {
		in.Integrated, in.TruePeak, in.LRA, in.Threshold, in.TargetOffset = &l.I, &l.TP, &l.LRA, &l.Thresh, &l.TargetOffset
	}
	return run.rec.Analysis(ctx, in)
}

func (run *runner) hasVideoRendition() bool {
	for _, r := range run.plan.Renditions {
		if r.Width > 0 && !r.Copy {
			return true
		}
	}
	return false
}

// outputDuration is the media duration the encode produces, for progress.
func (run *runner) outputDuration() time.Duration {
	d := run.src.Summary.Duration
	if keep := run.plan.Conditioning.Keep; keep != nil {
		d = encode.KeptDuration(keep, d)
	}
	return seconds(d)
}

// measureLoudness measures every encoded rendition that carries sound over
// its whole media playlist, and records the figures.
func (run *runner) measureLoudness(ctx context.Context, encoded []string) error {
	rep := run.res.Loudness
	if rep == nil {
		return nil
	}
	minSilence := run.audio.TrimSilence
	if minSilence <= 0 {
		minSilence = encode.DefaultSilenceMin
	}
	want := map[string]bool{}
	for _, n := range encoded {
		want[n] = true
	}
	for _, r := range run.plan.Renditions {
		if !want[r.Name] || r.AudioBitrate <= 0 || !run.plan.Audio {
			continue
		}
		playlist, done, err := run.clearPlaylist(filepath.Join(run.res.Dir, r.Name, PlaylistName))
		if err != nil {
			return fmt.Errorf("rendition %s: %w", r.Name, err)
		}
		m, err := encode.MeasureLoudness(ctx, run.cfg.FFmpeg, playlist, seconds(minSilence), run.cfg.Timeout)
		done()
		if err != nil {
			return fmt.Errorf("rendition %s: %w", r.Name, err)
		}
		rep.Outputs = append(rep.Outputs, OutputLoudness{Rendition: r.Name, I: finite(m.I), TruePeak: finite(m.TruePeak),
			LRA: finite(m.LRA), Duration: m.Duration, Silences: m.Silences})
		out := catalog.Analysis{TrackID: run.trackID, Rendition: r.Name, Kind: catalog.AnalysisOutput,
			Integrated: finite(m.I), TruePeak: finite(m.TruePeak), LRA: finite(m.LRA), Threshold: finite(m.Threshold),
			Normalization: rep.Normalization, Silences: catalogSilences(m.Silences)}
		if err := run.rec.Analysis(ctx, out); err != nil {
			return err
		}
		run.note(fmt.Sprintf("%s measured: %.2f LUFS, true peak %.2f dBTP, LRA %.2f LU over %.2f s", r.Name, m.I, m.TruePeak, m.LRA, m.Duration))
	}
	return nil
}

// clearPlaylist returns a media playlist ffmpeg can read from start to end
// without keys: the playlist itself, or for an encrypted rendition (whose
// key URIs may point at a server) a decrypted copy in a temporary folder.
// done removes the copy.
func (run *runner) clearPlaylist(playlist string) (path string, done func(), err error) {
	if run.keys == nil {
		return playlist, func() {}, nil
	}
	pl, err := hls.ReadMedia(playlist)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "veza-clear-")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.RemoveAll(tmp) }
	dir := filepath.Dir(playlist)
	maps := map[string]*hls.Map{} // one copy per init section, shared like the original
	for i := range pl.Segments {
		s := &pl.Segments[i]
		data, err := os.ReadFile(filepath.Join(dir, s.URI))
		if err != nil {
			done()
			return "", nil, err
		}
		if k := s.Key; k != nil && k.Method == "AES-128" {
			key, ok := run.keyFor(k.URI)
			iv, ivErr := pl.SegmentIV(i, k)
			if !ok || ivErr != nil {
				done()
				return "", nil, fmt.Errorf("segment %s: no key to read it with", s.URI)
			}
			if data, err = hls.DecryptSegment(key, iv, data); err != nil {
				done()
				return "", nil, fmt.Errorf("segment %s: %w", s.URI, err)
			}
		}
		s.Key = nil
		name := fmt.Sprintf("seg_%05d%s", i, filepath.Ext(s.URI))
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o600); err != nil {
			done()
			return "", nil, err
		}
		s.URI = name
		if m := s.Map; m != nil {
			c, ok := maps[m.URI]
			if !ok {
				c = &hls.Map{URI: fmt.Sprintf("init_%d.mp4", len(maps)), ByteRange: m.ByteRange}
				init, err := os.ReadFile(filepath.Join(dir, m.URI))
				if err == nil {
					err = os.WriteFile(filepath.Join(tmp, c.URI), init, 0o600)
				}
				if err != nil {
					done()
					return "", nil, err
				}
				maps[m.URI] = c
			}
			s.Map = c
		}
	}
	out := filepath.Join(tmp, PlaylistName)
	if err := hls.WriteMedia(out, pl); err != nil {
		done()
		return "", nil, err
	}
	return out, done, nil
}

// loudnessFromCatalog rebuilds the report of an earlier run from the
// catalog, for a ladder found up to date.
func (run *runner) loudnessFromCatalog(ctx context.Context) {
	if !run.audio.Active() {
		return
	}
	as, err := run.cfg.Catalog.Analyses(ctx, run.trackID)
	if err != nil || len(as) == 0 {
		return
	}
	rep := &LoudnessReport{Settings: run.audio, Silences: []encode.Silence{}}
	for _, a := range as {
		switch a.Kind {
		case catalog.AnalysisInput:
			rep.Normalization = a.Normalization
			rep.Silences = encodeSilences(a.Silences)
			if a.Integrated != nil && a.TruePeak != nil && a.LRA != nil && a.Threshold != nil && a.TargetOffset != nil {
				rep.Input = &encode.Loudness{I: *a.Integrated, TP: *a.TruePeak, LRA: *a.LRA, Thresh: *a.Threshold, TargetOffset: *a.TargetOffset}
			}
		case catalog.AnalysisOutput:
			o := OutputLoudness{Rendition: a.Rendition, I: a.Integrated, TruePeak: a.TruePeak, LRA: a.LRA,
				Silences: encodeSilences(a.Silences)}
			rep.Outputs = append(rep.Outputs, o)
		}
	}
	run.res.Loudness = rep
}

func catalogSilences(s []encode.Silence) []catalog.Silence {
	out := make([]catalog.Silence, len(s))
	for i, x := range s {
		out[i] = catalog.Silence{Start: x.Start, End: x.End}
	}
	return out
}

func encodeSilences(s []catalog.Silence) []encode.Silence {
	out := make([]encode.Silence, len(s))
	for i, x := range s {
		out[i] = encode.Silence{Start: x.Start, End: x.End}
	}
	return out
}

// finite is v, or nil for ffmpeg's -inf.
func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// processingNote explains why a stream copy is impossible.
func processingNote(a AudioProcessing) string {
	var what []string
	if a.Loudness != 0 {
		what = append(what, "loudness normalisation")
	}
	if a.TrimSilence > 0 {
		what = append(what, "silence trimming")
	}
	verb := " needs"
	if len(what) > 1 {
		verb = " need"
	}
	return strings.Join(what, " and ") + verb + " re-encoding"
}
