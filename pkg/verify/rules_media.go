package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/mpegts"
)

// checkBytes applies M1: #EXTM3U on the first line, UTF-8, no byte order
// mark.
func checkBytes(data []byte, r *PlaylistReport) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		r.add("M1", Must, "", "", "", "the playlist starts with a UTF-8 byte order mark")
		data = data[3:]
	}
	if !utf8.Valid(data) {
		r.add("M1", Must, "", "", "", "the playlist is not valid UTF-8")
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if got := string(bytes.TrimRight(first, "\r")); got != "#EXTM3U" {
		r.add("M1", Must, "", clip(got), "#EXTM3U", "the first line is %q, not #EXTM3U", clip(got))
	}
}

// checkMediaPlaylist applies the rules a media playlist's text decides:
// M2, M3 (EXTINF and the recommended target), M5, M6, M7, K1 and K2. live
// drops the VOD rules of M7.
func checkMediaPlaylist(pl *hls.MediaPlaylist, r *PlaylistReport, live bool) {
	target := pl.TargetDuration
	switch {
	case target < 0:
		r.add("M2", Must, "", "", "", "no EXT-X-TARGETDURATION tag")
	case target == 0:
		r.add("M2", Must, "", "0", "≥ 1", "EXT-X-TARGETDURATION is 0: players clamp or stall (clips under 1 s need a target of 1)")
	case target > 10:
		r.add("M3", Should, "", strconv.Itoa(target), "≤ 10", "EXT-X-TARGETDURATION %d s is long: Apple recommends 6 s (veza uses 4 s for VOD, 2 s live, 10 s replay)", target)
	}
	for _, s := range pl.Segments {
		if target < 0 {
			break
		}
		got := hls.RoundHalfUp(s)
		if got > target {
			r.add("M2", Must, s.URI, strconv.Itoa(got), fmt.Sprintf("≤ %d", target),
				"EXTINF %s rounds (half-up) to %d s, above EXT-X-TARGETDURATION %d", s.EXTINFText(), got, target)
		} else if s.Duration > float64(target)+0.5 {
			r.add("M3", Must, s.URI, s.EXTINFText(), fmt.Sprintf("≤ %g", float64(target)+0.5),
				"EXTINF %s s is longer than the target %d s + 0.5 s", s.EXTINFText(), target)
		}
	}

	declared := max(pl.Version, 1)
	if need, why := pl.VersionFeature(); need > declared {
		r.add("M5", Must, "", strconv.Itoa(declared), fmt.Sprintf("≥ %d", need),
			"EXT-X-VERSION is %d but %s needs version %d", declared, why, need)
	}

	discSeen := false
	for _, t := range pl.Tags {
		switch t.Name {
		case "EXT-X-DISCONTINUITY":
			discSeen = true
		case "EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE":
			if t.Segment > 0 || (t.Name == "EXT-X-DISCONTINUITY-SEQUENCE" && discSeen) {
				r.add("M6", Must, "", fmt.Sprintf("line %d", t.Line), "before the first segment",
					"%s appears on line %d, after the first segment or discontinuity", t.Name, t.Line)
			}
		}
	}

	if !live {
		switch {
		case pl.EndList && pl.Type == hls.TypeNone && endedLive(pl):
			// A live sliding window that ended: RFC 8216 §6.2.1 adds
			// EXT-X-ENDLIST to it; it was never a VOD asset to label.
		case pl.EndList && pl.Type == hls.TypeNone:
			r.add("M7", Must, "", "no EXT-X-PLAYLIST-TYPE", "VOD",
				"the playlist is complete (EXT-X-ENDLIST) but does not say EXT-X-PLAYLIST-TYPE:VOD")
		case pl.Type == hls.TypeVOD && !pl.EndList:
			r.add("M7", Must, "", "no EXT-X-ENDLIST", "EXT-X-ENDLIST",
				"EXT-X-PLAYLIST-TYPE:VOD without EXT-X-ENDLIST")
		}
	}

	var prev *hls.Key
	for _, s := range pl.Segments {
		k := s.Key
		if k == nil || k == prev {
			prev = k
			continue
		}
		prev = k
		switch k.Method {
		case "AES-128", "SAMPLE-AES", "SAMPLE-AES-CTR":
		default:
			r.add("K1", Must, s.URI, k.Method, "NONE, AES-128 or SAMPLE-AES", "EXT-X-KEY METHOD %q is unknown", k.Method)
		}
		if k.URI == "" {
			r.add("K1", Must, s.URI, "", "URI", "EXT-X-KEY METHOD=%s has no URI", k.Method)
		}
		if k.IV != "" && !validIV(k.IV) {
			r.add("K2", Must, s.URI, k.IV, "0x + 32 hex digits", "EXT-X-KEY IV %q is not 0x followed by 32 hex digits", k.IV)
		}
	}
}

