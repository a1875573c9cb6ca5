package dash

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuildMatchesTheFiles(t *testing.T) {
	dir := fixture(t)
	p := buildMPD(t, dir)
	m, err := Parse(mustRead(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != "static" || len(m.Periods) != 1 || len(m.Periods[0].AdaptationSets) != 1 {
		t.Fatalf("MPD layout: %+v", m)
	}
	as := m.Periods[0].AdaptationSets[0]
	if as.ContentType != "video" || as.MaxWidth != 160 || len(as.Representations) != 2 {
		t.Fatalf("AdaptationSet: %+v", as)
	}
	// 5 s at 25 fps in 2 s segments: 2 + 2 + 1 s, in the video timescale.
	st := as.Representations[0].SegmentTemplate
	var secs []float64
	segs, err := st.Segments("a", 1, float64(m.MediaPresentationDuration))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		secs = append(secs, s.Seconds(st.Timescale))
	}
	if !slices.Equal(secs, []float64{2, 2, 1}) || float64(m.MediaPresentationDuration) != 5 {
		t.Errorf("segment durations %v, presentation %v s", secs, float64(m.MediaPresentationDuration))
	}
	if segs[0].URL != "a/seg_00000.m4s" || *st.StartNumber != 0 {
		t.Errorf("first segment %q, start number %d", segs[0].URL, *st.StartNumber)
	}
	// The durations agree with what ffmpeg wrote in the HLS playlist.
	pl := string(mustRead(t, filepath.Join(dir, "a", "index.m3u8")))
	for _, want := range []string{"#EXTINF:2.000000,", "#EXTINF:1.000000,"} {
		if !strings.Contains(pl, want) {
			t.Errorf("HLS playlist lacks %s:\n%s", want, pl)
		}
	}
	if rules, msgs := verifyRules(t, p); len(rules) != 0 {
		t.Errorf("veza's own MPD fails Verify:\n%s", msgs)
	}
	if _, err := Build(dir, nil); err == nil {
		t.Error("Build with no renditions succeeded")
	}
	bad := renditions()
	bad[1].Segments = 4
	if _, err := Build(dir, bad); err == nil || !strings.Contains(err.Error(), "seg_00003.m4s") {
		t.Errorf("Build with a missing segment: %v", err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyDamage breaks the MPD or its files one way at a time and
// expects the rule that catches it.
func TestVerifyDamage(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule string
		harm func(t *testing.T, dir, mpd string)
	}{
		{"missing segment", RuleD2, func(t *testing.T, dir, _ string) { os.Remove(filepath.Join(dir, "b", "seg_00001.m4s")) }},
		{"empty init", RuleD2, func(t *testing.T, dir, _ string) { os.WriteFile(filepath.Join(dir, "a", "init.mp4"), nil, 0o644) }},
		{"duration off by a second", RuleD3, func(t *testing.T, _, mpd string) { edit(t, mpd, `<S d="12800"/>`, `<S d="14000"/>`, 1) }},
		{"presentation too long", RuleD4, func(t *testing.T, _, mpd string) {
			edit(t, mpd, `mediaPresentationDuration="PT5S"`, `mediaPresentationDuration="PT6S"`, 1)
		}},
		{"codecs lie", RuleD5, func(t *testing.T, _, mpd string) {
			edit(t, mpd, `codecs="avc1.42c00c,mp4a.40.2"`, `codecs="hvc1.1.6.L93.B0,mp4a.40.2"`, 1)
		}},
		{"codecs miss audio", RuleD5, func(t *testing.T, _, mpd string) {
			edit(t, mpd, `codecs="avc1.42c00c,mp4a.40.2"`, `codecs="avc1.42c00c"`, 1)
		}},
		{"segment not fMP4", RuleD3, func(t *testing.T, dir, _ string) {
			os.WriteFile(filepath.Join(dir, "a", "seg_00002.m4s"), []byte("\x00\x00\x00\x10mdatxxxxxxxx"), 0o644)
		}},
		{"not an MPD", RuleD1, func(t *testing.T, _, mpd string) { os.WriteFile(mpd, []byte("#EXTM3U\n"), 0o644) }},
		{"no template", RuleD1, func(t *testing.T, _, mpd string) {
			b := string(mustRead(t, mpd))
			i, j := strings.Index(b, "<SegmentTemplate"), strings.Index(b, "</SegmentTemplate>")
			os.WriteFile(mpd, []byte(b[:i]+b[j+len("</SegmentTemplate>"):]), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := fixture(t)
			mpd := buildMPD(t, dir)
			tc.harm(t, dir, mpd)
			rules, msgs := verifyRules(t, mpd)
			if !slices.Contains(rules, tc.rule) {
				t.Errorf("want %s, got %v:\n%s", tc.rule, rules, msgs)
			}
		})
	}
}

// edit replaces old with new in file p, n times, failing when old is
// missing.
func edit(t *testing.T, p, old, new string, n int) {
	t.Helper()
	b := string(mustRead(t, p))
	if !strings.Contains(b, old) {
		t.Fatalf("%s lacks %q:\n%s", p, old, b)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(b, old, new, n)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFolder(t *testing.T) {
	dir := fixture(t)
	buildMPD(t, dir)
	if _, err := Verify(t.Context(), filepath.Join(dir, "a"), Options{}); err == nil {
		t.Error("a folder without an MPD verified")
	}
	rep, err := Verify(t.Context(), dir, Options{})
	if err != nil || len(rep.Playlists) != 1 || rep.Playlists[0].Variants != 2 || rep.Segments() != 6 || rep.Failed() {
		t.Errorf("folder: %+v, %v", rep, err)
	}
	if _, err := Verify(t.Context(), filepath.Join(dir, "nope.mpd"), Options{}); err == nil {
		t.Error("a missing MPD verified")
	}
}
