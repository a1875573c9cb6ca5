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
