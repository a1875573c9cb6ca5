package encode

import "io"

// maxLineLen caps one stderr line. ffmpeg's own lines are short; a broken
// input or a chatty library can print megabytes without a newline, and that
// must not grow veza's memory.
const maxLineLen = 16 << 10

// lineSplitter cuts a byte stream into lines ending in '\r' or '\n'.
// ffmpeg ends its stats line with '\r' so the next message can run into it;
// both count as line ends, and empty lines are dropped. Lines longer than max
// are truncated and the rest up to the next line end is discarded.
type lineSplitter struct {
	max      int
	cur      []byte
	dropping bool
}

// feed splits p, calling emit for every complete line.
func (s *lineSplitter) feed(p []byte, emit func(string)) {
	if s.max <= 0 {
		s.max = maxLineLen
	}
	for len(p) > 0 {
		i := indexLineEnd(p)
		if i < 0 {
			s.add(p)
			return
		}
		s.add(p[:i])
		s.flush(emit)
		p = p[i+1:]
	}
}

func (s *lineSplitter) add(p []byte) {
	if s.dropping {
		return
	}
	if room := s.max - len(s.cur); len(p) > room {
		p = p[:room]
		s.dropping = true
	}
	s.cur = append(s.cur, p...)
}

// flush emits the pending partial line, if any (at end of stream).
func (s *lineSplitter) flush(emit func(string)) {
	if len(s.cur) > 0 {
		emit(string(s.cur))
	}
	s.cur = s.cur[:0]
	s.dropping = false
}

func indexLineEnd(p []byte) int {
	for i, c := range p {
		if c == '\n' || c == '\r' {
			return i
		}
	}
	return -1
}

// readLines reads r to its end, calling emit for every line.
func readLines(r io.Reader, emit func(string)) error {
	var s lineSplitter
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		s.feed(buf[:n], emit)
		if err != nil {
			s.flush(emit)
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}
