package verify

import (
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
)

// segsOf makes a sampled window: one segment per size, each dur long.
func segsOf(first uint64, dur float64, sizes ...int64) map[uint64]liveSegment {
	m := map[uint64]liveSegment{}
	for i, b := range sizes {
		m[first+uint64(i)] = liveSegment{uri: "s.ts", duration: dur, bytes: b}
	}
	return m
}

func TestLiveBandwidth(t *testing.T) {
	// 2 s segments of 250 000 bytes: 1 Mbit/s on average and at peak.
	even := segsOf(0, 2, 250000, 250000, 250000, 250000)
	burst := segsOf(0, 2, 250000, 400000, 250000, 250000) // a 1.6 Mbit/s segment
	for _, tc := range []struct {
		name      string
		segs      map[uint64]liveSegment
		bw, avgBW int64
		want      string // "" or a word of the finding
	}{
		{"as declared", even, 1000000, 1000000, ""},
		{"within the tolerances", even, 850000, 920000, ""},
		{"average above 110 %", even, 1000000, 900000, "average"},
		{"no AVERAGE-BANDWIDTH: BANDWIDTH is the average's yardstick", even, 900000, 0, "average"},
		{"peak above 125 %", burst, 1200000, 1100000, "peak"},
		{"peak within 125 %", burst, 1300000, 1100000, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &PlaylistReport{}
			lc := &liveChecker{segs: tc.segs, target: 2}
			checkLiveBandwidth(hls.Variant{URI: "v/index.m3u8", Bandwidth: tc.bw, AverageBandwidth: tc.avgBW}, lc, r)
			got := ""
			for _, f := range r.Findings {
				if f.Rule != "L6" {
					t.Errorf("rule %s", f.Rule)
				}
				got += f.Message
			}
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("findings %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLiveAlignment(t *testing.T) {
	a := segsOf(10, 2, 1, 1, 1)
	disc := segsOf(10, 2, 1, 1, 1)
	s := disc[11]
	s.discontinuity = true
	disc[11] = s
	for _, tc := range []struct {
		name string
		b    map[uint64]liveSegment
		want string
	}{
		{"same segments", segsOf(10, 2, 5, 5, 5), ""},
		{"one behind", segsOf(9, 2, 5, 5, 5), ""},
		{"durations within a frame", segsOf(10, 2.04, 5, 5, 5), ""},
		{"cut elsewhere", segsOf(10, 2.5, 5, 5, 5), "not cut at the same times"},
		{"discontinuity on one only", disc, "EXT-X-DISCONTINUITY"},
		{"different numbering", segsOf(100, 2, 5, 5, 5), "share no media sequence number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &PlaylistReport{}
			checkLiveAlignment("a/index.m3u8", a, "b/index.m3u8", tc.b, r)
			got := ""
			for _, f := range r.Findings {
				got += f.Message
			}
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("findings %q, want %q", got, tc.want)
			}
		})
	}
}
