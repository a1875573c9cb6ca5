package ladder

import (
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// SourceFromProbe takes what planning needs from a probe result.
func SourceFromProbe(r *ffprobe.Result) Source {
	s := Source{HasVideo: r.Summary.HasVideo, HasAudio: r.Summary.HasAudio, Duration: r.Summary.Duration}
	if v := r.Video(); v != nil {
		s.Width, s.Height = v.Width, v.Height
		s.SARNum, s.SARDen = parseRatio(v.SAR)
		s.Rotation = v.Rotation
		s.FrameRate = v.FrameRate
		s.VFR = v.VFR
		s.Interlaced = v.Interlaced
	}
	return s
}

func parseRatio(s string) (int, int) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0
	}
	n, err1 := strconv.Atoi(a)
	d, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return 0, 0
	}
	return n, d
}
