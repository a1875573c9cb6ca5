package live

import (
	"time"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
)

// Event is something that happened during a live job. The concrete types
// are Waiting, Receiving, InputDetected, SegmentPublished,
// LadderPlanned, MasterWritten, SourceLost, Warning and FFmpeg.
type Event interface {
	// Type is the event's name: "waiting", "receiving", ...
	Type() string
}

// Waiting says ffmpeg was started (run 1, and again for each reconnection
// attempt) and waits for the source.
type Waiting struct {
	Run   int    `json:"run"`
	Input string `json:"input"`
	// Args are ffmpeg's arguments for this run.
	Args []string `json:"args"`
}

// Receiving says the source is sending: ffmpeg opened it and writes the
// first segment.
type Receiving struct {
	Run int `json:"run"`
}

// InputDetected reports the source's streams, as ffmpeg saw them when it
// opened the source, and the codecs of the HLS output, read from its first
// segment (the RFC 6381 CODECS string the catalog records).
type InputDetected struct {
	Run int `json:"run"`
	// Rendition is the output the codecs are of.
	Rendition string `json:"rendition,omitempty"`
	// Streams are the source's, reported with the first rendition's codecs.
	Streams []InputStream `json:"streams"`
	// Codecs is the output's CODECS string ("avc1.64000d,mp4a.40.2"); empty
	// when the segment could not be probed.
	Codecs string `json:"codecs"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
}

// SegmentPublished says a segment was added to the public playlist, which
// was rewritten, and recorded in the catalog.
type SegmentPublished struct {
	// Rendition is the rendition whose playlist named the segment.
	Rendition string `json:"rendition"`
	// Sequence is the segment's media sequence number (the catalog index).
	Sequence uint64 `json:"sequence"`
	Path     string `json:"path"`
	// Duration is the segment's EXTINF in seconds.
	Duration        float64   `json:"duration"`
	ProgramDateTime time.Time `json:"program_date_time"`
	Discontinuity   bool      `json:"discontinuity,omitempty"`
	// Window is the number of segments the playlist lists now.
	Window int `json:"window"`
	// Removed are the sequence numbers that left the playlist with this
	// version; Deleted counts the files of earlier removals deleted now.
	Removed []uint64 `json:"removed,omitempty"`
	Deleted int      `json:"deleted,omitempty"`
	// Latency is the time from the segment's file being complete on disk
	// (its modification time) to the playlist naming it.
	Latency time.Duration `json:"latency_ns"`
}

// SourceLost says the source stopped: it ended, went quiet for
// IdleTimeout, or failed. With Reconnecting set the job waits for it to
// come back.
type SourceLost struct {
	Run          int    `json:"run"`
	Reason       string `json:"reason"`
	Reconnecting bool   `json:"reconnecting"`
}

// LadderPlanned says which rungs of a live ladder the source allows: the
// renditions, highest first, and the rungs left out and why. It comes once,
// when the source first sends.
type LadderPlanned struct {
	Ladder     string   `json:"ladder"`
	Renditions []string `json:"renditions"`
	Dropped    []string `json:"dropped,omitempty"`
}

// MasterWritten says the live master playlist of a ladder was written: once
// every rendition had its first segment, and never again while the job runs.
type MasterWritten struct {
	Path     string        `json:"path"`
	Variants []hls.Variant `json:"variants"`
}

// BucketEvent reports what happened in the bucket, with Config.Publish:
// an object uploaded or deleted, an upload given up (dropped) or failed,
// or the upload queue falling behind.
type BucketEvent struct {
	// Action is "uploaded", "deleted", "dropped", "failed" or "behind".
	Action string `json:"action"`
	Bucket string `json:"bucket"`
	Key    string `json:"key,omitempty"`
	Size   int64  `json:"size,omitempty"`
	// Backlog is the number of uploads waiting, for "behind".
	Backlog int `json:"backlog,omitempty"`
	// Error says why, for "failed".
	Error string `json:"error,omitempty"`
}

// Warning is something the job survived but a person should know.
type Warning struct {
	Message string `json:"message"`
}

// FFmpeg passes on an event of the ffmpeg process of a run, for logs.
type FFmpeg struct {
	Run   int          `json:"run"`
	Event encode.Event `json:"event"`
}

func (Waiting) Type() string          { return "waiting" }
func (Receiving) Type() string        { return "receiving" }
func (InputDetected) Type() string    { return "input_detected" }
func (SegmentPublished) Type() string { return "segment_published" }
func (SourceLost) Type() string       { return "source_lost" }
func (LadderPlanned) Type() string    { return "ladder_planned" }
func (MasterWritten) Type() string    { return "master_written" }
func (Warning) Type() string          { return "warning" }
func (BucketEvent) Type() string      { return "bucket" }
func (FFmpeg) Type() string           { return "ffmpeg" }
