package report

import (
	"bufio"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxPSNR is the PSNR given to a frame identical to the source: ffmpeg
// prints "inf" for it, which JSON cannot carry and a mean cannot use.
const MaxPSNR = 100.0

// FrameScore is one frame's comparison with the source, as ffmpeg's psnr
// and ssim filters wrote it to their stats_file.
type FrameScore struct {
	// N is ffmpeg's 1-based frame number.
	N int
	// MSE is the mean squared error over the planes (mse_avg), PSNR its
	// PSNR in dB (psnr_avg, MaxPSNR for "inf"); SSIM is the "All" index.
	MSE  float64
	PSNR float64
	SSIM float64
}

// ParsePSNRLine reads one line of the psnr filter's stats_file:
//
//	n:1 mse_avg:5.73 mse_y:5.75 mse_u:5.81 mse_v:5.53 psnr_avg:40.55 psnr_y:40.53 ...
//
// It returns the frame number, mse_avg and psnr_avg; ok is false for a
// line that is not one (blank, truncated, a negative or missing figure).
func ParsePSNRLine(line string) (n int, mse, psnr float64, ok bool) {
	f := statFields(line)
	n, ok = frameNumber(f)
	if !ok {
		return 0, 0, 0, false
	}
	mse, ok1 := nonNegative(f["mse_avg"])
	psnr, ok2 := psnrValue(f["psnr_avg"])
	if !ok1 || !ok2 {
		return 0, 0, 0, false
	}
	return n, mse, psnr, true
}

// ParseSSIMLine reads one line of the ssim filter's stats_file:
//
//	n:1 Y:0.987804 U:0.989487 V:0.995609 All:0.989386 (19.741014)
//
// It returns the frame number and the All index; ok is false for a line
// that is not one or whose index lies outside [-1, 1].
func ParseSSIMLine(line string) (n int, ssim float64, ok bool) {
	f := statFields(line)
	n, ok = frameNumber(f)
	if !ok {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(f["All"], 64)
	if err != nil || math.IsNaN(v) || v < -1 || v > 1 {
		return 0, 0, false
	}
	return n, v, true
}

// ParseStats joins the psnr and ssim stats_file texts of one comparison
// into frames ordered by number. A frame must appear in both, once each,
// numbered from 1 without gaps; otherwise the comparison is broken and
// ParseStats says which line is wrong.
func ParseStats(psnrText, ssimText string) ([]FrameScore, error) {
	var frames []FrameScore
	err := eachLine(psnrText, func(i int, l string) error {
		n, mse, psnr, ok := ParsePSNRLine(l)
		if !ok {
			return fmt.Errorf("psnr stats line %d: not a frame line: %q", i, clip(l))
		}
		if n != len(frames)+1 {
			return fmt.Errorf("psnr stats line %d: frame %d, want %d", i, n, len(frames)+1)
		}
		frames = append(frames, FrameScore{N: n, MSE: mse, PSNR: psnr})
		return nil
	})
	if err != nil {
		return nil, err
	}
	seen := 0
	err = eachLine(ssimText, func(i int, l string) error {
		n, v, ok := ParseSSIMLine(l)
		if !ok {
			return fmt.Errorf("ssim stats line %d: not a frame line: %q", i, clip(l))
		}
		if n != seen+1 || n > len(frames) {
			return fmt.Errorf("ssim stats line %d: frame %d, want %d of %d", i, n, seen+1, len(frames))
		}
		frames[n-1].SSIM = v
		seen = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	if seen != len(frames) {
		return nil, fmt.Errorf("ssim stats have %d frames, psnr stats %d", seen, len(frames))
	}
	return frames, nil
}

// eachLine calls fn with every non-blank line and its 1-based number.
func eachLine(text string, fn func(int, string) error) error {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for i := 1; sc.Scan(); i++ {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			if err := fn(i, l); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

// statFields splits "key:value key:value" into a map; a word without a
// colon (ssim's "(19.74)") is skipped.
func statFields(line string) map[string]string {
	out := map[string]string{}
	for _, w := range strings.Fields(line) {
		if k, v, ok := strings.Cut(w, ":"); ok {
			if _, dup := out[k]; !dup {
				out[k] = v
			}
		}
	}
	return out
}

func frameNumber(f map[string]string) (int, bool) {
	n, err := strconv.Atoi(f["n"])
	return n, err == nil && n >= 1
}

func nonNegative(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, false
	}
	return v, true
}

// psnrValue reads a PSNR figure: "inf" (identical frames) is MaxPSNR, and
// so is anything above it.
func psnrValue(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, -1) {
		return 0, false
	}
	return math.Min(v, MaxPSNR), true
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
