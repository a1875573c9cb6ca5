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
	// DefaultSampleSize and DefaultSampleFlags are the other trex
	// defaults, for fragments that give neither.
	DefaultSampleSize  uint32
	DefaultSampleFlags uint32
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
	defaults := map[uint32][3]uint32{} // duration, size, flags
	for _, t := range mvex.Children {
		if t.Type == "trex" && len(t.Payload) >= 16 {
			var d [3]uint32
			for i := range d {
				if off := 12 + 4*i; len(t.Payload) >= off+4 {
					d[i] = binary.BigEndian.Uint32(t.Payload[off:])
				}
			}
			defaults[binary.BigEndian.Uint32(t.Payload[4:])] = d
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
		d := defaults[t.ID]
		t.DefaultSampleDuration, t.DefaultSampleSize, t.DefaultSampleFlags = d[0], d[1], d[2]
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
			if tfhd == nil {
				return nil, errors.New("a traf has no tfhd")
			}
			if tfdt == nil {
				return nil, errors.New("a traf has no tfdt")
			}
			h, err := readTfhd(tfhd.Payload)
			if err != nil {
				return nil, err
			}
			id := h.trackID
			def := trex[id]
			if h.flags&tfhdDefaultDuration != 0 {
				def = h.defaultDuration
			}
			start, err := readTfdt(tfdt.Payload)
			if err != nil {
				return nil, err
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

// tfhd flags (ISO/IEC 14496-12 8.8.7).
const (
	tfhdBaseDataOffset  = 0x1
	tfhdDescription     = 0x2
	tfhdDefaultDuration = 0x8
	tfhdDefaultSize     = 0x10
	tfhdDefaultFlags    = 0x20
)

// tfhdFields are the fields of a track fragment header.
type tfhdFields struct {
	flags                                      uint32
	trackID                                    uint32
	baseDataOffset                             uint64
	defaultDuration, defaultSize, defaultFlags uint32
}

// readTfhd reads a tfhd payload.
func readTfhd(p []byte) (tfhdFields, error) {
	truncated := errors.New("tfhd is truncated")
	if len(p) < 8 {
		return tfhdFields{}, errors.New("a traf has no tfhd")
	}
	h := tfhdFields{flags: binary.BigEndian.Uint32(p) & 0xffffff, trackID: binary.BigEndian.Uint32(p[4:])}
	p = p[8:]
	if h.flags&tfhdBaseDataOffset != 0 {
		if len(p) < 8 {
			return h, truncated
		}
		h.baseDataOffset, p = binary.BigEndian.Uint64(p), p[8:]
	}
	if h.flags&tfhdDescription != 0 {
		if len(p) < 4 {
			return h, truncated
		}
		p = p[4:]
	}
	for _, f := range []struct {
		bit uint32
		dst *uint32
	}{{tfhdDefaultDuration, &h.defaultDuration}, {tfhdDefaultSize, &h.defaultSize}, {tfhdDefaultFlags, &h.defaultFlags}} {
		if h.flags&f.bit == 0 {
			continue
		}
		if len(p) < 4 {
			return h, truncated
		}
		*f.dst, p = binary.BigEndian.Uint32(p), p[4:]
	}
	return h, nil
}

// readTfdt reads a tfdt payload: the baseMediaDecodeTime.
func readTfdt(p []byte) (uint64, error) {
	switch {
	case len(p) < 8:
		return 0, errors.New("a traf has no tfdt")
	case p[0] == 1 && len(p) < 12:
		return 0, errors.New("tfdt is truncated")
	case p[0] == 1:
		return binary.BigEndian.Uint64(p[4:]), nil
	}
	return uint64(binary.BigEndian.Uint32(p[4:])), nil
}