// segState is what the file checks learnt about one segment.
type segState struct {
	sec     section
	present bool // the file (range) exists and is not empty (M10)
	// opaque is set for encrypted segments that cannot be decrypted (K3):
	// present, but their content is not checked or probed.
	opaque bool
	kind   container
	probe  *segProbe // nil when not probed
}

// checkFiles applies M10 (files exist, non-empty, ranges inside them), M8
// (fMP4 init and fragments), M9 (MPEG-TS program tables) and K3 (AES-128
// segments decrypt with their key to TS or fMP4) and returns the state of
// each segment; encrypted segments are read and probed in the clear. inits caches init-section verdicts across
// playlists.
func checkFiles(pl *hls.MediaPlaylist, dir string, r *PlaylistReport, inits map[string]error) []segState {
	states := make([]segState, len(pl.Segments))
	keys := map[string]keyFile{} // by folder and URI
	for i, s := range pl.Segments {
		st := &states[i]
		sec, ok := localSection(dir, s.URI, s.ByteRange, r, s.URI, "segment")
		if !ok {
			continue
		}
		st.sec, st.present = sec, true
		encrypted := s.Key != nil && s.Key.Method == "AES-128"
		if encrypted {
			if !decryptable(pl, i, dir, r, keys) {
				st.opaque = true // K3 said why; the clear content cannot be checked
				continue
			}
			st.sec.key = keys[dir+"\x00"+s.Key.URI].key
			st.sec.iv, _ = pl.SegmentIV(i, s.Key)
		}
		head, err := st.sec.read(376)
		if encrypted && err != nil && !errors.Is(err, fs.ErrNotExist) {
			r.add("K3", Must, s.URI, "", "AES-128-CBC with PKCS#7 padding", "the segment does not decrypt with key %q: %v", clip(s.Key.URI), err)
			st.opaque = true
			continue
		}
		if err != nil {
			r.add("M10", Must, s.URI, "", "", "cannot read the segment: %v", unwrapPath(err))
			st.present = false
			continue
		}
		st.kind = sniff(head)
		if encrypted && !clearContent(head, st.sec, s.URI, r) {
			st.opaque = true
			continue
		}
		if st.kind == containerUnknown {
			// Not recognisable: judge it as what its name promises, so a
			// damaged .ts fails M9 rather than passing unchecked.
			st.kind = containerByName(s.URI)
		}
		if s.Map != nil {
			key := s.Map.URI
			if s.Map.ByteRange != nil {
				key += fmt.Sprintf("@%d+%d", s.Map.ByteRange.Offset, s.Map.ByteRange.Length)
			}
			if _, seen := inits[dir+"\x00"+key]; !seen {
				inits[dir+"\x00"+key] = checkInitFile(dir, s.Map, r, s.URI)
			}
		}
		switch st.kind {
		case containerFMP4:
			if s.Map == nil {
				r.add("M8", Must, s.URI, "", "EXT-X-MAP", "an fMP4 segment with no EXT-X-MAP before it")
			}
			data, err := st.sec.read(-1)
			if err == nil {
				err = checkFragment(data)
			}
			if err != nil {
				r.add("M8", Must, s.URI, "", "", "not a valid fMP4 fragment: %v", err)
			}
		case containerTS:
			checkTSFile(st.sec, s.URI, r)
		}
	}
	return states
}

