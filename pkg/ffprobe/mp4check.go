package ffprobe

import (
	"encoding/binary"
	"io"
	"os"

	"github.com/veza-media/veza/pkg/mp4"
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
	off := int64(0)
	for n := 0; off < size && n < 100000; n++ {
		h, err := mp4.ReadHeader(r, off, size)
		if err != nil {
			return err
		}
		off += h.Size
	}
	return nil
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
