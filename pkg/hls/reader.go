package hls

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// SyntaxError is a playlist that cannot be read. Rule names the HLS-RULES.md
// rule the defect breaks when there is one, so the validator can report a
// playlist it could not read under the right id.
type SyntaxError struct {
	Line int // 1-based; 0 for the file as a whole
	Rule string
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// ErrNotMedia and ErrNotMaster are returned by ParseMedia and ParseMaster
// when the playlist is of the other kind.
var (
	ErrNotMedia  = errors.New("a multivariant (master) playlist, not a media playlist")
	ErrNotMaster = errors.New("a media playlist, not a multivariant (master) playlist")
)

// masterOnly and mediaOnly decide a playlist's kind: RFC 8216 §4.1 says a
// playlist holding both kinds of tags is invalid.
var masterOnly = map[string]bool{
	"EXT-X-STREAM-INF": true, "EXT-X-I-FRAME-STREAM-INF": true, "EXT-X-MEDIA": true,
	"EXT-X-SESSION-DATA": true, "EXT-X-SESSION-KEY": true, "EXT-X-CONTENT-STEERING": true,
}

var mediaOnly = map[string]bool{
	"EXTINF": true, "EXT-X-TARGETDURATION": true, "EXT-X-MEDIA-SEQUENCE": true,
	"EXT-X-DISCONTINUITY-SEQUENCE": true, "EXT-X-ENDLIST": true, "EXT-X-PLAYLIST-TYPE": true,
	"EXT-X-I-FRAMES-ONLY": true, "EXT-X-BYTERANGE": true, "EXT-X-DISCONTINUITY": true,
	"EXT-X-KEY": true, "EXT-X-MAP": true, "EXT-X-PROGRAM-DATE-TIME": true, "EXT-X-GAP": true,
	"EXT-X-DATERANGE": true, "EXT-X-PART": true, "EXT-X-PART-INF": true,
	"EXT-X-SERVER-CONTROL": true, "EXT-X-PRELOAD-HINT": true, "EXT-X-RENDITION-REPORT": true,
	"EXT-X-SKIP": true,
}

// ReadFile reads and parses the playlist at path. Exactly one of master and
// media is non-nil when err is nil. Errors name the file.
func ReadFile(path string) (*MasterPlaylist, *MediaPlaylist, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	master, media, err := Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("playlist %q: %w", path, err)
	}
	return master, media, nil
}

// ReadMedia reads the media playlist at path.
func ReadMedia(path string) (*MediaPlaylist, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := ParseMedia(data)
	if err != nil {
		return nil, fmt.Errorf("playlist %q: %w", path, err)
	}
	return p, nil
}

// ReadMaster reads the multivariant playlist at path.
func ReadMaster(path string) (*MasterPlaylist, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := ParseMaster(data)
	if err != nil {
		return nil, fmt.Errorf("playlist %q: %w", path, err)
	}
	return p, nil
}

// ParseMedia parses a media playlist.
func ParseMedia(data []byte) (*MediaPlaylist, error) {
	_, media, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if media == nil {
		return nil, ErrNotMedia
	}
	return media, nil
}

// ParseMaster parses a multivariant playlist.
func ParseMaster(data []byte) (*MasterPlaylist, error) {
	master, _, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if master == nil {
		return nil, ErrNotMaster
	}
	return master, nil
}

// Parse reads a playlist of either kind. Exactly one of master and media is
// non-nil when err is nil; a playlist with only a header is an empty media
// playlist. Defects a validator reports by rule (an EXTINF above the target,
// a missing CODECS) are kept; only what leaves no meaning is an error.
func Parse(data []byte) (master *MasterPlaylist, media *MediaPlaylist, err error) {
	p := parser{
		media:  &MediaPlaylist{TargetDuration: -1},
		master: &MasterPlaylist{},
	}
	if err := p.run(data); err != nil {
		return nil, nil, err
	}
	if p.masterTag != "" {
		return p.master, nil, nil
	}
	return nil, p.media, nil
}

type parser struct {
	media  *MediaPlaylist
	master *MasterPlaylist

	// masterTag and mediaTag are the first tag of each kind seen.
	masterTag, mediaTag string

	// Media segment state: what the tags seen since the last URI say about
	// the next segment.
	seg       Segment
	haveInf   bool
	rangeLen  int64
	rangeOff  int64 // -1 when the offset is implicit
	haveRange bool
	key       *Key
	mp        *Map
	// prevRangeEnd and prevRangeURI resolve implicit byte-range offsets.
	prevRangeEnd int64
	prevRangeURI string
	prevHadRange bool

	// Master state: an EXT-X-STREAM-INF waiting for its URI line.
	variant     *Variant
	variantLine int

	seen map[string]bool
}

