package encode

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/layout"
)

// DefaultTimeout is the time a job may run when Job.Timeout is zero.
const DefaultTimeout = 10 * time.Minute

// NoTimeout as Job.Timeout lets a job run for as long as it takes.
const NoTimeout time.Duration = -1

// DefaultGracePeriod is how long ffmpeg gets to finish after SIGINT before
// it is killed, when Job.GracePeriod is zero.
const DefaultGracePeriod = 5 * time.Second

// DefaultSegmentTime is HLSOptions.SegmentTime's default: 4 s, veza's VOD target.
const DefaultSegmentTime = 4 * time.Second

// Job is one ffmpeg run. Fill it and call Run. A Job runs once.
type Job struct {
	// FFmpeg is the ffmpeg binary, a path or a name looked up on PATH.
	// It defaults to "ffmpeg".
	FFmpeg string
	// FFprobe is the ffprobe binary used to find the input's duration when
	// Duration is zero. It defaults to "ffprobe".
	FFprobe string
	// Dir is ffmpeg's working directory; relative paths in the job are
	// relative to it. It defaults to the current directory.
	Dir string
	// Env is added to the environment ffmpeg inherits ("KEY=value").
	Env []string

	// GlobalArgs go after veza's own global options and before the inputs
	// ("-threads", "2", "-filter_threads", "1").
	GlobalArgs []string
	Inputs     []Input
	// FilterComplex is the -filter_complex graph, if any; outputs pick its
	// labelled pads with Output.Maps ("[v0]").
	FilterComplex string
	Outputs       []Output
	// Overwrite lets ffmpeg replace existing output files (-y). Without it
	// veza passes -n and ffmpeg refuses to overwrite instead of prompting.
	Overwrite bool

	// Duration is the media duration the job produces, for Progress.Percent
	// and ETA. When zero it is probed from the first input if that is a
	// local file; when that fails Percent stays 0.
	Duration time.Duration
	// ExpectDuration is how much media the output should reach, usually the
	// source's duration. When set, an output that ends more than a second
	// (and 2 %) short is reported in the Damaged event: a source whose header
	// promises more than it holds. Zero (the default) skips the check.
	ExpectDuration time.Duration
	// Timeout ends a job that runs longer (status timeout, error wrapping
	// ErrTimeout). It defaults to DefaultTimeout; NoTimeout disables it.
	Timeout time.Duration
	// GracePeriod is how long ffmpeg may take to exit after SIGINT before the
	// group is sent SIGKILL. It defaults to DefaultGracePeriod.
	GracePeriod time.Duration

	// OnEvent receives every event, in order, on the goroutine that called
	// Run. It must not block for long: ffmpeg's output waits meanwhile.
	OnEvent func(Event)
	// OnSuccess is called once ffmpeg exited 0 (after the Exited event).
	OnSuccess func()
	// OnError is called with Run's error when the job failed or was
	// cancelled.
	OnError func(error)
	// OnTimeout is called instead of OnError when the job timed out.
	OnTimeout func()

	status atomic.Value // Status
	ran    atomic.Bool
	// tap, when set by tests, sees every chunk ffmpeg writes to stderr ('E')
	// and to the progress pipe ('P'), as it arrives.
	tap func(stream byte, p []byte)
}

// Input is one -i of the command.
type Input struct {
	// Path is a file, a URL ("scheme://…"), "-" for stdin or a lavfi graph
	// (with Format "lavfi"). Anything but a URL or "-" is a local file,
	// whatever its name looks like: ffmpeg gets "file:PATH" and may use only
	// local protocols (ffprobe.InputArgs); a URL may use only the protocols
	// its scheme needs.
	Path string
	// Format forces the input format (-f), e.g. "lavfi".
	Format string
	// Args are input options placed before -i ("-ss", "10", "-re").
	Args []string
}

