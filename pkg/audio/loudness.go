package audio

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// LoudnormStats is the JSON block ffmpeg's loudnorm filter prints when it
// finishes (print_format=json). The input_* figures measure what went in;
// the output_* ones what came out of this pass. Silent audio gives -Inf
// loudness and peaks and a +Inf offset.
type LoudnormStats struct {
	InputI, InputTP, InputLRA, InputThresh     float64
	OutputI, OutputTP, OutputLRA, OutputThresh float64
	// NormalizationType is "dynamic" or "linear": the mode the pass ran in.
	NormalizationType string
	TargetOffset      float64
}

// ParseLoudnorm finds the last loudnorm JSON block in ffmpeg's stderr text:
//
//	[Parsed_loudnorm_1 @ 0x55ed] [info]
//	{
//		"input_i" : "-28.01",
//		...
//		"target_offset" : "0.10"
//	}
//
// The input figures and target_offset must be there; the output figures
// and the type are read when present.
func ParseLoudnorm(text string) (LoudnormStats, error) {
	at := strings.LastIndex(text, `"input_i"`)
	if at < 0 {
		return LoudnormStats{}, errors.New("no loudnorm report in ffmpeg's output")
	}
	open := strings.LastIndex(text[:at], "{")
	end := strings.Index(text[at:], "}")
	if open < 0 || end < 0 {
		return LoudnormStats{}, errors.New("loudnorm report cut short")
	}
	var fields map[string]string
	if err := json.Unmarshal([]byte(text[open:at+end+1]), &fields); err != nil {
		return LoudnormStats{}, fmt.Errorf("loudnorm report: %v", err)
	}
	var st LoudnormStats
	var missing []string
	for _, f := range []struct {
		key      string
		dst      *float64
		required bool
	}{
		{"input_i", &st.InputI, true}, {"input_tp", &st.InputTP, true},
		{"input_lra", &st.InputLRA, true}, {"input_thresh", &st.InputThresh, true},
		{"target_offset", &st.TargetOffset, true},
		{"output_i", &st.OutputI, false}, {"output_tp", &st.OutputTP, false},
		{"output_lra", &st.OutputLRA, false}, {"output_thresh", &st.OutputThresh, false},
	} {
		v, ok := fields[f.key]
		if !ok {
			if f.required {
				missing = append(missing, f.key)
			}
			continue
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(x) {
			return LoudnormStats{}, fmt.Errorf("loudnorm report: %s is %q, not a number", f.key, v)
		}
		*f.dst = x
	}
	if len(missing) > 0 {
		return LoudnormStats{}, fmt.Errorf("loudnorm report lacks %s", strings.Join(missing, ", "))
	}
	st.NormalizationType = fields["normalization_type"]
	return st, nil
}

// Loudness is an input's EBU R128 measurement by loudnorm's first pass.
type Loudness struct {
	// I is the integrated loudness in LUFS.
	I float64 `json:"integrated"`
	// TP is the true peak in dBTP.
	TP float64 `json:"true_peak"`
	// LRA is the loudness range in LU.
	LRA float64 `json:"lra"`
	// Thresh is the relative gate in LUFS.
	Thresh float64 `json:"threshold"`
	// TargetOffset is the offset loudnorm proposes for its second pass, LU.
	TargetOffset float64 `json:"target_offset"`
}

// Loudness returns the input figures, or nil when the audio is too quiet
// to measure (every block under the -70 LUFS absolute gate, which loudnorm
// reports as -inf) — there is nothing to normalise then.
func (st LoudnormStats) Loudness() *Loudness {
	for _, v := range []float64{st.InputI, st.InputTP, st.InputLRA, st.InputThresh, st.TargetOffset} {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil
		}
	}
	if st.InputI < -70 {
		return nil
	}
	return &Loudness{I: st.InputI, TP: st.InputTP, LRA: st.InputLRA, Thresh: st.InputThresh, TargetOffset: st.TargetOffset}
}

