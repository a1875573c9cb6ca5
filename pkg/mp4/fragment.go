package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Track is one track of an fMP4 init section.
type Track struct {
	ID uint32
	// Handler is the track's handler type: "vide", "soun", "text"...
	Handler string
	// Timescale is the media timescale (mdhd), ticks per second.
	Timescale uint32
	// DefaultSampleDuration is the trex default, used by fragments that
	// give no sample durations of their own.
	DefaultSampleDuration uint32
}

// Timing is when one track of a media segment starts and how long it
// lasts, in the track's timescale.
type Timing struct {
	// Start is the first fragment's baseMediaDecodeTime (tfdt).
	Start uint64
	// Duration is the sum of the sample durations of every fragment.
	Duration uint64
	Samples  int
}

// ReadInit lists the tracks of an fMP4 init section (ftyp + moov with
// mvex).
func ReadInit(b []byte) ([]Track, error) {
	boxes, err := Boxes(b)
	if err != nil {
		return nil, err
	}
	moov := Find(boxes, "moov")
	if moov == nil {
		return nil, errors.New("no moov box")
	}
	mv := moov.Children
	mvex := moov.Child("mvex")
	if mvex == nil {
		return nil, errors.New("moov has no mvex box (not a fragmented MP4 init section)")
	}
	defaults := map[uint32]uint32{}
	for _, t := range mvex.Children {
		if t.Type == "trex" && len(t.Payload) >= 16 {
			defaults[binary.BigEndian.Uint32(t.Payload[4:])] = binary.BigEndian.Uint32(t.Payload[12:])
		}
	}
	var tracks []Track
	for i := range mv {
		if mv[i].Type != "trak" {
			continue
		}
		tkhd := mv[i].Child("tkhd")
		var mdia []Box
		if m := mv[i].Child("mdia"); m != nil {
			mdia = m.Children
		}
		if tkhd == nil || len(tkhd.Payload) < 24 || len(mdia) == 0 {
			return nil, errors.New("a trak has no tkhd or mdia")
		}
		off := 12 // version 0: 32-bit creation and modification times
		if tkhd.Payload[0] == 1 {
			off = 20
		}
		if len(tkhd.Payload) < off+4 {
			return nil, errors.New("tkhd is truncated")
		}
		t := Track{ID: binary.BigEndian.Uint32(tkhd.Payload[off:])}
		if mdhd := Find(mdia, "mdhd"); mdhd != nil {
			off := 12
			if len(mdhd.Payload) > 0 && mdhd.Payload[0] == 1 {
				off = 20
			}
			if len(mdhd.Payload) >= off+4 {
				t.Timescale = binary.BigEndian.Uint32(mdhd.Payload[off:])
			}
		}
		if hdlr := Find(mdia, "hdlr"); hdlr != nil && len(hdlr.Payload) >= 12 {
			t.Handler = string(hdlr.Payload[8:12])
		}
		if t.Timescale == 0 {
			return nil, fmt.Errorf("track %d has no timescale", t.ID)
		}
		t.DefaultSampleDuration = defaults[t.ID]
		tracks = append(tracks, t)
	}
	if len(tracks) == 0 {
		return nil, errors.New("moov has no track")
	}
	return tracks, nil
}