func (p *parser) run(data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return &SyntaxError{Rule: "M1", Msg: "empty playlist"}
	}
	p.seen = map[string]bool{}
	lines := strings.Split(string(data), "\n")
	// Comment lines before #EXTM3U break M1, which the validator reports
	// from the bytes; Apple's own samples have them, so they are skipped
	// rather than refused.
	first := 0
	for first < len(lines)-1 && isCommentOrBlank(strings.TrimSpace(lines[first])) {
		first++
	}
	if strings.TrimSpace(lines[first]) != "#EXTM3U" {
		return &SyntaxError{Line: first + 1, Rule: "M1", Msg: fmt.Sprintf("first line is %q, not #EXTM3U", clip(strings.TrimSpace(lines[first])))}
	}
	for i := first + 1; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		n := i + 1
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXT"):
			name, value, _ := strings.Cut(line[1:], ":")
			if err := p.tag(name, value, n); err != nil {
				return err
			}
		case strings.HasPrefix(line, "#"):
			// A comment.
		default:
			if err := p.uri(line, n); err != nil {
				return err
			}
		}
	}
	if p.masterTag != "" && p.mediaTag != "" {
		return &SyntaxError{Msg: fmt.Sprintf("mixes multivariant tags (%s) and media playlist tags (%s)", p.masterTag, p.mediaTag)}
	}
	if p.variant != nil {
		return &SyntaxError{Line: p.variantLine, Msg: "EXT-X-STREAM-INF is not followed by a URI"}
	}
	if p.haveInf {
		return &SyntaxError{Line: p.seg.Line, Msg: "EXTINF is not followed by a segment URI"}
	}
	return nil
}