// Target is what normalisation aims for.
type Target struct {
	// I is the integrated loudness in LUFS, -70 to -5. It defaults to
	// DefaultLoudness (-14).
	I float64 `json:"integrated"`
	// TP is the true-peak ceiling in dBTP, -9 to 0. It defaults to
	// DefaultTruePeak (-1); 0 dBTP cannot be asked for (it reads as the
	// default), -0.1 can.
	TP float64 `json:"true_peak"`
	// LRA is the loudness range in LU, 1 to 20, that dynamic normalisation
	// compresses to. It defaults to DefaultLRA (11). Linear normalisation
	// keeps the source's range whatever this says.
	LRA float64 `json:"lra"`
}

// The defaults of Target.
const (
	DefaultLoudness = -14.0
	DefaultTruePeak = -1.0
	DefaultLRA      = 11.0
)

// maxLRA is the largest LRA target ffmpeg 5.1's loudnorm accepts.
const maxLRA = 20.0

// WithDefaults fills the zero fields.
func (t Target) WithDefaults() Target {
	if t.I == 0 {
		t.I = DefaultLoudness
	}
	if t.TP == 0 {
		t.TP = DefaultTruePeak
	}
	if t.LRA == 0 {
		t.LRA = DefaultLRA
	}
	return t
}

// Check says whether loudnorm accepts the target (after defaults).
func (t Target) Check() error {
	t = t.WithDefaults()
	switch {
	case !(t.I >= -70 && t.I <= -5):
		return fmt.Errorf("loudness target %v LUFS out of range (-70 to -5)", t.I)
	case !(t.TP >= -9 && t.TP <= 0):
		return fmt.Errorf("true-peak limit %v dBTP out of range (-9 to 0)", t.TP)
	case !(t.LRA >= 1 && t.LRA <= maxLRA):
		return fmt.Errorf("loudness range target %v LU out of range (1 to %v)", t.LRA, maxLRA)
	}
	return nil
}

// Normalization is the second loudnorm pass for one measured input.
type Normalization struct {
	// Filter is the loudnorm filter to apply ("loudnorm=I=-14:TP=-1:...").
	Filter string `json:"filter"`
	// Linear is set when the pass applies one constant gain (the source's
	// dynamics kept); otherwise loudnorm runs in dynamic mode, with its
	// limiter.
	Linear bool `json:"linear"`
	// Gain is the constant gain of linear mode in dB.
	Gain float64 `json:"gain"`
	// Note says in a sentence what will happen and, for dynamic mode, why.
	Note string `json:"note"`
}

// Mode is "linear" or "dynamic".
func (n Normalization) Mode() string {
	if n.Linear {
		return "linear"
	}
	return "dynamic"
}

