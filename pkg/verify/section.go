package verify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/mp4"
	"github.com/veza-media/veza/pkg/mpegts"
)

// container is what a segment's first bytes say it is.
type container int

const (
	containerUnknown container = iota
	containerTS
	containerFMP4
)

// sniff recognises MPEG-TS (sync bytes 188 apart) and ISO BMFF (a known box
// type in the first header).
func sniff(b []byte) container {
	if len(b) >= 1 && b[0] == mpegts.SyncByte && (len(b) <= mpegts.PacketSize || b[mpegts.PacketSize] == mpegts.SyncByte) {
		return containerTS
	}
	if len(b) >= 8 {
		switch string(b[4:8]) {
		case "ftyp", "styp", "moof", "sidx", "emsg", "prft", "moov", "mdat", "free":
			return containerFMP4
		}
	}
	return containerUnknown
}

// section is a byte range of a file: a whole segment or an EXT-X-BYTERANGE.
type section struct {
	path   string
	offset int64
	length int64 // -1: to the end of the file
	// key and iv, when key is set, decrypt the section (METHOD=AES-128):
	// read and size then give the clear bytes.
	key []byte
	iv  [16]byte
}

// size is the section's length in bytes.
func (s section) size() (int64, error) {
	if s.key != nil {
		b, err := s.read(-1)
		return int64(len(b)), err
	}
	if s.length >= 0 {
		return s.length, nil
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return 0, err
	}
	return fi.Size() - s.offset, nil
}

// read returns the section's bytes, at most limit of them (limit < 0: all).
func (s section) read(limit int64) ([]byte, error) {
	if s.key != nil {
		// CBC needs the whole segment for its padding check.
		raw := s
		raw.key = nil
		data, err := raw.read(-1)
		if err != nil {
			return nil, err
		}
		if data, err = hls.DecryptSegment(s.key, s.iv, data); err != nil {
			return nil, err
		}
		if limit >= 0 && int64(len(data)) > limit {
			data = data[:limit]
		}
		return data, nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n := s.length
	if n < 0 {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		n = st.Size() - s.offset
	}
	if limit >= 0 && n > limit {
		n = limit
	}
	buf := make([]byte, max(n, 0))
	m, err := f.ReadAt(buf, s.offset)
	if err == io.EOF && int64(m) < n {
		return buf[:m], fmt.Errorf("file ends %d bytes into a %d-byte range", m, n)
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	return buf, nil
}

// checkInit says what an fMP4 initialisation section lacks (rule M8):
// ftyp, then moov with mvex, the box that makes it fragmented.
func checkInit(b []byte) error {
	boxes, err := mp4.Boxes(b)
	if err != nil {
		return err
	}
	if mp4.Find(boxes, "ftyp") == nil {
		return errors.New("no ftyp box")
	}
	moov := mp4.Find(boxes, "moov")
	if moov == nil {
		return errors.New("no moov box")
	}
	if moov.Child("mvex") == nil {
		return errors.New("moov has no mvex box (not a fragmented MP4 init section)")
	}
	return nil
}

// checkFragment says what an fMP4 media segment lacks (rule M8): a moof
// whose every traf has a tfdt, and an mdat.
func checkFragment(b []byte) error {
	boxes, err := mp4.Boxes(b)
	if err != nil {
		return err
	}
	moofs := 0
	for _, bx := range boxes {
		if bx.Type != "moof" {
			continue
		}
		moofs++
		trafs := 0
		for _, t := range bx.Children {
			if t.Type != "traf" {
				continue
			}
			trafs++
			if t.Child("tfdt") == nil {
				return errors.New("a traf box has no tfdt (no decode time)")
			}
		}
		if trafs == 0 {
			return errors.New("a moof box has no traf")
		}
	}
	if moofs == 0 {
		return errors.New("no moof box")
	}
	if mp4.Find(boxes, "mdat") == nil {
		return errors.New("no mdat box")
	}
	return nil
}

// decodeStarts reads, from an fMP4 init section and a fragment, the decode
// time in seconds at which the fragment starts for its video and audio
// tracks ("vide", "soun"). ffprobe reports a fragment's stream duration as
// the track's end time, so the real duration needs this start. Unlike
// mp4.ReadFragment it reads what it can of damaged boxes: M8 reports them.
func decodeStarts(init, frag []byte) map[string]float64 {
	type track struct {
		handler   string
		timescale uint32
	}
	tracks := map[uint32]track{}
	boxes, _ := mp4.Boxes(init)
	if moov := mp4.Find(boxes, "moov"); moov != nil {
		for _, trak := range moov.Children {
			if trak.Type != "trak" {
				continue
			}
			tkhd, mdia := trak.Child("tkhd"), trak.Child("mdia")
			if tkhd == nil || mdia == nil || len(tkhd.Payload) < 24 {
				continue
			}
			idOff := 12 // version 0: creation and modification times are 32-bit
			if tkhd.Payload[0] == 1 {
				idOff = 20
			}
			id := binary.BigEndian.Uint32(tkhd.Payload[idOff : idOff+4])
			var tr track
			if mdhd := mdia.Child("mdhd"); mdhd != nil && len(mdhd.Payload) >= 24 {
				tsOff := 12
				if mdhd.Payload[0] == 1 {
					tsOff = 20
				}
				tr.timescale = binary.BigEndian.Uint32(mdhd.Payload[tsOff : tsOff+4])
			}
			if hdlr := mdia.Child("hdlr"); hdlr != nil && len(hdlr.Payload) >= 12 {
				tr.handler = string(hdlr.Payload[8:12])
			}
			tracks[id] = tr
		}
	}
	out := map[string]float64{}
	boxes, _ = mp4.Boxes(frag)
	moof := mp4.Find(boxes, "moof")
	if moof == nil {
		return out
	}
	for _, traf := range moof.Children {
		tfhd, tfdt := traf.Child("tfhd"), traf.Child("tfdt")
		if traf.Type != "traf" || tfhd == nil || tfdt == nil || len(tfhd.Payload) < 8 || len(tfdt.Payload) < 8 {
			continue
		}
		tr, ok := tracks[binary.BigEndian.Uint32(tfhd.Payload[4:8])]
		if !ok || tr.timescale == 0 {
			continue
		}
		var t uint64
		if tfdt.Payload[0] == 1 && len(tfdt.Payload) >= 12 {
			t = binary.BigEndian.Uint64(tfdt.Payload[4:12])
		} else {
			t = uint64(binary.BigEndian.Uint32(tfdt.Payload[4:8]))
		}
		if _, seen := out[tr.handler]; !seen {
			out[tr.handler] = float64(t) / float64(tr.timescale)
		}
	}
	return out
}
