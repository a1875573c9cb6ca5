package hls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
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
	if len(b) >= 1 && b[0] == 0x47 && (len(b) < 189 || b[188] == 0x47) {
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
		if data, err = DecryptSegment(s.key, s.iv, data); err != nil {
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

// tsInfo is what a scan of MPEG-TS packets found (rule M9).
type tsInfo struct {
	Programs int  // programs in the first PAT (program 0, the NIT, excluded)
	HasPAT   bool // a PAT section starts in the segment
	HasPMT   bool // a PMT section starts on a PID the PAT names
}

// scanTS reads MPEG-TS packets until it has seen a PAT and a PMT of one of
// its programs. It fails when the bytes are not 188-byte packets; a partial
// packet at the end is ignored (the caller checks the size).
func scanTS(b []byte) (tsInfo, error) {
	var info tsInfo
	pmtPIDs := map[uint16]bool{}
	for off := 0; off+188 <= len(b); off += 188 {
		p := b[off : off+188]
		if p[0] != 0x47 {
			return info, fmt.Errorf("packet at byte %d has no 0x47 sync byte", off)
		}
		pusi := p[1]&0x40 != 0
		pid := uint16(p[1]&0x1f)<<8 | uint16(p[2])
		afc := p[3] >> 4 & 3
		if !pusi || afc&1 == 0 {
			continue
		}
		payload := p[4:]
		if afc == 3 {
			if int(payload[0])+1 >= len(payload) {
				continue
			}
			payload = payload[1+int(payload[0]):]
		}
		if len(payload) < 1 || int(payload[0])+1 >= len(payload) {
			continue
		}
		sec := payload[1+int(payload[0]):]
		if len(sec) < 3 {
			continue
		}
		switch {
		case pid == 0 && sec[0] == 0x00 && !info.HasPAT:
			info.HasPAT = true
			n := int(binary.BigEndian.Uint16(sec[1:3]) & 0x0fff)
			end := min(3+n-4, len(sec)) // CRC excluded
			for i := 8; i+4 <= end; i += 4 {
				prog := binary.BigEndian.Uint16(sec[i : i+2])
				if prog == 0 {
					continue
				}
				info.Programs++
				pmtPIDs[binary.BigEndian.Uint16(sec[i+2:i+4])&0x1fff] = true
			}
		case pmtPIDs[pid] && sec[0] == 0x02:
			info.HasPMT = true
		}
		if info.HasPAT && info.HasPMT {
			break
		}
	}
	return info, nil
}

// box is one ISO BMFF box header.
type box struct {
	typ      string
	payload  []byte
	children []box // filled for container boxes walkBoxes descends into
}

// mp4Containers are the boxes whose payload is a list of boxes, as far as
// rule M8 needs to look.
var mp4Containers = map[string]bool{"moov": true, "moof": true, "traf": true, "mvex": true, "trak": true, "mdia": true}

// walkBoxes parses a sequence of boxes, descending into mp4Containers.
func walkBoxes(b []byte) ([]box, error) {
	var out []box
	for len(b) > 0 {
		if len(b) < 8 {
			return out, fmt.Errorf("%d stray bytes after the last box", len(b))
		}
		size := uint64(binary.BigEndian.Uint32(b[0:4]))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return out, errors.New("truncated large box header")
			}
			size, hdr = binary.BigEndian.Uint64(b[8:16]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return out, fmt.Errorf("box %q of %d bytes runs past the end (%d left)", printableType(typ), size, len(b))
		}
		bx := box{typ: typ, payload: b[hdr:size]}
		if mp4Containers[typ] {
			kids, err := walkBoxes(bx.payload)
			if err != nil {
				return out, fmt.Errorf("in %s: %w", typ, err)
			}
			bx.children = kids
		}
		out = append(out, bx)
		b = b[size:]
	}
	return out, nil
}

func findBox(boxes []box, typ string) *box {
	for i := range boxes {
		if boxes[i].typ == typ {
			return &boxes[i]
		}
	}
	return nil
}

// checkInit says what an fMP4 initialisation section lacks (rule M8):
// ftyp, then moov with mvex, the box that makes it fragmented.
func checkInit(b []byte) error {
	boxes, err := walkBoxes(b)
	if err != nil {
		return err
	}
	if findBox(boxes, "ftyp") == nil {
		return errors.New("no ftyp box")
	}
	moov := findBox(boxes, "moov")
	if moov == nil {
		return errors.New("no moov box")
	}
	if findBox(moov.children, "mvex") == nil {
		return errors.New("moov has no mvex box (not a fragmented MP4 init section)")
	}
	return nil
}

// checkFragment says what an fMP4 media segment lacks (rule M8): a moof
// whose every traf has a tfdt, and an mdat.
func checkFragment(b []byte) error {
	boxes, err := walkBoxes(b)
	if err != nil {
		return err
	}
	moofs := 0
	for _, bx := range boxes {
		if bx.typ != "moof" {
			continue
		}
		moofs++
		trafs := 0
		for _, t := range bx.children {
			if t.typ != "traf" {
				continue
			}
			trafs++
			if findBox(t.children, "tfdt") == nil {
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
	if findBox(boxes, "mdat") == nil {
		return errors.New("no mdat box")
	}
	return nil
}

// decodeStarts reads, from an fMP4 init section and a fragment, the decode
// time in seconds at which the fragment starts for its video and audio
// tracks ("vide", "soun"). ffprobe reports a fragment's stream duration as
// the track's end time, so the real duration needs this start.
func decodeStarts(init, frag []byte) map[string]float64 {
	type track struct {
		handler   string
		timescale uint32
	}
	tracks := map[uint32]track{}
	boxes, _ := walkBoxes(init)
	if moov := findBox(boxes, "moov"); moov != nil {
		for _, trak := range moov.children {
			if trak.typ != "trak" {
				continue
			}
			tkhd, mdia := findBox(trak.children, "tkhd"), findBox(trak.children, "mdia")
			if tkhd == nil || mdia == nil || len(tkhd.payload) < 24 {
				continue
			}
			idOff := 12 // version 0: creation and modification times are 32-bit
			if tkhd.payload[0] == 1 {
				idOff = 20
			}
			id := binary.BigEndian.Uint32(tkhd.payload[idOff : idOff+4])
			var tr track
			if mdhd := findBox(mdia.children, "mdhd"); mdhd != nil && len(mdhd.payload) >= 24 {
				tsOff := 12
				if mdhd.payload[0] == 1 {
					tsOff = 20
				}
				tr.timescale = binary.BigEndian.Uint32(mdhd.payload[tsOff : tsOff+4])
			}
			if hdlr := findBox(mdia.children, "hdlr"); hdlr != nil && len(hdlr.payload) >= 12 {
				tr.handler = string(hdlr.payload[8:12])
			}
			tracks[id] = tr
		}
	}
	out := map[string]float64{}
	boxes, _ = walkBoxes(frag)
	moof := findBox(boxes, "moof")
	if moof == nil {
		return out
	}
	for _, traf := range moof.children {
		tfhd, tfdt := findBox(traf.children, "tfhd"), findBox(traf.children, "tfdt")
		if traf.typ != "traf" || tfhd == nil || tfdt == nil || len(tfhd.payload) < 8 || len(tfdt.payload) < 8 {
			continue
		}
		tr, ok := tracks[binary.BigEndian.Uint32(tfhd.payload[4:8])]
		if !ok || tr.timescale == 0 {
			continue
		}
		var t uint64
		if tfdt.payload[0] == 1 && len(tfdt.payload) >= 12 {
			t = binary.BigEndian.Uint64(tfdt.payload[4:12])
		} else {
			t = uint64(binary.BigEndian.Uint32(tfdt.payload[4:8]))
		}
		if _, seen := out[tr.handler]; !seen {
			out[tr.handler] = float64(t) / float64(tr.timescale)
		}
	}
	return out
}

func printableType(t string) string {
	for _, c := range []byte(t) {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", t)
		}
	}
	return t
}
