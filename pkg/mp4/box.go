package mp4

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Header is one box header.
type Header struct {
	// Type is the four-character box type.
	Type string
	// Size is the whole box, header included. A box whose header says 0
	// ("to the end") gets the bytes left.
	Size int64
	// HeaderSize is 8, or 16 for a 64-bit size.
	HeaderSize int64
}

// ReadHeader reads the header of the box at off in r, whose bytes end at
// end, and checks that the box fits. Its errors name the box and say how
// it does not fit, the way a truncated download shows.
func ReadHeader(r io.ReaderAt, off, end int64) (Header, error) {
	left := end - off
	if left < 8 {
		return Header{}, fmt.Errorf("%d stray bytes at the end", left)
	}
	var hdr [16]byte
	if _, err := r.ReadAt(hdr[:8], off); err != nil {
		return Header{}, err
	}
	h := Header{Type: printable(hdr[4:8]), Size: int64(binary.BigEndian.Uint32(hdr[:4])), HeaderSize: 8}
	switch h.Size {
	case 0:
		h.Size = left
	case 1:
		if left < 16 {
			return h, fmt.Errorf("%s box header cut short", h.Type)
		}
		if _, err := r.ReadAt(hdr[8:16], off+8); err != nil {
			return h, fmt.Errorf("%s box header cut short", h.Type)
		}
		u := binary.BigEndian.Uint64(hdr[8:16])
		if u > 1<<62 {
			return h, fmt.Errorf("%s box has an impossible size %d", h.Type, u)
		}
		h.Size, h.HeaderSize = int64(u), 16
	}
	if h.Size < h.HeaderSize {
		return h, fmt.Errorf("%s box has an impossible size %d", h.Type, h.Size)
	}
	if h.Size > left {
		return h, fmt.Errorf("%s box needs %d bytes, file has %d", h.Type, h.Size, left)
	}
	return h, nil
}

// printable is a box type as text, with '?' for bytes that are not
// printable ASCII (a damaged header).
func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

// Box is one box read into memory.
type Box struct {
	Type string
	// Payload is the box after its header.
	Payload []byte
	// Children are the boxes of a container box (moov, trak, mdia, mvex,
	// moof, traf); nil for other types, whose payload Boxes can split
	// when it holds boxes after a header of its own.
	Children []Box
}

// containers are the boxes whose payload is a list of boxes, as far as
// veza looks into them.
var containers = map[string]bool{"moov": true, "trak": true, "mdia": true, "mvex": true, "moof": true, "traf": true}

// Boxes splits b into boxes, descending into container boxes. On a box
// that does not fit it returns the boxes before it with the error; an
// error inside a container names the container ("in moov: ...").
func Boxes(b []byte) ([]Box, error) {
	var out []Box
	r := bytes.NewReader(b)
	for off, end := int64(0), int64(len(b)); off < end; {
		h, err := ReadHeader(r, off, end)
		if err != nil {
			return out, err
		}
		bx := Box{Type: h.Type, Payload: b[off+h.HeaderSize : off+h.Size]}
		if containers[h.Type] {
			kids, err := Boxes(bx.Payload)
			if err != nil {
				return out, fmt.Errorf("in %s: %w", h.Type, err)
			}
			bx.Children = kids
		}
		out = append(out, bx)
		off += h.Size
	}
	return out, nil
}

// Find returns the first box of type typ in boxes, or nil.
func Find(boxes []Box, typ string) *Box {
	for i := range boxes {
		if boxes[i].Type == typ {
			return &boxes[i]
		}
	}
	return nil
}

// Child returns the first child of b of type typ, or nil (also when b is
// nil).
func (b *Box) Child(typ string) *Box {
	if b == nil {
		return nil
	}
	return Find(b.Children, typ)
}
