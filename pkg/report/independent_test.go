package report

import (
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestMatchesFFmpeg checks the report against ffmpeg's own psnr and ssim
// run separately on one rung, with nothing of the report's graph: their
// summaries ("average:" of psnr, "All:" of ssim) must match the rung's
// pooled PSNR within 0.1 dB and its mean SSIM within 0.001.
func TestMatchesFFmpeg(t *testing.T) {
	rep := runReport(t)
	src, track := testLadder(t)
	for _, r := range rep.Video {
		log := ffmpegLog(t, "-i", src, "-i", filepath.Join(track, filepath.FromSlash(r.URI)), "-filter_complex",
			"[0:v]setpts=PTS-STARTPTS,format=yuv420p,split[a][b];"+
				"[1:v]setpts=PTS-STARTPTS,scale=320:240:flags=bicubic,format=yuv420p,split[c][d];"+
				"[c][a]psnr;[d][b]ssim", "-f", "null", "-")
		psnr := lastFloat(t, log, `PSNR y:\S+ u:\S+ v:\S+ average:([0-9.]+)`)
		ssim := lastFloat(t, log, `SSIM Y:.* All:([0-9.]+)`)
		if math.Abs(r.PSNR.Pooled-psnr) > 0.1 {
			t.Errorf("rung %s: pooled PSNR %v, ffmpeg says %v", r.Name, r.PSNR.Pooled, psnr)
		}
		if math.Abs(r.SSIM.Mean-ssim) > 0.001 {
			t.Errorf("rung %s: mean SSIM %v, ffmpeg says %v", r.Name, r.SSIM.Mean, ssim)
		}
		if r.Frames != 100 {
			t.Errorf("rung %s: %d frames compared, want 100", r.Name, r.Frames)
		}
	}
	if len(rep.Video) != 2 || rep.Video[1].PSNR.Mean <= rep.Video[0].PSNR.Mean {
		t.Errorf("want two rungs, the larger better: %+v", rep.Video)
	}
}

func lastFloat(t *testing.T, log, pattern string) float64 {
	t.Helper()
	ms := regexp.MustCompile(pattern).FindAllStringSubmatch(log, -1)
	if len(ms) == 0 {
		t.Fatalf("no %q in ffmpeg's log:\n%s", pattern, log)
	}
	v, err := strconv.ParseFloat(ms[len(ms)-1][1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
