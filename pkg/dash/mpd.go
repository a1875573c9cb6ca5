package dash

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Namespace is the MPD schema namespace (ISO/IEC 23009-1).
const Namespace = "urn:mpeg:dash:schema:mpd:2011"

// ProfileLive is the profile of MPDs that address segments with
// SegmentTemplate, as veza's do.
const ProfileLive = "urn:mpeg:dash:profile:isoff-live:2011"

// MPD is a Media Presentation Description: the parts veza writes and
// checks. Unknown elements and attributes are ignored when parsing.
type MPD struct {
	XMLName  xml.Name `xml:"urn:mpeg:dash:schema:mpd:2011 MPD"`
	Profiles string   `xml:"profiles,attr"`
	// Type is "static" (VOD) or "dynamic" (live).
	Type string `xml:"type,attr"`
	// MediaPresentationDuration is the whole presentation's length.
	MediaPresentationDuration Duration `xml:"mediaPresentationDuration,attr,omitempty"`
	MinBufferTime             Duration `xml:"minBufferTime,attr"`
	Periods                   []Period `xml:"Period"`
}

// Period is one Period of an MPD.
type Period struct {
	ID             string          `xml:"id,attr,omitempty"`
	Start          Duration        `xml:"start,attr,omitempty"`
	AdaptationSets []AdaptationSet `xml:"AdaptationSet"`
}

// AdaptationSet groups interchangeable Representations of one content.
type AdaptationSet struct {
	ID          string `xml:"id,attr,omitempty"`
	ContentType string `xml:"contentType,attr,omitempty"`
	MimeType    string `xml:"mimeType,attr,omitempty"`
	// Codecs applies to Representations that have none.
	Codecs string `xml:"codecs,attr,omitempty"`
	// SegmentAlignment says segment N of every Representation covers the
	// same time (veza's renditions are cut on shared keyframes).
	SegmentAlignment bool   `xml:"segmentAlignment,attr,omitempty"`
	StartWithSAP     int    `xml:"startWithSAP,attr,omitempty"`
	Lang             string `xml:"lang,attr,omitempty"`
	MaxWidth         int    `xml:"maxWidth,attr,omitempty"`
	MaxHeight        int    `xml:"maxHeight,attr,omitempty"`
	MaxFrameRate     string `xml:"maxFrameRate,attr,omitempty"`
	// SegmentTemplate applies to Representations that have none.
	SegmentTemplate *SegmentTemplate `xml:"SegmentTemplate"`
	Representations []Representation `xml:"Representation"`
}

// Representation is one encoding of the content.
type Representation struct {
	ID string `xml:"id,attr"`
	// Bandwidth is the peak bit rate in bits per second.
	Bandwidth int64  `xml:"bandwidth,attr"`
	Codecs    string `xml:"codecs,attr,omitempty"`
	MimeType  string `xml:"mimeType,attr,omitempty"`
	Width     int    `xml:"width,attr,omitempty"`
	Height    int    `xml:"height,attr,omitempty"`
	// FrameRate is an integer or a fraction ("25", "30000/1001").
	FrameRate         string `xml:"frameRate,attr,omitempty"`
	SAR               string `xml:"sar,attr,omitempty"`
	AudioSamplingRate string `xml:"audioSamplingRate,attr,omitempty"`
	StartWithSAP      int    `xml:"startWithSAP,attr,omitempty"`
	// EssentialProperties are descriptors a player must understand to use
	// the Representation (the tile grid of thumbnail sheets).
	EssentialProperties []Descriptor `xml:"EssentialProperty"`
	// SegmentTemplate overrides the AdaptationSet's.
	SegmentTemplate *SegmentTemplate `xml:"SegmentTemplate"`
}

// Descriptor is a property given by a scheme URI and a value
// (EssentialProperty, SupplementalProperty).
type Descriptor struct {
	SchemeIDURI string `xml:"schemeIdUri,attr"`
	Value       string `xml:"value,attr,omitempty"`
}

