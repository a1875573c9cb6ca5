package dash

import (
	"encoding/binary"
	"errors"
	"fmt"
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

// box is one ISO BMFF box: its type and its payload (after the header).
type box struct {
	typ     string
	payload []byte
}

// readBoxes splits b into boxes. A size of 0 means "to the end".
func readBoxes(b []byte) ([]box, error) {
	var out []box
	for len(b) > 0 {
		if len(b) < 8 {
			return out, fmt.Errorf("%d stray bytes after the last box", len(b))
		}
		size := uint64(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return out, fmt.Errorf("box %q: truncated 64-bit size", printable(typ))
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return out, fmt.Errorf("box %q: size %d does not fit the %d bytes left", printable(typ), size, len(b))
		}
		out = append(out, box{typ: typ, payload: b[hdr:size]})
		b = b[size:]
	}
	return out, nil
}

func find(boxes []box, typ string) *box {
	for i := range boxes {
		if boxes[i].typ == typ {
			return &boxes[i]
		}
	}
	return nil
}

func children(b *box) []box {
	if b == nil {
		return nil
	}
	kids, _ := readBoxes(b.payload)
	return kids
}

func printable(t string) string {
	for _, c := range []byte(t) {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", t)
		}
	}
	return t
}

// ReadInit lists the tracks of an fMP4 init section (ftyp + moov with
// mvex).
func ReadInit(b []byte) ([]Track, error) {
	boxes, err := readBoxes(b)
	if err != nil {
		return nil, err
	}
	moov := find(boxes, "moov")
	if moov == nil {
		return nil, errors.New("no moov box")
	}
	mv := children(moov)
	mvex := find(mv, "mvex")
	if mvex == nil {
		return nil, errors.New("moov has no mvex box (not a fragmented MP4 init section)")
	}
	defaults := map[uint32]uint32{}
	for _, t := range children(mvex) {
		if t.typ == "trex" && len(t.payload) >= 16 {
			defaults[binary.BigEndian.Uint32(t.payload[4:])] = binary.BigEndian.Uint32(t.payload[12:])
		}
	}
	var tracks []Track
	for i := range mv {
		if mv[i].typ != "trak" {
			continue
		}
		kids := children(&mv[i])
		tkhd := find(kids, "tkhd")
		mdia := children(find(kids, "mdia"))
		if tkhd == nil || len(tkhd.payload) < 24 || len(mdia) == 0 {
			return nil, errors.New("a trak has no tkhd or mdia")
		}
		off := 12 // version 0: 32-bit creation and modification times
		if tkhd.payload[0] == 1 {
			off = 20
		}
		if len(tkhd.payload) < off+4 {
			return nil, errors.New("tkhd is truncated")
		}
		t := Track{ID: binary.BigEndian.Uint32(tkhd.payload[off:])}
		if mdhd := find(mdia, "mdhd"); mdhd != nil {
			off := 12
			if len(mdhd.payload) > 0 && mdhd.payload[0] == 1 {
				off = 20
			}
			if len(mdhd.payload) >= off+4 {
				t.Timescale = binary.BigEndian.Uint32(mdhd.payload[off:])
			}
		}
		if hdlr := find(mdia, "hdlr"); hdlr != nil && len(hdlr.payload) >= 12 {
			t.Handler = string(hdlr.payload[8:12])
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
	boxes, err := readBoxes(b)
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
		if boxes[i].typ != "moof" {
			continue
		}
		moofs++
		for _, traf := range children(&boxes[i]) {
			if traf.typ != "traf" {
				continue
			}
			kids := children(&traf)
			tfhd, tfdt := find(kids, "tfhd"), find(kids, "tfdt")
			if tfhd == nil || len(tfhd.payload) < 8 {
				return nil, errors.New("a traf has no tfhd")
			}
			if tfdt == nil || len(tfdt.payload) < 8 {
				return nil, errors.New("a traf has no tfdt")
			}
			id := binary.BigEndian.Uint32(tfhd.payload[4:])
			def := trex[id]
			flags := binary.BigEndian.Uint32(tfhd.payload) & 0xffffff
			p := tfhd.payload[8:]
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
			if tfdt.payload[0] == 1 {
				if len(tfdt.payload) < 12 {
					return nil, errors.New("tfdt is truncated")
				}
				start = binary.BigEndian.Uint64(tfdt.payload[4:])
			} else {
				start = uint64(binary.BigEndian.Uint32(tfdt.payload[4:]))
			}
			tm, seen := out[id]
			if !seen {
				tm.Start = start
			}
			for _, run := range kids {
				if run.typ != "trun" {
					continue
				}
				d, n, err := trunDuration(run.payload, def)
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
