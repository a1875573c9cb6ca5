package encode

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// damagePatterns are the words ffmpeg's demuxers and decoders use when the
// input itself is broken: lost MPEG-TS sync, corrupt packets, macroblocks
// that failed to decode and were concealed, undecodable audio frames. ffmpeg
// goes on after each of them and exits 0; the output plays with whatever the
// decoder made of the damage.
var damagePatterns = []string{
	"Packet corrupt",            // mpegts, mov: a packet flagged corrupt
	"corrupt input packet",      // ffmpeg: a packet the demuxer flagged
	"corrupt decoded frame",     // ffmpeg: a frame the decoder flagged
	"changing packet size",      // mpegts: sync lost, resynchronising
	"PES packet size mismatch",  // mpegts
	"error while decoding",      // h264 "error while decoding MB", ffmpeg "Error while decoding stream"
	"concealing",                // h264/hevc: errors hidden by concealment
	"Invalid NAL unit size",     // h264/hevc
	"decode_slice_header error", // h264
	"non-existing PPS",          // h264
	"Error splitting the input into NAL units",
	"Error decoding AAC frame",                  // aac (ffmpeg 6+)
	"Input buffer exhausted before END element", // aac
	"is not allocated",                          // aac "channel element 0.0 is not allocated"
	"Header missing",                            // mp3
	"invalid frame header",                      // flac
}

// isDamage reports whether a stderr line says the input is damaged. Only
// lines that carry ffmpeg's own prefixes count: a component context
// ("[h264 @ 0x…]") or a warning/error level. Input metadata, printed at info
// level without a context, cannot fake damage.
func isDamage(l LogLine) bool {
	if l.Context == "" && l.Level != LevelWarning && l.Level < LevelError {
		return false
	}
	if l.Level != LevelUnknown && l.Level < LevelInfo {
		return false
	}
	for _, p := range damagePatterns {
		if strings.Contains(l.Text, p) {
			return true
		}
	}
	return false
}

// damageGap is how far apart two reports may be and still belong to one
// damaged range.
const damageGap = 2 * time.Second

// DamageRange is a stretch of the input where ffmpeg reported damage, in
// output media time. ffmpeg reports progress twice a second of wall time,
// so a range is as narrow as the media encoded in half a second allows.
type DamageRange struct {
	Start time.Duration
	End   time.Duration
	// Count is how many damage reports fell in the range.
	Count int
}

// String is "00:04-00:06 (12 errors)".
func (r DamageRange) String() string {
	return fmt.Sprintf("%s-%s (%d errors)", clock(r.Start), clock(r.End), r.Count)
}

// Damaged reports that the input is damaged but was decodable: ffmpeg
// logged decode errors or corrupt packets, or the output ended well short of
// Job.ExpectDuration. It comes once, just before Exited.
type Damaged struct {
	// Ranges are the damaged stretches, in order.
	Ranges []DamageRange
	// Errors is the number of damage reports in all ranges.
	Errors int
	// Short is true when the output ended more than a second (and 2 %)
	// before Expected; Encoded is where it ended.
	Short             bool
	Expected, Encoded time.Duration
}

func (Damaged) Type() string { return "damaged" }

// String is the damage in one line, for a warning:
// "12 decode errors at 00:04-00:06 (12 errors); ended at 00:05 of 00:10".
func (d Damaged) String() string {
	var parts []string
	if d.Errors > 0 {
		rs := make([]string, len(d.Ranges))
		for i, r := range d.Ranges {
			rs[i] = r.String()
		}
		parts = append(parts, fmt.Sprintf("%d decode errors or corrupt packets at %s", d.Errors, strings.Join(rs, ", ")))
	}
	if d.Short {
		parts = append(parts, fmt.Sprintf("ended at %s of %s", clock(d.Encoded), clock(d.Expected)))
	}
	return strings.Join(parts, "; ")
}

// MarshalJSON writes times in seconds.
func (d Damaged) MarshalJSON() ([]byte, error) {
	type rng struct {
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Count int     `json:"count"`
	}
	rs := make([]rng, len(d.Ranges))
	for i, r := range d.Ranges {
		rs[i] = rng{secs(r.Start), secs(r.End), r.Count}
	}
	return json.Marshal(struct {
		Ranges   []rng   `json:"ranges"`
		Errors   int     `json:"errors"`
		Short    bool    `json:"short"`
		Expected float64 `json:"expected,omitempty"`
		Encoded  float64 `json:"encoded,omitempty"`
	}{rs, d.Errors, d.Short, secs(d.Expected), secs(d.Encoded)})
}

// damageLog gathers damage reports into ranges. ffmpeg's lines carry no
// media time, so a report is placed between the progress report before it
// and the one after it (about half a second of wall time apart).
//
// While ffmpeg probes its input (before it prints "Input #0") the demuxer
// reads ahead and reports damage it meets again, and reports again, once
// decoding reaches it; those early reports count only when nothing is
// reported later, as a range over the whole output.
type damageLog struct {
	probing bool // no "Input #" line seen yet
	early   int  // reports while probing
	ranges  []DamageRange
	errors  int
	pending int           // reports since the last progress
	from    time.Duration // output time of the progress before them
}

// add records one damage report made after the progress report at at.
func (l *damageLog) add(at time.Duration) {
	if l.probing {
		l.early++
		return
	}
	if l.pending == 0 {
		l.from = at
	}
	l.pending++
	l.errors++
}

// progress places the pending reports in [from, at] and merges that with
// the previous range when they are close.
func (l *damageLog) progress(at time.Duration) {
	if l.pending == 0 {
		return
	}
	r := DamageRange{Start: l.from, End: max(at, l.from), Count: l.pending}
	l.pending = 0
	if n := len(l.ranges); n > 0 && r.Start-l.ranges[n-1].End <= damageGap {
		last := &l.ranges[n-1]
		last.End = max(last.End, r.End)
		last.Count += r.Count
		return
	}
	l.ranges = append(l.ranges, r)
}

// result is the Damaged event for a job that produced encoded media of
// expected length (0: not checked); ok is false when nothing is wrong.
func (l *damageLog) result(encoded, expected time.Duration) (Damaged, bool) {
	l.progress(encoded)
	if l.errors == 0 && l.early > 0 {
		l.ranges, l.errors = []DamageRange{{Start: 0, End: encoded, Count: l.early}}, l.early
	}
	d := Damaged{Ranges: l.ranges, Errors: l.errors}
	if expected > 0 {
		slack := max(time.Second, expected/50)
		if encoded < expected-slack {
			d.Short, d.Expected, d.Encoded = true, expected, encoded
		}
	}
	return d, d.Errors > 0 || d.Short
}

// clock is d as MM:SS, or H:MM:SS from an hour on.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