// SegmentTemplate addresses segments by number ($Number$) or time ($Time$),
// with a SegmentTimeline or a constant Duration.
type SegmentTemplate struct {
	// Timescale is the number of ticks per second; 0 means 1.
	Timescale      uint64 `xml:"timescale,attr,omitempty"`
	Initialization string `xml:"initialization,attr,omitempty"`
	Media          string `xml:"media,attr,omitempty"`
	// StartNumber is the $Number$ of the first segment; nil means 1.
	StartNumber            *uint64 `xml:"startNumber,attr"`
	PresentationTimeOffset uint64  `xml:"presentationTimeOffset,attr,omitempty"`
	// Duration is the constant segment duration in ticks when there is no
	// timeline.
	Duration uint64           `xml:"duration,attr,omitempty"`
	Timeline *SegmentTimeline `xml:"SegmentTimeline"`
}

// SegmentTimeline lists segment times and durations.
type SegmentTimeline struct {
	S []S `xml:"S"`
}

// S is a run of 1+R segments of duration D ticks, the first starting at T
// (or where the previous run ended when T is nil).
type S struct {
	T *uint64 `xml:"t,attr"`
	D uint64  `xml:"d,attr"`
	R int     `xml:"r,attr,omitempty"`
}

// Duration is an xs:duration attribute, as seconds.
type Duration float64

// MarshalXMLAttr writes PT…S with at most millisecond precision, or
// nothing for zero.
func (d Duration) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	if d == 0 {
		return xml.Attr{}, nil
	}
	return xml.Attr{Name: name, Value: d.String()}, nil
}

// UnmarshalXMLAttr reads an xs:duration.
func (d *Duration) UnmarshalXMLAttr(a xml.Attr) error {
	v, err := ParseDuration(a.Value)
	if err != nil {
		return fmt.Errorf("%s: %w", a.Name.Local, err)
	}
	*d = Duration(v)
	return nil
}

// String formats d as PT…S ("PT4.96S", "PT1H2M3S").
func (d Duration) String() string {
	ms := int64(math.Round(float64(d) * 1000))
	var b strings.Builder
	b.WriteString("PT")
	if h := ms / 3_600_000; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
		ms -= h * 3_600_000
	}
	if m := ms / 60_000; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
		ms -= m * 60_000
	}
	if ms > 0 || b.Len() == 2 {
		b.WriteString(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
		b.WriteByte('S')
	}
	return b.String()
}

// ParseDuration reads the xs:duration forms MPDs use: PnDTnHnMnS with
// optional parts and fractional seconds. Years and months have no fixed
// length and are refused.
func ParseDuration(s string) (float64, error) {
	bad := fmt.Errorf("duration %q: not an xs:duration like PT4.5S", s)
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, bad
	}
	total, inTime, seen := 0.0, false, false
	last := -1 // units must come in the order D, H, M, S, each once
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return 0, bad
			}
			inTime, rest = true, rest[1:]
			if rest == "" {
				return 0, bad
			}
			continue
		}
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, bad
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, bad
		}
		unit := rest[i]
		rest = rest[i+1:]
		order := strings.IndexByte("DHMS", unit)
		if order < 0 || order <= last || (order == 0) == inTime {
			return 0, bad
		}
		last = order
		total += n * [...]float64{86400, 3600, 60, 1}[order]
		seen = true
	}
	if !seen {
		return 0, bad
	}
	return total, nil
}

// Parse reads an MPD.
func Parse(data []byte) (*MPD, error) {
	var m MPD
	if err := xml.Unmarshal(data, &m); err != nil {
		var ue xml.UnmarshalError
		if errors.As(err, &ue) || strings.Contains(err.Error(), "expected element type") {
			return nil, fmt.Errorf("not an MPD: %w", err)
		}
		return nil, fmt.Errorf("MPD XML: %w", err)
	}
	return &m, nil
}

// Encode writes the MPD as indented XML with a declaration. Output is
// deterministic: the same MPD gives the same bytes.
func (m *MPD) Encode() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	// S elements are always empty: write them the short way.
	return bytes.ReplaceAll(b.Bytes(), []byte("></S>"), []byte("/>")), nil
}

// Template returns the SegmentTemplate in force for Representation r of
// AdaptationSet a: its own, else the set's.
func (a *AdaptationSet) Template(r *Representation) *SegmentTemplate {
	if r.SegmentTemplate != nil {
		return r.SegmentTemplate
	}
	return a.SegmentTemplate
}
