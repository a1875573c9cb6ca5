package encode

import (
	"strconv"
	"strings"
	"time"
)

// ProgressBlock is one report ffmpeg writes to its -progress output: a block
// of key=value lines closed by "progress=continue" or "progress=end".
//
//	frame=125
//	fps=0.00
//	bitrate=N/A
//	total_size=N/A
//	out_time_us=5015511
//	out_time_ms=5015511
//	out_time=00:00:05.015511
//	speed=51.2x
//	progress=end
//
// Fields ffmpeg reports as "N/A" keep their zero value (Size -1) and the
// matching Has flag stays false.
type ProgressBlock struct {
	Frame   int64
	FPS     float64
	Bitrate float64 // bits per second
	Size    int64   // bytes written so far; -1 when N/A
	OutTime time.Duration
	HasTime bool
	Speed   float64
	// End is true for the last block (progress=end).
	End bool
}

// progressParser assembles ProgressBlocks from lines.
type progressParser struct {
	cur     ProgressBlock
	started bool
	// usSet records that out_time_us was seen in this block: it beats
	// out_time_ms and out_time, which say the same less reliably.
	usSet, msSet bool
}

// line takes one line of -progress output. It returns a block when the line
// closes one.
func (p *progressParser) line(l string) (ProgressBlock, bool) {
	if !p.started {
		p.cur = ProgressBlock{Size: -1}
		p.started = true
	}
	key, val, ok := ParseProgressLine(l)
	if !ok {
		return ProgressBlock{}, false
	}
	b := &p.cur
	switch key {
	case "frame":
		if n, err := strconv.ParseInt(val, 10, 64); err == nil && n >= 0 {
			b.Frame = n
		}
	case "fps":
		b.FPS, _ = parseFloat(val)
	case "bitrate":
		b.Bitrate = parseBitrate(val)
	case "total_size":
		if n, err := strconv.ParseInt(val, 10, 64); err == nil && n >= 0 {
			b.Size = n
		}
	case "out_time_us":
		if d, ok := parseMicros(val); ok {
			b.OutTime, b.HasTime, p.usSet = d, true, true
		}
	case "out_time_ms":
		// Despite its name ffmpeg writes microseconds here (a bug kept for
		// compatibility), so it is read exactly like out_time_us.
		if d, ok := parseMicros(val); ok && !p.usSet {
			b.OutTime, b.HasTime, p.msSet = d, true, true
		}
	case "out_time":
		if d, ok := parseClock(val); ok && !p.usSet && !p.msSet {
			b.OutTime, b.HasTime = d, true
		}
	case "speed":
		b.Speed = parseSpeed(val)
	case "progress":
		b.End = val == "end"
		done := *b
		p.started, p.usSet, p.msSet = false, false, false
		return done, true
	}
	return ProgressBlock{}, false
}

// ParseProgressLine splits a "key=value" line of -progress output. Values
// are trimmed: ffmpeg pads some (speed=   0x).
func ParseProgressLine(l string) (key, val string, ok bool) {
	key, val, ok = strings.Cut(l, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return "", "", false
	}
	return key, strings.TrimSpace(val), true
}

// parseMicros reads a microsecond count. Before the first packet ffmpeg
// prints negative or INT64_MIN-like values; those mean "zero so far".
func parseMicros(v string) (time.Duration, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false
	}
	if n < 0 {
		return 0, true
	}
	if n > int64(1<<63-1)/int64(time.Microsecond) {
		return 0, false
	}
	return time.Duration(n) * time.Microsecond, true
}
