package transcode

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
	"github.com/veza-media/veza/pkg/shard"
)

// Format is what one input becomes.
type Format string

const (
	// FormatFile writes one file per input.
	FormatFile Format = "file"
	// FormatHLS writes a folder per input with an HLS media playlist
	// (index.m3u8) and its segments.
	FormatHLS Format = "hls"
)

// Config is one batch.
type Config struct {
	// Inputs are files, folders (searched recursively; media is recognised
	// by probing, not by name), globs, or "-" for a list of paths, one a
	// line, read from Stdin. Required.
	Inputs []string
	// Shard, when set, keeps only the expanded inputs that fall to this
	// shard, sorted by path, and says so in a Message; a shard that takes
	// none is an empty batch, not ErrNoInputs. The zero value keeps every
	// input in the order found.
	Shard shard.Shard
	// Stdin is where "-" reads paths from. It defaults to os.Stdin.
	Stdin io.Reader
	// OutDir is the folder the outputs go to (created if missing); an input
	// found in a folder keeps its place below that folder. Required.
	OutDir string
	// Presets are the presets by name. It defaults to the built-in table
	// (Builtin).
	Presets map[string]Preset
	// Preset names the encoding of every file; "" picks DefaultVideoPreset
	// for sources with video and DefaultAudioPreset for audio-only ones.
	Preset string
	// Override changes the chosen preset: its non-empty VCodec, ACodec,
	// VBitrate and ABitrate and a positive Height replace the preset's.
	Override Preset
	// Format is FormatFile (the default) or FormatHLS.
	Format Format
	// SegmentTime is the HLS target segment duration in seconds. It
	// defaults to 4.
	SegmentTime float64
	// Jobs is how many files are encoded at once. It defaults to the number
	// of CPUs when every file uses an audio preset (ffmpeg's audio encoders
	// use one core each) and to 1 otherwise (x264, x265 and SVT-AV1 already
	// use every core).
	Jobs int
	// Timeout bounds each file's encode like encode.Job.Timeout: it
	// defaults to encode.DefaultTimeout; encode.NoTimeout for none.
	Timeout time.Duration
	// Audio is loudness normalisation and silence trimming for every file;
	// the zero value leaves the sound alone.
	Audio audio.Settings
	// Strict fails a file whose source is damaged but decodable (ffmpeg
	// reported decode errors or corrupt packets, or the file ended well
	// before its header said) instead of keeping the output with a warning.
	// It defaults to false.
	Strict bool
	// FFmpeg is the ffmpeg binary. It defaults to "ffmpeg".
	FFmpeg string
	// Prober probes the inputs. It defaults to a zero ffprobe.Prober
	// (ffprobe on PATH).
	Prober *ffprobe.Prober
	// Publish, when not nil, uploads each output to object storage as soon
	// as it is renamed into place (see pkg/publish). Its Target, KeysTo,
	// endpoint and upload settings are used; Dir and Paths are set for each
	// output, Delete and DryRun are ignored, and its objects are reported
	// as ObjectPublished events, not to its OnEvent. An output that could
	// not be published fails its item; the file stays on disk.
	Publish *publish.Config
	// Recorder, when set, records every HLS output in its catalog: a track
	// per output (named by the slug of its folder below OutDir), a
	// rendition named after the preset, a job per encode, and the segments
	// of the final playlist once the output is in place. Only with
	// FormatHLS. Nil records nothing.
	Recorder *recorder.Recorder
	// OnEvent receives the batch's events (see Event). Calls never overlap;
	// the events of one file come in order. It may be nil.
	OnEvent func(Event)
}

// DefaultSegmentTime is Config.SegmentTime's default, in seconds.
const DefaultSegmentTime = 4.0

