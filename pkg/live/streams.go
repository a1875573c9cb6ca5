package live

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
)

// InputStream is one stream of the live input as ffmpeg described it when
// it opened the source ("Stream #0:0[0x100]: Video: h264 (High) ...").
type InputStream struct {
	// Index is the stream's index in the input (the 1 of "#0:1").
	Index int `json:"index"`
	// Type is "video", "audio", "subtitle" or "data".
	Type string `json:"type"`
	// Codec is ffmpeg's codec name: "h264", "hevc", "av1", "aac", "opus", "mp3".
	Codec string `json:"codec"`
	// Profile is the codec profile when ffmpeg names one ("High", "LC").
	Profile string `json:"profile,omitempty"`
	// Width, Height and FrameRate describe video; 0 when not given.
	Width     int     `json:"width,omitempty"`
	Height    int     `json:"height,omitempty"`
	FrameRate float64 `json:"frame_rate,omitempty"`
	// SampleRate and Channels describe audio ("stereo", "mono", "5.1").
	SampleRate int    `json:"sample_rate,omitempty"`
	Channels   string `json:"channels,omitempty"`
}

// String is the stream in a few words: "h264 (High) 320x240 25 fps".
func (s InputStream) String() string {
	var b strings.Builder
	b.WriteString(s.Codec)
	if s.Profile != "" {
		b.WriteString(" (" + s.Profile + ")")
	}
	if s.Width > 0 {
		b.WriteString(" " + strconv.Itoa(s.Width) + "x" + strconv.Itoa(s.Height))
	}
	if s.FrameRate > 0 {
		b.WriteString(" " + strconv.FormatFloat(s.FrameRate, 'f', -1, 64) + " fps")
	}
	if s.SampleRate > 0 {
		b.WriteString(" " + strconv.Itoa(s.SampleRate) + " Hz")
	}
	if s.Channels != "" {
		b.WriteString(" " + s.Channels)
	}
	return b.String()
}

// ParseInputStreams reads the streams of ffmpeg's first input from its log
// (the report veza has ffmpeg write, or stderr): the "Stream #0:N" lines
// between "Input #0" and the stream mapping or first output. Lines may carry
// ffmpeg's "[context @ 0x..] [level]" prefixes. It returns nil when the log
// does not describe an input yet.
func ParseInputStreams(log []byte) []InputStream {
	var out []InputStream
	in := false
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		text := encode.ParseLogLine(sc.Text()).Text
		trimmed := strings.TrimSpace(text)
		switch {
		case strings.HasPrefix(trimmed, "Input #0"):
			in = true
			continue
		case !in:
			continue
		case strings.HasPrefix(trimmed, "Output #"), strings.HasPrefix(trimmed, "Stream mapping"),
			strings.HasPrefix(trimmed, "Input #"):
			return out
		}
		if s, ok := ParseStreamLine(trimmed); ok {
			out = append(out, s)
		}
	}
	return out
}

