package encode

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Level is the log level ffmpeg tagged a line with ("-loglevel level+info"
// prefixes every line with it). LevelUnknown means the line carried no tag,
// as in transcripts captured without the level flag.
type Level int

const (
	LevelUnknown Level = iota
	LevelTrace
	LevelDebug
	LevelVerbose
	LevelInfo
	LevelWarning
	LevelError
	LevelFatal
	LevelPanic
)

var levelNames = map[string]Level{
	"trace": LevelTrace, "debug": LevelDebug, "verbose": LevelVerbose, "info": LevelInfo,
	"warning": LevelWarning, "error": LevelError, "fatal": LevelFatal, "panic": LevelPanic,
}

// LogLine is one stderr line taken apart.
type LogLine struct {
	// Context is the component that logged the line ("hls @ 0x55d0", "out#0/hls @ 0x1"),
	// empty for ffmpeg's own messages.
	Context string
	Level   Level
	// Text is the message without the context and level prefixes.
	Text string
}

// ParseLogLine splits the "[context @ 0x...] [level] " prefixes off a stderr
// line. Either prefix may be missing; a bracketed word that is neither is
// left in Text.
func ParseLogLine(line string) LogLine {
	var l LogLine
	rest := line
	for range 2 {
		if !strings.HasPrefix(rest, "[") {
			break
		}
		end := strings.Index(rest, "] ")
		if end < 0 {
			break
		}
		inner := rest[1:end]
		if lv, ok := levelNames[inner]; ok && l.Level == LevelUnknown {
			l.Level = lv
		} else if strings.Contains(inner, " @ ") && l.Context == "" && l.Level == LevelUnknown {
			l.Context = inner
		} else {
			break
		}
		rest = rest[end+2:]
	}
	l.Text = rest
	return l
}

// ErrorKind classifies an error line.
type ErrorKind string

const (
	KindInputMissing     ErrorKind = "input_missing"
	KindInvalidData      ErrorKind = "invalid_data"
	KindUnknownEncoder   ErrorKind = "unknown_encoder"
	KindUnknownFormat    ErrorKind = "unknown_format"
	KindUnknownOption    ErrorKind = "unknown_option"
	KindPermissionDenied ErrorKind = "permission_denied"
	KindNoSpace          ErrorKind = "no_space"
	KindOther            ErrorKind = "other"
)

// String is the kind in words, for messages.
func (k ErrorKind) String() string { return strings.ReplaceAll(string(k), "_", " ") }

// errorPatterns are matched in order against a line's text; the first hit
// decides the kind. They are the messages ffmpeg 4.x–7.x print for each cause.
var errorPatterns = []struct {
	substr string
	kind   ErrorKind
}{
	{"No such file or directory", KindInputMissing},
	{"Error opening input file", KindInputMissing},
	{"does not exist", KindInputMissing},
	{"Invalid data found when processing input", KindInvalidData},
	{"moov atom not found", KindInvalidData},
	{"Unknown encoder", KindUnknownEncoder},
	{"Encoder not found", KindUnknownEncoder},
	{"Unknown decoder", KindUnknownEncoder},
	{"Decoder not found", KindUnknownEncoder},
	{"Requested output format", KindUnknownFormat},
	{"Unable to find a suitable output format", KindUnknownFormat},
	{"Unknown input format", KindUnknownFormat},
	{"Unrecognized option", KindUnknownOption},
	{"Option not found", KindUnknownOption},
	{"Error splitting the argument list", KindUnknownOption},
	{"Permission denied", KindPermissionDenied},
	{"No space left on device", KindNoSpace},
}

// classifyError returns the kind of an error message. ok is false when the
// text matches no known cause; the caller decides from the level whether the
// line is an error at all.
func classifyError(text string) (ErrorKind, bool) {
	for _, p := range errorPatterns {
		if strings.Contains(text, p.substr) {
			return p.kind, true
		}
	}
	return KindOther, false
}

// untaggedError reports whether a line without a level tag reads like an
// error; only used for output captured without "-loglevel level+...".
func untaggedError(text string) bool {
	return strings.HasPrefix(text, "Error ") || strings.HasPrefix(text, "Error:") ||
		strings.Contains(text, "Conversion failed!")
}

// Stats is ffmpeg's periodic status line on stderr:
//
//	frame=  125 fps=0.0 q=-1.0 Lsize=N/A time=00:00:05.01 bitrate=N/A speed=52.2x
//	size=     256KiB time=00:00:05.00 bitrate= 419.4kbits/s speed= 250x elapsed=0:00:00.02
//
// Unknown ("N/A") fields are zero and their Has flag false.
type Stats struct {
	Frame   int64
	FPS     float64
	Size    int64 // bytes; -1 when N/A
	Time    time.Duration
	HasTime bool
	Bitrate float64 // bits per second; 0 when N/A
	Speed   float64 // 0 when N/A
	Final   bool    // "Lsize=" marks the last report
}

// ParseStats parses a stats line (its text, prefixes removed). ok is false
// for any other line.
func ParseStats(text string) (Stats, bool) {
	s := Stats{Size: -1}
	t := strings.TrimSpace(text)
	if !(strings.HasPrefix(t, "frame=") || strings.HasPrefix(t, "size=") || strings.HasPrefix(t, "Lsize=")) {
		return s, false
	}
	fields := statFields(t)
	tm, hasTime := fields["time"]
	if !hasTime {
		return s, false
	}
	if d, ok := parseClock(tm); ok {
		s.Time, s.HasTime = d, true
	}
	if v, ok := fields["frame"]; ok {
		s.Frame, _ = strconv.ParseInt(v, 10, 64)
	}
	if v, ok := fields["fps"]; ok {
		s.FPS, _ = parseFloat(v)
	}
	size, ok := fields["size"]
	if v, final := fields["Lsize"]; final {
		size, ok, s.Final = v, true, true
	}
	if ok {
		if n, ok := parseSize(size); ok {
			s.Size = n
		}
	}
	if v, ok := fields["bitrate"]; ok {
		s.Bitrate = parseBitrate(v)
	}
	if v, ok := fields["speed"]; ok {
		s.Speed = parseSpeed(v)
	}
	return s, true
}

// statFields reads "key=  value" pairs; ffmpeg pads values with spaces after
// the '=' to keep columns aligned.
func statFields(t string) map[string]string {
	m := make(map[string]string, 8)
	for len(t) > 0 {
		eq := strings.IndexByte(t, '=')
		if eq <= 0 {
			break
		}
		key := strings.TrimSpace(t[:eq])
		if i := strings.LastIndexByte(key, ' '); i >= 0 {
			key = key[i+1:]
		}
		t = strings.TrimLeft(t[eq+1:], " ")
		end := strings.IndexByte(t, ' ')
		if end < 0 {
			end = len(t)
		}
		m[key] = t[:end]
		t = t[end:]
	}
	return m
}

// parseClock reads [-]HH:MM:SS[.frac] as printed in "time=" and "out_time=".
// Negative times (printed before the first packet) are clamped to zero.
func parseClock(v string) (time.Duration, bool) {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return 0, false
	}
	h, err1 := strconv.ParseUint(parts[0], 10, 32)
	m, err2 := strconv.ParseUint(parts[1], 10, 8)
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil || sec < 0 || sec >= 61 || m >= 60 {
		return 0, false
	}
	if neg {
		return 0, true
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sec*float64(time.Second)).Round(time.Microsecond)
	if d < 0 { // overflow of absurd hours
		return 0, false
	}
	return d, true
}