func (p *parser) tag(name, value string, line int) error {
	// Tags[].Segment counts what came before: segments for a media playlist,
	// variants for a master. Only one of them grows.
	count := len(p.media.Segments) + len(p.master.Variants)
	t := Tag{Name: name, Value: value, Line: line, Segment: count}
	p.media.Tags = append(p.media.Tags, t)
	p.master.Tags = append(p.master.Tags, t)
	if masterOnly[name] && p.masterTag == "" {
		p.masterTag = name
	}
	if mediaOnly[name] && p.mediaTag == "" {
		p.mediaTag = name
	}
	synErr := func(rule, format string, args ...any) error {
		return &SyntaxError{Line: line, Rule: rule, Msg: fmt.Sprintf(format, args...)}
	}
	once := func(rule string) error {
		if p.seen[name] {
			return synErr(rule, "more than one %s tag", name)
		}
		p.seen[name] = true
		return nil
	}
	switch name {
	case "EXT-X-VERSION":
		if err := once("M5"); err != nil {
			return err
		}
		v, err := strconv.Atoi(value)
		if err != nil || v < 1 {
			return synErr("M5", "EXT-X-VERSION %q is not a positive integer", clip(value))
		}
		p.media.Version, p.master.Version = v, v
	case "EXT-X-INDEPENDENT-SEGMENTS":
		p.media.IndependentSegments, p.master.IndependentSegments = true, true
	case "EXT-X-TARGETDURATION":
		if err := once("M2"); err != nil {
			return err
		}
		v, err := strconv.Atoi(value)
		if err != nil || v < 0 {
			return synErr("M2", "EXT-X-TARGETDURATION %q is not a non-negative integer", clip(value))
		}
		p.media.TargetDuration = v
	case "EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE":
		if err := once("M6"); err != nil {
			return err
		}
		v, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return synErr("M6", "%s %q is not a non-negative integer", name, clip(value))
		}
		if name == "EXT-X-MEDIA-SEQUENCE" {
			p.media.MediaSequence = v
		} else {
			p.media.DiscontinuitySequence = v
		}
	case "EXT-X-PLAYLIST-TYPE":
		if err := once("M7"); err != nil {
			return err
		}
		switch PlaylistType(value) {
		case TypeVOD, TypeEvent:
			p.media.Type = PlaylistType(value)
		default:
			return synErr("M7", "EXT-X-PLAYLIST-TYPE %q is neither VOD nor EVENT", clip(value))
		}
	case "EXT-X-ENDLIST":
		p.media.EndList = true
	case "EXT-X-I-FRAMES-ONLY":
		p.media.IFramesOnly = true
	case "EXTINF":
		if p.haveInf {
			return synErr("", "EXTINF follows another EXTINF without a segment URI between them")
		}
		text, title, _ := strings.Cut(value, ",")
		text = strings.TrimSpace(text)
		d, err := strconv.ParseFloat(text, 64)
		if err != nil || d < 0 || math.IsInf(d, 0) || math.IsNaN(d) {
			return synErr("M2", "EXTINF duration %q is not a non-negative number", clip(text))
		}
		p.seg.Duration, p.seg.DurationText, p.seg.Title = d, text, strings.TrimSpace(title)
		p.haveInf = true
	case "EXT-X-BYTERANGE":
		n, o, err := parseByteRange(value)
		if err != nil {
			return synErr("", "EXT-X-BYTERANGE %q: %v", clip(value), err)
		}
		p.rangeLen, p.rangeOff, p.haveRange = n, o, true
	case "EXT-X-DISCONTINUITY":
		p.seg.Discontinuity = true
	case "EXT-X-GAP":
		p.seg.Gap = true
	case "EXT-X-PROGRAM-DATE-TIME":
		p.seg.ProgramDateTimeText = value
		p.seg.ProgramDateTime = parseDateTime(value)
	case "EXT-X-KEY":
		a, err := parseAttrs(value)
		if err != nil {
			return synErr("", "EXT-X-KEY: %v", err)
		}
		if a["METHOD"] == "NONE" {
			p.key = nil
			break
		}
		p.key = &Key{Method: a["METHOD"], URI: a["URI"], IV: a["IV"], KeyFormat: a["KEYFORMAT"], KeyFormatVersions: a["KEYFORMATVERSIONS"]}
	case "EXT-X-MAP":
		a, err := parseAttrs(value)
		if err != nil {
			return synErr("M8", "EXT-X-MAP: %v", err)
		}
		if a["URI"] == "" {
			return synErr("M8", "EXT-X-MAP has no URI")
		}
		m := &Map{URI: a["URI"]}
		if br, ok := a["BYTERANGE"]; ok {
			n, o, err := parseByteRange(br)
			if err != nil {
				return synErr("M8", "EXT-X-MAP BYTERANGE %q: %v", clip(br), err)
			}
			m.ByteRange = &ByteRange{Length: n, Offset: max(o, 0)}
		}
		p.mp = m
	case "EXT-X-STREAM-INF":
		if p.variant != nil {
			return synErr("", "EXT-X-STREAM-INF follows another EXT-X-STREAM-INF without a URI between them")
		}
		v, err := parseVariant(value)
		if err != nil {
			return synErr("", "EXT-X-STREAM-INF: %v", err)
		}
		p.variant, p.variantLine = v, line
	case "EXT-X-I-FRAME-STREAM-INF":
		v, err := parseVariant(value)
		if err != nil {
			return synErr("", "EXT-X-I-FRAME-STREAM-INF: %v", err)
		}
		if v.URI == "" {
			return synErr("", "EXT-X-I-FRAME-STREAM-INF has no URI")
		}
		v.Line = line
		p.master.IFrameVariants = append(p.master.IFrameVariants, *v)
	case "EXT-X-MEDIA":
		a, err := parseAttrs(value)
		if err != nil {
			return synErr("P6", "EXT-X-MEDIA: %v", err)
		}
		p.master.Renditions = append(p.master.Renditions, Rendition{
			Type: a["TYPE"], GroupID: a["GROUP-ID"], Name: a["NAME"], Language: a["LANGUAGE"],
			AssocLanguage: a["ASSOC-LANGUAGE"], URI: a["URI"], Default: a["DEFAULT"] == "YES",
			Autoselect: a["AUTOSELECT"] == "YES", Forced: a["FORCED"] == "YES",
			InstreamID: a["INSTREAM-ID"], Characteristics: a["CHARACTERISTICS"], Channels: a["CHANNELS"],
			Line: line,
		})
	}
	return nil
}

