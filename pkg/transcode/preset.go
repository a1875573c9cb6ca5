package transcode

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/layout"
)

// Preset is a named set of encoding choices.
type Preset struct {
	Name string `json:"name"`
	// VCodec is the ffmpeg video encoder; "" makes an audio-only preset.
	VCodec string `json:"vcodec,omitempty"`
	ACodec string `json:"acodec"`
	// VBitrate and ABitrate are ffmpeg rates ("2M", "128k"). A video preset
	// without VBitrate encodes at constant quality (CRF).
	VBitrate string `json:"vb,omitempty"`
	ABitrate string `json:"ab,omitempty"`
	// CRF is the constant-quality level used when VBitrate is empty.
	CRF int `json:"crf,omitempty"`
	// Height is the largest output height; smaller sources keep theirs.
	Height      int    `json:"height,omitempty"`
	Description string `json:"description"`
}

// Video says whether the preset encodes a picture.
func (p Preset) Video() bool { return p.VCodec != "" }

// override returns p with the non-empty codecs and bit rates and the
// positive height of o.
func (p Preset) override(o Preset) Preset {
	if o.VCodec != "" {
		p.VCodec = o.VCodec
	}
	if o.ACodec != "" {
		p.ACodec = o.ACodec
	}
	if o.VBitrate != "" {
		p.VBitrate = o.VBitrate
	}
	if o.ABitrate != "" {
		p.ABitrate = o.ABitrate
	}
	if o.Height > 0 {
		p.Height = o.Height
	}
	return p
}

// The presets chosen when Config.Preset is empty.
const (
	DefaultVideoPreset = "h264-720p"
	DefaultAudioPreset = "aac-128"
)

// builtinPresets is the one table of presets.
var builtinPresets = []Preset{
	{Name: "aac-128", ACodec: "aac", ABitrate: "128k", Description: "AAC-LC 128 kbit/s in .m4a"},
	{Name: "mp3-256", ACodec: "libmp3lame", ABitrate: "256k", Description: "MP3 256 kbit/s"},
	{Name: "opus-96", ACodec: "libopus", ABitrate: "96k", Description: "Opus 96 kbit/s in Ogg"},
	{Name: "flac", ACodec: "flac", Description: "lossless FLAC"},
	{Name: "h264-720p", VCodec: "libx264", CRF: 23, Height: 720, ACodec: "aac", ABitrate: "128k", Description: "H.264 CRF 23 up to 720p + AAC 128k in .mp4"},
	{Name: "h264-1080p", VCodec: "libx264", CRF: 22, Height: 1080, ACodec: "aac", ABitrate: "160k", Description: "H.264 CRF 22 up to 1080p + AAC 160k in .mp4"},
	{Name: "hevc-1080p", VCodec: "libx265", CRF: 26, Height: 1080, ACodec: "aac", ABitrate: "160k", Description: "HEVC CRF 26 up to 1080p (hvc1) + AAC 160k in .mp4"},
	{Name: "av1-720p", VCodec: "libsvtav1", CRF: 35, Height: 720, ACodec: "libopus", ABitrate: "96k", Description: "AV1 (SVT-AV1) CRF 35 up to 720p + Opus 96k in .mp4"},
}

// Builtin returns the built-in presets in table order.
func Builtin() []Preset { return append([]Preset(nil), builtinPresets...) }

// audioContainer is the file extension for an audio-only encode, chosen from
// the codec so an overridden audio encoder still gets a container that
// holds it.
func audioContainer(acodec string) string {
	switch acodec {
	case "libmp3lame", "libshine", "mp3":
		return "mp3"
	case "libopus", "opus":
		return "opus"
	case "flac":
		return "flac"
	case "libvorbis", "vorbis":
		return "ogg"
	case "pcm_s16le", "pcm_s24le":
		return "wav"
	default:
		return "m4a"
	}
}

// speedArgs are per-encoder choices every preset using that encoder shares.
func speedArgs(vcodec string) []string {
	switch vcodec {
	case "libx264":
		return []string{"-preset", "veryfast", "-pix_fmt", "yuv420p"}
	case "libx265":
		// hvc1 is the sample entry Apple players require for HEVC.
		return []string{"-preset", "fast", "-tag:v", "hvc1", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p"}
	case "libsvtav1":
		return []string{"-preset", "8", "-pix_fmt", "yuv420p"}
	case "libaom-av1":
		return []string{"-cpu-used", "6", "-row-mt", "1"}
	}
	return nil
}

// hlsNeedsFMP4 says whether HLS must carry these codecs in fMP4 segments:
// MPEG-TS in HLS holds only H.264, AAC, MP3 and AC-3.
func hlsNeedsFMP4(p Preset) bool {
	switch p.VCodec {
	case "", "libx264", "copy":
	default:
		return true
	}
	switch p.ACodec {
	case "aac", "libmp3lame", "libshine", "mp3", "ac3", "eac3", "copy", "":
		return false
	}
	return true
}

// source is what the batch knows about one input before encoding.
type source struct {
	HasVideo, HasAudio bool
	// DisplayHeight is the picture height as shown (rotation applied).
	DisplayHeight int
	Duration      float64 // seconds
	// SampleRate (Hz) and FrameRate of the first audio and video streams.
	SampleRate int
	FrameRate  float64
}

// segmentPattern names the segments next to the playlist at path.
func segmentPattern(playlist string, fmp4 bool) string {
	ext := layout.TS
	if fmp4 {
		ext = layout.FMP4
	}
	return filepath.Join(filepath.Dir(playlist), layout.SegmentPattern(ext))
}

// buildOutput turns a preset into the encode.Output for one source, writing
// to path. hls makes it an HLS media playlist with segments of segTime.
func buildOutput(p Preset, src source, path string, hls bool, segTime float64) encode.Output {
	o := encode.Output{Path: path}
	if p.Video() && src.HasVideo {
		o.Maps = []string{"0:v:0"}
		o.VideoCodec = p.VCodec
		o.Args = append(o.Args, speedArgs(p.VCodec)...)
		switch {
		case p.VBitrate != "":
			o.VideoBitrate = p.VBitrate
		case p.CRF > 0:
			o.Args = append(o.Args, "-crf", strconv.Itoa(p.CRF))
		}
		// Never upscale: only a taller source is scaled down; -2 keeps the
		// aspect ratio with an even width, as 4:2:0 needs.
		if p.Height > 0 && src.DisplayHeight > p.Height {
			o.VideoFilter = fmt.Sprintf("scale=-2:%d", p.Height)
		}
		if !hls {
			o.Args = append(o.Args, "-movflags", "+faststart")
		}
	} else {
		o.NoVideo = true
	}
	if src.HasAudio {
		if p.Video() && src.HasVideo {
			// "?" keeps going when the first audio stream is absent.
			o.Maps = append(o.Maps, "0:a:0?")
		}
		o.AudioCodec = p.ACodec
		o.AudioBitrate = p.ABitrate
	} else {
		o.NoAudio = true
	}
	if hls {
		h := &encode.HLSOptions{PlaylistType: "vod", Flags: []string{"independent_segments"}}
		if segTime > 0 {
			h.SegmentTime = seconds(segTime)
		}
		if hlsNeedsFMP4(p) {
			h.FMP4 = true
		}
		h.SegmentFilename = segmentPattern(path, h.FMP4)
		o.HLS = h
		if p.Video() && src.HasVideo {
			// Segments are cut on keyframes: put one at every boundary.
			o.Args = append(o.Args, "-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%g)", h.SegmentTime.Seconds()))
		}
	}
	return o
}