func parseFloat(v string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f != f || f < 0 || f > 1e15 {
		return 0, false
	}
	return f, true
}

// parseSize reads sizes printed as "256kB", "256KiB", "1234B", "N/A" or a
// plain byte count. ffmpeg's kB has always meant 1024 bytes.
func parseSize(v string) (int64, bool) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1024}, {"kB", 1024}, {"MiB", 1 << 20}, {"MB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	f, ok := parseFloat(v)
	if !ok {
		return 0, false
	}
	return int64(f * float64(mult)), true
}

// parseBitrate reads "419.4kbits/s" (or "N/A") into bits per second.
func parseBitrate(v string) float64 {
	v = strings.TrimSpace(v)
	mult := 1.0
	switch {
	case strings.HasSuffix(v, "kbits/s"):
		v, mult = strings.TrimSuffix(v, "kbits/s"), 1000
	case strings.HasSuffix(v, "bits/s"):
		v = strings.TrimSuffix(v, "bits/s")
	}
	f, _ := parseFloat(v)
	// Whole bits: 32.7kbits/s is 32700, not 32700.000000000004.
	return math.Round(f * mult)
}

// parseSpeed reads "52.2x", "   0x" or "N/A".
func parseSpeed(v string) float64 {
	f, _ := parseFloat(strings.TrimSuffix(strings.TrimSpace(v), "x"))
	return f
}

