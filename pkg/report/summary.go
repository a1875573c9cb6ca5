package report

import (
	"math"
	"slices"
)

// span is one segment of a rung as its playlist and the disk give it.
type span struct {
	index           int
	start, duration float64
	bytes           int64
}

// bitrate is bytes over seconds in bits per second, rounded up as
// hls.MeasureBandwidth rounds.
func bitrate(bytes int64, seconds float64) int64 {
	if seconds <= 0 {
		return 0
	}
	return int64(math.Ceil(float64(bytes) * 8 / seconds))
}

// summarize fills a rung's frame count, metric summaries and segments from
// its frames, compared at fps frames per second from time 0. A frame
// belongs to the segment its time falls in; frames past the last segment
// (a rung shorter than the source) count in the last.
func summarize(r *VideoRung, frames []FrameScore, fps float64, spans []span) []int {
	r.Frames = len(frames)
	r.PSNR = stat(frames, psnrDigits, func(f FrameScore) float64 { return f.PSNR })
	r.SSIM = stat(frames, ssimDigits, func(f FrameScore) float64 { return f.SSIM })
	var mse float64
	for _, f := range frames {
		mse += f.MSE
	}
	if len(frames) > 0 {
		r.PSNR.Pooled = round(psnrOf(mse/float64(len(frames))), psnrDigits)
	}

	// worstFrame[i] is the index in frames of segment i's lowest PSNR.
	worstFrame := make([]int, len(spans))
	r.Segments = make([]SegmentQuality, len(spans))
	for i, s := range spans {
		r.Segments[i] = SegmentQuality{Index: s.index, Start: s.start, Duration: s.duration, Bytes: s.bytes,
			Bitrate: bitrate(s.bytes, s.duration), PSNRMin: math.Inf(1), SSIMMin: math.Inf(1)}
		worstFrame[i] = -1
	}
	seg := 0
	for fi, f := range frames {
		t := float64(f.N-1) / fps
		// A small slack keeps a frame on a boundary in the segment it starts.
		for seg+1 < len(spans) && t+1e-6 >= spans[seg+1].start {
			seg++
		}
		if len(spans) == 0 {
			break
		}
		sq := &r.Segments[seg]
		sq.Frames++
		sq.PSNR += f.PSNR
		sq.SSIM += f.SSIM
		if f.PSNR < sq.PSNRMin {
			sq.PSNRMin, worstFrame[seg] = f.PSNR, fi
		}
		sq.SSIMMin = math.Min(sq.SSIMMin, f.SSIM)
	}
	r.WorstSegment = -1
	worst := math.Inf(1)
	for i := range r.Segments {
		sq := &r.Segments[i]
		if sq.Frames == 0 {
			sq.PSNRMin, sq.SSIMMin = 0, 0
			continue
		}
		sq.PSNR, sq.SSIM = round(sq.PSNR/float64(sq.Frames), psnrDigits), round(sq.SSIM/float64(sq.Frames), ssimDigits)
		if sq.PSNR < worst {
			worst, r.WorstSegment = sq.PSNR, sq.Index
		}
	}
	return worstFrame
}

// Figures are rounded to what the stats files carry and a little more:
// PSNR to a thousandth of a dB, SSIM to six decimals.
const (
	psnrDigits = 3
	ssimDigits = 6
)

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// stat summarises one metric of frames, rounding the mean to digits.
func stat(frames []FrameScore, digits int, of func(FrameScore) float64) Stat {
	if len(frames) == 0 {
		return Stat{}
	}
	vs := make([]float64, len(frames))
	var sum float64
	for i, f := range frames {
		vs[i] = of(f)
		sum += vs[i]
	}
	slices.Sort(vs)
	return Stat{Mean: round(sum/float64(len(vs)), digits), P5: percentile(vs, 5), Min: vs[0]}
}

// percentile is the nearest-rank p-th percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// psnrOf is the PSNR in dB of a mean squared error on 8-bit samples (every
// comparison runs in yuv420p), MaxPSNR for none.
func psnrOf(mse float64) float64 {
	if mse <= 0 {
		return MaxPSNR
	}
	return math.Min(10*math.Log10(255*255/mse), MaxPSNR)
}
