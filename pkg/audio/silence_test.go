package audio

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/encode"
)

var silenceLineCases = []struct {
	in   string
	want SilenceMark
	ok   bool
}{
	{"[silencedetect @ 0x55c535bb9f00] [info] silence_start: 5.99999", SilenceMark{Time: 5.99999}, true},
	{"[silencedetect @ 0x55c535bb9f00] [info] silence_end: 11 | silence_duration: 5.00001",
		SilenceMark{End: true, Time: 11, Duration: 5.00001}, true},
	// Glued behind a stats line (when the reader does not split on '\r').
	{"[info] size=N/A time=00:00:00.00 bitrate=N/A speed=N/A    [silencedetect @ 0x5] [info] silence_start: 3.99998",
		SilenceMark{Time: 3.99998}, true},
	// Without level tags, and the forms of other versions.
	{"[silencedetect @ 0x1] silence_start: -0.0213", SilenceMark{Time: -0.0213}, true},
	{"[silencedetect @ 0x1] silence_end: 8", SilenceMark{End: true, Time: 8}, true},
	{"[silencedetect @ 0x1] silence_end: 8 | silence_duration: x", SilenceMark{End: true, Time: 8}, true},
	{"silence_start: 1e2", SilenceMark{Time: 100}, true},
	{"silence_start: inf", SilenceMark{}, false},
	{"silence_start: NaN", SilenceMark{}, false},
	{"silence_start:", SilenceMark{}, false},
	{"silence_end: soon | silence_duration: 1", SilenceMark{}, false},
	{"[info] size=N/A time=00:00:17.00 bitrate=N/A speed=41x", SilenceMark{}, false},
	{"", SilenceMark{}, false},
}