// ReadFragment reads the timing of each track in a media segment (one or
// more moof + mdat): the first tfdt and the summed sample durations, from
// trun, else tfhd's default, else the init section's trex default.
func ReadFragment(b []byte, tracks []Track) (map[uint32]Timing, error) {
	boxes, err := Boxes(b)
	if err != nil {
		return nil, err
	}
	trex := map[uint32]uint32{}
	for _, t := range tracks {
		trex[t.ID] = t.DefaultSampleDuration
	}
	out := map[uint32]Timing{}
	moofs := 0
	for i := range boxes {
		if boxes[i].Type != "moof" {
			continue
		}
		moofs++
		for _, traf := range boxes[i].Children {
			if traf.Type != "traf" {
				continue
			}
			kids := traf.Children
			tfhd, tfdt := Find(kids, "tfhd"), Find(kids, "tfdt")
			if tfhd == nil || len(tfhd.Payload) < 8 {
				return nil, errors.New("a traf has no tfhd")
			}
			if tfdt == nil || len(tfdt.Payload) < 8 {
				return nil, errors.New("a traf has no tfdt")
			}
			id := binary.BigEndian.Uint32(tfhd.Payload[4:])
			def := trex[id]
			flags := binary.BigEndian.Uint32(tfhd.Payload) & 0xffffff
			p := tfhd.Payload[8:]
			skip := func(n int) bool {
				if len(p) < n {
					return false
				}
				p = p[n:]
				return true
			}
			if flags&0x1 != 0 && !skip(8) || flags&0x2 != 0 && !skip(4) {
				return nil, errors.New("tfhd is truncated")
			}
			if flags&0x8 != 0 {
				if len(p) < 4 {
					return nil, errors.New("tfhd is truncated")
				}
				def = binary.BigEndian.Uint32(p)
			}
			var start uint64
			if tfdt.Payload[0] == 1 {
				if len(tfdt.Payload) < 12 {
					return nil, errors.New("tfdt is truncated")
				}
				start = binary.BigEndian.Uint64(tfdt.Payload[4:])
			} else {
				start = uint64(binary.BigEndian.Uint32(tfdt.Payload[4:]))
			}
			tm, seen := out[id]
			if !seen {
				tm.Start = start
			}
			for _, run := range kids {
				if run.Type != "trun" {
					continue
				}
				d, n, err := trunDuration(run.Payload, def)
				if err != nil {
					return nil, err
				}
				tm.Duration += d
				tm.Samples += n
			}
			out[id] = tm
		}
	}
	if moofs == 0 {
		return nil, errors.New("no moof box")
	}
	return out, nil
}

// trunDuration sums a trun's sample durations (def for samples without
// their own).
func trunDuration(p []byte, def uint32) (uint64, int, error) {
	if len(p) < 8 {
		return 0, 0, errors.New("trun is truncated")
	}
	flags := binary.BigEndian.Uint32(p) & 0xffffff
	n := binary.BigEndian.Uint32(p[4:])
	p = p[8:]
	if flags&0x1 != 0 {
		p = p[min(4, len(p)):]
	}
	if flags&0x4 != 0 {
		p = p[min(4, len(p)):]
	}
	per := 0
	for _, f := range []uint32{0x100, 0x200, 0x400, 0x800} {
		if flags&f != 0 {
			per += 4
		}
	}
	if uint64(len(p)) < uint64(n)*uint64(per) {
		return 0, 0, fmt.Errorf("trun lists %d samples but holds %d bytes of them", n, len(p))
	}
	if flags&0x100 == 0 {
		return uint64(n) * uint64(def), int(n), nil
	}
	var sum uint64
	for i := uint32(0); i < n; i++ {
		sum += uint64(binary.BigEndian.Uint32(p[int(i)*per:]))
	}
	return sum, int(n), nil
}

// MainTrack is the track the timeline follows: the video track, else the
// first.
func MainTrack(tracks []Track) Track {
	for _, t := range tracks {
		if t.Handler == "vide" {
			return t
		}
	}
	return tracks[0]
}

// SampleEntries lists the sample entry types (lower case) of every track
// in an init section: stsd's entries, "avc1", "hvc1", "mp4a"...
func SampleEntries(init []byte) map[string]bool {
	out := map[string]bool{}
	boxes, _ := Boxes(init)
	moov := Find(boxes, "moov")
	if moov == nil {
		return out
	}
	for _, trak := range moov.Children {
		if trak.Type != "trak" {
			continue
		}
		minf := trak.Child("mdia").Child("minf")
		if minf == nil {
			continue
		}
		minfKids, _ := Boxes(minf.Payload)
		stbl := Find(minfKids, "stbl")
		if stbl == nil {
			continue
		}
		stblKids, _ := Boxes(stbl.Payload)
		stsd := Find(stblKids, "stsd")
		if stsd == nil || len(stsd.Payload) < 8 {
			continue
		}
		n := binary.BigEndian.Uint32(stsd.Payload[4:])
		entries, _ := Boxes(stsd.Payload[8:])
		for i := 0; i < len(entries) && uint32(i) < n; i++ {
			out[strings.ToLower(entries[i].Type)] = true
		}
	}
	return out
}