// localSection resolves uri against dir and applies M10 to it. what names
// the resource in messages.
func localSection(dir, uri string, br *hls.ByteRange, r *PlaylistReport, segment, what string) (section, bool) {
	path, err := hls.ResolveURI(dir, uri)
	if err != nil {
		if _, remote := err.(*hls.RemoteURIError); remote {
			r.note("remote URIs (%s) are not checked: veza verify reads local files", clip(uri))
		} else {
			r.add("M10", Must, segment, "", "", "%s URI %q cannot be resolved: %v", what, clip(uri), err)
		}
		return section{}, false
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		r.add("M10", Must, segment, "missing", "a file on disk", "%s %q is not on disk (%s)", what, uri, filepath.ToSlash(path))
		return section{}, false
	case fi.IsDir():
		r.add("M10", Must, segment, "a folder", "a file", "%s %q is a folder", what, uri)
		return section{}, false
	case fi.Size() == 0:
		r.add("M10", Must, segment, "0 bytes", "> 0 bytes", "%s %q is empty", what, uri)
		return section{}, false
	}
	sec := section{path: path, length: -1}
	if br != nil {
		if br.Length == 0 || br.Offset+br.Length > fi.Size() {
			r.add("M10", Must, segment, fmt.Sprintf("%d@%d", br.Length, br.Offset), fmt.Sprintf("inside %d bytes", fi.Size()),
				"%s byte range %d@%d is empty or runs past the end of %q (%d bytes)", what, br.Length, br.Offset, uri, fi.Size())
			return section{}, false
		}
		sec.offset, sec.length = br.Offset, br.Length
	}
	return sec, true
}

// checkInitFile applies M8 and M10 to an EXT-X-MAP init section.
func checkInitFile(dir string, m *hls.Map, r *PlaylistReport, segment string) error {
	sec, ok := localSection(dir, m.URI, m.ByteRange, r, segment, "EXT-X-MAP init section")
	if !ok {
		return fmt.Errorf("init section %q unusable", m.URI)
	}
	data, err := sec.read(-1)
	if err == nil {
		err = checkInit(data)
	}
	if err != nil {
		r.add("M8", Must, segment, "", "ftyp + moov with mvex", "init section %q: %v", m.URI, err)
	}
	return err
}

// checkTSFile applies M9 to an MPEG-TS segment: one program, and a PAT and
// PMT in the segment, so a player can start decoding at it.
func checkTSFile(sec section, uri string, r *PlaylistReport) {
	size, err := sec.size()
	if err == nil && size%188 != 0 {
		r.add("M9", Must, uri, fmt.Sprintf("%d bytes", size), "a multiple of 188",
			"the segment is %d bytes, not a whole number of 188-byte TS packets (truncated?)", size)
	}
	// The tables open a segment; a megabyte is plenty to find them.
	data, err := sec.read(1 << 20)
	if err != nil {
		r.add("M10", Must, uri, "", "", "cannot read the segment: %v", unwrapPath(err))
		return
	}
	info, err := mpegts.ReadTables(data)
	switch {
	case err != nil:
		r.add("M9", Must, uri, "", "", "not MPEG-TS: %v", err)
	case !info.HasPAT:
		r.add("M9", Must, uri, "no PAT", "PAT", "the segment has no PAT (program association table)")
	case info.Programs != 1:
		r.add("M9", Must, uri, strconv.Itoa(info.Programs), "1", "the PAT lists %d programs; HLS allows one", info.Programs)
	case !info.HasPMT:
		r.add("M9", Must, uri, "no PMT", "PMT", "the segment has no PMT for its program")
	}
}

