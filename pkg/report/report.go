package report

// SchemaVersion is the version of report.json's schema; it grows when a
// field changes meaning or goes away, not when one is added.
const SchemaVersion = 1

// Report is what Run measured of one HLS output folder; report.json is it
// encoded as JSON (the schema is in the package documentation).
type Report struct {
	Version int `json:"version"`
	// Master is the multivariant playlist measured, as given.
	Master string `json:"master"`
	Source Source `json:"source"`
	// Scaler is the swscale algorithm every rung was upscaled with to the
	// source's display size before it was compared.
	Scaler string `json:"scaler"`
	// Metrics lists what was measured per frame: "psnr", "ssim", and
	// "vmaf" when the ffmpeg at hand has libvmaf.
	Metrics []string `json:"metrics"`
	VMAF    VMAF     `json:"vmaf"`
	Cost    Cost     `json:"cost"`
	// Video are the video rungs, from the lowest declared bandwidth.
	Video []VideoRung `json:"video"`
	// Audio are the audio renditions and audio-only variants.
	Audio []AudioRung `json:"audio"`
	// Worst is each video rung's worst segment, lowest PSNR first.
	Worst []Worst `json:"worst"`
}

// Source is the reference the rungs were compared with.
type Source struct {
	Path string `json:"path"`
	// Width and Height are the display size, the size of every comparison.
	Width  int `json:"width"`
	Height int `json:"height"`
	// FrameRate is the rate every rung was compared at (frames per second).
	FrameRate float64 `json:"frame_rate"`
	Duration  float64 `json:"duration"`
}

// VMAF says whether VMAF was measured and, when not, why.
type VMAF struct {
	Measured bool   `json:"measured"`
	Note     string `json:"note"`
}

// Cost is what the comparison pass took: one decode of the source feeding
// every rung's comparison.
type Cost struct {
	// WallSeconds is the pass's elapsed time; CPUSeconds the user and system
	// time of the ffmpeg processes it ran.
	WallSeconds float64 `json:"wall_seconds"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	// SourceDecodes is how many times the source was decoded (1), Rungs how
	// many rungs were compared in that pass and Frames how many frames of
	// each.
	SourceDecodes int `json:"source_decodes"`
	Rungs         int `json:"rungs"`
	Frames        int `json:"frames"`
}

// Stat summarises one metric over the frames of a rung.
type Stat struct {
	// Mean is the mean of the per-frame values, P5 their 5th percentile
	// (nearest rank) and Min the worst frame.
	Mean float64 `json:"mean"`
	P5   float64 `json:"p5"`
	Min  float64 `json:"min"`
	// Pooled is the PSNR of the mean squared error over all frames, what
	// ffmpeg's psnr filter prints as "average"; 0 for SSIM.
	Pooled float64 `json:"pooled,omitempty"`
}

// VideoRung is one video variant compared with the source.
type VideoRung struct {
	// Name is the folder of the rung's playlist ("720p"), or its URI when
	// it has no folder.
	Name string `json:"name"`
	URI  string `json:"uri"`
	// Width and Height are the coded size (RESOLUTION).
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Codecs string `json:"codecs"`
	// DeclaredBandwidth is the variant's BANDWIDTH; MeasuredPeak and
	// MeasuredAverage are measured from the segments on disk as
	// hls.MeasureBandwidth does (bits per second).
	DeclaredBandwidth int64 `json:"declared_bandwidth"`
	MeasuredPeak      int64 `json:"measured_peak"`
	MeasuredAverage   int64 `json:"measured_average"`
	Frames            int   `json:"frames"`
	PSNR              Stat  `json:"psnr"`
	SSIM              Stat  `json:"ssim"`
	// WorstSegment is the media sequence number of the segment with the
	// lowest mean PSNR.
	WorstSegment int              `json:"worst_segment"`
	Segments     []SegmentQuality `json:"segments"`
}

// SegmentQuality is one segment of a video rung.
type SegmentQuality struct {
	// Index is the media sequence number; Start the time the segment
	// starts at, from the EXTINF durations before it.
	Index    int     `json:"index"`
	Start    float64 `json:"start"`
	Duration float64 `json:"duration"`
	Bytes    int64   `json:"bytes"`
	// Bitrate is Bytes over Duration, in bits per second.
	Bitrate int64 `json:"bitrate"`
	Frames  int   `json:"frames"`
	// PSNR and SSIM are means over the segment's frames, PSNRMin and
	// SSIMMin its worst frames.
	PSNR    float64 `json:"psnr"`
	PSNRMin float64 `json:"psnr_min"`
	SSIM    float64 `json:"ssim"`
	SSIMMin float64 `json:"ssim_min"`
}

// AudioRung is one audio rendition's measured rate and loudness.
type AudioRung struct {
	Name   string `json:"name"`
	URI    string `json:"uri"`
	Group  string `json:"group,omitempty"`
	Codecs string `json:"codecs,omitempty"`
	// DeclaredBandwidth is the BANDWIDTH of an audio-only variant; 0 for an
	// EXT-X-MEDIA rendition, which declares none.
	DeclaredBandwidth int64          `json:"declared_bandwidth"`
	MeasuredPeak      int64          `json:"measured_peak"`
	MeasuredAverage   int64          `json:"measured_average"`
	Segments          []AudioSegment `json:"segments"`
	// Integrated (LUFS), TruePeak (dBTP) and LRA (LU) are ebur128's; nil
	// when the audio is silent or could not be measured (LoudnessError).
	Integrated    *float64 `json:"integrated"`
	TruePeak      *float64 `json:"true_peak"`
	LRA           *float64 `json:"lra"`
	LoudnessError string   `json:"loudness_error,omitempty"`
}

// AudioSegment is one segment of an audio rung.
type AudioSegment struct {
	Index    int     `json:"index"`
	Start    float64 `json:"start"`
	Duration float64 `json:"duration"`
	Bytes    int64   `json:"bytes"`
	Bitrate  int64   `json:"bitrate"`
}

// Worst is a rung's worst segment, with its worst frame.
type Worst struct {
	Rung    string  `json:"rung"`
	Segment int     `json:"segment"`
	PSNR    float64 `json:"psnr"`
	SSIM    float64 `json:"ssim"`
	// Time is the worst frame's time in the source (seconds).
	Time float64 `json:"time"`
	// SourceJPEG and RungJPEG are pictures of the source and of the rung
	// (upscaled as compared) at Time, for report.html; nil when they could
	// not be taken. They are not part of report.json.
	SourceJPEG []byte `json:"-"`
	RungJPEG   []byte `json:"-"`
}
