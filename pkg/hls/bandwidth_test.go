package hls

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPeakAndAverage(t *testing.T) {
	for _, tt := range []struct {
		name          string
		sizes         []int64
		durs          []float64
		target        int
		peak, average int64
	}{
		{
			// Runs of 0.5–1.5 × 4 s = 2–6 s: every single 4 s segment; pairs
			// are 8 s, too long. The densest segment sets the peak.
			name: "even segments", sizes: []int64{500_000, 1_000_000, 500_000}, durs: []float64{4, 4, 4}, target: 4,
			peak: 2_000_000, average: 1_333_334, // 16 Mbit / 12 s, rounded up
		},
		{
			// Short segments: single 1 s segments are below 2 s and do not
			// count; the densest 2–6 s run is [1 s dense, 1 s dense].
			name: "short segments pair up", sizes: []int64{100_000, 1_000_000, 1_000_000, 100_000}, durs: []float64{1, 1, 1, 1}, target: 4,
			peak: 8_000_000, average: 2_200_000 * 8 / 4,
		},
		{
			name: "segment longer than 1.5 target counts alone", sizes: []int64{1_000, 3_000_000}, durs: []float64{4, 10}, target: 4,
			peak: 2_400_000, average: 1_714_858, // 24.008 Mbit / 14 s, rounded up
		},
		{
			name: "shorter than half the target: the average", sizes: []int64{10_000}, durs: []float64{0.4}, target: 1,
			peak: 200_000, average: 200_000,
		},
		{
			name: "target 0 uses the longest segment", sizes: []int64{10_000}, durs: []float64{0.4}, target: 0,
			peak: 200_000, average: 200_000,
		},
		{
			name: "rounded up", sizes: []int64{1}, durs: []float64{3}, target: 3,
			peak: 3, average: 3,
		},
		{
			name: "zero durations", sizes: []int64{1}, durs: []float64{0}, target: 3,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			peak, avg := peakAndAverage(tt.sizes, tt.durs, tt.target)
			if peak != tt.peak || avg != tt.average {
				t.Errorf("got peak %d average %d, want %d %d", peak, avg, tt.peak, tt.average)
			}
		})
	}
}

func TestMeasureBandwidth(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "v"), 0o755)
	os.WriteFile(filepath.Join(dir, "v", "a.ts"), make([]byte, 100_000), 0o644)
	os.WriteFile(filepath.Join(dir, "v", "b c.ts"), make([]byte, 300_000), 0o644)
	p, err := ParseMedia([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nv/a.ts\n#EXTINF:2,\nv/b%20c.ts?token=1\n" +
		"#EXTINF:2,\n#EXT-X-BYTERANGE:50000@0\nv/b%20c.ts\n#EXT-X-ENDLIST\n"))
	if err != nil {
		t.Fatal(err)
	}
	peak, avg, err := MeasureBandwidth(p, dir)
	if err != nil {
		t.Fatal(err)
	}
	if peak != 1_200_000 || avg != 450_000*8/6 {
		t.Errorf("peak %d average %d", peak, avg)
	}
	p.Segments[0].URI = "v/missing.ts"
	if _, _, err := MeasureBandwidth(p, dir); err == nil || !strings.Contains(err.Error(), "missing.ts") {
		t.Errorf("missing segment: %v", err)
	}
	p.Segments[0].URI = "https://cdn.example.com/a.ts"
	var remote *RemoteURIError
	if _, _, err := MeasureBandwidth(p, dir); !errors.As(err, &remote) {
		t.Errorf("remote segment: %v", err)
	}
	if _, _, err := MeasureBandwidth(&MediaPlaylist{}, dir); err == nil {
		t.Error("empty playlist measured")
	}
}
