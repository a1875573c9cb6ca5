package dash

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/dash -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		secs float64
		out  string // "" when it does not parse
	}{
		{"PT4.96S", 4.96, "PT4.96S"},
		{"PT0S", 0, "PT0S"},
		{"PT1H2M3.5S", 3723.5, "PT1H2M3.5S"},
		{"PT2M", 120, "PT2M"},
		{"P1DT1S", 86401, "PT24H1S"},
		{"PT1.0004S", 1.0004, "PT1S"},
		{"P", 0, ""},
		{"PT", 0, ""},
		{"4.96", 0, ""},
		{"PT4.96", 0, ""},
		{"P1Y", 0, ""},
		{"PTT1S", 0, ""},
		{"PT1S2H", 0, ""},
		{"PT1H1H", 0, ""},
		{"P1H", 0, ""},
		{"PT.S", 0, ""},
	} {
		got, err := ParseDuration(tc.in)
		if tc.out == "" {
			if err == nil {
				t.Errorf("ParseDuration(%q) = %g, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.secs {
			t.Errorf("ParseDuration(%q) = %g, %v; want %g", tc.in, got, err, tc.secs)
			continue
		}
		if s := Duration(got).String(); s != tc.out {
			t.Errorf("Duration(%g).String() = %q, want %q", got, s, tc.out)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT4.96S", "PT1H2M3.5S", "P1DT1S", "PT", "P1Y", "PT1.S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil || d < 0 || d > 1e12 {
			return
		}
		// What veza writes reads back to the same millisecond.
		back, err := ParseDuration(Duration(d).String())
		if err != nil {
			t.Fatalf("%q -> %g -> %q does not parse: %v", s, d, Duration(d).String(), err)
		}
		if diff := back - d; diff > 0.0005+d*1e-12 || diff < -0.0005-d*1e-12 {
			t.Fatalf("%q -> %g -> %g", s, d, back)
		}
	})
}

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		tmpl  string
		media bool
		want  string // "" for an error
	}{
		{"$RepresentationID$/seg_$Number%05d$.m4s", true, "720p/seg_00042.m4s"},
		{"$RepresentationID$/seg_$Number$.m4s", true, "720p/seg_42.m4s"},
		{"t_$Time$_$Bandwidth$.m4s", true, "t_9000_2800000.m4s"},
		{"cost$$.m4s", true, "cost$.m4s"},
		{"$RepresentationID$/init.mp4", false, "720p/init.mp4"},
		{"$Number%5d$.m4s", true, "00042.m4s"},
		{"$Number$/init.mp4", false, ""},
		{"$Nope$.m4s", true, ""},
		{"$Number.m4s", true, ""},
		{"$Number%05x$.m4s", true, ""},
		{"$RepresentationID%05d$", true, ""},
	} {
		got, err := expand(tc.tmpl, "720p", 2800000, 42, 9000, tc.media)
		if tc.want == "" {
			if err == nil {
				t.Errorf("expand(%q) = %q, want an error", tc.tmpl, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tc.tmpl, got, err, tc.want)
		}
	}
}

func u64(v uint64) *uint64 { return &v }

func TestSegments(t *testing.T) {
	tl := &SegmentTemplate{Timescale: 1000, Media: "s$Number$.m4s", StartNumber: u64(0), Timeline: &SegmentTimeline{S: []S{
		{T: u64(100), D: 4000, R: 1}, {D: 1500}, {T: u64(20000), D: 10},
	}}}
	segs, err := tl.Segments("a", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Segment{{0, 100, 4000, "s0.m4s"}, {1, 4100, 4000, "s1.m4s"}, {2, 8100, 1500, "s2.m4s"}, {3, 20000, 10, "s3.m4s"}}
	if len(segs) != len(want) {
		t.Fatalf("got %d segments, want %d: %+v", len(segs), len(want), segs)
	}
	for i := range want {
		if segs[i] != want[i] {
			t.Errorf("segment %d = %+v, want %+v", i, segs[i], want[i])
		}
	}
	// A constant duration: the last segment is cut at the presentation end.
	cd := &SegmentTemplate{Timescale: 10, Media: "$Number$", Duration: 40}
	segs, err = cd.Segments("a", 1, 9.5)
	if err != nil || len(segs) != 3 || segs[0].Number != 1 || segs[2].Duration != 15 {
		t.Errorf("constant duration: %+v, %v", segs, err)
	}
	for name, bad := range map[string]*SegmentTemplate{
		"no media":     {Timescale: 1, Duration: 1},
		"no timing":    {Media: "x"},
		"d=0":          {Media: "x", Timeline: &SegmentTimeline{S: []S{{D: 0}}}},
		"r=-1":         {Media: "x", Timeline: &SegmentTimeline{S: []S{{D: 1, R: -1}}}},
		"huge r":       {Media: "x", Timeline: &SegmentTimeline{S: []S{{D: 1, R: 2_000_000_000}}}},
		"huge count":   {Media: "x", Duration: 1, Timescale: 1},
		"bad template": {Media: "$x$", Duration: 1},
	} {
		total := 10.0
		if name == "huge count" {
			total = 1e9
		}
		if _, err := bad.Segments("a", 1, total); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// sample is a small MPD like the ones Build writes.
func sample() *MPD {
	return &MPD{Profiles: ProfileLive, Type: "static", MediaPresentationDuration: 5, MinBufferTime: 2,
		Periods: []Period{{ID: "0", AdaptationSets: []AdaptationSet{{
			ID: "0", ContentType: "video", MimeType: "video/mp4", SegmentAlignment: true, StartWithSAP: 1, MaxWidth: 320, MaxHeight: 240, MaxFrameRate: "25",
			Representations: []Representation{{ID: "240p", Bandwidth: 364000, Codecs: "avc1.64000d,mp4a.40.2", Width: 320, Height: 240, FrameRate: "25",
				SegmentTemplate: &SegmentTemplate{Timescale: 12800, Initialization: "240p/init.mp4", Media: "240p/seg_$Number%05d$.m4s", StartNumber: u64(0),
					Timeline: &SegmentTimeline{S: []S{{T: u64(0), D: 51200}, {D: 12800}}}}}},
		}}}}}
}

func TestEncodeGolden(t *testing.T) {
	b, err := sample().Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sample.mpd", b)
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.Encode()
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("parse + encode changed the MPD (%v):\n%s", err, again)
	}
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not xml":      "#EXTM3U\n",
		"wrong root":   `<?xml version="1.0"?><html/>`,
		"bad duration": `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" mediaPresentationDuration="5s"/>`,
		"wrong ns":     `<MPD xmlns="urn:other"/>`,
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	b, _ := sample().Encode()
	f.Add(b)
	f.Add([]byte(`<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"><Period><AdaptationSet><Representation id="a"/></AdaptationSet></Period></MPD>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		out, err := m.Encode()
		if err != nil {
			return
		}
		if _, err := Parse(out); err != nil && !strings.Contains(err.Error(), "duration") {
			t.Fatalf("veza's own encoding does not parse: %v\n%s", err, out)
		}
		for _, p := range m.Periods {
			for _, as := range p.AdaptationSets {
				for _, r := range as.Representations {
					if tm := as.Template(&r); tm != nil {
						_, _ = tm.Segments(r.ID, r.Bandwidth, float64(m.MediaPresentationDuration))
					}
				}
			}
		}
	})
}
