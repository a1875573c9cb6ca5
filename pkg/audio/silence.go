package audio

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Silence is a stretch of audio quieter than the detection threshold, in
// seconds of the input's timeline (the one ffmpeg's filters see: the first
// packet of the file at or near 0).
type Silence struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Duration is the silence's length in seconds.
func (s Silence) Duration() float64 { return s.End - s.Start }

// SilenceMark is one silencedetect report: the start of a silence, or its
// end (with the duration ffmpeg computed).
type SilenceMark struct {
	// End is false for "silence_start: T" and true for
	// "silence_end: T | silence_duration: D".
	End bool
	// Time is T in seconds.
	Time float64
	// Duration is D; 0 for a start.
	Duration float64
}

// ParseSilenceLine reads a silencedetect report from one stderr line:
//
//	[silencedetect @ 0x55c5] [info] silence_start: 5.99999
//	[silencedetect @ 0x55c5] [info] silence_end: 11 | silence_duration: 5.00001
//
// The report may follow other text on the same line: ffmpeg ends its stats
// line with a carriage return, and a filter's message written before the
// next stats line lands behind it. ok is false for any other line, and for
// a report whose numbers do not parse (ffmpeg prints "-0" and very small
// negative starts for silences at the very beginning; those are kept).
func ParseSilenceLine(line string) (SilenceMark, bool) {
	if i := strings.LastIndex(line, "silence_start:"); i >= 0 {
		t, ok := silenceNumber(line[i+len("silence_start:"):])
		return SilenceMark{Time: t}, ok
	}
	i := strings.LastIndex(line, "silence_end:")
	if i < 0 {
		return SilenceMark{}, false
	}
	rest := line[i+len("silence_end:"):]
	endText, durText, hasDur := strings.Cut(rest, "|")
	t, ok := silenceNumber(endText)
	if !ok {
		return SilenceMark{}, false
	}
	m := SilenceMark{End: true, Time: t}
	if hasDur {
		if d, ok := strings.CutPrefix(strings.TrimSpace(durText), "silence_duration:"); ok {
			if v, ok := silenceNumber(d); ok {
				m.Duration = v
			}
		}
	}
	return m, true
}

// silenceNumber parses the first field of s as a finite number.
func silenceNumber(s string) (float64, bool) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// silenceCollector pairs silencedetect's starts and ends into silences.
type silenceCollector struct {
	open     bool
	start    float64
	silences []Silence
}

func (c *silenceCollector) add(m SilenceMark) {
	switch {
	case !m.End:
		// A second start without an end cannot come from silencedetect with
		// one stream; keep the first, which is where the quiet began.
		if !c.open {
			c.open, c.start = true, max(m.Time, 0)
		}
	case c.open:
		c.open = false
		if m.Time > c.start {
			c.silences = append(c.silences, Silence{Start: c.start, End: m.Time})
		}
	case m.Duration > 0:
		// An end whose start was missed (a lost line): the duration still
		// says where it began.
		if s := max(m.Time-m.Duration, 0); m.Time > s {
			c.silences = append(c.silences, Silence{Start: s, End: m.Time})
		}
	}
}

// finish closes a silence still open at the end of the media. ffmpeg 5.1
// prints the closing silence_end at EOF itself; older versions did not.
func (c *silenceCollector) finish(duration float64) []Silence {
	if c.open && duration > c.start {
		c.silences = append(c.silences, Silence{Start: c.start, End: duration})
	}
	c.open = false
	return c.silences
}

// Interval is a stretch of the input kept by silence trimming, in seconds.
// End is +Inf for the stretch that runs to the end of the input.
type Interval struct {
	Start, End float64
}

// Duration is the interval's length (+Inf for an open one).
func (iv Interval) Duration() float64 { return iv.End - iv.Start }

// TrimConfig says how silences are cut.
type TrimConfig struct {
	// Min is the shortest silence that is cut, in seconds. It defaults to
	// DefaultSilenceMin (3 s).
	Min float64
	// Pad is how much of each cut silence is left, in seconds: half at
	// each side of a silence inside the media, all of it next to the
	// content for a silence at the start or the end. It defaults to
	// DefaultSilencePad (0.5 s); a negative value leaves nothing.
	Pad float64
	// Duration is the input's duration in seconds, used to tell a silence
	// that runs to the end. 0 when unknown: such a silence then keeps half
	// the pad, like one inside the media.
	Duration float64
	// FrameRate, when positive, moves every cut to the nearest frame
	// boundary (a multiple of 1/FrameRate) so that picture and sound are cut
	// at the same instant and stay in sync.
	FrameRate float64
}

// DefaultSilenceMin and DefaultSilencePad are TrimConfig's defaults, and
// DefaultSilenceThreshold AnalyzeConfig's, in seconds and dBFS.
const (
	DefaultSilenceMin       = 3.0
	DefaultSilencePad       = 0.5
	DefaultSilenceThreshold = -50.0
)

// minKept is the shortest stretch worth keeping between two cuts: anything
// shorter is a click between two silences, and a stretch without a single
// video frame would leave ffmpeg's concat filter a segment with no picture.
const minKept = 0.1

