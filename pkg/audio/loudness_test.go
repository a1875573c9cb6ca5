package audio

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func transcript(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "loudness", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const loudnormBlock = `[Parsed_loudnorm_1 @ 0x55ed054a3740] [info] 
{
	"input_i" : "-28.01",
	"input_tp" : "-27.09",
	"input_lra" : "4.70",
	"input_thresh" : "-38.12",
	"output_i" : "-24.10",
	"output_tp" : "-23.08",
	"output_lra" : "4.70",
	"output_thresh" : "-34.20",
	"normalization_type" : "dynamic",
	"target_offset" : "0.10"
}
`

var loudnormCases = []struct {
	name, in string
	want     LoudnormStats
	err      string
}{
	{"block", loudnormBlock, LoudnormStats{InputI: -28.01, InputTP: -27.09, InputLRA: 4.7, InputThresh: -38.12,
		OutputI: -24.1, OutputTP: -23.08, OutputLRA: 4.7, OutputThresh: -34.2, NormalizationType: "dynamic", TargetOffset: 0.1}, ""},
	// Two blocks (two loudnorm filters, or a log replayed): the last wins.
	{"last block", strings.Replace(loudnormBlock, "-28.01", "-30.00", 1) + loudnormBlock,
		LoudnormStats{InputI: -28.01, InputTP: -27.09, InputLRA: 4.7, InputThresh: -38.12,
			OutputI: -24.1, OutputTP: -23.08, OutputLRA: 4.7, OutputThresh: -34.2, NormalizationType: "dynamic", TargetOffset: 0.1}, ""},
	{"only input figures", `{"input_i":"-20","input_tp":"-3.5","input_lra":"0.00","input_thresh":"-30","target_offset":"0"}`,
		LoudnormStats{InputI: -20, InputTP: -3.5, InputThresh: -30}, ""},
	{"silent", `{"input_i":"-inf","input_tp":"-inf","input_lra":"0.00","input_thresh":"-70.00","target_offset":"inf"}`,
		LoudnormStats{InputI: math.Inf(-1), InputTP: math.Inf(-1), InputThresh: -70, TargetOffset: math.Inf(1)}, ""},
	{"nothing", "[info] size=N/A time=00:00:17.00\n", LoudnormStats{}, "no loudnorm report"},
	{"cut short", "{\n\t\"input_i\" : \"-28.01\",\n\t\"input_tp\" :", LoudnormStats{}, "cut short"},
	{"no brace", `"input_i" : "-28.01"}`, LoudnormStats{}, "cut short"},
	{"not json", "{\n\t\"input_i\" : -28.01 oops\n}", LoudnormStats{}, "loudnorm report:"},
	{"not a number", `{"input_i":"loud","input_tp":"-1","input_lra":"1","input_thresh":"-30","target_offset":"0"}`,
		LoudnormStats{}, `input_i is "loud", not a number`},
	{"nan", `{"input_i":"nan","input_tp":"-1","input_lra":"1","input_thresh":"-30","target_offset":"0"}`,
		LoudnormStats{}, "not a number"},
	{"missing", `{"input_i":"-20","input_tp":"-1"}`, LoudnormStats{}, "lacks input_lra, input_thresh, target_offset"},
}

func TestParseLoudnorm(t *testing.T) {
	for _, tc := range loudnormCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLoudnorm(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestParseLoudnormTranscripts reads what ffmpeg 5.1 really printed for the
// analysis pass (silencedetect then loudnorm) of a quiet tone with a gap,
// and of pure silence.
func TestParseLoudnormTranscripts(t *testing.T) {
	st, err := ParseLoudnorm(transcript(t, "ffmpeg-5.1-analyze.txt"))
	if err != nil {
		t.Fatal(err)
	}
	l := st.Loudness()
	want := Loudness{I: -47.82, TP: -44.06, LRA: 4.8, Thresh: -57.82, TargetOffset: -0.07}
	if l == nil || *l != want {
		t.Errorf("loudness = %+v, want %+v", l, want)
	}
	st, err = ParseLoudnorm(transcript(t, "ffmpeg-5.1-analyze-silent.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if l := st.Loudness(); l != nil || !math.IsInf(st.InputI, -1) {
		t.Errorf("silence: loudness %+v from %+v, want nil", l, st)
	}
}

func TestLoudnessOfQuietAudio(t *testing.T) {
	st := LoudnormStats{InputI: -75, InputTP: -60, InputLRA: 0, InputThresh: -85}
	if l := st.Loudness(); l != nil {
		t.Errorf("under the absolute gate: %+v, want nil", l)
	}
}

func TestNormalize(t *testing.T) {
	quiet := &Loudness{I: -26.02, TP: -22.31, LRA: 4.8, Thresh: -36.1, TargetOffset: -0.07}
	for _, tc := range []struct {
		name    string
		target  Target
		m       *Loudness
		linear  bool
		filter  string
		note    string
		errText string
	}{
		{"quiet source, defaults", Target{}, quiet, true,
			"loudnorm=I=-14:TP=-1:LRA=11:measured_I=-26.02:measured_TP=-22.31:measured_LRA=4.8:measured_thresh=-36.1:offset=-0.07:linear=true",
			"linear normalisation: +12.02 dB, true peak -10.29 dBTP (limit -1.00)", ""},
		// -14 - -20 = +6 dB on a -6.5 dBTP peak gives -0.5 dBTP: over -1.
		{"peak over the limit", Target{}, &Loudness{I: -20, TP: -6.5, LRA: 5, Thresh: -30, TargetOffset: 0.2}, false,
			"loudnorm=I=-14:TP=-1:LRA=11:measured_I=-20:measured_TP=-6.5:measured_LRA=5:measured_thresh=-30:offset=0.2:linear=false",
			"dynamic normalisation: a linear gain of +6.00 dB would put the true peak at -0.50 dBTP, over the -1.00 dBTP limit", ""},
		// Exactly at the limit is allowed (loudnorm compares with <=).
		{"peak at the limit", Target{}, &Loudness{I: -20, TP: -7, LRA: 5, Thresh: -30}, true,
			"loudnorm=I=-14:TP=-1:LRA=11:measured_I=-20:measured_TP=-7:measured_LRA=5:measured_thresh=-30:offset=0:linear=true", "", ""},
		// A wide source range raises the LRA option so ffmpeg keeps linear mode.
		{"range wider than the target", Target{LRA: 7}, &Loudness{I: -30, TP: -20, LRA: 15.35, Thresh: -40}, true,
			"loudnorm=I=-14:TP=-1:LRA=15.35:measured_I=-30:measured_TP=-20:measured_LRA=15.35:measured_thresh=-40:offset=0:linear=true", "", ""},
		{"range over 20 LU", Target{}, &Loudness{I: -30, TP: -20, LRA: 22, Thresh: -40}, false,
			"loudnorm=I=-14:TP=-1:LRA=11:measured_I=-30:measured_TP=-20:measured_LRA=22:measured_thresh=-40:offset=0:linear=false",
			"loudness range of 22.00 LU is over the 20 LU", ""},
		// A steady tone measures 0.00 LU, which loudnorm takes for "not given".
		{"steady tone", Target{I: -16, TP: -1.5, LRA: 7}, &Loudness{I: -30, TP: -27, LRA: 0, Thresh: -40}, true,
			"loudnorm=I=-16:TP=-1.5:LRA=7:measured_I=-30:measured_TP=-27:measured_LRA=0.01:measured_thresh=-40:offset=0:linear=true", "", ""},
		{"gate at -70", Target{}, &Loudness{I: -60, TP: -50, LRA: 1, Thresh: -70}, false, "", "takes for no measurement", ""},
		// Figures with more decimals are rounded as loudnorm prints them.
		{"rounding", Target{}, &Loudness{I: -26.0249, TP: -22.314, LRA: 4.8, Thresh: -36.1}, true,
			"loudnorm=I=-14:TP=-1:LRA=11:measured_I=-26.02:measured_TP=-22.31:measured_LRA=4.8:measured_thresh=-36.1:offset=0:linear=true", "", ""},
		{"silent", Target{}, nil, false, "", "", "audio is silent"},
		{"target too loud", Target{I: -3}, quiet, false, "", "", "loudness target -3 LUFS out of range"},
		{"peak over 0", Target{TP: 1}, quiet, false, "", "", "true-peak limit 1 dBTP out of range"},
		{"range too wide", Target{LRA: 30}, quiet, false, "", "", "loudness range target 30 LU out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Normalize(tc.target, tc.m)
			if tc.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err = %v, want %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Linear != tc.linear || n.Mode() != map[bool]string{true: "linear", false: "dynamic"}[tc.linear] {
				t.Errorf("linear = %v (%s), want %v: %s", n.Linear, n.Mode(), tc.linear, n.Note)
			}
			if tc.filter != "" && n.Filter != tc.filter {
				t.Errorf("filter\n got %s\nwant %s", n.Filter, tc.filter)
			}
			if !strings.Contains(n.Note, tc.note) {
				t.Errorf("note %q, want %q", n.Note, tc.note)
			}
		})
	}
}

var r128Cases = []struct {
	name, in string
	want     R128Summary
	err      string
}{
	{"summary", `[Parsed_ebur128_0 @ 0x55e2] [info] Summary:

  Integrated loudness:
    I:         -14.0 LUFS
    Threshold: -24.1 LUFS

  Loudness range:
    LRA:         0.8 LU
    Threshold: -34.1 LUFS
    LRA low:   -14.7 LUFS
    LRA high:  -13.8 LUFS

  True peak:
    Peak:       -9.6 dBFS
`, R128Summary{I: -14, Threshold: -24.1, LRA: 0.8, LRAThreshold: -34.1, LRALow: -14.7, LRAHigh: -13.8, Peak: -9.6, HasTruePeak: true}, ""},
	{"no peak, silence, then more log", "Summary:\n\n  Integrated loudness:\n    I:         -inf LUFS\n    Threshold: -70.0 LUFS\n" +
		"\n  Loudness range:\n    LRA:         0.0 LU\n[info] Exiting normally: 5\n    I: 3 LUFS\n",
		R128Summary{I: math.Inf(-1), Threshold: -70}, ""},
	{"sample peak", "Summary:\n  Integrated loudness:\n    I: -20.5 LUFS\n  Sample peak:\n    Peak: -3.2 dBFS\n",
		R128Summary{I: -20.5, Peak: -3.2, HasSamplePeak: true}, ""},
	{"true and sample peak", "Summary:\n  Integrated loudness:\n    I: -20.5 LUFS\n  Sample peak:\n    Peak: -3.2 dBFS\n  True peak:\n    Peak: -2.9 dBFS\n",
		R128Summary{I: -20.5, Peak: -2.9, HasSamplePeak: true, HasTruePeak: true}, ""},
	{"no summary", "[info] t: 0.1 TARGET:-23 LUFS M: -47.6 S: -47.6 I: -47.8 LUFS\n", R128Summary{}, "no ebur128 summary"},
	{"no integrated", "Summary:\n  Loudness range:\n    LRA: 1.0 LU\n", R128Summary{}, "without an integrated loudness"},
	{"nan", "Summary:\n  Integrated loudness:\n    I: nan LUFS\n", R128Summary{}, "without an integrated loudness"},
}

func TestParseR128Summary(t *testing.T) {
	for _, tc := range r128Cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseR128Summary(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	got, err := ParseR128Summary(transcript(t, "ffmpeg-5.1-ebur128.txt"))
	if err != nil || got.I != -14 || got.Peak != -9.6 || !got.HasTruePeak || got.LRA != 0.8 {
		t.Errorf("transcript: %+v, %v", got, err)
	}
}

func FuzzParseLoudnorm(f *testing.F) {
	for _, tc := range loudnormCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, text string) {
		st, err := ParseLoudnorm(text)
		if err != nil {
			return
		}
		if math.IsNaN(st.InputI) || math.IsNaN(st.TargetOffset) {
			t.Errorf("NaN from %q", text)
		}
		if l := st.Loudness(); l != nil {
			if l.I < -70 || math.IsInf(l.TP, 0) || math.IsInf(l.TargetOffset, 0) {
				t.Errorf("unusable loudness %+v accepted from %q", l, text)
			}
			// Whatever was measured, the second pass is a loudnorm filter.
			if n, err := Normalize(Target{}, l); err != nil || !strings.HasPrefix(n.Filter, "loudnorm=I=-14:") {
				t.Errorf("Normalize(%+v) = %+v, %v", l, n, err)
			}
		}
	})
}

func FuzzParseR128Summary(f *testing.F) {
	for _, tc := range r128Cases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseR128Summary(text)
		if err == nil && (math.IsNaN(s.I) || math.IsNaN(s.Peak) || math.IsNaN(s.LRA)) {
			t.Errorf("NaN in %+v from %q", s, text)
		}
	})
}
