package encode

import (
	"encoding/json"
	"time"
)

// Event is something that happened during a job. The concrete types are
// SegmentOpened, SegmentCompleted, Progress, Warning, Error, MuxingComplete,
// Damaged and Exited. Each marshals to a JSON object; Type gives its "type" name.
type Event interface {
	// Type is the event's name in JSON form: "segment_opened", "progress", ...
	Type() string
}

// SegmentOpened reports that ffmpeg started writing an HLS segment.
type SegmentOpened struct {
	// Output is the index in Job.Outputs of the HLS output the segment belongs to.
	Output int `json:"output"`
	// Path is the segment's final path as ffmpeg names it (relative paths are
	// relative to Job.Dir). With the temp_file HLS flag ffmpeg first writes
	// Path+".tmp"; Path is still the final name.
	Path string `json:"path"`
	// Index is the segment's number from its file name (the HLS media
	// sequence number with ffmpeg's default numbering), or its position in
	// this run when the name has no number.
	Index int `json:"index"`
}

// SegmentCompleted reports a finished segment: the file is closed, on disk,
// and listed in the media playlist ffmpeg rewrote. Duration is the playlist's
// #EXTINF, not an estimate. It arrives once ffmpeg has rewritten the playlist
// after the segment — for EVENT and live playlists a moment after the next
// segment opens; ffmpeg writes VOD playlists only when it finishes, so for
// VOD outputs every SegmentCompleted arrives at exit.
type SegmentCompleted struct {
	Output   int           `json:"output"`
	Index    int           `json:"index"`
	Path     string        `json:"path"`
	Duration time.Duration `json:"-"`
	Bytes    int64         `json:"bytes"`
}

// Progress is ffmpeg's periodic progress report, read from -progress.
type Progress struct {
	// OutTime is how much output media has been written.
	OutTime time.Duration
	// Total is the media duration the job will produce (Job.Duration or the
	// probed input, shortened by an output's Duration); 0 when unknown.
	Total time.Duration
	// Percent is OutTime/Total in 0–100, to two decimals; 0 when Total is
	// unknown. It is not forced to 100 at the end: a job stopped early, or
	// whose media is a frame shorter than probed, ends below.
	Percent float64
	// Speed is media seconds encoded per wall second; FPS frames per second.
	Speed, FPS float64
	// ETA is the wall time left at the current speed; 0 when unknown.
	ETA   time.Duration
	Frame int64
	// Size is the bytes written so far; -1 when ffmpeg does not know (HLS).
	Size int64
	// Bitrate in bits per second; 0 when unknown.
	Bitrate float64
	// Done marks ffmpeg's last report.
	Done bool
}

// Warning is a line ffmpeg logged at warning level.
type Warning struct {
	Line string `json:"line"`
}

// Error is a line ffmpeg logged at error level (or, without level tags, a
// line that names a known failure), classified by cause. An Error event does
// not by itself fail the job: ffmpeg recovers from many (a corrupt frame);
// the exit status decides.
type Error struct {
	Kind ErrorKind `json:"kind"`
	Line string    `json:"line"`
}

// MuxingComplete is ffmpeg's end-of-run size summary.
type MuxingComplete struct {
	// Output is the output the summary is for; -1 when ffmpeg prints one
	// summary for all outputs together (ffmpeg before 6.1).
	Output     int   `json:"output"`
	VideoBytes int64 `json:"video_bytes"`
	AudioBytes int64 `json:"audio_bytes"`
	// Overhead is the muxing overhead in percent; nil when ffmpeg printed
	// "muxing overhead: unknown" (it does for HLS and other segmenting muxers).
	Overhead *float64 `json:"overhead"`
}

// Exited is always the last event of a job that started ffmpeg.
type Exited struct {
	Status Status `json:"status"`
	// Code is ffmpeg's exit code; -1 when a signal ended it.
	Code int `json:"code"`
}

func (SegmentOpened) Type() string    { return "segment_opened" }
func (SegmentCompleted) Type() string { return "segment_completed" }
func (Progress) Type() string         { return "progress" }
func (Warning) Type() string          { return "warning" }
func (Error) Type() string            { return "error" }
func (MuxingComplete) Type() string   { return "muxing_complete" }
func (Exited) Type() string           { return "exited" }

// MarshalJSON writes durations in seconds.
func (e SegmentCompleted) MarshalJSON() ([]byte, error) {
	type plain SegmentCompleted
	return json.Marshal(struct {
		plain
		Duration float64 `json:"duration"`
	}{plain(e), secs(e.Duration)})
}

// MarshalJSON writes durations in seconds.
func (e Progress) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		OutTime float64 `json:"out_time"`
		Total   float64 `json:"total"`
		Percent float64 `json:"percent"`
		Speed   float64 `json:"speed"`
		FPS     float64 `json:"fps"`
		ETA     float64 `json:"eta"`
		Frame   int64   `json:"frame"`
		Size    int64   `json:"size"`
		Bitrate float64 `json:"bitrate"`
		Done    bool    `json:"done,omitempty"`
	}{secs(e.OutTime), secs(e.Total), e.Percent, e.Speed, e.FPS, secs(e.ETA),
		e.Frame, e.Size, e.Bitrate, e.Done})
}

// secs is d in seconds, computed so that JSON shows 1.511 rather than
// 1.5110000000000001.
func secs(d time.Duration) float64 { return float64(d) / float64(time.Second) }

// MarshalEvent encodes ev as one JSON object with its "type" first:
// {"type":"segment_completed","output":0,"index":3,...}.
func MarshalEvent(ev Event) ([]byte, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	head, _ := json.Marshal(ev.Type())
	out := make([]byte, 0, len(body)+len(head)+10)
	out = append(out, `{"type":`...)
	out = append(out, head...)
	if len(body) > 2 { // more than "{}"
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}
