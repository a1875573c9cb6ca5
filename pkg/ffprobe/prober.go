package ffprobe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds one ffprobe run so a hung network source cannot
// wedge a batch.
const DefaultTimeout = 30 * time.Second

// vfrPackets is how many packets Probe reads to measure frame timing: enough
// for several seconds of video next to audio, cheap because nothing is
// decoded.
const vfrPackets = 600

// Prober runs ffprobe. The zero value is ready to use.
type Prober struct {
	// Path is the ffprobe binary, looked up on PATH when it has no slash.
	// It defaults to "ffprobe".
	Path string
	// Timeout bounds each ffprobe run. It defaults to 30 s (DefaultTimeout).
	Timeout time.Duration
	// AllowIndirect accepts local inputs whose demuxer reads other files
	// named inside them (HLS playlists, concat scripts, image sequences).
	// It defaults to false: such a file is refused with ReasonIndirect.
	AllowIndirect bool
	// NoCodecStrings leaves out the codec private data, which only the
	// RFC 6381 codec strings need: Probe then runs ffprobe once instead of
	// twice for a video input, and Stream.CodecString stays empty where it
	// would come from that data (H.264 and HEVC in MP4, AAC in MP4).
	NoCodecStrings bool
}

// ErrNotFound is returned (wrapped) when the ffprobe binary cannot be found.
var ErrNotFound = errors.New("ffprobe not found")

// Reasons an input can fail; Error.Reason is one of these (or, for an
// unrecognised ffprobe failure, "ffprobe failed").
const (
	ReasonNoSuchFile = "no such file"
	ReasonIsDir      = "is a directory"
	ReasonEmpty      = "empty"
	ReasonNotMedia   = "not a media file"
	ReasonTruncated  = "truncated or damaged"
	ReasonPermission = "permission denied"
	ReasonTimeout    = "timed out"
	ReasonCancelled  = "cancelled"
	ReasonCannotOpen = "cannot open"
	ReasonNoVideo    = "no video stream"
	ReasonFailed     = "ffprobe failed"
	ReasonIndirect   = "refused: it names other files to read"
)