// Output is one output file or HLS media playlist of the command.
type Output struct {
	// Path is the output file, or the media playlist for HLS. Its directory
	// is created before ffmpeg starts.
	Path string
	// Format forces the muxer (-f). HLS outputs use "hls" whatever it says.
	Format string
	// Maps select streams (-map "0:a:0", "[v0]"); empty lets ffmpeg choose.
	Maps []string
	// VideoCodec and AudioCodec are -c:v/-c:a ("libx264", "aac", "copy").
	VideoCodec, AudioCodec string
	// VideoBitrate and AudioBitrate are -b:v/-b:a as ffmpeg reads them ("2M", "128k").
	VideoBitrate, AudioBitrate string
	// VideoFilter and AudioFilter are -vf/-af graphs.
	VideoFilter, AudioFilter string
	// NoVideo and NoAudio drop those streams (-vn, -an).
	NoVideo, NoAudio bool
	// Duration stops the output after that much media (-t).
	Duration time.Duration
	// Args are further output options, placed after the ones above and
	// before the path ("-preset", "veryfast", "-g", "48").
	Args []string
	// HLS makes the output an HLS media playlist with its segments.
	HLS *HLSOptions
}

// HLSOptions configure ffmpeg's hls muxer. ffmpeg writes the media playlist;
// veza only reads it.
type HLSOptions struct {
	// SegmentTime is the target segment length (-hls_time). It defaults to
	// DefaultSegmentTime. Segments are cut on keyframes, so set the encoder's
	// GOP to match.
	SegmentTime time.Duration
	// SegmentFilename is the segment path pattern with one %d-style number
	// (-hls_segment_filename). It defaults to "<playlist name>_%05d.ts" (or
	// ".m4s" with FMP4) next to the playlist.
	SegmentFilename string
	// PlaylistType is "vod" (the default), "event", or "live" for a sliding
	// window (no EXT-X-PLAYLIST-TYPE; set ListSize).
	PlaylistType string
	// ListSize is the number of segments kept in the playlist; 0 keeps all.
	ListSize int
	// StartNumber is the first segment's number (-start_number).
	StartNumber int
	// Flags are -hls_flags ("independent_segments", "temp_file", "delete_segments").
	Flags []string
	// FMP4 writes fragmented MP4 segments instead of MPEG-TS.
	FMP4 bool
	// InitFilename is the fMP4 init section's name, next to the playlist.
	// It defaults to "init.mp4".
	InitFilename string
}

// Status is the job's current status; safe to call from any goroutine.
func (j *Job) Status() Status {
	if s, ok := j.status.Load().(Status); ok {
		return s
	}
	return StatusPending
}

func (j *Job) setStatus(s Status) { j.status.Store(s) }

func (j *Job) ffmpegBin() string {
	if j.FFmpeg == "" {
		return "ffmpeg"
	}
	return j.FFmpeg
}

func (j *Job) timeout() time.Duration {
	switch {
	case j.Timeout == 0:
		return DefaultTimeout
	case j.Timeout < 0:
		return 0
	}
	return j.Timeout
}

func (j *Job) gracePeriod() time.Duration {
	if j.GracePeriod <= 0 {
		return DefaultGracePeriod
	}
	return j.GracePeriod
}

// validate reports a job ffmpeg could never run, before anything starts.
func (j *Job) validate() error {
	if len(j.Outputs) == 0 {
		return errors.New("job has no outputs")
	}
	if len(j.Inputs) == 0 && j.FilterComplex == "" {
		return errors.New("job has no inputs")
	}
	for i, in := range j.Inputs {
		if in.Path == "" {
			return fmt.Errorf("input %d has no path", i)
		}
	}
	for i, o := range j.Outputs {
		if o.Path == "" {
			return fmt.Errorf("output %d has no path", i)
		}
		if o.HLS != nil {
			switch o.HLS.PlaylistType {
			case "", "vod", "event", "live":
			default:
				return fmt.Errorf("output %d: playlist type %q: use vod, event or live", i, o.HLS.PlaylistType)
			}
			if o.HLS.SegmentFilename != "" && segmentPattern(o.HLS.SegmentFilename) == nil {
				return fmt.Errorf("output %d: segment filename %q needs one %%d number", i, o.HLS.SegmentFilename)
			}
		}
	}
	return nil
}

