package cli

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/viper"

	"github.com/veza-media/veza/pkg/encode"
)

// Preset is a named set of encoding choices for `veza transcode`.
type Preset struct {
	Name string `json:"name" mapstructure:"-"`
	// VCodec is the ffmpeg video encoder; "" makes an audio-only preset.
	VCodec string `json:"vcodec,omitempty" mapstructure:"vcodec"`
	ACodec string `json:"acodec" mapstructure:"acodec"`
	// VBitrate and ABitrate are ffmpeg rates ("2M", "128k"). A video preset
	// without VBitrate encodes at constant quality (CRF).
	VBitrate string `json:"vb,omitempty" mapstructure:"vb"`
	ABitrate string `json:"ab,omitempty" mapstructure:"ab"`
	// CRF is the constant-quality level used when VBitrate is empty.
	CRF int `json:"crf,omitempty" mapstructure:"crf"`
	// Height is the largest output height; smaller sources keep theirs.
	Height      int    `json:"height,omitempty" mapstructure:"height"`
	Description string `json:"description" mapstructure:"description"`
}

// Video says whether the preset encodes a picture.
func (p Preset) Video() bool { return p.VCodec != "" }

// builtinPresets is the one table of presets; config may change or add
// entries (transcode.presets.<name>: {vcodec, acodec, vb, ab, crf, height}).
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

// loadPresets returns the built-in presets with the config file's changes.
func loadPresets(cfg *viper.Viper) (map[string]Preset, error) {
	ps := make(map[string]Preset, len(builtinPresets))
	for _, p := range builtinPresets {
		ps[p.Name] = p
	}
	if cfg == nil {
		return ps, nil
	}
	raw, ok := cfg.Get("transcode.presets").(map[string]any)
	if !ok {
		if cfg.IsSet("transcode.presets") {
			return nil, fmt.Errorf("config transcode.presets: want a map of preset name to settings")
		}
		return ps, nil
	}
	for name, v := range raw {
		fields, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("config transcode.presets.%s: want a map of settings", name)
		}
		p := ps[name]
		p.Name = name
		for k, val := range fields {
			s := fmt.Sprint(val)
			switch strings.ToLower(k) {
			case "vcodec":
				p.VCodec = s
			case "acodec":
				p.ACodec = s
			case "vb":
				p.VBitrate = s
			case "ab":
				p.ABitrate = s
			case "description":
				p.Description = s
			case "crf", "height":
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("config transcode.presets.%s.%s: %q is not a whole number", name, k, s)
				}
				if k == "crf" {
					p.CRF = n
				} else {
					p.Height = n
				}
			default:
				return nil, fmt.Errorf("config transcode.presets.%s: unknown setting %q (vcodec, acodec, vb, ab, crf, height, description)", name, k)
			}
		}
		if p.ACodec == "" && p.VCodec == "" {
			return nil, fmt.Errorf("config transcode.presets.%s: needs vcodec or acodec", name)
		}
		ps[name] = p
	}
	return ps, nil
}

// sortedPresets lists presets in table order, then config additions by name.
func sortedPresets(ps map[string]Preset) []Preset {
	var out []Preset
	for _, b := range builtinPresets {
		out = append(out, ps[b.Name])
	}
	var extra []string
	for name := range ps {
		if !slices.ContainsFunc(builtinPresets, func(b Preset) bool { return b.Name == name }) {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, n := range extra {
		out = append(out, ps[n])
	}
	return out
}

// audioContainer is the file extension for an audio-only encode, chosen from
// the codec so an overridden --acodec still gets a container that holds it.
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

// transcodeSource is what the batch knows about one input before encoding.
type transcodeSource struct {
	HasVideo, HasAudio bool
	// DisplayHeight is the picture height as shown (rotation applied).
	DisplayHeight int
	Duration      float64 // seconds
	// SampleRate (Hz) and FrameRate of the first audio and video streams.
	SampleRate int
	FrameRate  float64
}

// buildOutput turns a preset into the encode.Output for one source, writing
// to path. hls makes it an HLS media playlist with segments of segTime.
func buildOutput(p Preset, src transcodeSource, path string, hls bool, segTime float64) encode.Output {
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
			h.SegmentTime = secondsDuration(segTime)
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
