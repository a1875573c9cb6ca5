package webvtt

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Cue is one timed piece of text.
type Cue struct {
	// ID is the optional cue identifier line.
	ID string
	// Start and End are in seconds of the track's own timeline.
	Start, End float64
	// Settings is what follows the end time on the timing line
	// ("line:90% align:center"), as written.
	Settings string
	// Text is the cue payload, lines joined by "\n".
	Text string
}

// File is a parsed WebVTT file.
type File struct {
	// Header holds the lines after "WEBVTT" up to the first blank line
	// (X-TIMESTAMP-MAP among them).
	Header []string
	Cues   []Cue
}

// TimestampMap returns the value of the X-TIMESTAMP-MAP header ("" when
// absent).
func (f *File) TimestampMap() string {
	for _, h := range f.Header {
		if v, ok := strings.CutPrefix(h, "X-TIMESTAMP-MAP="); ok {
			return v
		}
	}
	return ""
}

// Parse reads a WebVTT file. It fails on a missing signature, a timing
// line it cannot read, or a cue that ends before it starts; NOTE, STYLE
// and REGION blocks are skipped.
func Parse(data []byte) (*File, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	if !sc.Scan() {
		return nil, fmt.Errorf("webvtt: empty file")
	}
	first := sc.Text()
	if first != "WEBVTT" && !strings.HasPrefix(first, "WEBVTT ") && !strings.HasPrefix(first, "WEBVTT\t") {
		return nil, fmt.Errorf("webvtt: first line is %q, not WEBVTT", truncate(first))
	}
	f := &File{}
	for sc.Scan() && strings.TrimSpace(sc.Text()) != "" {
		f.Header = append(f.Header, strings.TrimRight(sc.Text(), "\r"))
	}
	var block []string
	flush := func(line int) error {
		defer func() { block = block[:0] }()
		if len(block) == 0 {
			return nil
		}
		if strings.HasPrefix(block[0], "NOTE") || block[0] == "STYLE" || block[0] == "REGION" {
			return nil
		}
		var c Cue
		timing := block[0]
		rest := block[1:]
		if !strings.Contains(timing, "-->") {
			if len(block) < 2 {
				return fmt.Errorf("webvtt: line %d: block without a timing line", line)
			}
			c.ID, timing, rest = block[0], block[1], block[2:]
		}
		if err := c.parseTiming(timing); err != nil {
			return fmt.Errorf("webvtt: line %d: %w", line, err)
		}
		c.Text = strings.Join(rest, "\n")
		f.Cues = append(f.Cues, c)
		return nil
	}
	line := len(f.Header) + 1
	for sc.Scan() {
		line++
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" {
			if err := flush(line); err != nil {
				return nil, err
			}
			continue
		}
		block = append(block, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("webvtt: %w", err)
	}
	if err := flush(line); err != nil {
		return nil, err
	}
	return f, nil
}

func (c *Cue) parseTiming(line string) error {
	from, to, ok := strings.Cut(line, "-->")
	if !ok {
		return fmt.Errorf("no --> in %q", truncate(line))
	}
	fields := strings.Fields(to)
	if len(fields) == 0 {
		return fmt.Errorf("no end time in %q", truncate(line))
	}
	var err error
	if c.Start, err = ParseTime(strings.TrimSpace(from)); err != nil {
		return err
	}
	if c.End, err = ParseTime(fields[0]); err != nil {
		return err
	}
	if c.End < c.Start {
		return fmt.Errorf("cue ends at %s before it starts at %s", FormatTime(c.End), FormatTime(c.Start))
	}
	c.Settings = strings.Join(fields[1:], " ")
	return nil
}

// ParseTime reads a WebVTT timestamp, "hh:mm:ss.ttt" or "mm:ss.ttt".
func ParseTime(s string) (float64, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("bad timestamp %q", truncate(s))
	}
	secs, frac, ok := strings.Cut(parts[len(parts)-1], ".")
	if !ok || len(secs) != 2 || len(frac) != 3 {
		return 0, fmt.Errorf("bad timestamp %q", truncate(s))
	}
	var total float64
	for i, p := range append(parts[:len(parts)-1], secs) {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil || (i > 0 || len(parts) == 2) && (len(p) != 2 || n > 59) || len(p) < 2 {
			return 0, fmt.Errorf("bad timestamp %q", truncate(s))
		}
		total = total*60 + float64(n)
	}
	ms, err := strconv.ParseUint(frac, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("bad timestamp %q", truncate(s))
	}
	return total + float64(ms)/1000, nil
}

// FormatTime writes seconds as a WebVTT timestamp, "hh:mm:ss.ttt".
func FormatTime(t float64) string {
	ms := int64(math.Round(max(t, 0) * 1000))
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// Encode writes f as WebVTT text.
func (f *File) Encode() []byte {
	var b bytes.Buffer
	b.WriteString("WEBVTT\n")
	for _, h := range f.Header {
		b.WriteString(h + "\n")
	}
	for _, c := range f.Cues {
		b.WriteString("\n")
		if c.ID != "" {
			b.WriteString(c.ID + "\n")
		}
		b.WriteString(FormatTime(c.Start) + " --> " + FormatTime(c.End))
		if c.Settings != "" {
			b.WriteString(" " + c.Settings)
		}
		b.WriteString("\n" + c.Text + "\n")
	}
	return b.Bytes()
}

// Between returns the cues that show during [start, end): those that
// overlap it, whole, so a cue crossing a segment boundary is in both
// segments, as HLS players expect.
func (f *File) Between(start, end float64) []Cue {
	var out []Cue
	for _, c := range f.Cues {
		if c.End > start && c.Start < end {
			out = append(out, c)
		}
	}
	return out
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