// Error reports why one input could not be probed:
//
//	probe "clip.mp4": not a media file (invalid data found)
type Error struct {
	// Input is the path or URL as given.
	Input string
	// Reason is a short cause, one of the Reason constants.
	Reason string
	// Err is the underlying error or ffprobe's own words; it may be nil.
	Err error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("probe %q: %s", e.Input, e.Reason)
	if e.Err != nil && !quietErr(e.Err) {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// quietErr says whether err only repeats the Reason, so Error() need not
// print it; it is still there for errors.Is.
func quietErr(err error) bool {
	for _, q := range []error{fs.ErrNotExist, fs.ErrPermission, syscall.EISDIR, context.DeadlineExceeded, context.Canceled} {
		if err == q {
			return true
		}
	}
	return false
}

func (p *Prober) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

func (p *Prober) binary() (string, error) {
	name := p.Path
	if name == "" {
		name = "ffprobe"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w (looked for %q): install FFmpeg (Debian/Ubuntu: apt-get install ffmpeg)", ErrNotFound, name)
	}
	return path, nil
}

// Probe runs ffprobe on a file path or URL and decodes the result. Local
// files are checked first so a missing file, a directory or an empty file
// gets a plain answer, and are passed as "file:PATH" so names with spaces,
// quotes, colons or a leading "-" reach ffprobe intact. URLs with a scheme
// ("https://", "srt://") pass through unchanged.
func (p *Prober) Probe(ctx context.Context, input string) (*Result, error) {
	arg, err := inputArg(input)
	if err != nil {
		return nil, err
	}
	args := probeArgs(arg)
	if p.NoCodecStrings {
		args = quickArgs(arg)
	}
	out, stderr, err := p.run(ctx, input, args...)
	if err != nil {
		return nil, err
	}
	if !p.NoCodecStrings && bytes.Contains(out, []byte(`"codec_type": "video"`)) {
		// Packet timestamps (for the VFR check) come from a second run:
		// with -show_data ffprobe would hex-dump every packet it reads,
		// which costs ten times the whole probe.
		pk, _, err := p.run(ctx, input, packetArgs(arg)...)
		if err != nil {
			return nil, err
		}
		if out, err = mergePackets(out, pk); err != nil {
			return nil, &Error{Input: input, Reason: ReasonFailed, Err: err}
		}
	}
	r, err := decode(out, !p.NoCodecStrings)
	if err != nil {
		return nil, &Error{Input: input, Reason: ReasonFailed, Err: err}
	}
	r.Input = input
	if !isURL(input) && !p.AllowIndirect {
		if d := indirectDemuxer(r.Format.Name); d != "" {
			return nil, &Error{Input: input, Reason: ReasonIndirect, Err: fmt.Errorf("demuxer %q; %w", d, ErrIndirect)}
		}
	}
	if !isURL(input) && strings.Contains(r.Format.Name, "mp4") {
		if err := checkMP4File(input); err != nil {
			return nil, &Error{Input: input, Reason: ReasonTruncated, Err: err}
		}
	}
	// ffprobe exits 0 after damage it could read past; say so.
	for _, l := range stderrLines(stderr, arg) {
		if len(r.Summary.Warnings) >= 8 {
			break
		}
		r.Summary.Warnings = append(r.Summary.Warnings, "ffprobe: "+l)
	}
	return r, nil
}

// probeArgs is the ffprobe command line for the container and streams,
// codec private data included.
func probeArgs(arg string) []string {
	return append([]string{"-v", "error", "-hide_banner",
		"-show_format", "-show_streams", "-show_data", "-of", "json"}, InputArgs(arg)...)
}

// quickArgs is probeArgs without the codec private data, reading the
// first packets' timestamps in the same run: with -show_data ffprobe would
// hex-dump every packet it reads, which costs ten times the whole probe.
func quickArgs(arg string) []string {
	return append([]string{"-v", "error", "-hide_banner", "-show_format", "-show_streams",
		"-show_entries", "packet=stream_index,pts,flags",
		"-read_intervals", "%+#" + strconv.Itoa(vfrPackets), "-of", "json"}, InputArgs(arg)...)
}

// packetArgs reads the first packets' timestamps and flags only.
func packetArgs(arg string) []string {
	return append([]string{"-v", "error", "-hide_banner",
		"-show_entries", "packet=stream_index,pts,flags",
		"-read_intervals", "%+#" + strconv.Itoa(vfrPackets), "-of", "json"}, InputArgs(arg)...)
}

// mergePackets adds the "packets" of a packetArgs run to a probeArgs run's
// JSON, giving the one document Decode reads.
func mergePackets(streams, packets []byte) ([]byte, error) {
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal(streams, &a); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(packets, &b); err != nil {
		return nil, err
	}
	if pk, ok := b["packets"]; ok {
		a["packets"] = pk
	}
	return json.Marshal(a)
}

// FrameInfo describes one decoded video frame.
type FrameInfo struct {
	KeyFrame bool    `json:"key_frame"`
	PictType string  `json:"pict_type"` // "I", "P", "B"
	PTS      float64 `json:"pts"`       // seconds
}

// FirstFrame reads the first video packet (cover art excluded) of a file or
// MPEG-TS segment and decodes it, for HLS-RULES S1: every segment starts
// with an IDR. KeyFrame needs both the packet's key flag and a decoded key
// frame: a segment cut mid-GOP decodes to nothing from its first packet
// (FrameInfo then has no PictType and the packet's PTS).
func (p *Prober) FirstFrame(ctx context.Context, input string) (FrameInfo, error) {
	arg, err := inputArg(input)
	if err != nil {
		return FrameInfo{}, err
	}
	return p.firstFrame(ctx, input, nil, arg)
}

// FirstFrameParts is FirstFrame for a segment that cannot be read alone: the
// files are concatenated into ffprobe's standard input, e.g. an fMP4 init
// section followed by one media segment (HLS-RULES S1 for fMP4). Errors
// name the last part, the segment being checked.
func (p *Prober) FirstFrameParts(ctx context.Context, parts ...string) (FrameInfo, error) {
	if len(parts) == 0 {
		return FrameInfo{}, errors.New("ffprobe: FirstFrameParts needs at least one file")
	}
	name := parts[len(parts)-1]
	var readers []io.Reader
	for _, part := range parts {
		if _, err := inputArg(part); err != nil {
			return FrameInfo{}, err
		}
		f, err := os.Open(part)
		if err != nil {
			return FrameInfo{}, &Error{Input: part, Reason: ReasonCannotOpen, Err: errors.Unwrap(err)}
		}
		defer f.Close()
		readers = append(readers, f)
	}
	return p.firstFrame(ctx, name, io.MultiReader(readers...), "pipe:0")
}

func (p *Prober) firstFrame(ctx context.Context, input string, stdin io.Reader, arg string) (FrameInfo, error) {
	args := append([]string{"-v", "error", "-hide_banner",
		"-select_streams", "V:0", "-read_intervals", "%+#1",
		"-show_entries", "packet=pts_time,flags:frame=key_frame,pict_type,pts_time,best_effort_timestamp_time",
		"-of", "json"}, InputArgs(arg)...)
	out, _, err := p.runStdin(ctx, input, stdin, args...)
	if err != nil {
		return FrameInfo{}, err
	}
	f, ok, err := decodeFirstFrame(out)
	if err != nil {
		return FrameInfo{}, &Error{Input: input, Reason: ReasonFailed, Err: err}
	}
	if !ok {
		return FrameInfo{}, &Error{Input: input, Reason: ReasonNoVideo}
	}
	return f, nil
}

// decodeFirstFrame reads the packets_and_frames list of FirstFrame's run.
func decodeFirstFrame(out []byte) (FrameInfo, bool, error) {
	var raw struct {
		Items []struct {
			Type     string `json:"type"`
			Flags    flex   `json:"flags"`
			KeyFrame flex   `json:"key_frame"`
			PictType flex   `json:"pict_type"`
			PTS      flex   `json:"pts_time"`
			BestPTS  flex   `json:"best_effort_timestamp_time"`
		} `json:"packets_and_frames"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return FrameInfo{}, false, err
	}
	pkt, frame := -1, -1
	for i, it := range raw.Items {
		if it.Type == "packet" && pkt < 0 {
			pkt = i
		}
		if it.Type == "frame" && frame < 0 {
			frame = i
		}
	}
	switch {
	case frame >= 0:
		f := raw.Items[frame]
		pts := f.PTS
		if pts.str() == "" {
			pts = f.BestPTS
		}
		key := f.KeyFrame.int() == 1
		if pkt >= 0 && !strings.HasPrefix(string(raw.Items[pkt].Flags), "K") {
			key = false
		}
		return FrameInfo{KeyFrame: key, PictType: f.PictType.str(), PTS: pts.float()}, true, nil
	case pkt >= 0:
		pk := raw.Items[pkt]
		return FrameInfo{KeyFrame: strings.HasPrefix(string(pk.Flags), "K"), PTS: pk.PTS.float()}, true, nil
	}
	return FrameInfo{}, false, nil
}

// KeyframeTimes lists the presentation times in seconds of the first video
// stream's keyframes, ascending. It reads packet flags only (no decoding),
// so it is fast even on long files.
func (p *Prober) KeyframeTimes(ctx context.Context, input string) ([]float64, error) {
	arg, err := inputArg(input)
	if err != nil {
		return nil, err
	}
	args := append([]string{"-v", "error", "-hide_banner",
		"-select_streams", "V:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0"}, InputArgs(arg)...)
	out, _, err := p.run(ctx, input, args...)
	if err != nil {
		return nil, err
	}
	times, packets := parseKeyframeCSV(out)
	if packets == 0 {
		return nil, &Error{Input: input, Reason: ReasonNoVideo}
	}
	return times, nil
}

// parseKeyframeCSV reads "pts_time,flags" lines ("0.040000,K__") and returns
// the sorted times of keyframe packets and how many packets it saw.
func parseKeyframeCSV(out []byte) ([]float64, int) {
	times := []float64{}
	n := 0
	for line := range strings.SplitSeq(string(out), "\n") {
		ts, flags, ok := strings.Cut(strings.TrimSpace(line), ",")
		if !ok {
			continue
		}
		n++
		if !strings.Contains(flags, "K") {
			continue
		}
		t, err := strconv.ParseFloat(ts, 64)
		if err != nil {
			continue // N/A: no timestamp to report
		}
		times = append(times, t)
	}
	slices.Sort(times)
	return times, n
}

// Version returns ffprobe's version, e.g. "5.1.8-0+deb12u1".
func (p *Prober) Version(ctx context.Context) (string, error) {
	out, _, err := p.run(ctx, "ffprobe", "-version")
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(out), "\n")
	f := strings.Fields(line)
	if len(f) < 3 || f[1] != "version" {
		return "", fmt.Errorf("ffprobe -version: unexpected output %q", line)
	}
	return f[2], nil
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

func isURL(s string) bool { return schemeRE.MatchString(s) }

// inputArg checks a local file and returns what to hand to ffprobe's -i.
func inputArg(input string) (string, error) {
	if isURL(input) {
		return input, nil
	}
	if input == "" {
		return "", &Error{Input: input, Reason: ReasonNoSuchFile, Err: fs.ErrNotExist}
	}
	st, err := os.Stat(input)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", &Error{Input: input, Reason: ReasonNoSuchFile, Err: fs.ErrNotExist}
	case errors.Is(err, fs.ErrPermission):
		return "", &Error{Input: input, Reason: ReasonPermission, Err: fs.ErrPermission}
	case err != nil:
		return "", &Error{Input: input, Reason: ReasonCannotOpen, Err: errors.Unwrap(err)}
	case st.IsDir():
		return "", &Error{Input: input, Reason: ReasonIsDir, Err: syscall.EISDIR}
	case st.Mode().IsRegular() && st.Size() == 0:
		return "", &Error{Input: input, Reason: ReasonEmpty}
	}
	// No trial open: a FIFO would block it outside the timeout; ffprobe's
	// own "Permission denied" is classified instead.
	// The file: protocol takes the rest verbatim: no option parsing of a
	// leading "-", no protocol guess from a colon in the name.
	return "file:" + input, nil
}

// run executes ffprobe with args and returns stdout and stderr. Failures of
// the process become *Error values for input.
func (p *Prober) run(ctx context.Context, input string, args ...string) ([]byte, string, error) {
	return p.runStdin(ctx, input, nil, args...)
}

// runStdin is run with ffprobe's standard input fed from stdin.
func (p *Prober) runStdin(ctx context.Context, input string, stdin io.Reader, args ...string) ([]byte, string, error) {
	bin, err := p.binary()
	if err != nil {
		return nil, "", err
	}
	tctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	cmd := exec.CommandContext(tctx, bin, args...)
	setProcessGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 16 << 10}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, "", &Error{Input: input, Reason: ReasonCancelled, Err: ctx.Err()}
	}
	if tctx.Err() != nil {
		return nil, "", &Error{Input: input, Reason: fmt.Sprintf("%s after %s", ReasonTimeout, p.timeout()), Err: context.DeadlineExceeded}
	}
	if runErr != nil {
		return nil, "", classify(input, args[len(args)-1], stderr.String(), runErr)
	}
	return stdout.Bytes(), stderr.String(), nil
}

// classify turns a failed ffprobe run into an Error from what it printed.
func classify(input, arg, stderr string, runErr error) *Error {
	lines := stderrLines(stderr, arg)
	has := func(s string) bool { return strings.Contains(stderr, s) }
	switch {
	case has("moov atom not found") && !isURL(input) && readableNonMP4(input):
		// The MP4 demuxer was picked by the name alone (text saved as
		// .mp4): judge the content.
		return &Error{Input: input, Reason: ReasonNotMedia, Err: errors.New("no MP4 boxes, only the name says mp4")}
	case has("moov atom not found"):
		return &Error{Input: input, Reason: ReasonTruncated, Err: errors.New("moov atom not found")}
	case has("Invalid data found when processing input"):
		return &Error{Input: input, Reason: ReasonNotMedia, Err: errors.New("invalid data found")}
	case has("No such file or directory"), has("404 Not Found"):
		return &Error{Input: input, Reason: ReasonNoSuchFile, Err: fs.ErrNotExist}
	case has("Is a directory"):
		return &Error{Input: input, Reason: ReasonIsDir, Err: syscall.EISDIR}
	case has("Permission denied"), has("403 Forbidden"):
		return &Error{Input: input, Reason: ReasonPermission, Err: fs.ErrPermission}
	case has("Protocol not found"):
		return &Error{Input: input, Reason: ReasonCannotOpen, Err: errors.New("unsupported protocol")}
	case has("Connection refused"), has("Connection timed out"), has("Server returned"),
		has("Input/output error"), has("Failed to resolve"), has("Network is unreachable"):
		return &Error{Input: input, Reason: ReasonCannotOpen, Err: errors.New(lines[len(lines)-1])}
	}
	detail := runErr
	if len(lines) > 0 {
		detail = errors.New(lines[len(lines)-1])
	}
	return &Error{Input: input, Reason: ReasonFailed, Err: detail}
}

var ptrPrefixRE = regexp.MustCompile(`^\[[^\]]+ @ 0x[0-9a-f]+\] `)

// stderrLines returns ffprobe's distinct error lines with the
// "[mov,mp4 @ 0x55…] " context and the "file:name: " prefix removed.
func stderrLines(stderr, arg string) []string {
	var out []string
	for l := range strings.SplitSeq(stderr, "\n") {
		l = strings.TrimSpace(ptrPrefixRE.ReplaceAllString(strings.TrimSpace(l), ""))
		if arg != "" {
			l = strings.TrimPrefix(l, arg+": ")
		}
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// tailBuffer keeps the last max bytes written: a damaged file can make
// ffprobe print an error per packet.
type tailBuffer struct {
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }

var _ io.Writer = (*tailBuffer)(nil)
