package serve

import "bytes"

// uriSpan is where a URI sits in a playlist: [start, end) of the bytes.
type uriSpan struct{ start, end int }

// playlistURIs finds every URI of an HLS playlist: the lines that are not
// tags or comments, and the URI="…" attribute of tags (EXT-X-KEY,
// EXT-X-MAP, EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF, …). It does not judge
// the playlist; veza verify does that.
func playlistURIs(b []byte) []uriSpan {
	var spans []uriSpan
	for off := 0; off < len(b); {
		end := bytes.IndexByte(b[off:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += off
		}
		line := b[off:end]
		start := off
		off = end + 1
		// trim blanks and the CR of CRLF files
		i, j := 0, len(line)
		for i < j && isBlank(line[i]) {
			i++
		}
		for j > i && isBlank(line[j-1]) {
			j--
		}
		if i == j {
			continue
		}
		if line[i] != '#' {
			spans = append(spans, uriSpan{start + i, start + j})
			continue
		}
		if !bytes.HasPrefix(line[i:], []byte("#EXT")) {
			continue
		}
		if k := attrURI(line[i:j]); k >= 0 {
			v := line[i+k : j]
			if q := bytes.IndexByte(v, '"'); q > 0 { // URI="" names nothing
				spans = append(spans, uriSpan{start + i + k, start + i + k + q})
			}
		}
	}
	return spans
}

// attrURI returns the offset just after `URI="` in a tag line, or -1. The
// attribute name must start the attribute list or follow a comma, so
// KEYFORMATURI or a quoted value holding URI=" is not taken for it.
func attrURI(line []byte) int {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return -1
	}
	inQuote := false
	for k := colon + 1; k < len(line); k++ {
		switch line[k] {
		case '"':
			inQuote = !inQuote
		default:
			if inQuote {
				continue
			}
			if (k == colon+1 || line[k-1] == ',') && bytes.HasPrefix(line[k:], []byte(`URI="`)) {
				return k + 5
			}
		}
	}
	return -1
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// signPlaylist returns a copy of e's playlist with a signature valid until
// exp added to every URI that names a file under the root.
func signPlaylist(e *fileEntry, s *Signer, exp string) []byte {
	b := e.body
	out := make([]byte, 0, len(b)+len(e.uris)*64)
	last := 0
	for _, u := range e.uris {
		uri := string(b[u.start:u.end])
		name, ok := resolveURI(e.dir, uri)
		if !ok {
			continue
		}
		// the signature goes before a fragment, after any query
		at := u.end
		if h := bytes.IndexByte(b[u.start:u.end], '#'); h >= 0 {
			at = u.start + h
		}
		out = append(out, b[last:at]...)
		if bytes.IndexByte(b[u.start:at], '?') >= 0 {
			out = append(out, '&')
		} else {
			out = append(out, '?')
		}
		out = append(out, s.query("/"+name, exp)...)
		last = at
	}
	return append(out, b[last:]...)
}