// Summary is ffmpeg's end-of-run size report:
//
//	video:465kB audio:43kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown
//	[out#0/hls @ 0x5] video:465KiB audio:43KiB subtitle:0KiB other streams:0KiB global headers:0KiB muxing overhead: 1.234567%
type Summary struct {
	VideoBytes, AudioBytes int64
	// Overhead is the muxing overhead in percent; nil when ffmpeg printed "unknown".
	Overhead *float64
}

// ParseSummary parses the muxing summary line's text. ok is false for any
// other line.
func ParseSummary(text string) (Summary, bool) {
	var s Summary
	i := strings.Index(text, "muxing overhead:")
	if i < 0 {
		return s, false
	}
	ov := strings.TrimSpace(text[i+len("muxing overhead:"):])
	if f, ok := parseFloat(strings.TrimSuffix(ov, "%")); ok && strings.HasSuffix(ov, "%") {
		s.Overhead = &f
	}
	head := text[:i]
	for _, k := range []struct {
		key string
		dst *int64
	}{{"video:", &s.VideoBytes}, {"audio:", &s.AudioBytes}} {
		j := strings.Index(head, k.key)
		if j < 0 {
			continue
		}
		v := head[j+len(k.key):]
		if e := strings.IndexByte(v, ' '); e >= 0 {
			v = v[:e]
		}
		*k.dst, _ = parseSize(v)
	}
	return s, true
}

// ParseOpening extracts the path from "[hls @ 0x…] Opening 'path' for
// writing", which ffmpeg's HLS (and segment, dash, image2) muxers log for
// every file they create. Only a line where the message directly follows a
// component context (and an optional level tag) counts, so input metadata
// printed in the stream dump cannot fake one. The context is looked for
// anywhere in the line so that a stats line it got glued to does not hide it.
func ParseOpening(line string) (string, bool) {
	const pre, post = "Opening '", "' for writing"
	i := strings.Index(line, pre)
	if i < 0 || !afterContext(line[:i]) {
		return "", false
	}
	rest := line[i+len(pre):]
	j := strings.LastIndex(rest, post)
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}

// afterContext reports whether head ends with "[name @ 0x…] ", optionally
// followed by a level tag such as "[info] ".
func afterContext(head string) bool {
	if strings.HasSuffix(head, "] ") {
		if k := strings.LastIndexByte(head[:len(head)-2], '['); k >= 0 {
			if _, ok := levelNames[head[k+1:len(head)-2]]; ok {
				head = head[:k]
			}
		}
	}
	if !strings.HasSuffix(head, "] ") {
		return false
	}
	k := strings.LastIndexByte(head[:len(head)-2], '[')
	if k < 0 {
		return false
	}
	name, addr, ok := strings.Cut(head[k+1:len(head)-2], " @ ")
	if !ok || name == "" || !strings.HasPrefix(addr, "0x") || strings.ContainsAny(name, "[]") {
		return false
	}
	// What comes before the context is nothing, a level tag, or a stats
	// line that lost its '\r' — never the text of another message.
	before := strings.TrimSpace(head[:k])
	if _, isLevel := levelNames[strings.Trim(before, "[]")]; before == "" || isLevel && strings.HasPrefix(before, "[") {
		return true
	}
	_, stats := ParseStats(before)
	return stats
}

// outputIndex reads N from a "out#N/muxer @ 0x..." context (ffmpeg 6.1+);
// -1 when the line does not name an output.
func outputIndex(context string) int {
	rest, ok := strings.CutPrefix(context, "out#")
	if !ok {
		return -1
	}
	end := strings.IndexAny(rest, "/ ")
	if end < 0 {
		return -1
	}
	n, err := strconv.Atoi(rest[:end])
	if err != nil || n < 0 {
		return -1
	}
	return n
}
