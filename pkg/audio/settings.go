package audio

import (
	"fmt"
	"math"
	"strings"
)

// Settings are loudness normalisation and silence trimming as asked for.
// They apply to a source once, before it is encoded, so every output of it
// carries the same sound (and, with video, the same cuts).
type Settings struct {
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
	// to a DefaultSilencePad (0.5 s) pad, in picture and sound. 0 keeps
	// silences.
	TrimSilence float64 `yaml:"trim_silence,omitempty" json:"trim_silence,omitempty"`
	// SilenceThreshold is the level under which sound is silence, in dBFS.
	// It defaults to -50.
	SilenceThreshold float64 `yaml:"silence_threshold,omitempty" json:"silence_threshold,omitempty"`
}

// Active says whether anything is to be done to the sound.
func (s Settings) Active() bool { return s.Loudness != 0 || s.TrimSilence > 0 }

// Override returns s with the non-zero fields of o: command-line settings
// over a file's.
func (s Settings) Override(o Settings) Settings {
	for _, f := range []struct{ dst, src *float64 }{
		{&s.Loudness, &o.Loudness}, {&s.TruePeak, &o.TruePeak}, {&s.LRA, &o.LRA},
		{&s.TrimSilence, &o.TrimSilence}, {&s.SilenceThreshold, &o.SilenceThreshold},
	} {
		if *f.src != 0 {
			*f.dst = *f.src
		}
	}
	return s
}

// Target is the loudness target, defaults filled.
func (s Settings) Target() Target {
	return Target{I: s.Loudness, TP: s.TruePeak, LRA: s.LRA}.WithDefaults()
}

// MinSilence is the shortest silence worth reporting, in seconds: the
// trimming length, or DefaultSilenceMin when nothing is trimmed.
func (s Settings) MinSilence() float64 {
	if s.TrimSilence > 0 {
		return s.TrimSilence
	}
	return DefaultSilenceMin
}

// Validate checks the ranges ffmpeg accepts.
func (s Settings) Validate() error {
	for _, v := range []float64{s.Loudness, s.TruePeak, s.LRA, s.TrimSilence, s.SilenceThreshold} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("loudness and silence settings must be numbers")
		}
	}
	if s.Loudness != 0 || s.TruePeak != 0 || s.LRA != 0 {
		if err := s.Target().Check(); err != nil {
			return err
		}
	}
	switch {
	case s.TrimSilence < 0:
		return fmt.Errorf("trim_silence %v: must be a positive number of seconds", s.TrimSilence)
	case s.SilenceThreshold > 0 || s.SilenceThreshold < -120:
		return fmt.Errorf("silence_threshold %v dB: must be between -120 and 0", s.SilenceThreshold)
	}
	return nil
}

// Fingerprint names the settings that change an encode's bytes; "" when
// inactive, so outputs made without processing keep their fingerprints.
func (s Settings) Fingerprint() string {
	if !s.Active() {
		return ""
	}
	t := s.Target()
	thr := s.SilenceThreshold
	if thr == 0 {
		thr = DefaultSilenceThreshold
	}
	loud := "off"
	if s.Loudness != 0 {
		loud = fmt.Sprintf("%g/%g/%g", t.I, t.TP, t.LRA)
	}
	return fmt.Sprintf("audio:%s:trim=%g@%gdB/pad=%g", loud, s.TrimSilence, thr, DefaultSilencePad)
}

// NeedsEncoding says, in a sentence, why the settings rule out a stream
// copy ("loudness normalisation needs re-encoding"); "" when inactive.
func (s Settings) NeedsEncoding() string {
	var what []string
	if s.Loudness != 0 {
		what = append(what, "loudness normalisation")
	}
	if s.TrimSilence > 0 {
		what = append(what, "silence trimming")
	}
	if len(what) == 0 {
		return ""
	}
	verb := " needs"
	if len(what) > 1 {
		verb = " need"
	}
	return strings.Join(what, " and ") + verb + " re-encoding"
}
