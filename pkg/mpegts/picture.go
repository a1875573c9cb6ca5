package mpegts

import (
	"errors"
	"fmt"
)

// PTSClock is the rate of MPEG-TS presentation time stamps, in ticks per
// second.
const PTSClock = 90000

// ptsWrap is where the 33-bit time stamps wrap around.
const ptsWrap = 1 << 33

// PTSDiff is a − b in ticks, across a wrap of the 33-bit counter: the
// shorter way round the circle, so a stamp just past the wrap is later
// than one just before it.
func PTSDiff(a, b int64) int64 {
	d := (a - b) % ptsWrap
	if d < 0 {
		d += ptsWrap
	}
	if d >= ptsWrap/2 {
		d -= ptsWrap
	}
	return d
}

// Picture is one access unit of a segment's video stream: one PES packet
// on the video PID, as ffmpeg and every HLS packager write them.
type Picture struct {
	// Offset and Length are the bytes an I-frame playlist names for the
	// picture (HLS-RULES P9). The range starts at the packet where the PES
	// packet starts or, when a PAT and a PMT sit in the packets right
	// before it, at that PAT, so the range decodes on its own. It ends with
	// the last packet of the video PID before the next PES packet starts
	// on it; packets of other PIDs in between (audio) are inside.
	Offset, Length int64
	// PTS is the presentation time stamp in PTSClock ticks; -1 when the PES
	// header carries none.
	PTS int64
	// Key says the picture is a keyframe: an IDR picture for H.264, an IRAP
	// picture (IDR, CRA or BLA) for HEVC.
	Key bool
}

// pesHeadLimit bounds how much of each PES packet is kept to find its first
// picture: the slice header follows the parameter sets and SEI within a few
// kilobytes.
const pesHeadLimit = 64 << 10

// Pictures lists the access units of the first H.264 or HEVC stream of an
// MPEG-TS segment, in the order they are stored (decode order). A picture
// whose PES packet began before b (a segment cut mid-frame) is not listed.
// It needs the PAT and PMT ahead of the video, as in every HLS segment
// (HLS-RULES M9); a range cut out of a segment can be read with the
// segment's tables in front of it (see TablePackets).
func Pictures(b []byte) ([]Picture, error) {
	var (
		pmtPID, videoPID = -1, -1
		codec            byte
		// tables is a run of packets holding a PAT and then a PMT: where
		// it starts, where it ends, and whether the PMT came.
		tablesStart, tablesEnd = -1, -1
		tablesPMT              bool
		cur                    *Picture
		head                   []byte // the start of cur's PES packet
		lastVideoEnd           int
		pics                   []Picture
		bad                    error
	)
	finish := func() {
		if cur == nil {
			return
		}
		cur.Length = int64(lastVideoEnd) - cur.Offset
		cur.PTS = pesPTS(head)
		key, err := pesPictureIsKey(head, codec)
		if err != nil && !errors.Is(err, errNoPicture) && bad == nil {
			bad = fmt.Errorf("video PES packet at byte %d: %w", cur.Offset, err)
		}
		cur.Key = key && err == nil
		pics = append(pics, *cur)
		cur, head = nil, nil
	}
	err := scan(b, func(p packet) bool {
		pid := int(p.pid)
		switch {
		case pid == videoPID && videoPID >= 0:
			if p.start {
				finish()
				cur = &Picture{Offset: int64(p.off)}
				if tablesPMT && tablesEnd == p.off {
					cur.Offset = int64(tablesStart)
				}
				head = []byte{}
			}
			if cur != nil {
				if len(head) < pesHeadLimit {
					head = append(head, p.payload...)
				}
				lastVideoEnd = p.off + PacketSize
			}
		case pid == 0 && p.start:
			tablesStart, tablesEnd, tablesPMT = p.off, p.off+PacketSize, false
			if sec := section(p.payload); len(sec) >= 12 && sec[0] == 0x00 && pmtPID < 0 {
				for _, prog := range patPrograms(sec) {
					if prog[0] != 0 {
						pmtPID = int(prog[1])
						break
					}
				}
			}
		case pid == pmtPID && p.start:
			if tablesEnd == p.off {
				tablesEnd, tablesPMT = p.off+PacketSize, true
			}
			if sec := section(p.payload); len(sec) >= 12 && sec[0] == 0x02 && videoPID < 0 {
				videoPID, codec = pmtVideo(sec)
			}
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("not MPEG-TS: %w", err)
	}
	finish()
	switch {
	case bad != nil:
		return nil, bad
	case pmtPID < 0:
		return nil, errors.New("no PAT naming a program")
	case videoPID < 0:
		return nil, ErrNoVideo
	}
	return pics, nil
}

// Keyframes is Pictures keeping only the keyframes: every one in the
// segment, not only the one it starts with.
func Keyframes(b []byte) ([]Picture, error) {
	pics, err := Pictures(b)
	if err != nil {
		return nil, err
	}
	var keys []Picture
	for _, p := range pics {
		if p.Key {
			keys = append(keys, p)
		}
	}
	return keys, nil
}

// pesPTS reads the PTS of a PES header, or -1.
func pesPTS(pes []byte) int64 {
	if len(pes) < 14 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1 || pes[7]&0x80 == 0 {
		return -1
	}
	t := pes[9:14]
	return int64(t[0]>>1&7)<<30 | int64(t[1])<<22 | int64(t[2]>>1)<<15 | int64(t[3])<<7 | int64(t[4]>>1)
}

// TablePackets returns copies of the packets carrying the first PAT and the
// first PMT it names in b, PAT first, or nil when b lacks either. A player
// keeps the tables of the segment it read; put in front of a range cut out
// of the same segment, they let Pictures read the range alone.
func TablePackets(b []byte) []byte {
	var pat, pmt []byte
	pmtPID := -1
	scan(b, func(p packet) bool {
		if !p.start {
			return true
		}
		sec := section(p.payload)
		switch {
		case len(sec) < 12:
		case p.pid == 0 && sec[0] == 0x00 && pat == nil:
			for _, prog := range patPrograms(sec) {
				if prog[0] != 0 {
					pmtPID = int(prog[1])
					pat = b[p.off : p.off+PacketSize]
					break
				}
			}
		case int(p.pid) == pmtPID && sec[0] == 0x02:
			pmt = b[p.off : p.off+PacketSize]
		}
		return pmt == nil
	})
	if pat == nil || pmt == nil {
		return nil
	}
	return append(append([]byte{}, pat...), pmt...)
}
