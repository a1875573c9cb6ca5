package hls

import (
	"strings"
	"time"
)

// PlaylistType is the value of EXT-X-PLAYLIST-TYPE.
type PlaylistType string

// Playlist types. An empty type means the tag is absent: a live sliding
// window, or a VOD playlist that forgot to say so.
const (
	TypeNone  PlaylistType = ""
	TypeVOD   PlaylistType = "VOD"
	TypeEvent PlaylistType = "EVENT"
)

// MediaPlaylist is a parsed media playlist: a list of segments.
type MediaPlaylist struct {
	// Version is EXT-X-VERSION; 0 when the tag is absent (which means 1).
	Version int
	// TargetDuration is EXT-X-TARGETDURATION in seconds; -1 when absent.
	TargetDuration int
	// MediaSequence is EXT-X-MEDIA-SEQUENCE, the sequence number of the
	// first segment (0 when absent).
	MediaSequence uint64
	// DiscontinuitySequence is EXT-X-DISCONTINUITY-SEQUENCE (0 when absent).
	DiscontinuitySequence uint64
	Type                  PlaylistType
	EndList               bool
	IFramesOnly           bool
	IndependentSegments   bool
	Segments              []Segment
	// Tags lists every tag line in order, for checks that depend on where a
	// tag appears (EXT-X-MEDIA-SEQUENCE before the first segment). The writer
	// ignores it.
	Tags []Tag
}

// Segment is one media segment of a media playlist.
type Segment struct {
	// URI as written in the playlist, relative to the playlist or absolute.
	URI string
	// Duration is the EXTINF value, parsed as a float64 without rounding.
	Duration float64
	// DurationText is the EXTINF value exactly as written ("4.000000"); the
	// writer prints it when set, so a rewrite never changes a duration.
	DurationText string
	// Title is the optional text after the comma of EXTINF.
	Title string
	// ByteRange is set by EXT-X-BYTERANGE, with an implicit offset resolved
	// to the end of the previous range.
	ByteRange *ByteRange
	// Discontinuity is set when EXT-X-DISCONTINUITY precedes the segment.
	Discontinuity bool
	// Key is the EXT-X-KEY in force for this segment (nil: not encrypted).
	// Segments under the same tag share the pointer.
	Key *Key
	// Map is the EXT-X-MAP in force for this segment (nil: none). Segments
	// under the same tag share the pointer.
	Map *Map
	// ProgramDateTime is the EXT-X-PROGRAM-DATE-TIME of this segment (zero
	// when the tag does not precede it); ProgramDateTimeText is the value as
	// written.
	ProgramDateTime     time.Time
	ProgramDateTimeText string
	// Gap is set by EXT-X-GAP.
	Gap bool
	// Line is the 1-based line of the URI in the playlist (0 when built in
	// code).
	Line int
}

// ByteRange is a sub-range of a resource (EXT-X-BYTERANGE, BYTERANGE=).
type ByteRange struct {
	Length int64
	Offset int64
}

// Key is an EXT-X-KEY tag.
type Key struct {
	Method            string // NONE, AES-128 or SAMPLE-AES
	URI               string
	IV                string // as written, "0x" + 32 hex digits
	KeyFormat         string
	KeyFormatVersions string
}

// Map is an EXT-X-MAP tag: the media initialisation section of fMP4
// segments.
type Map struct {
	URI       string
	ByteRange *ByteRange
}

// Tag is one tag line as it appeared in a playlist.
type Tag struct {
	// Name is the tag without its colon ("EXT-X-VERSION").
	Name string
	// Value is everything after the first colon, untrimmed of quotes.
	Value string
	// Line is the 1-based line number.
	Line int
	// Segment is the number of segments (or variants) completed before the
	// tag, so Segment 0 means "before the first".
	Segment int
}

// Duration is the sum of the EXTINF values.
func (p *MediaPlaylist) Duration() float64 {
	var d float64
	for _, s := range p.Segments {
		d += s.Duration
	}
	return d
}

// SequenceOf returns the media sequence number of segment i.
func (p *MediaPlaylist) SequenceOf(i int) uint64 { return p.MediaSequence + uint64(i) }

// MasterPlaylist is a parsed multivariant playlist.
type MasterPlaylist struct {
	// Version is EXT-X-VERSION; 0 when the tag is absent. The writer raises
	// it to what the playlist's features need.
	Version             int
	IndependentSegments bool
	// Variants are the EXT-X-STREAM-INF entries, in order.
	Variants []Variant
	// IFrameVariants are the EXT-X-I-FRAME-STREAM-INF entries, in order.
	IFrameVariants []Variant
	// Renditions are the EXT-X-MEDIA entries, in order.
	Renditions []Rendition
	// Tags lists every tag line in order (ignored by the writer).
	Tags []Tag
}

// Variant is one EXT-X-STREAM-INF (or EXT-X-I-FRAME-STREAM-INF) entry.
// Zero values mean "attribute absent" and are not written.
type Variant struct {
	URI string
	// Bandwidth and AverageBandwidth are in bits per second.
	Bandwidth        int64
	AverageBandwidth int64
	// Codecs is the comma-separated RFC 6381 list ("avc1.64001f,mp4a.40.2").
	Codecs     string
	Resolution Resolution
	// FrameRate is written with three decimals.
	FrameRate float64
	// Audio, Video, Subtitles name EXT-X-MEDIA groups. ClosedCaptions is a
	// group name or NONE.
	Audio          string
	Video          string
	Subtitles      string
	ClosedCaptions string
	HDCPLevel      string
	VideoRange     string
	// ProgramID is the PROGRAM-ID attribute as written by old packagers; the
	// writer never emits it (removed in protocol version 6).
	ProgramID string
	// Line is the 1-based line of the URI (0 when built in code).
	Line int
}

// Resolution is a RESOLUTION attribute; zero means absent.
type Resolution struct{ Width, Height int }

// IsZero reports whether the resolution is absent.
func (r Resolution) IsZero() bool { return r.Width == 0 && r.Height == 0 }

// Rendition is one EXT-X-MEDIA entry.
type Rendition struct {
	Type            string // AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS
	GroupID         string
	Name            string
	Language        string
	AssocLanguage   string
	URI             string
	Default         bool
	Autoselect      bool
	Forced          bool
	InstreamID      string
	Characteristics string
	Channels        string
	Line            int
}

// SplitCodecs splits a CODECS attribute into its entries, trimmed, dropping
// empty ones.
func SplitCodecs(codecs string) []string {
	var out []string
	for _, c := range strings.Split(codecs, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}
