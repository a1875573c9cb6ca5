package dash

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Segment is one media segment a SegmentTemplate names.
type Segment struct {
	// Number is the $Number$ value and Time the start in ticks.
	Number uint64
	Time   uint64
	// Duration is in ticks of the template's timescale.
	Duration uint64
	// URL is the media template expanded, relative to the MPD.
	URL string
}

// Seconds is the segment's duration in seconds for timescale ts.
func (s Segment) Seconds(ts uint64) float64 { return float64(s.Duration) / float64(max(ts, 1)) }

// MaxSegments bounds how many segments a template may expand to, so a
// hostile MPD (r="2000000000") cannot exhaust memory.
const MaxSegments = 1_000_000

// InitializationURL expands the init template for a Representation.
func (t *SegmentTemplate) InitializationURL(repID string, bandwidth int64) (string, error) {
	if t.Initialization == "" {
		return "", errors.New("SegmentTemplate has no initialization")
	}
	return expand(t.Initialization, repID, bandwidth, 0, 0, false)
}

// Segments lists the media segments of a Representation. total (seconds)
// bounds a template without a timeline; it is ignored otherwise.
func (t *SegmentTemplate) Segments(repID string, bandwidth int64, total float64) ([]Segment, error) {
	if t.Media == "" {
		return nil, errors.New("SegmentTemplate has no media")
	}
	number := uint64(1)
	if t.StartNumber != nil {
		number = *t.StartNumber
	}
	var segs []Segment
	add := func(tm, d uint64) error {
		if len(segs) >= MaxSegments {
			return fmt.Errorf("more than %d segments", MaxSegments)
		}
		u, err := expand(t.Media, repID, bandwidth, number, tm, true)
		if err != nil {
			return err
		}
		segs = append(segs, Segment{Number: number, Time: tm, Duration: d, URL: u})
		number++
		return nil
	}
	switch {
	case t.Timeline != nil:
		var tm uint64
		for i, s := range t.Timeline.S {
			if s.T != nil {
				tm = *s.T
			}
			if s.D == 0 {
				return nil, fmt.Errorf("SegmentTimeline S #%d has d=0", i+1)
			}
			if s.R < 0 {
				return nil, fmt.Errorf("SegmentTimeline S #%d: r=%d (open-ended repeats belong to live MPDs)", i+1, s.R)
			}
			if s.R >= MaxSegments {
				return nil, fmt.Errorf("SegmentTimeline S #%d: r=%d is more than %d segments", i+1, s.R, MaxSegments)
			}
			for range s.R + 1 {
				if err := add(tm, s.D); err != nil {
					return nil, err
				}
				tm += s.D
			}
		}
	case t.Duration > 0:
		ts := float64(max(t.Timescale, 1))
		n := math.Ceil(total*ts/float64(t.Duration) - 1e-9)
		if n > MaxSegments || n < 0 || math.IsNaN(n) {
			return nil, fmt.Errorf("a %g s presentation in %d-tick segments is %g segments", total, t.Duration, n)
		}
		end := uint64(math.Round(total * ts))
		for i := uint64(0); i < uint64(n); i++ {
			tm := i * t.Duration
			d := min(t.Duration, end-tm)
			if err := add(tm, d); err != nil {
				return nil, err
			}
		}
	default:
		return nil, errors.New("SegmentTemplate has neither a SegmentTimeline nor a duration")
	}
	return segs, nil
}

// expand replaces the template identifiers of ISO/IEC 23009-1 §5.3.9.4.4:
// $RepresentationID$, $Number$, $Time$, $Bandwidth$ (with an optional
// %0Nd width) and $$.
func expand(tmpl, repID string, bandwidth int64, number, tm uint64, media bool) (string, error) {
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '$')
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		rest = rest[i+1:]
		j := strings.IndexByte(rest, '$')
		if j < 0 {
			return "", fmt.Errorf("template %q: unmatched $", tmpl)
		}
		id := rest[:j]
		rest = rest[j+1:]
		if id == "" {
			b.WriteByte('$')
			continue
		}
		name, format, hasFormat := strings.Cut(id, "%")
		var v string
		switch name {
		case "RepresentationID":
			if hasFormat {
				return "", fmt.Errorf("template %q: $RepresentationID$ takes no format", tmpl)
			}
			b.WriteString(repID)
			continue
		case "Number":
			v = strconv.FormatUint(number, 10)
		case "Time":
			v = strconv.FormatUint(tm, 10)
		case "Bandwidth":
			v = strconv.FormatInt(bandwidth, 10)
		default:
			return "", fmt.Errorf("template %q: unknown identifier $%s$", tmpl, id)
		}
		if !media && (name == "Number" || name == "Time") {
			return "", fmt.Errorf("template %q: $%s$ in an initialization template", tmpl, name)
		}
		if hasFormat {
			w, ok := strings.CutSuffix(format, "d")
			w = strings.TrimPrefix(w, "0")
			width, err := strconv.Atoi(w)
			if !ok || err != nil || width < 1 || width > 32 {
				return "", fmt.Errorf("template %q: format %%%s: use %%0Nd", tmpl, format)
			}
			for k := len(v); k < width; k++ {
				b.WriteByte('0')
			}
		}
		b.WriteString(v)
	}
}