// progressFD is the file descriptor ffmpeg writes -progress reports to
// (the first of exec.Cmd.ExtraFiles).
const progressFD = 3

// Args returns ffmpeg's arguments for the job (without the program name),
// exactly as Run passes them.
func (j *Job) Args() []string {
	a := []string{"-hide_banner", "-nostdin",
		// level+ tags every line with its log level, so warnings and errors
		// are told apart without guessing from the wording.
		"-loglevel", "level+info"}
	if j.Overwrite {
		a = append(a, "-y")
	} else {
		a = append(a, "-n")
	}
	a = append(a, "-progress", "pipe:"+strconv.Itoa(progressFD))
	a = append(a, j.GlobalArgs...)
	for _, in := range j.Inputs {
		a = append(a, in.Args...)
		if in.Format != "" {
			a = append(a, "-f", in.Format)
		}
		if in.Format == "lavfi" {
			a = append(a, "-i", in.Path) // a filter graph, not a name
			continue
		}
		a = append(a, ffprobe.InputArgs(in.Path)...)
	}
	if j.FilterComplex != "" {
		a = append(a, "-filter_complex", j.FilterComplex)
	}
	for _, o := range j.Outputs {
		a = append(a, o.args()...)
	}
	return a
}

func (o *Output) args() []string {
	var a []string
	for _, m := range o.Maps {
		a = append(a, "-map", m)
	}
	opt := func(flag, v string) {
		if v != "" {
			a = append(a, flag, v)
		}
	}
	if o.NoVideo {
		a = append(a, "-vn")
	} else {
		opt("-c:v", o.VideoCodec)
		opt("-b:v", o.VideoBitrate)
		opt("-vf", o.VideoFilter)
	}
	if o.NoAudio {
		a = append(a, "-an")
	} else {
		opt("-c:a", o.AudioCodec)
		opt("-b:a", o.AudioBitrate)
		opt("-af", o.AudioFilter)
	}
	if o.Duration > 0 {
		a = append(a, "-t", seconds(o.Duration))
	}
	a = append(a, o.Args...)
	if h := o.HLS; h != nil {
		a = append(a, "-f", "hls", "-hls_time", seconds(h.segmentTime()))
		switch h.PlaylistType {
		case "", "vod":
			a = append(a, "-hls_playlist_type", "vod")
		case "event":
			a = append(a, "-hls_playlist_type", "event")
		}
		a = append(a, "-hls_list_size", strconv.Itoa(h.ListSize))
		if h.StartNumber != 0 {
			a = append(a, "-start_number", strconv.Itoa(h.StartNumber))
		}
		if len(h.Flags) > 0 {
			a = append(a, "-hls_flags", strings.Join(h.Flags, "+"))
		}
		if h.FMP4 {
			a = append(a, "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", h.initFilename())
		}
		a = append(a, "-hls_segment_filename", o.segmentFilename())
	} else {
		opt("-f", o.Format)
	}
	return append(a, o.Path)
}

func (h *HLSOptions) segmentTime() time.Duration {
	if h.SegmentTime <= 0 {
		return DefaultSegmentTime
	}
	return h.SegmentTime
}

func (h *HLSOptions) initFilename() string {
	if h.InitFilename == "" {
		return layout.Init
	}
	return h.InitFilename
}

// segmentFilename is the HLS segment pattern, defaulted from the playlist path.
func (o *Output) segmentFilename() string {
	if o.HLS.SegmentFilename != "" {
		return o.HLS.SegmentFilename
	}
	ext := layout.TS
	if o.HLS.FMP4 {
		ext = layout.FMP4
	}
	// A '%' in the playlist's own name must not read as a number format.
	stem := strings.ReplaceAll(strings.TrimSuffix(o.Path, filepath.Ext(o.Path)), "%", "%%")
	return stem + "_%05d" + ext
}

// seconds formats d as ffmpeg's duration syntax in seconds ("4", "2.5").
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
