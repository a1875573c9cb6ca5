package report

import (
	"slices"

	"github.com/veza-media/veza/pkg/catalog"
)

// Qualities is the per-rung summary of rep as the catalog keeps it, one row
// per video rung (recorder.Recorder.Quality writes them).
func Qualities(rep *Report) []catalog.Quality {
	qs := make([]catalog.Quality, 0, len(rep.Video))
	for _, v := range rep.Video {
		q := catalog.Quality{Rendition: v.Name, Scaler: rep.Scaler, Frames: v.Frames,
			PSNRMean: v.PSNR.Mean, PSNRP5: v.PSNR.P5, PSNRMin: v.PSNR.Min, SSIMMean: v.SSIM.Mean, SSIMP5: v.SSIM.P5,
			WorstSegment: v.WorstSegment, Bitrate: v.MeasuredAverage}
		if i := slices.IndexFunc(v.Segments, func(s SegmentQuality) bool { return s.Index == v.WorstSegment }); i >= 0 {
			q.WorstPSNR = v.Segments[i].PSNR
		}
		qs = append(qs, q)
	}
	return qs
}