// Normalize builds the second-pass loudnorm filter that brings the measured
// input to target. It is linear — one gain of target.I - measured.I —
// unless that gain would push the true peak over target.TP; then it is
// dynamic, and Note says so. The decision is loudnorm's own (ffmpeg drops
// to dynamic mode by itself when linear is impossible); Normalize predicts
// it from the same figures so veza can report it before encoding.
//
// ffmpeg also refuses linear mode when the measured loudness range exceeds
// the target's, and when it is 0.00 (which it reads as "not measured"). A
// range plays no part in a constant gain, so for linear mode Normalize
// raises the LRA option to the measured range (0.01 for a steady tone's
// 0.00, below the printed precision). Only a range over 20 LU, loudnorm's
// ceiling, still forces dynamic mode.
func Normalize(target Target, m *Loudness) (Normalization, error) {
	if err := target.Check(); err != nil {
		return Normalization{}, err
	}
	if m == nil {
		return Normalization{}, errors.New("nothing to normalise: the audio is silent (below -70 LUFS)")
	}
	t := target.WithDefaults()
	// The figures as loudnorm will read them from the filter's options, and
	// its own arithmetic on them, so the prediction cannot differ from what
	// ffmpeg decides.
	mI, mTP, mThresh := round2(m.I), round2(m.TP), round2(m.Thresh)
	mLRA := round2(m.LRA)
	if mLRA <= 0 {
		mLRA = 0.01
	}
	gain := t.I - mI
	peak := mTP + gain
	n := Normalization{Gain: round2(gain)}
	lra := t.LRA
	switch {
	case peak > t.TP:
		n.Note = fmt.Sprintf("dynamic normalisation: a linear gain of %+.2f dB would put the true peak at %.2f dBTP, over the %.2f dBTP limit",
			gain, peak, t.TP)
	case mLRA > maxLRA:
		n.Note = fmt.Sprintf("dynamic normalisation: the loudness range of %.2f LU is over the %.0f LU loudnorm can keep in linear mode",
			mLRA, maxLRA)
	case mThresh == -70:
		// loudnorm reads a -70 threshold as "not measured".
		n.Note = "dynamic normalisation: the measured gate threshold is -70 LUFS, which loudnorm takes for no measurement"
	default:
		n.Linear = true
		lra = max(lra, mLRA)
		n.Note = fmt.Sprintf("linear normalisation: %+.2f dB, true peak %.2f dBTP (limit %.2f)", gain, peak, t.TP)
	}
	n.Filter = fmt.Sprintf("loudnorm=I=%s:TP=%s:LRA=%s:measured_I=%s:measured_TP=%s:measured_LRA=%s:measured_thresh=%s:offset=%s:linear=%t",
		num2(t.I), num2(t.TP), num2(lra), num2(mI), num2(mTP), num2(mLRA), num2(mThresh), num2(m.TargetOffset), n.Linear)
	return n, nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// num2 formats a figure with at most two decimals, as loudnorm prints them.
func num2(v float64) string {
	return strconv.FormatFloat(round2(v), 'f', -1, 64)
}

// R128Summary is the summary ffmpeg's ebur128 filter prints at the end:
//
//	[Parsed_ebur128_0 @ 0x55e2] [info] Summary:
//
//	  Integrated loudness:
//	    I:         -14.0 LUFS
//	    Threshold: -24.1 LUFS
//
//	  Loudness range:
//	    LRA:         0.0 LU
//	    Threshold:   0.0 LUFS
//	    LRA low:     0.0 LUFS
//	    LRA high:    0.0 LUFS
//
//	  True peak:
//	    Peak:       -9.3 dBFS
//
// Values ffmpeg prints as "-inf" (silence) are -Inf.
type R128Summary struct {
	I, Threshold               float64
	LRA, LRALow, LRAHigh       float64
	LRAThreshold               float64
	Peak                       float64
	HasTruePeak, HasSamplePeak bool
}

// ParseR128Summary reads the last ebur128 summary in ffmpeg's stderr text.
// The integrated loudness must be there; the range and the peak are read
// when present (the peak only with ebur128's peak option).
func ParseR128Summary(text string) (R128Summary, error) {
	at := strings.LastIndex(text, "Summary:")
	if at < 0 {
		return R128Summary{}, errors.New("no ebur128 summary in ffmpeg's output")
	}
	s := R128Summary{}
	section := ""
	hasI := false
	for _, line := range strings.Split(text[at+len("Summary:"):], "\n") {
		line = strings.TrimSpace(strings.TrimRight(line, "\r"))
		if line == "" {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, "[") {
			break // the next log message: the summary is over
		}
		key = strings.TrimSpace(key)
		if strings.TrimSpace(val) == "" {
			section = key // "Integrated loudness", "Loudness range", "True peak"
			continue
		}
		f := strings.Fields(val)
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || math.IsNaN(v) {
			// The summary is over: another message follows it.
			break
		}
		switch {
		case section == "Integrated loudness" && key == "I":
			s.I, hasI = v, true
		case section == "Integrated loudness" && key == "Threshold":
			s.Threshold = v
		case section == "Loudness range" && key == "LRA":
			s.LRA = v
		case section == "Loudness range" && key == "Threshold":
			s.LRAThreshold = v
		case section == "Loudness range" && key == "LRA low":
			s.LRALow = v
		case section == "Loudness range" && key == "LRA high":
			s.LRAHigh = v
		case section == "True peak" && key == "Peak":
			s.Peak, s.HasTruePeak = v, true
		case section == "Sample peak" && key == "Peak":
			if !s.HasTruePeak {
				s.Peak = v
			}
			s.HasSamplePeak = true
		}
	}
	if !hasI {
		return R128Summary{}, errors.New("ebur128 summary without an integrated loudness")
	}
	return s, nil
}