// Errors Run returns before encoding anything.
var (
	// ErrUnknownPreset: Config.Preset names no preset.
	ErrUnknownPreset = errors.New("no such preset")
	// ErrFLACInHLS: a FLAC preset asked for HLS output, which ffmpeg 5.1
	// cannot segment.
	ErrFLACInHLS = errors.New("FLAC cannot be segmented for HLS by ffmpeg 5.1")
	// ErrNoInputs: the inputs expanded to no file at all.
	ErrNoInputs = errors.New("transcode: no input files")
	// ErrDamaged fails a file whose source is damaged when Config.Strict
	// is set.
	ErrDamaged = errors.New("source damaged")
)

func (c Config) withDefaults() Config {
	if c.Stdin == nil {
		c.Stdin = os.Stdin
	}
	if c.Presets == nil {
		c.Presets = map[string]Preset{}
		for _, p := range builtinPresets {
			c.Presets[p.Name] = p
		}
	}
	if c.Format == "" {
		c.Format = FormatFile
	}
	if c.SegmentTime == 0 {
		c.SegmentTime = DefaultSegmentTime
	}
	if c.Timeout == 0 {
		c.Timeout = encode.DefaultTimeout
	}
	if c.FFmpeg == "" {
		c.FFmpeg = "ffmpeg"
	}
	if c.Prober == nil {
		c.Prober = &ffprobe.Prober{}
	}
	return c
}

func (c Config) check() error {
	switch {
	case c.OutDir == "":
		return errors.New("transcode: no output folder")
	case c.Format != FormatFile && c.Format != FormatHLS:
		return fmt.Errorf("transcode: format %q: want %s or %s", c.Format, FormatFile, FormatHLS)
	case c.SegmentTime < 0:
		return errors.New("transcode: the segment time must be positive")
	case c.Jobs < 0:
		return errors.New("transcode: jobs must be at least 1")
	case c.Recorder != nil && c.Format != FormatHLS:
		return errors.New("transcode: only HLS output is recorded in a catalog")
	}
	return c.Audio.Validate()
}

// Item is one input file of the batch and what became of it.
type Item struct {
	// Input is the path as given or found.
	Input string `json:"input"`
	// rel is the folder under OutDir the output goes to (the input's place
	// below a folder argument).
	rel      string
	explicit bool // named in Inputs, on stdin or by a glob, not found in a folder
	src      source
	preset   Preset

	// Output is the output's final path (a folder for HLS).
	Output string `json:"output,omitempty"`
	Preset string `json:"preset,omitempty"`
	// Status is encode's final status (done, error, timeout, cancelled) or
	// StatusSkipped.
	Status   string  `json:"status"`
	Duration float64 `json:"duration"` // media seconds
	Bytes    int64   `json:"bytes"`
	Elapsed  float64 `json:"elapsed"` // wall seconds
	Speed    float64 `json:"speed"`   // media seconds per wall second
	// Segments counts the HLS segments written.
	Segments int    `json:"segments,omitempty"`
	Error    string `json:"error,omitempty"`
	// Loudness says what loudness and silence processing did, when asked.
	Loudness *audio.Report `json:"loudness,omitempty"`
	// Damage is what ffmpeg reported of a damaged source; nil when clean.
	Damage *encode.Damaged `json:"damage,omitempty"`
	// Published is the s3:// URL the output was published to, with
	// Config.Publish.
	Published string `json:"published,omitempty"`
}

// StatusSkipped marks a file found in a folder that is not media.
const StatusSkipped = "skipped"

const (
	statusDone      = string(encode.StatusDone)
	statusError     = string(encode.StatusError)
	statusCancelled = string(encode.StatusCancelled)
)

func (it *Item) fail(status string, err error) {
	it.Status, it.Error = status, err.Error()
}

// Result is what a batch did, one Item per file in input order.
type Result struct {
	Items []*Item
}

// Counts returns how many files were not encoded and how many
// were media (skipped ones are neither).
func (r *Result) Counts() (failed, total int) {
	for _, it := range r.Items {
		switch it.Status {
		case StatusSkipped:
		case statusDone:
			total++
		default:
			total++
			failed++
		}
	}
	return failed, total
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