func TestParseSilenceLine(t *testing.T) {
	for _, tc := range silenceLineCases {
		got, ok := ParseSilenceLine(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseSilenceLine(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSilenceCollector(t *testing.T) {
	for _, tc := range []struct {
		name     string
		marks    []SilenceMark
		duration float64
		want     []Silence
	}{
		{"pairs", []SilenceMark{{Time: 6}, {End: true, Time: 11, Duration: 5}, {Time: 20}, {End: true, Time: 24, Duration: 4}}, 30,
			[]Silence{{6, 11}, {20, 24}}},
		{"negative start clamps to 0", []SilenceMark{{Time: -0.02}, {End: true, Time: 4}}, 10, []Silence{{0, 4}}},
		{"end without start uses the duration", []SilenceMark{{End: true, Time: 9, Duration: 4}}, 10, []Silence{{5, 9}}},
		{"end without anything is dropped", []SilenceMark{{End: true, Time: 9}}, 10, nil},
		{"second start ignored", []SilenceMark{{Time: 2}, {Time: 3}, {End: true, Time: 8}}, 10, []Silence{{2, 8}}},
		{"open at the end closes at the duration", []SilenceMark{{Time: 7}}, 12.5, []Silence{{7, 12.5}}},
		{"open with unknown duration is dropped", []SilenceMark{{Time: 7}}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c silenceCollector
			for _, m := range tc.marks {
				c.add(m)
			}
			if got := c.finish(tc.duration); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPassReaderTranscript replays ffmpeg 5.1's stderr for the analysis of
// a 17 s tone with a 5 s gap through the line splitter veza reads with.
func TestPassReaderTranscript(t *testing.T) {
	var pr passReader
	if err := encode.ReadLines(strings.NewReader(transcript(t, "ffmpeg-5.1-analyze.txt")), pr.line); err != nil {
		t.Fatal(err)
	}
	sil, dur := pr.finish()
	if want := []Silence{{5.99982, 11.0001}}; !reflect.DeepEqual(sil, want) || dur != 17 {
		t.Errorf("silences %v over %v s, want %v over 17 s", sil, dur, want)
	}
}

var inf = math.Inf(1)

func TestKeepIntervals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		silences []Silence
		cfg      TrimConfig
		want     []Interval
	}{
		{"nothing cut", []Silence{{6, 8}}, TrimConfig{}, nil},
		{"no silences", nil, TrimConfig{}, nil},
		{"one gap, defaults", []Silence{{6, 11}}, TrimConfig{Duration: 17}, []Interval{{0, 6.25}, {10.75, inf}}},
		// silencedetect's 5.99982 is 6 within rounding; on a 25 fps grid
		// the cuts move to whole frames.
		{"frame grid", []Silence{{5.99982, 11.0001}}, TrimConfig{Duration: 17, FrameRate: 25}, []Interval{{0, 6.24}, {10.76, inf}}},
		{"min is inclusive within rounding", []Silence{{6, 8.995}}, TrimConfig{Duration: 17}, []Interval{{0, 6.25}, {8.745, inf}}},
		{"leading silence keeps the pad before the content", []Silence{{0, 5}}, TrimConfig{Duration: 17}, []Interval{{4.5, inf}}},
		{"trailing silence keeps the pad after the content", []Silence{{12, 17}}, TrimConfig{Duration: 17}, []Interval{{0, 12.5}}},
		{"trailing with unknown duration keeps half", []Silence{{12, 17}}, TrimConfig{}, []Interval{{0, 12.25}, {16.75, inf}}},
		{"all silence keeps the pad", []Silence{{0, 17}}, TrimConfig{Duration: 17}, []Interval{{0, 0.5}}},
		{"custom min and pad", []Silence{{2, 3.5}, {10, 20}}, TrimConfig{Min: 1, Pad: 1, Duration: 30},
			[]Interval{{0, 2.5}, {3, 10.5}, {19.5, inf}}},
		{"no pad", []Silence{{6, 11}}, TrimConfig{Pad: -1, Duration: 17}, []Interval{{0, 6}, {11, inf}}},
		// A click of 50 ms between two silences is not worth a piece of its own.
		{"click between silences", []Silence{{6, 11}, {11.05, 20}}, TrimConfig{Pad: -1, Duration: 30},
			[]Interval{{0, 6}, {20, inf}}},
		// Overlapping reports act as their union, 6-15.
		{"overlapping reports", []Silence{{6, 11}, {9, 15}}, TrimConfig{Duration: 30}, []Interval{{0, 6.25}, {14.75, inf}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := KeepIntervals(tc.silences, tc.cfg)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i].Start-tc.want[i].Start) > 1e-9 || !(got[i].End == tc.want[i].End || math.Abs(got[i].End-tc.want[i].End) < 1e-9) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestKeptDuration(t *testing.T) {
	keep := []Interval{{0, 6.25}, {10.75, inf}}
	if d := KeptDuration(keep, 17); math.Abs(d-12.5) > 1e-9 {
		t.Errorf("kept %v, want 12.5", d)
	}
	if d := KeptDuration(nil, 17); d != 17 {
		t.Errorf("nothing cut: %v", d)
	}
}

func TestTrimGraph(t *testing.T) {
	keep := []Interval{{0, 6.24}, {10.76, inf}}
	for _, tc := range []struct {
		name, vin, ain, vout, aout string
		keep                       []Interval
		want                       string
	}{
		{"audio", "", "[0:a:0]", "", "[acut]", keep,
			"[0:a:0]asplit=2[as0][as1];[as0]atrim=start=0:end=6.24,asetpts=PTS-0/TB[ac0];" +
				"[as1]atrim=start=10.76,asetpts=PTS-10.76/TB[ac1];[ac0][ac1]concat=n=2:v=0:a=1[acut]"},
		{"video and audio", "[vpre]", "[0:a:0]", "[vcut]", "[acut]", keep,
			"[vpre]split=2[vs0][vs1];[vs0]trim=start=0:end=6.24,setpts=PTS-0/TB[vc0];" +
				"[vs1]trim=start=10.76,setpts=PTS-10.76/TB[vc1];" +
				"[0:a:0]asplit=2[as0][as1];[as0]atrim=start=0:end=6.24,asetpts=PTS-0/TB[ac0];" +
				"[as1]atrim=start=10.76,asetpts=PTS-10.76/TB[ac1];" +
				"[vc0][ac0][vc1][ac1]concat=n=2:v=1:a=1[vcut][acut]"},
		{"video only, one piece", "[0:v:0]", "", "[v]", "", []Interval{{4.5, inf}},
			"[0:v:0]null[vs0];[vs0]trim=start=4.5,setpts=PTS-4.5/TB[vc0];[vc0]concat=n=1:v=1:a=0[v]"},
		{"nothing to cut", "[0:v:0]", "[0:a:0]", "[v]", "[a]", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TrimGraph(tc.keep, tc.vin, tc.ain, tc.vout, tc.aout); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestNum(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 6.24: "6.24", 10.76: "10.76", 1e-7: "0", -0.0000001: "0", 1234567.5: "1234567.5", 1.0000005: "1.000001"} {
		if got := num(in); got != want {
			t.Errorf("num(%v) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseSilenceLine(f *testing.F) {
	for _, tc := range silenceLineCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, line string) {
		m, ok := ParseSilenceLine(line)
		if !ok {
			return
		}
		if math.IsNaN(m.Time) || math.IsInf(m.Time, 0) || math.IsNaN(m.Duration) || math.IsInf(m.Duration, 0) {
			t.Errorf("%+v from %q", m, line)
		}
		var c silenceCollector
		c.add(m)
		for _, s := range c.finish(m.Time + 1) {
			if s.Start < 0 || s.End <= s.Start {
				t.Errorf("silence %+v from %q", s, line)
			}
		}
	})
}

// FuzzKeepIntervals checks the cuts for any set of silences: the kept
// stretches are in order, apart, never shorter than minKept, and never
// longer in total than the input.
func FuzzKeepIntervals(f *testing.F) {
	f.Add(6.0, 11.0, 20.0, 24.0, 30.0, 0.5, 25.0)
	f.Add(0.0, 5.0, 12.0, 17.0, 17.0, 0.0, 0.0)
	f.Add(0.0, 17.0, 0.0, 0.0, 17.0, 1.0, 30.0)
	f.Fuzz(func(t *testing.T, s1, e1, s2, e2, dur, pad, fps float64) {
		for _, v := range []float64{s1, e1, s2, e2, dur, pad, fps} {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
				return
			}
		}
		var sc silenceCollector
		for _, m := range []SilenceMark{{Time: s1}, {End: true, Time: e1}, {Time: s2}, {End: true, Time: e2}} {
			sc.add(m)
		}
		keep := KeepIntervals(sc.finish(dur), TrimConfig{Pad: pad, Duration: dur, FrameRate: max(fps, 0)})
		prev := math.Inf(-1)
		for i, iv := range keep {
			if iv.Start < prev || iv.End <= iv.Start || iv.Duration() < minKept-1e-9 || (math.IsInf(iv.End, 1) && i != len(keep)-1) {
				t.Fatalf("bad intervals %v", keep)
			}
			prev = iv.End
		}
		if dur > 0 && KeptDuration(keep, dur) > dur+1e-6 {
			t.Fatalf("kept %v of %v: %v", KeptDuration(keep, dur), dur, keep)
		}
		_ = TrimGraph(keep, "[v]", "[a]", "[vo]", "[ao]")
	})
}
