package ffprobe

import (
	"fmt"
	"math"
)

// summarize judges a decoded result as an encoding source; codecStrings
// says whether missing codec strings are worth a warning.
func summarize(r *Result, codecStrings bool) Summary {
	s := Summary{Problems: []string{}, Warnings: []string{}}
	v, a := r.Video(), r.Audio()
	s.HasVideo, s.HasAudio = v != nil, a != nil
	s.Duration = r.Format.Duration
	if s.Duration == 0 {
		for _, st := range r.Streams {
			s.Duration = max(s.Duration, st.Duration)
		}
	}
	if v != nil {
		s.DisplayWidth, s.DisplayHeight = displaySize(v)
	}

	switch {
	case len(r.Streams) == 0:
		s.Problems = append(s.Problems, "no streams")
	case v == nil && a == nil:
		s.Problems = append(s.Problems, "no audio or video stream")
	}
	if s.Duration <= 0 && len(r.Streams) > 0 {
		s.Problems = append(s.Problems, "zero or unknown duration")
	}
	for _, st := range r.Streams {
		if st.Type != "video" && st.Type != "audio" {
			continue
		}
		if st.Codec == "" || st.Codec == "none" {
			s.Problems = append(s.Problems, fmt.Sprintf("stream %d: unknown %s codec (no decoder in this ffmpeg)", st.Index, st.Type))
			continue
		}
		if st.Type == "video" && !st.AttachedPic && (st.Width == 0 || st.Height == 0) {
			s.Problems = append(s.Problems, fmt.Sprintf("stream %d: video has no picture size", st.Index))
		}
		if st.Type == "audio" && (st.SampleRate == 0 || st.Channels == 0) {
			s.Problems = append(s.Problems, fmt.Sprintf("stream %d: audio has no sample rate or channel count", st.Index))
		}
		if codecStrings && st.CodecString == "" && !st.AttachedPic {
			why := "no RFC 6381 form: re-encode for HLS"
			if hasCodecString(st.Codec) {
				why = "its configuration could not be read"
			}
			s.Warnings = append(s.Warnings, fmt.Sprintf("stream %d: no codec string for %s (%s)", st.Index, st.Codec, why))
		}
	}
	if v != nil {
		if v.Interlaced {
			s.Warnings = append(s.Warnings, fmt.Sprintf("interlaced (field order %s): deinterlace when encoding", v.FieldOrder))
		}
		if v.VFR {
			s.Warnings = append(s.Warnings, "variable frame rate: set an output rate when encoding")
		}
		if v.Rotation != 0 {
			s.Warnings = append(s.Warnings, fmt.Sprintf("rotated %d degrees by the display matrix", v.Rotation))
		}
		if n, d, ok := ratioParts(v.SAR); ok && n != d {
			s.Warnings = append(s.Warnings, fmt.Sprintf("non-square pixels (SAR %s)", v.SAR))
		}
	}
	s.Usable = len(s.Problems) == 0
	return s
}

// displaySize is the picture as shown: the width stretched by the sample
// aspect ratio (height kept, as players do) and swapped for a quarter turn.
func displaySize(v *Stream) (int, int) {
	w, h := v.Width, v.Height
	if n, d, ok := ratioParts(v.SAR); ok && n != d {
		w = int(math.Round(float64(w) * float64(n) / float64(d)))
	}
	if v.Rotation == 90 || v.Rotation == 270 {
		w, h = h, w
	}
	return w, h
}