// KeepIntervals turns the silences found into the stretches of the input to
// keep, in order. Silences shorter than cfg.Min are left alone. It returns
// nil when nothing is cut.
func KeepIntervals(silences []Silence, cfg TrimConfig) []Interval {
	if cfg.Min <= 0 {
		cfg.Min = DefaultSilenceMin
	}
	switch {
	case cfg.Pad == 0:
		cfg.Pad = DefaultSilencePad
	case cfg.Pad < 0:
		cfg.Pad = 0
	}
	// eps absorbs silencedetect's rounding (5.99999 for 6).
	const eps = 0.01
	var keep []Interval
	cursor := 0.0 // start of the stretch being kept
	cut := false
	sorted := append([]Silence(nil), silences...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	for _, s := range sorted {
		if s.Duration() < cfg.Min-eps || s.End <= cursor {
			continue
		}
		lead := s.Start <= eps
		trail := cfg.Duration > 0 && s.End >= cfg.Duration-eps
		var keepTo, resume float64
		switch {
		case lead && trail: // all silence: keep the pad
			keepTo, resume = cfg.Pad, math.Inf(1)
		case lead:
			keepTo, resume = 0, s.End-cfg.Pad
		case trail:
			keepTo, resume = s.Start+cfg.Pad, math.Inf(1)
		default:
			keepTo, resume = s.Start+cfg.Pad/2, s.End-cfg.Pad/2
		}
		keepTo, resume = snap(keepTo, cfg.FrameRate), snap(resume, cfg.FrameRate)
		if resume <= keepTo {
			continue
		}
		cut = true
		if keepTo-cursor >= minKept {
			keep = append(keep, Interval{Start: cursor, End: keepTo})
		}
		// Overlapping reports never move the cursor back.
		cursor = max(cursor, resume)
	}
	if !cut {
		return nil
	}
	if !math.IsInf(cursor, 1) {
		keep = append(keep, Interval{Start: cursor, End: math.Inf(1)})
	}
	return keep
}

// snap moves t to the nearest multiple of 1/fps.
func snap(t, fps float64) float64 {
	if fps <= 0 || math.IsInf(t, 0) {
		return t
	}
	return math.Round(t*fps) / fps
}

// KeptDuration is how long the kept stretches last for an input of the
// given duration.
func KeptDuration(keep []Interval, duration float64) float64 {
	if keep == nil {
		return duration
	}
	total := 0.0
	for _, iv := range keep {
		total += max(0, min(iv.End, duration)-iv.Start)
	}
	return total
}

// TrimGraph returns -filter_complex text that keeps only the intervals of
// a video and an audio stream and joins them: each stream is split once per
// interval, cut with trim/atrim (atrim is sample-exact), shifted back by the
// interval's start — the same amount for picture and sound, so a source
// whose audio starts a little after its video keeps that offset — and the
// pieces are joined by one concat filter, which lines picture and sound up
// again at every join. video or audio may be "" for a source without that
// stream; the inputs and outputs are pad labels with their brackets
// ("[0:a:0]", "[acut]"). It returns "" when keep is empty.
func TrimGraph(keep []Interval, videoIn, audioIn, videoOut, audioOut string) string {
	if len(keep) == 0 || (videoIn == "" && audioIn == "") {
		return ""
	}
	var parts []string
	n := len(keep)
	label := func(kind string, i int) string { return fmt.Sprintf("[%s%d]", kind, i) }
	// One split per stream; with a single interval a null filter stands in
	// for it, so the labels below stay the same.
	splitTo := func(in, filter, kind string) {
		var b strings.Builder
		b.WriteString(in)
		if n == 1 {
			b.WriteString(map[string]string{"split": "null", "asplit": "anull"}[filter])
		} else {
			fmt.Fprintf(&b, "%s=%d", filter, n)
		}
		for i := range n {
			b.WriteString(label(kind+"s", i))
		}
		parts = append(parts, b.String())
	}
	if videoIn != "" {
		splitTo(videoIn, "split", "v")
		for i, iv := range keep {
			parts = append(parts, fmt.Sprintf("%strim=%s,setpts=PTS-%s/TB%s",
				label("vs", i), trimRange(iv), num(iv.Start), label("vc", i)))
		}
	}
	if audioIn != "" {
		splitTo(audioIn, "asplit", "a")
		for i, iv := range keep {
			parts = append(parts, fmt.Sprintf("%satrim=%s,asetpts=PTS-%s/TB%s",
				label("as", i), trimRange(iv), num(iv.Start), label("ac", i)))
		}
	}
	var c strings.Builder
	for i := range n {
		if videoIn != "" {
			c.WriteString(label("vc", i))
		}
		if audioIn != "" {
			c.WriteString(label("ac", i))
		}
	}
	v, a := 0, 0
	if videoIn != "" {
		v = 1
	}
	if audioIn != "" {
		a = 1
	}
	fmt.Fprintf(&c, "concat=n=%d:v=%d:a=%d", n, v, a)
	if videoIn != "" {
		c.WriteString(videoOut)
	}
	if audioIn != "" {
		c.WriteString(audioOut)
	}
	parts = append(parts, c.String())
	return strings.Join(parts, ";")
}

// trimRange is trim's start/end options for an interval; an open end is
// left out.
func trimRange(iv Interval) string {
	s := "start=" + num(iv.Start)
	if !math.IsInf(iv.End, 1) {
		s += ":end=" + num(iv.End)
	}
	return s
}

// num formats seconds for a filter graph: plain decimals, no exponent,
// microsecond precision (ffmpeg's time base for trim).
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}
