package report

import (
	"context"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
)

// BenchmarkCompare measures the comparison of the test ladder's two video
// rungs in one pass (one decode of the source) against one pass per rung,
// and reports the wall and CPU seconds of each.
func BenchmarkCompare(b *testing.B) {
	src, track := testLadder(b)
	cfg := Config{Master: track, Source: src}.withDefaults()
	source, fps, err := probeSource(context.Background(), cfg.Prober, src)
	if err != nil {
		b.Fatal(err)
	}
	rungsOf := func() []videoRung {
		m, err := hls.ReadMaster(cfg.Master)
		if err != nil {
			b.Fatal(err)
		}
		v, _, err := rungs(m, track)
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	run := func(b *testing.B, groups [][]videoRung) {
		var wall, cpu float64
		for range b.N {
			for _, g := range groups {
				_, c, err := compare(context.Background(), cfg, source, fps, g)
				if err != nil {
					b.Fatal(err)
				}
				wall, cpu = wall+c.WallSeconds, cpu+c.CPUSeconds
			}
		}
		b.ReportMetric(wall/float64(b.N), "wall-s/op")
		b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
	}
	b.Run("one-pass", func(b *testing.B) { run(b, [][]videoRung{rungsOf()}) })
	b.Run("per-rung", func(b *testing.B) {
		var groups [][]videoRung
		for _, r := range rungsOf() {
			groups = append(groups, []videoRung{r})
		}
		run(b, groups)
	})
}
