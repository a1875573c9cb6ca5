package live

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/publish"
)

// Defaults of Config.
const (
	DefaultSegmentTime = 2 * time.Second
	DefaultWindow      = 10
	DefaultIdleTimeout = 10 * time.Second
	DefaultRendition   = "live"
	DefaultPreset      = "veryfast"
)

// Mode says whether the input is re-encoded.
type Mode string

const (
	// ModeEncode re-encodes to H.264 and AAC with a keyframe at every
	// segment boundary, whatever the source's GOP and codecs: segments are
	// exactly SegmentTime long and start with an IDR frame. The default.
	ModeEncode Mode = "encode"
	// ModeCopy stream-copies. The source must send H.264 or HEVC video and
	// AAC, MP3 or AC-3 audio with keyframes at most SegmentTime apart;
	// segments are cut on its keyframes, so a longer GOP gives longer
	// segments (and a larger target duration, see Warning).
	ModeCopy Mode = "copy"
)

// Config is one live job: a live source turned into sliding-window HLS in
// OutDir/<TrackID>/<Rendition>/index.m3u8, recorded in the catalog.
type Config struct {
	// Input is the live source: an srt:// URL (listener with
	// "?mode=listener", caller otherwise), a udp:// URL of MPEG-TS,
	// an rtmp:// URL (veza listens when the host is this machine and pulls
	// otherwise) or "-" for Stdin. See IsSource.
	Input string
	// Stdin is the stream read when Input is "-". Required then.
	Stdin io.Reader
	// OutDir is the output root.
	OutDir string
	// TrackID defaults to TrackIDFor(Input).
	TrackID string
	// Rendition names the rendition and its folder. It defaults to "live".
	Rendition string
	// Ladder, when set, makes the job a live ladder: one ffmpeg decodes the
	// source once and encodes every rung the source's size allows (see
	// ladder.NewPlan), with keyframes aligned at every segment boundary,
	// into OutDir/<TrackID>/<Rendition>/<rung>/index.m3u8, and a live
	// master beside them (master.m3u8) once every rung has its first
	// segment. Mode must be ModeEncode.
	Ladder *ladder.Ladder
	// Mode defaults to ModeEncode.
	Mode Mode
	// Preset is the x264 preset when encoding. It defaults to "veryfast".
	Preset string
	// SegmentTime is the target segment duration. It defaults to 2 s.
	SegmentTime time.Duration
	// Window is the number of segments the playlist keeps. It defaults to
	// 10 and is never below 6 segments and 3 × the target duration
	// (HLS-RULES L1).
	Window int
	// Event keeps every segment: an EVENT playlist that only grows.
	// Window is then ignored.
	Event bool
	// IdleTimeout ends the job when the source sends nothing for this
	// long after it started sending. It defaults to 10 s.
	IdleTimeout time.Duration
	// WaitTimeout bounds the wait for the source to start sending (and,
	// with Reconnect, to come back). 0 waits until ctx ends.
	WaitTimeout time.Duration
	// Reconnect waits for a lost source to come back instead of ending the
	// job; the stream continues after an EXT-X-DISCONTINUITY. A pipe
	// cannot come back: for "-" the job ends at the end of Stdin.
	Reconnect bool
	// Record, when set, is a file that receives the raw input (its audio
	// and video stream-copied into MPEG-TS) next to the HLS output. It must
	// not exist.
	Record string
	// Timeout ends the job after this long (status timeout). 0: no limit.
	Timeout time.Duration
	// Force replaces the output of an earlier stream of the same track and
	// rendition; without it such output is an error.
	Force bool
	// FFmpeg and FFprobe are the binaries; they default to names on PATH.
	FFmpeg, FFprobe string
	// Catalog records the track, the job and every segment (through
	// pkg/recorder). Required.
	Catalog *catalog.DB
	// CatalogRoot is the folder the catalog's paths are relative to. It
	// defaults to OutDir, where veza keeps the catalog unless told
	// otherwise.
	CatalogRoot string
	// Limiter, when set, must give the job a slot or the job is refused
	// with an error wrapping ErrCapacity.
	Limiter *Limiter
	// Publish, when not nil, keeps the live window in object storage as
	// well (see publish.Publisher): each segment is uploaded as it
	// completes and the playlist after it, and a segment is deleted from
	// the bucket when its file is deleted on disk, once the playlist in
	// the bucket no longer names it. The encoder never waits for the
	// network: when the uploads fall behind (Publish.Backlog), the
	// segments that already left the window are skipped. Its Dir is set to
	// OutDir and its OnEvent replaced: what happens in the bucket arrives
	// as BucketEvent and in the catalog. A failed upload fails the job
	// when it ends. nil publishes nothing.
	Publish *publish.Config
	// RecordBackup is, with Record and Publish, how often the recording
	// is copied to the bucket: the bytes written since the last copy go
	// up as the next part, TARGET/TRACK/record/NAME.partNNNNN, the rest
	// when the job ends, so a crash loses at most this much. The parts
	// concatenated are the recording. It defaults to DefaultRecordBackup.
	RecordBackup time.Duration
	// OnEvent receives the job's events, one at a time, in order.
	OnEvent func(Event)
	// Now is the wall clock of EXT-X-PROGRAM-DATE-TIME. It defaults to
	// time.Now.
	Now func() time.Time
}

