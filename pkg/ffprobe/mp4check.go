package ffprobe

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// checkMP4File walks the top-level boxes of an MP4/MOV file. ffprobe reads
// a file whose moov comes first but whose mdat was cut short without a
// word; a box that claims more bytes than the file has is how a truncated
// download shows.
func checkMP4File(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	return checkMP4Boxes(f, st.Size())
}

// checkMP4Boxes reports the first top-level box that runs past size.
func checkMP4Boxes(r io.ReaderAt, size int64) error {
	var hdr [16]byte
	off := int64(0)
	for n := 0; off < size && n < 100000; n++ {
		if size-off < 8 {
			return fmt.Errorf("%d stray bytes at the end", size-off)
		}
		if _, err := r.ReadAt(hdr[:8], off); err != nil {
			return err
		}
		boxSize := int64(binary.BigEndian.Uint32(hdr[:4]))
		typ := printable(hdr[4:8])
		head := int64(8)
		switch boxSize {
		case 0: // extends to the end of the file
			return nil
		case 1:
			if _, err := r.ReadAt(hdr[8:16], off+8); err != nil {
				return fmt.Errorf("%s box header cut short", typ)
			}
			u := binary.BigEndian.Uint64(hdr[8:16])
			if u > 1<<62 {
				return fmt.Errorf("%s box has an impossible size", typ)
			}
			boxSize, head = int64(u), 16
		}
		if boxSize < head {
			return fmt.Errorf("%s box has an impossible size %d", typ, boxSize)
		}
		if boxSize > size-off {
			return fmt.Errorf("%s box needs %d bytes, file has %d", typ, boxSize, size-off)
		}
		off += boxSize
	}
	return nil
}

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

// startsWithMP4Box says whether a file begins with an ISO BMFF box header
// of a type that opens real MP4/MOV files.
func startsWithMP4Box(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var hdr [8]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return false
	}
	size := binary.BigEndian.Uint32(hdr[:4])
	if size != 0 && size != 1 && size < 8 {
		return false
	}
	switch string(hdr[4:8]) {
	case "ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "styp", "sidx", "moof", "junk", "PICT":
		return true
	}
	return false
}

// readableNonMP4 says whether a file can be read and does not begin like an
// MP4, so a "moov atom not found" is about the name, not damage.
func readableNonMP4(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	f.Close()
	return !startsWithMP4Box(path)
}