func (p *parser) uri(uri string, line int) error {
	if p.variant != nil {
		v := p.variant
		v.URI, v.Line = uri, line
		p.master.Variants = append(p.master.Variants, *v)
		p.variant = nil
		return nil
	}
	if !p.haveInf {
		return &SyntaxError{Line: line, Msg: fmt.Sprintf("URI %q has no EXTINF or EXT-X-STREAM-INF before it", clip(uri))}
	}
	s := p.seg
	s.URI, s.Line, s.Key, s.Map = uri, line, p.key, p.mp
	if p.haveRange {
		off := p.rangeOff
		if off < 0 {
			// RFC 8216 §4.3.2.2: without @o the range continues the previous
			// segment's range of the same resource.
			if !p.prevHadRange || p.prevRangeURI != uri {
				return &SyntaxError{Line: line, Msg: fmt.Sprintf("EXT-X-BYTERANGE of %q has no offset and does not continue a range of the same file", clip(uri))}
			}
			off = p.prevRangeEnd
		}
		s.ByteRange = &ByteRange{Length: p.rangeLen, Offset: off}
		p.prevRangeEnd, p.prevRangeURI = off+p.rangeLen, uri
	}
	p.prevHadRange = p.haveRange
	p.media.Segments = append(p.media.Segments, s)
	p.seg, p.haveInf, p.haveRange = Segment{}, false, false
	return nil
}

func parseVariant(value string) (*Variant, error) {
	a, err := parseAttrs(value)
	if err != nil {
		return nil, err
	}
	v := &Variant{
		Codecs: a["CODECS"], Audio: a["AUDIO"], Video: a["VIDEO"], Subtitles: a["SUBTITLES"],
		ClosedCaptions: a["CLOSED-CAPTIONS"], HDCPLevel: a["HDCP-LEVEL"], VideoRange: a["VIDEO-RANGE"],
		ProgramID: a["PROGRAM-ID"], URI: a["URI"],
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"BANDWIDTH", &v.Bandwidth}, {"AVERAGE-BANDWIDTH", &v.AverageBandwidth}} {
		if s, ok := a[f.name]; ok {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%s %q is not a non-negative integer", f.name, clip(s))
			}
			*f.dst = n
		}
	}
	if s, ok := a["RESOLUTION"]; ok {
		w, h, found := strings.Cut(s, "x")
		wi, err1 := strconv.Atoi(w)
		hi, err2 := strconv.Atoi(h)
		if !found || err1 != nil || err2 != nil || wi <= 0 || hi <= 0 {
			return nil, fmt.Errorf("RESOLUTION %q is not WIDTHxHEIGHT", clip(s))
		}
		v.Resolution = Resolution{Width: wi, Height: hi}
	}
	if s, ok := a["FRAME-RATE"]; ok {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) {
			return nil, fmt.Errorf("FRAME-RATE %q is not a positive number", clip(s))
		}
		v.FrameRate = f
	}
	return v, nil
}

// parseByteRange reads "n[@o]"; o is -1 when absent.
func parseByteRange(s string) (n, o int64, err error) {
	ns, os, hasOff := strings.Cut(strings.TrimSpace(s), "@")
	n, err = strconv.ParseInt(ns, 10, 64)
	if err != nil || n < 0 {
		return 0, 0, errors.New("length is not a non-negative integer")
	}
	o = -1
	if hasOff {
		o, err = strconv.ParseInt(os, 10, 64)
		if err != nil || o < 0 {
			return 0, 0, errors.New("offset is not a non-negative integer")
		}
	}
	return n, o, nil
}

// parseDateTime reads an EXT-X-PROGRAM-DATE-TIME value; a value without a
// time zone or otherwise off ISO 8601 gives the zero time, which rule L5
// reports.
func parseDateTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t
		}
	}
	return time.Time{}
}

// parseAttrs reads an attribute list (RFC 8216 §4.2): NAME=value pairs
// separated by commas, where quoted values may hold commas. Quotes are
// removed. A repeated name keeps its first value.
func parseAttrs(s string) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("attribute %q has no value", clip(s[i:]))
		}
		name := strings.TrimSpace(s[i : i+eq])
		if name == "" || strings.ContainsAny(name, ",\"") {
			return nil, fmt.Errorf("malformed attribute name %q", clip(name))
		}
		i += eq + 1
		var val string
		if i < len(s) && s[i] == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("attribute %s has an unterminated quoted string", name)
			}
			val = s[i+1 : i+1+end]
			i += end + 2
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			if i < len(s) && s[i] != ',' {
				return nil, fmt.Errorf("attribute %s: text after the closing quote", name)
			}
		} else {
			end := strings.IndexByte(s[i:], ',')
			if end < 0 {
				end = len(s) - i
			}
			val = strings.TrimSpace(s[i : i+end])
			i += end
		}
		if _, dup := out[name]; !dup {
			out[name] = val
		}
		if i < len(s) && s[i] == ',' {
			i++
		}
	}
	return out, nil
}

func isCommentOrBlank(line string) bool {
	return line == "" || (strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "#EXT"))
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