func (c *Config) defaults() error {
	if c.Catalog == nil {
		return errors.New("live: no catalog")
	}
	if c.OutDir == "" {
		return errors.New("live: no output folder")
	}
	if !IsSource(c.Input) {
		return fmt.Errorf("live %q: not a live source (srt://, udp://, rtmp:// or - for stdin)", c.Input)
	}
	if c.Input == "-" && c.Stdin == nil {
		return errors.New("live \"-\": no stdin to read")
	}
	if c.CatalogRoot == "" {
		c.CatalogRoot = c.OutDir
	}
	if c.TrackID == "" {
		c.TrackID = TrackIDFor(c.Input)
	} else if err := catalog.CheckTrackID(c.TrackID); err != nil {
		return fmt.Errorf("live %q: %w", c.Input, err)
	}
	if c.Rendition == "" {
		c.Rendition = DefaultRendition
	} else if err := catalog.CheckTrackID(c.Rendition); err != nil {
		return fmt.Errorf("live %q: rendition: %w", c.Input, err)
	}
	switch c.Mode {
	case "":
		c.Mode = ModeEncode
	case ModeEncode, ModeCopy:
	default:
		return fmt.Errorf("live: mode %q: use encode or copy", c.Mode)
	}
	if c.Ladder != nil {
		if c.Mode != ModeEncode {
			return fmt.Errorf("live %q: %w", Redact(c.Input), ErrLadderCopy)
		}
		if err := c.Ladder.Validate(); err != nil {
			return fmt.Errorf("live %q: ladder %q: %w", Redact(c.Input), c.Ladder.Name, err)
		}
	}
	if c.Preset == "" {
		c.Preset = DefaultPreset
	}
	if c.SegmentTime <= 0 {
		c.SegmentTime = DefaultSegmentTime
	}
	if c.Window < 0 {
		return errors.New("live: the window must not be negative")
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.RecordBackup <= 0 {
		c.RecordBackup = DefaultRecordBackup
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// IsSource reports whether input names a live source veza reads: srt://,
// udp:// and rtmp:// URLs, and "-" for standard input.
func IsSource(input string) bool {
	if input == "-" {
		return true
	}
	l := strings.ToLower(input)
	for _, p := range []string{"srt://", "udp://", "rtmp://"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// TrackIDFor names the track of a live source after its protocol, port and
// path: "srt-9000", "udp-5000", "rtmp-1935-live-key", "stdin".
func TrackIDFor(input string) string {
	if input == "-" {
		return "stdin"
	}
	u, err := url.Parse(input)
	if err != nil {
		return "live"
	}
	parts := []string{strings.ToLower(u.Scheme)}
	if p := u.Port(); p != "" {
		parts = append(parts, p)
	}
	parts = append(parts, u.Path)
	if s := catalog.Slug(strings.Join(parts, "-")); s != "" {
		return s
	}
	return "live"
}

// inputFor is the ffmpeg input of a live source: the URL with veza's read
// options and the options placed before -i.
//
// Each protocol is given a way to end by itself when the source goes
// quiet, so ffmpeg finishes its files cleanly: ffmpeg does not react to
// SIGINT while it is blocked reading a socket. udp:// and srt:// get their
// own read timeout (microseconds, in the URL) and rtmp:// the generic
// -rw_timeout; a pipe is closed by veza. Options already in the URL win.
// Probing is cut to one second of input so the first segment is not late.
func inputFor(input string, idle time.Duration, listen func(host string) bool) (path string, args []string, err error) {
	args = []string{"-analyzeduration", "1000000"}
	if input == "-" {
		return input, args, nil
	}
	u, err := url.Parse(input)
	if err != nil {
		return "", nil, fmt.Errorf("live %q: %w", input, err)
	}
	us := strconv.FormatInt(idle.Microseconds(), 10)
	switch strings.ToLower(u.Scheme) {
	case "udp":
		input = addQuery(input, "timeout", us)
		// A burst the reader cannot keep up with loses packets instead of
		// ending the stream.
		input = addQuery(input, "overrun_nonfatal", "1")
	case "srt":
		input = addQuery(input, "timeout", us)
	case "rtmp":
		if listen(u.Hostname()) {
			args = append(args, "-listen", "1")
		}
		args = append(args, "-rw_timeout", us)
	}
	return input, args, nil
}

// addQuery appends k=v to the URL's query unless k is there. The URL is
// kept as written, not parsed and re-encoded: ffmpeg reads some values as
// they are (an SRT streamid such as "#!::r=live").
func addQuery(raw, k, v string) string {
	_, q, ok := strings.Cut(raw, "?")
	for _, p := range strings.Split(q, "&") {
		if p == k || strings.HasPrefix(p, k+"=") {
			return raw
		}
	}
	if ok {
		return raw + "&" + k + "=" + v
	}
	return raw + "?" + k + "=" + v
}

// isLocalHost says whether host is this machine, where an rtmp:// source is
// listened for rather than pulled.
func isLocalHost(host string) bool {
	switch strings.ToLower(host) {
	case "", "localhost", "0.0.0.0", "::":
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}
