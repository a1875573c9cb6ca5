package ffprobe

// bitReader reads big-endian bit fields. Reading past the end sets short and
// returns zeros, so parsers check once at the end instead of after every
// field.
type bitReader struct {
	b     []byte
	pos   int // in bits
	short bool
}

func (r *bitReader) u(n int) uint64 {
	var v uint64
	for range n {
		if r.pos >= len(r.b)*8 {
			r.short = true
			return 0
		}
		bit := (r.b[r.pos/8] >> (7 - uint(r.pos%8))) & 1
		v = v<<1 | uint64(bit)
		r.pos++
	}
	return v
}

func (r *bitReader) flag() bool { return r.u(1) == 1 }

func (r *bitReader) left() int { return len(r.b)*8 - r.pos }

// uvlc reads AV1's variable length unsigned integer (spec 4.10.3).
func (r *bitReader) uvlc() uint64 {
	zeros := 0
	for !r.flag() {
		if r.short {
			return 0
		}
		zeros++
		if zeros >= 32 {
			return 1<<32 - 1
		}
	}
	return r.u(zeros) + (1<<zeros - 1)
}

// annexBNALs splits an Annex-B byte stream (00 00 01 / 00 00 00 01 start
// codes) into NAL units without their start codes.
func annexBNALs(b []byte) [][]byte {
	var nals [][]byte
	start := -1
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				nals = append(nals, trimZeros(b[start:i]))
			}
			start = i + 3
			i += 2
		}
	}
	if start >= 0 && start < len(b) {
		nals = append(nals, b[start:])
	}
	return nals
}

// trimZeros drops the zero that belongs to a following 4-byte start code.
func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

func isAnnexB(b []byte) bool {
	return len(b) >= 3 && b[0] == 0 && b[1] == 0 && (b[2] == 1 || (len(b) >= 4 && b[2] == 0 && b[3] == 1))
}

// unescapeRBSP removes emulation prevention bytes (the 03 in 00 00 03) so
// fields can be read at their real offsets; HEVC constraint flags are
// mostly zeros, so the escapes land right inside them.
func unescapeRBSP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}
