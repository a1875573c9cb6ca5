package ladder

import (
	"context"
	"errors"
	"fmt"

	"github.com/veza-media/veza/pkg/audio"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// SegmentMode says how `veza segment` turns one input into HLS.
type SegmentMode string

const (
	// SegmentAuto copies the streams when the source's keyframes allow
	// segments within target + 0.5 s and its codecs fit the container,
	// and re-encodes with a fixed GOP otherwise.
	SegmentAuto SegmentMode = "auto"
	// SegmentCopy always copies (fails when the result would break HLS rules).
	SegmentCopy SegmentMode = "copy"
	// SegmentEncode always re-encodes.
	SegmentEncode SegmentMode = "encode"
)

// Segment is `veza segment`: it turns one input into one rendition,
// stream-copied when mode and the source allow, and otherwise encoded at
// the best rung of the built-in ladder, then publishes it as Run does. Of
// cfg.Ladder only the audio processing counts; cfg.Strategy and cfg.Jobs
// have nothing to spread.
func Segment(ctx context.Context, cfg Config, mode SegmentMode) (*Result, error) {
	return runPhases(ctx, cfg, "segment", func(ctx context.Context, src *source, enc Encoding) (*Plan, audio.Settings, string, error) {
		sound := cfg.Ladder.Settings.Override(cfg.Audio)
		if sound.Active() {
			// Cutting and normalising change the sound: nothing to copy.
			if mode == SegmentCopy {
				return nil, sound, "", fmt.Errorf("cannot stream-copy: %s", sound.NeedsEncoding())
			}
			mode = SegmentEncode
		}
		plan, why, err := segmentPlan(ctx, src.prober, src.probe, mode, cfg.SegmentTime, enc.Format)
		if err == nil && sound.Active() {
			why = "encode: " + sound.NeedsEncoding()
		}
		return plan, sound, why, err
	})
}

// CopyName is the rendition name of a stream-copied segmenting.
const CopyName = "source"

// copyable are the codecs HLS carries, by container.
var copyable = map[Format]map[string]bool{
	FormatTS:   {"h264": true, "aac": true, "mp3": true, "ac3": true, "eac3": true},
	FormatFMP4: {"h264": true, "hevc": true, "av1": true, "aac": true, "mp3": true, "ac3": true, "eac3": true, "opus": true, "flac": true},
}

// MaxCopySegment is the longest segment a stream copy may produce for a
// target duration: HLS-RULES M3 allows target + 0.5 s.
func MaxCopySegment(target float64) float64 { return target + 0.5 }

// CopySegments predicts the segment durations ffmpeg's HLS muxer produces
// when it copies a stream with these keyframes: it cuts at the first
// keyframe at least target seconds after the current segment's start.
func CopySegments(keyframes []float64, duration, target float64) []float64 {
	if len(keyframes) == 0 {
		return []float64{duration}
	}
	start := keyframes[0]
	var segs []float64
	for _, k := range keyframes[1:] {
		if k-start >= target-1e-6 {
			segs = append(segs, k-start)
			start = k
		}
	}
	end := keyframes[0] + duration
	if end > start {
		segs = append(segs, end-start)
	}
	return segs
}

// decideCopy says whether the source can be segmented without encoding,
// and why.
func decideCopy(ctx context.Context, p *ffprobe.Prober, src *ffprobe.Result, target float64, f Format) (bool, string, error) {
	for _, s := range []*ffprobe.Stream{src.Video(), src.Audio()} {
		if s != nil && !copyable[f][s.Codec] {
			return false, fmt.Sprintf("%s cannot be carried in %s HLS as it is", s.Codec, f), nil
		}
	}
	if v := src.Video(); v != nil {
		if v.Rotation != 0 || (v.SAR != "" && v.SAR != "1:1" && v.SAR != "0:1") || v.Interlaced || v.VFR {
			return false, "the picture needs fixing (rotation, non-square pixels, interlacing or variable frame rate)", nil
		}
		kf, err := p.KeyframeTimes(ctx, src.Input)
		if err != nil {
			return false, "", err
		}
		longest := 0.0
		for _, d := range CopySegments(kf, src.Summary.Duration, target) {
			longest = max(longest, d)
		}
		if longest > MaxCopySegment(target) {
			return false, fmt.Sprintf("the source's keyframes give segments up to %.2f s, over the %.1f s target + 0.5 s", longest, target), nil
		}
		return true, fmt.Sprintf("the source's keyframes give segments of at most %.2f s for a %.1f s target", longest, target), nil
	}
	return true, "audio only: every frame is a keyframe", nil
}

// ErrCannotCopy is returned when SegmentCopy was asked for but the source
// cannot be stream-copied into segments of the target duration.
var ErrCannotCopy = errors.New("cannot stream-copy")

// segmentPlan builds the one-rendition plan of `veza segment`.
func segmentPlan(ctx context.Context, p *ffprobe.Prober, src *ffprobe.Result, mode SegmentMode, target float64, f Format) (*Plan, string, error) {
	if target <= 0 {
		target = 4
	}
	copyOK, why, err := decideCopy(ctx, p, src, target, f)
	if err != nil {
		return nil, "", err
	}
	switch {
	case mode == SegmentCopy && !copyOK:
		return nil, "", fmt.Errorf("%w: %s", ErrCannotCopy, why)
	case mode == SegmentEncode:
		copyOK, why = false, "re-encoding was asked for"
	}
	s := SourceFromProbe(src)
	if copyOK {
		r := Rendition{Rung: Rung{Name: CopyName}, Copy: true}
		if v := src.Video(); v != nil {
			r.Codec = v.Codec
			r.Width, r.Height = s.DisplaySize()
		}
		if a := src.Audio(); a != nil {
			r.AudioCodec = a.Codec
		}
		return &Plan{Ladder: "copy", SegmentTime: target, Audio: s.HasAudio, FPS: outputRate(s.FrameRate),
			Renditions: []Rendition{r}}, "copy: " + why, nil
	}
	name := "video"
	if !s.HasVideo {
		name = "audio"
	}
	l, _ := Builtin(name)
	plan, err := NewPlan(s, l, target)
	if err != nil {
		return nil, "", err
	}
	// Keep the best rung: source size, or the highest below it.
	keep := plan.Renditions[0]
	if !s.HasVideo {
		keep = plan.Renditions[2] // medium: 128k AAC
	}
	plan.Renditions = []Rendition{keep}
	plan.Dropped = nil
	return plan, "encode: " + why, nil
}