// containerByName guesses a segment's container from its extension.
func containerByName(uri string) container {
	path, _, _ := strings.Cut(uri, "?")
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ts":
		return containerTS
	case ".m4s", ".mp4", ".cmfv", ".cmfa", ".m4v", ".m4a":
		return containerFMP4
	}
	return containerUnknown
}

// looksVideo says whether a CODECS entry is a video codec.
func looksVideo(codec string) bool { return hls.IsVideoCodec(codec) }

// keyFile is an AES-128 key as read for one EXT-X-KEY URI.
type keyFile struct {
	key []byte
	err error // why it cannot be used (already reported)
}

// decryptable reads the key of segment i (once per URI) and applies K3 to
// it: a local file of exactly 16 bytes. Keys at remote URIs are noted, not
// fetched.
func decryptable(pl *hls.MediaPlaylist, i int, dir string, r *PlaylistReport, keys map[string]keyFile) bool {
	s := pl.Segments[i]
	id := dir + "\x00" + s.Key.URI
	kf, seen := keys[id]
	if !seen {
		path, err := hls.ResolveURI(dir, s.Key.URI)
		switch {
		case err != nil:
			if _, remote := err.(*hls.RemoteURIError); remote {
				r.note("keys at remote URIs (%s) are not fetched: encrypted segments are checked only for their size", clip(s.Key.URI))
			}
			kf.err = err
		default:
			kf.key, kf.err = os.ReadFile(path)
			switch {
			case kf.err != nil:
				r.add("K3", Must, s.URI, "missing", "a 16-byte key file", "key %q cannot be read: %v", clip(s.Key.URI), unwrapPath(kf.err))
			case len(kf.key) != hls.KeyLen:
				r.add("K3", Must, s.URI, fmt.Sprintf("%d bytes", len(kf.key)), "16 bytes", "key file %q is %d bytes, not 16", clip(s.Key.URI), len(kf.key))
				kf.err = hls.ErrKeyLength
			}
		}
		keys[id] = kf
	}
	if kf.err != nil {
		return false
	}
	if _, err := pl.SegmentIV(i, s.Key); err != nil {
		return false // K2 reports the IV
	}
	return true
}

// clearContent applies K3 to a decrypted segment's first bytes: MPEG-TS
// has its sync byte every 188 bytes, fMP4 opens with a box. head holds the
// first 376 clear bytes.
func clearContent(head []byte, sec section, uri string, r *PlaylistReport) bool {
	switch sniff(head) {
	case containerTS:
		data, err := sec.read(-1)
		if err != nil {
			return false
		}
		for off := 0; off < len(data); off += 188 {
			if data[off] != 0x47 {
				r.add("K3", Must, uri, fmt.Sprintf("0x%02x at byte %d", data[off], off), "0x47 every 188 bytes",
					"the decrypted segment loses the TS sync byte at byte %d", off)
				return false
			}
		}
		return true
	case containerFMP4:
		return true // M8 walks the boxes of the clear fragment
	}
	r.add("K3", Must, uri, "", "MPEG-TS or fMP4", "the decrypted segment is neither MPEG-TS nor fMP4 (wrong key or IV?)")
	return false
}

// endedLive says whether a playlist without a type is a live window that
// has ended: segments were dropped from its head (media sequence above 0)
// or its segments carry wall-clock times as live ones do.
func endedLive(pl *hls.MediaPlaylist) bool {
	return pl.MediaSequence > 0 || (len(pl.Segments) > 0 && !pl.Segments[0].ProgramDateTime.IsZero())
}

// validIV says whether an IV attribute is 0x followed by 32 hex digits.
func validIV(s string) bool {
	_, err := hls.ParseIV(s)
	return err == nil
}