// ParseStreamLine parses one stream description of ffmpeg's input dump:
//
//	Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 90k tbn
//	Stream #0:1(eng): Audio: aac (LC), 48000 Hz, stereo, fltp, 128 kb/s
//	Stream #0:0: Video: av1 (libdav1d) (Main), yuv420p(tv, progressive), 640x360, 30 fps
//
// ok is false for any other line.
func ParseStreamLine(line string) (InputStream, bool) {
	var s InputStream
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Stream #")
	if !ok {
		return s, false
	}
	id, rest, ok := strings.Cut(rest, ": ")
	if !ok {
		return s, false
	}
	// "0:1[0x101](eng)": the input, the stream, then optional id and language.
	_, idx, ok := strings.Cut(id, ":")
	if !ok {
		return s, false
	}
	if i := strings.IndexAny(idx, "[("); i >= 0 {
		idx = idx[:i]
	}
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 {
		return s, false
	}
	s.Index = n
	kind, desc, ok := strings.Cut(rest, ": ")
	if !ok {
		return s, false
	}
	switch kind {
	case "Video", "Audio", "Subtitle", "Data", "Attachment":
		s.Type = strings.ToLower(kind)
	default:
		return s, false
	}
	fields := splitTopLevel(desc)
	if len(fields) == 0 || fields[0] == "" {
		return s, false
	}
	s.Codec, s.Profile = codecAndProfile(fields[0])
	for _, f := range fields[1:] {
		switch {
		case s.Type == "video" && s.Width == 0 && isSize(f):
			w, h := parseSize(f)
			s.Width, s.Height = w, h
		case s.Type == "video" && strings.HasSuffix(f, " fps"):
			s.FrameRate, _ = strconv.ParseFloat(strings.TrimSuffix(f, " fps"), 64)
		case s.Type == "audio" && strings.HasSuffix(f, " Hz"):
			s.SampleRate, _ = strconv.Atoi(strings.TrimSuffix(f, " Hz"))
		case s.Type == "audio" && s.SampleRate > 0 && s.Channels == "":
			// The channel layout follows the sample rate ("stereo", "5.1(side)",
			// "2 channels").
			s.Channels = f
		}
	}
	return s, true
}

// codecAndProfile splits "h264 (High) ([27][0][0][0] / 0x001B)" into the
// codec and its profile. ffmpeg prints the decoder's name in parentheses
// when it differs from the codec's ("mp3 (mp3float)", "av1 (libdav1d)") and
// the codec tag as "(xxxx / 0x...)"; a profile is the group that starts with
// an upper-case letter ("High", "LC", "Main 10", "HE-AACv2").
func codecAndProfile(f string) (codec, profile string) {
	codec, rest, _ := strings.Cut(f, " ")
	for {
		open := strings.IndexByte(rest, '(')
		if open < 0 {
			return codec, profile
		}
		end := strings.IndexByte(rest[open:], ')')
		if end < 0 {
			return codec, profile
		}
		g := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		if g != "" && g[0] >= 'A' && g[0] <= 'Z' && !strings.Contains(g, " / 0x") && profile == "" {
			profile = g
		}
	}
}

// splitTopLevel splits a stream description on the commas that are not
// inside parentheses or brackets: "yuv420p(tv, progressive)" stays whole.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// isSize reports whether f starts with "WxH" ("320x240 [SAR 1:1 DAR 4:3]").
func isSize(f string) bool {
	w, h := parseSize(f)
	return w > 0 && h > 0
}

func parseSize(f string) (int, int) {
	f, _, _ = strings.Cut(f, " ")
	ws, hs, ok := strings.Cut(f, "x")
	if !ok {
		return 0, 0
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0
	}
	return w, h
}

// probeOf describes the input streams as an ffprobe.Result, the shape the
// catalog keeps a track's source description in. Only what ffmpeg printed is
// filled in: a live source cannot be probed twice.
func probeOf(input string, streams []InputStream) *ffprobe.Result {
	r := &ffprobe.Result{Input: input, Streams: []ffprobe.Stream{}}
	for _, s := range streams {
		r.Streams = append(r.Streams, ffprobe.Stream{Index: s.Index, Type: s.Type, Codec: s.Codec, Profile: s.Profile,
			Width: s.Width, Height: s.Height, FrameRate: s.FrameRate, SampleRate: s.SampleRate, ChannelLayout: s.Channels})
		switch s.Type {
		case "video":
			if !r.Summary.HasVideo {
				r.Summary.DisplayWidth, r.Summary.DisplayHeight = s.Width, s.Height
			}
			r.Summary.HasVideo = true
		case "audio":
			r.Summary.HasAudio = true
		}
	}
	r.Summary.Usable = r.Summary.HasVideo || r.Summary.HasAudio
	r.Summary.Problems, r.Summary.Warnings = []string{}, []string{}
	return r
}
