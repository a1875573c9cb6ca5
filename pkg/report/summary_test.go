package report

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	// Four frames at 2 fps over two one-second segments: frames 1-2 in
	// segment 7, frames 3-4 in segment 8.
	frames := []FrameScore{
		{N: 1, MSE: 1, PSNR: 48, SSIM: 0.99},
		{N: 2, MSE: 4, PSNR: 42, SSIM: 0.97},
		{N: 3, MSE: 16, PSNR: 36, SSIM: 0.90},
		{N: 4, MSE: 9, PSNR: 38, SSIM: 0.95},
	}
	spans := []span{{index: 7, start: 0, duration: 1, bytes: 1000}, {index: 8, start: 1, duration: 1, bytes: 3000}}
	var r VideoRung
	worst := summarize(&r, frames, 2, spans)
	if r.Frames != 4 || r.PSNR.Mean != 41 || r.PSNR.Min != 36 || r.PSNR.P5 != 36 {
		t.Errorf("PSNR = %+v, frames %d", r.PSNR, r.Frames)
	}
	if want := 10 * math.Log10(255*255/7.5); math.Abs(r.PSNR.Pooled-want) > 1e-3 {
		t.Errorf("pooled PSNR = %v, want %v", r.PSNR.Pooled, want)
	}
	if math.Abs(r.SSIM.Mean-0.9525) > 1e-9 || r.SSIM.Min != 0.90 || r.SSIM.Pooled != 0 {
		t.Errorf("SSIM = %+v", r.SSIM)
	}
	s0, s1 := r.Segments[0], r.Segments[1]
	if s0.Frames != 2 || s0.PSNR != 45 || s0.PSNRMin != 42 || s0.Bitrate != 8000 || s0.Index != 7 {
		t.Errorf("segment 0 = %+v", s0)
	}
	if s1.Frames != 2 || s1.PSNR != 37 || s1.SSIMMin != 0.90 || s1.Bitrate != 24000 {
		t.Errorf("segment 1 = %+v", s1)
	}
	if r.WorstSegment != 8 || worst[0] != 1 || worst[1] != 2 {
		t.Errorf("worst segment %d, worst frames %v", r.WorstSegment, worst)
	}
}

func TestPercentile(t *testing.T) {
	vs := make([]float64, 100)
	for i := range vs {
		vs[i] = float64(i + 1)
	}
	for _, tc := range []struct {
		vs   []float64
		p, w float64
	}{{vs, 5, 5}, {vs, 50, 50}, {vs, 100, 100}, {vs[:1], 5, 1}, {vs[:10], 5, 1}, {vs[:30], 5, 2}} {
		if got := percentile(tc.vs, tc.p); got != tc.w {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(tc.vs), tc.p, got, tc.w)
		}
	}
}
