package hls

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Encode writes the multivariant playlist in a fixed order: header,
// EXT-X-MEDIA entries, variants, I-frame variants, each attribute in a fixed
// position, so the same playlist always gives the same bytes. The version
// written is Version raised to what the playlist's features need. It refuses
// what it could only write as an invalid playlist.
func (p *MasterPlaylist) Encode() ([]byte, error) {
	if len(p.Variants) == 0 {
		return nil, errors.New("master playlist has no variant")
	}
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n")
	fmt.Fprintf(&b, "#EXT-X-VERSION:%d\n", max(p.Version, p.MinVersion()))
	if p.IndependentSegments {
		b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n")
	}
	for _, r := range p.Renditions {
		if r.Type == "" || r.GroupID == "" || r.Name == "" {
			return nil, fmt.Errorf("EXT-X-MEDIA %q: TYPE, GROUP-ID and NAME are required", r.Name)
		}
		var a attrWriter
		a.enum("TYPE", r.Type)
		a.quoted("GROUP-ID", r.GroupID)
		a.quoted("NAME", r.Name)
		a.quoted("LANGUAGE", r.Language)
		a.quoted("ASSOC-LANGUAGE", r.AssocLanguage)
		a.yesNo("DEFAULT", r.Default, true)
		// RFC 8216 §4.3.4.1: DEFAULT=YES requires AUTOSELECT=YES.
		a.yesNo("AUTOSELECT", r.Autoselect || r.Default, r.Autoselect || r.Default)
		a.yesNo("FORCED", r.Forced, r.Forced)
		a.quoted("INSTREAM-ID", r.InstreamID)
		a.quoted("CHARACTERISTICS", r.Characteristics)
		a.quoted("CHANNELS", r.Channels)
		a.quoted("URI", r.URI)
		if err := a.line(&b, "EXT-X-MEDIA"); err != nil {
			return nil, err
		}
	}
	for _, v := range p.Variants {
		if err := writeVariant(&b, "EXT-X-STREAM-INF", v); err != nil {
			return nil, err
		}
		if err := checkURI(v.URI); err != nil {
			return nil, err
		}
		b.WriteString(v.URI)
		b.WriteByte('\n')
	}
	for _, v := range p.IFrameVariants {
		if err := checkURI(v.URI); err != nil {
			return nil, err
		}
		if err := writeVariant(&b, "EXT-X-I-FRAME-STREAM-INF", v); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// MinVersion is the lowest EXT-X-VERSION the playlist's features allow
// (RFC 8216 §7): INSTREAM-ID="SERVICEn" needs 7.
func (p *MasterPlaylist) MinVersion() int {
	v := 1
	for _, r := range p.Renditions {
		if strings.HasPrefix(r.InstreamID, "SERVICE") {
			v = max(v, 7)
		}
	}
	return v
}

func writeVariant(b *bytes.Buffer, tag string, v Variant) error {
	if v.Bandwidth <= 0 {
		return fmt.Errorf("%s %q: BANDWIDTH must be positive", tag, v.URI)
	}
	var a attrWriter
	a.int("BANDWIDTH", v.Bandwidth)
	a.int("AVERAGE-BANDWIDTH", v.AverageBandwidth)
	a.quoted("CODECS", v.Codecs)
	if !v.Resolution.IsZero() {
		a.enum("RESOLUTION", fmt.Sprintf("%dx%d", v.Resolution.Width, v.Resolution.Height))
	}
	if tag == "EXT-X-STREAM-INF" && v.FrameRate > 0 {
		a.enum("FRAME-RATE", strconv.FormatFloat(v.FrameRate, 'f', 3, 64))
	}
	a.enum("HDCP-LEVEL", v.HDCPLevel)
	a.enum("VIDEO-RANGE", v.VideoRange)
	a.quoted("VIDEO", v.Video)
	if tag == "EXT-X-STREAM-INF" {
		a.quoted("AUDIO", v.Audio)
		a.quoted("SUBTITLES", v.Subtitles)
		if v.ClosedCaptions == "NONE" {
			a.enum("CLOSED-CAPTIONS", "NONE")
		} else {
			a.quoted("CLOSED-CAPTIONS", v.ClosedCaptions)
		}
	} else {
		a.quoted("URI", v.URI)
	}
	return a.line(b, tag)
}

// Encode writes the media playlist. EXTINF values are written as parsed
// (DurationText) when that text still matches Duration, otherwise with six
// decimals. TargetDuration below 1 is computed from the segments (EXTINF
// rounded half-up, at least 1); a target some segment exceeds is refused.
func (p *MediaPlaylist) Encode() ([]byte, error) {
	need := p.neededTarget()
	target := p.TargetDuration
	if target <= 0 {
		target = need
	} else if target < need {
		return nil, fmt.Errorf("EXT-X-TARGETDURATION %d is below a segment's EXTINF rounded (%d)", target, need)
	}
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n")
	fmt.Fprintf(&b, "#EXT-X-VERSION:%d\n", max(p.Version, p.MinVersion()))
	fmt.Fprintf(&b, "#EXT-X-TARGETDURATION:%d\n", target)
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", p.MediaSequence)
	if p.DiscontinuitySequence > 0 {
		fmt.Fprintf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%d\n", p.DiscontinuitySequence)
	}
	if p.Type != TypeNone {
		fmt.Fprintf(&b, "#EXT-X-PLAYLIST-TYPE:%s\n", p.Type)
	}
	if p.IFramesOnly {
		b.WriteString("#EXT-X-I-FRAMES-ONLY\n")
	}
	if p.IndependentSegments {
		b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n")
	}
	var key *Key
	var mp *Map
	for i, s := range p.Segments {
		if err := checkURI(s.URI); err != nil {
			return nil, err
		}
		// EXT-X-MAP goes before EXT-X-KEY: the key in force at the map
		// would apply to the init section too (RFC 8216 §4.3.2.5), and
		// init sections stay clear, as ffmpeg and veza write them.
		if !sameMap(mp, s.Map) {
			if s.Map == nil {
				return nil, fmt.Errorf("segment %d %q: no EXT-X-MAP after one applied", i, s.URI)
			}
			var a attrWriter
			a.quoted("URI", s.Map.URI)
			if r := s.Map.ByteRange; r != nil {
				a.quoted("BYTERANGE", fmt.Sprintf("%d@%d", r.Length, r.Offset))
			}
			if err := a.line(&b, "EXT-X-MAP"); err != nil {
				return nil, err
			}
			mp = s.Map
		}
		if !sameKey(key, s.Key) {
			var a attrWriter
			if s.Key == nil {
				a.enum("METHOD", "NONE")
			} else {
				a.enum("METHOD", s.Key.Method)
				a.quoted("URI", s.Key.URI)
				a.enum("IV", s.Key.IV)
				a.quoted("KEYFORMAT", s.Key.KeyFormat)
				a.quoted("KEYFORMATVERSIONS", s.Key.KeyFormatVersions)
			}
			if err := a.line(&b, "EXT-X-KEY"); err != nil {
				return nil, err
			}
			key = s.Key
		}
		if s.Discontinuity {
			b.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		if s.ProgramDateTimeText != "" {
			fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", s.ProgramDateTimeText)
		} else if !s.ProgramDateTime.IsZero() {
			fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", FormatDateTime(s.ProgramDateTime))
		}
		if s.Gap {
			b.WriteString("#EXT-X-GAP\n")
		}
		if strings.ContainsAny(s.Title, "\r\n") {
			return nil, fmt.Errorf("segment %q: title holds a line break", s.URI)
		}
		fmt.Fprintf(&b, "#EXTINF:%s,%s\n", s.EXTINFText(), s.Title)
		if r := s.ByteRange; r != nil {
			fmt.Fprintf(&b, "#EXT-X-BYTERANGE:%d@%d\n", r.Length, r.Offset)
		}
		b.WriteString(s.URI)
		b.WriteByte('\n')
	}
	if p.EndList {
		b.WriteString("#EXT-X-ENDLIST\n")
	}
	return b.Bytes(), nil
}

// FormatDateTime formats t for EXT-X-PROGRAM-DATE-TIME: ISO 8601 with
// milliseconds and a time zone, as Apple asks (HLS-RULES L5).
func FormatDateTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z07:00") }

// MinVersion is the lowest EXT-X-VERSION the playlist's features allow
// (RFC 8216 §7), as the writer would write it.
func (p *MediaPlaylist) MinVersion() int {
	v, _ := p.VersionFeature()
	return v
}

// VersionFeature is MinVersion with the feature that sets it, for
// messages ("EXT-X-MAP"; "" at version 1).
func (p *MediaPlaylist) VersionFeature() (int, string) {
	v, why := 1, ""
	need := func(n int, feature string) {
		if n > v {
			v, why = n, feature
		}
	}
	if p.IFramesOnly {
		need(4, "EXT-X-I-FRAMES-ONLY")
	}
	for _, s := range p.Segments {
		if strings.Contains(s.EXTINFText(), ".") {
			need(3, "fractional EXTINF")
		}
		if s.ByteRange != nil {
			need(4, "EXT-X-BYTERANGE")
		}
		if s.Map != nil {
			if p.IFramesOnly {
				need(5, "EXT-X-MAP")
			} else {
				need(6, "EXT-X-MAP")
			}
		}
		if k := s.Key; k != nil {
			if k.IV != "" {
				need(2, "EXT-X-KEY IV")
			}
			if k.KeyFormat != "" || k.KeyFormatVersions != "" {
				need(5, "EXT-X-KEY KEYFORMAT")
			}
		}
	}
	return v, why
}

// neededTarget is the smallest valid target duration: every EXTINF rounded
// half-up, and never 0 (players stall on TARGETDURATION:0).
func (p *MediaPlaylist) neededTarget() int {
	need := 1
	for _, s := range p.Segments {
		need = max(need, RoundHalfUp(s))
	}
	return need
}

// RoundHalfUp rounds a segment's EXTINF to the nearest integer, halves
// upwards, as RFC 8216 §4.3.3.1 compares it with the target duration. It
// works on the decimal text when there is one, so 2.5 is 3 whatever the
// float says, and never rounds half to even.
func RoundHalfUp(s Segment) int {
	if t := s.DurationText; t != "" && !strings.ContainsAny(t, "eE") {
		if f, err := strconv.ParseFloat(t, 64); err == nil && f == s.Duration {
			whole, frac, _ := strings.Cut(t, ".")
			n, err := strconv.Atoi(whole)
			if err == nil {
				if frac != "" && frac[0] >= '5' {
					n++
				}
				return n
			}
		}
	}
	return int(math.Floor(s.Duration + 0.5))
}

// EXTINFText is the EXTINF duration the writer prints for s: its text as
// read when that still gives Duration, else six decimals.
func (s Segment) EXTINFText() string {
	if t := s.DurationText; t != "" {
		if f, err := strconv.ParseFloat(t, 64); err == nil && f == s.Duration {
			return t
		}
	}
	return strconv.FormatFloat(s.Duration, 'f', 6, 64)
}

func sameKey(a, b *Key) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func sameMap(a, b *Map) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.URI != b.URI || (a.ByteRange == nil) != (b.ByteRange == nil) {
		return false
	}
	return a.ByteRange == nil || *a.ByteRange == *b.ByteRange
}

func checkURI(uri string) error {
	if uri == "" {
		return errors.New("empty URI")
	}
	if strings.ContainsAny(uri, "\r\n") || strings.HasPrefix(uri, "#") {
		return fmt.Errorf("URI %q cannot be written on a playlist line", clip(uri))
	}
	return nil
}

// attrWriter builds an attribute list, skipping absent (empty) values and
// remembering the first value that cannot be written.
type attrWriter struct {
	parts []string
	err   error
}

func (a *attrWriter) enum(name, v string) {
	if v == "" {
		return
	}
	if strings.ContainsAny(v, ",\"\r\n ") && a.err == nil {
		a.err = fmt.Errorf("%s %q cannot be written unquoted", name, clip(v))
	}
	a.parts = append(a.parts, name+"="+v)
}

func (a *attrWriter) quoted(name, v string) {
	if v == "" {
		return
	}
	if strings.ContainsAny(v, "\"\r\n") && a.err == nil {
		a.err = fmt.Errorf("%s %q holds a quote or line break", name, clip(v))
	}
	a.parts = append(a.parts, name+"=\""+v+"\"")
}

func (a *attrWriter) int(name string, v int64) {
	if v > 0 {
		a.parts = append(a.parts, name+"="+strconv.FormatInt(v, 10))
	}
}

func (a *attrWriter) yesNo(name string, v, write bool) {
	if !write {
		return
	}
	if v {
		a.parts = append(a.parts, name+"=YES")
	} else {
		a.parts = append(a.parts, name+"=NO")
	}
}

func (a *attrWriter) line(b *bytes.Buffer, tag string) error {
	if a.err != nil {
		return fmt.Errorf("%s: %w", tag, a.err)
	}
	b.WriteString("#" + tag + ":" + strings.Join(a.parts, ",") + "\n")
	return nil
}
