package ffprobe

// Result is everything veza knows about one input after probing it.
type Result struct {
	// Input is the path or URL as the caller gave it.
	Input   string   `json:"input"`
	Format  Format   `json:"format"`
	Streams []Stream `json:"streams"`
	Summary Summary  `json:"summary"`
}

// Format describes the container.
type Format struct {
	// Name is ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
	Name     string `json:"name"`
	LongName string `json:"long_name"`
	// Duration is in seconds; 0 when the container does not say.
	Duration float64 `json:"duration"`
	// Size is in bytes; 0 for unknown (live URLs).
	Size int64 `json:"size"`
	// BitRate is the overall bit rate in bits per second.
	BitRate int64 `json:"bit_rate"`
	// StartTime is the first timestamp in seconds (MPEG-TS rarely starts at 0).
	StartTime float64           `json:"start_time"`
	Tags      map[string]string `json:"tags,omitempty"`
	// ProbeScore is how sure ffprobe is of the format (100 = certain).
	ProbeScore int `json:"probe_score"`
}

// Stream describes one elementary stream.
type Stream struct {
	Index int `json:"index"`
	// Type is "video", "audio", "subtitle", "data" or "attachment".
	Type string `json:"type"`
	// Codec is ffprobe's codec_name ("h264", "aac", "pcm_s16le").
	Codec string `json:"codec"`
	// CodecString is the RFC 6381 string for HLS CODECS ("avc1.64001f"),
	// built from the bitstream; "" when there is none (PCM, subtitles) or it
	// cannot be derived.
	CodecString string `json:"codec_string"`
	Profile     string `json:"profile,omitempty"`
	// Level is ffprobe's level (H.264 level_idc, HEVC general_level_idc); 0 when unknown.
	Level int `json:"level,omitempty"`
	// CodecTag is the container's sample entry or tag, e.g. "avc1", "hev1".
	CodecTag string `json:"codec_tag,omitempty"`

	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// SAR and DAR are ratios like "64:45" and "16:9"; "" when unknown.
	SAR string `json:"sar,omitempty"`
	DAR string `json:"dar,omitempty"`
	// Rotation in degrees from the display matrix as ffprobe reports it,
	// normalised to 0, 90, 180 or 270.
	Rotation int `json:"rotation"`
	// RFrameRate and AvgFrameRate are ffprobe's rationals ("30000/1001").
	RFrameRate   string `json:"r_frame_rate,omitempty"`
	AvgFrameRate string `json:"avg_frame_rate,omitempty"`
	// FrameRate is AvgFrameRate as a number (RFrameRate when the average is unknown).
	FrameRate float64 `json:"frame_rate,omitempty"`
	// VFR is set when the first video packets' timestamps are not evenly
	// spaced (measured, not taken from the container's claims).
	VFR bool `json:"vfr"`
	// FieldOrder is "progressive", "tt", "bb", "tb", "bt" or "" when unknown.
	FieldOrder string `json:"field_order,omitempty"`
	Interlaced bool   `json:"interlaced"`
	PixFmt     string `json:"pix_fmt,omitempty"`
	// BitDepth is bits per sample (video: per component; audio: of the raw samples); 0 when unknown.
	BitDepth       int    `json:"bit_depth,omitempty"`
	ColorSpace     string `json:"color_space,omitempty"`
	ColorTransfer  string `json:"color_transfer,omitempty"`
	ColorPrimaries string `json:"color_primaries,omitempty"`
	ColorRange     string `json:"color_range,omitempty"`
	// AttachedPic marks cover art: a video stream that is one still image.
	AttachedPic bool `json:"attached_pic,omitempty"`

	Channels      int    `json:"channels,omitempty"`
	ChannelLayout string `json:"channel_layout,omitempty"`
	SampleRate    int    `json:"sample_rate,omitempty"`

	// BitRate in bits per second; 0 when the container does not say (MKV).
	BitRate int64 `json:"bit_rate,omitempty"`
	// Duration in seconds; 0 when unknown.
	Duration float64 `json:"duration,omitempty"`
	Language string  `json:"language,omitempty"`
	Title    string  `json:"title,omitempty"`
	Default  bool    `json:"default"`
	// Forced marks a subtitle stream shown even when subtitles are off
	// (signs, foreign dialogue).
	Forced bool `json:"forced,omitempty"`
}

// Summary is veza's judgement of the input as an encoding source.
type Summary struct {
	HasVideo bool `json:"has_video"`
	HasAudio bool `json:"has_audio"`
	// DisplayWidth and DisplayHeight are the picture size as shown: the
	// stored size stretched by the SAR (width scaled, height kept) and
	// swapped for 90/270 degree rotation. Not rounded to even numbers.
	DisplayWidth  int `json:"display_width,omitempty"`
	DisplayHeight int `json:"display_height,omitempty"`
	// Duration in seconds: the container's, else the longest stream's.
	Duration float64 `json:"duration"`
	// Usable says the input can be encoded: it has an audio or video stream
	// and a duration, and nothing in Problems.
	Usable bool `json:"usable"`
	// Problems says why it is not usable; empty when Usable.
	Problems []string `json:"problems"`
	// Warnings are things an encode should take care of (interlacing,
	// variable frame rate, rotation) that do not stop it.
	Warnings []string `json:"warnings"`
}

// Video returns the first video stream that is not an attached picture
// (cover art), or nil.
func (r *Result) Video() *Stream {
	for i := range r.Streams {
		if r.Streams[i].Type == "video" && !r.Streams[i].AttachedPic {
			return &r.Streams[i]
		}
	}
	return nil
}

// Audio returns the first audio stream, or nil.
func (r *Result) Audio() *Stream {
	for i := range r.Streams {
		if r.Streams[i].Type == "audio" {
			return &r.Streams[i]
		}
	}
	return nil
}
