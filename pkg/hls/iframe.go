package hls

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/veza-media/veza/pkg/mp4"
	"github.com/veza-media/veza/pkg/mpegts"
)

// Errors of BuildIFramePlaylist that callers branch on.
var (
	// ErrEncryptedIFrames means the media playlist's segments are
	// encrypted. With METHOD=AES-128 each Media Segment is one CBC stream
	// restarted at its boundary with PKCS#7 padding at its end (RFC 8216
	// §4.3.2.4), and an I-frame entry's byte range is a Media Segment of
	// its own: a range cut out of a segment encrypted whole neither starts
	// with the IV nor ends with padding, so no I-frame playlist can point
	// into it correctly.
	ErrEncryptedIFrames = errors.New("encrypted segments: I-frame byte ranges cannot point into segments encrypted whole with AES-128")
	// ErrNoVideo means the segments hold no H.264 or HEVC video track.
	ErrNoVideo = errors.New("no video stream")
)

// Bandwidth is a playlist's measured bit rates, as MeasureBandwidth gives
// them, in bits per second.
type Bandwidth struct {
	Peak    int64
	Average int64
}

// BuildIFramePlaylist reads a finished media playlist and its segments
// (MPEG-TS, or fMP4 with EXT-X-MAP) and returns the I-frame playlist of its
// video (HLS-RULES P9) and that playlist's measured bit rates. Every
// keyframe is listed, not only the ones segments start with: in MPEG-TS
// each keyframe's range runs from its PES start (or the PAT and PMT right
// before it) to the frame's last packet (mpegts.Keyframes); in fMP4 each
// fragment that opens with a sync sample is listed with its moof and that
// sample's data (mp4.KeyFragments). Ranges point into the existing segment
// files, so the playlist must be written into the media playlist's folder,
// whose URIs it reuses. Nothing is re-encoded.
//
// An entry's EXTINF is the time to the next keyframe (the last one's, to
// the end of the playlist). Times are the segment's start in the playlist
// (the EXTINF sum before it) plus the keyframe's offset from the segment's
// first picture, so discontinuities carry over.
//
// Encrypted segments give ErrEncryptedIFrames, segments without video
// ErrNoVideo.
func BuildIFramePlaylist(mediaPath string) (*MediaPlaylist, Bandwidth, error) {
	media, err := ReadMedia(mediaPath)
	if err != nil {
		return nil, Bandwidth{}, err
	}
	if len(media.Segments) == 0 {
		return nil, Bandwidth{}, fmt.Errorf("playlist %q has no segments", mediaPath)
	}
	dir := filepath.Dir(mediaPath)
	b := iframeBuilder{dir: dir, inits: map[string]mp4.Track{}}
	var start float64
	for i, s := range media.Segments {
		if s.Key != nil && s.Key.Method != "NONE" {
			return nil, Bandwidth{}, fmt.Errorf("playlist %q: %w", mediaPath, ErrEncryptedIFrames)
		}
		if err := b.addSegment(s, start); err != nil {
			return nil, Bandwidth{}, fmt.Errorf("playlist %q, segment %d %q: %w", mediaPath, i, s.URI, err)
		}
		start += s.Duration
	}
	if len(b.entries) == 0 {
		return nil, Bandwidth{}, fmt.Errorf("playlist %q: no keyframe in its segments", mediaPath)
	}
	pl := &MediaPlaylist{
		Type:        media.Type,
		EndList:     media.EndList,
		IFramesOnly: true,
	}
	for i, e := range b.entries {
		next := start
		if i+1 < len(b.entries) {
			next = b.entries[i+1].at
		}
		e.seg.Duration = roundMicro(max(next-e.at, 0))
		pl.Segments = append(pl.Segments, e.seg)
	}
	pl.TargetDuration = pl.neededTarget()
	peak, avg, err := MeasureBandwidth(pl, dir)
	if err != nil {
		return nil, Bandwidth{}, fmt.Errorf("playlist %q: %w", mediaPath, err)
	}
	return pl, Bandwidth{Peak: peak, Average: avg}, nil
}

// roundMicro rounds to the microsecond, what the writer prints, so the
// EXTINF sum read back is the sum the bandwidth was measured with.
func roundMicro(d float64) float64 {
	return float64(int64(d*1e6+0.5)) / 1e6
}

type iframeEntry struct {
	seg Segment
	at  float64 // presentation time in the playlist
}

type iframeBuilder struct {
	dir     string
	inits   map[string]mp4.Track // video track by EXT-X-MAP URI
	entries []iframeEntry
}

// addSegment adds the keyframes of one media segment starting at start
// seconds into the playlist.
func (b *iframeBuilder) addSegment(s Segment, start float64) error {
	path, err := ResolveURI(b.dir, s.URI)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var base int64 // where the segment starts in its file
	if r := s.ByteRange; r != nil {
		if r.Offset+r.Length > int64(len(data)) {
			return fmt.Errorf("byte range %d@%d runs past the file's %d bytes", r.Length, r.Offset, len(data))
		}
		data, base = data[r.Offset:r.Offset+r.Length], r.Offset
	}
	first := len(b.entries)
	add := func(off, length int64, at float64) {
		seg := Segment{URI: s.URI, ByteRange: &ByteRange{Length: length, Offset: base + off}, Map: s.Map}
		b.entries = append(b.entries, iframeEntry{seg: seg, at: at})
	}
	if s.Map != nil {
		track, err := b.videoTrack(s.Map)
		if err != nil {
			return err
		}
		timing, err := mp4.ReadFragment(data, []mp4.Track{track})
		if err != nil {
			return err
		}
		keys, err := mp4.KeyFragments(data, track)
		if err != nil {
			return err
		}
		segStart := timing[track.ID].Start
		for _, k := range keys {
			add(k.Offset, k.Length, start+float64(int64(k.DecodeTime-segStart))/float64(track.Timescale))
		}
	} else {
		pics, err := mpegts.Pictures(data)
		if errors.Is(err, mpegts.ErrNoVideo) {
			return ErrNoVideo
		}
		if err != nil {
			return err
		}
		// The segment starts with its earliest picture: with B-frames
		// that is not always the first one stored.
		var earliest int64 = -1
		for _, p := range pics {
			if p.PTS >= 0 && (earliest < 0 || mpegts.PTSDiff(p.PTS, earliest) < 0) {
				earliest = p.PTS
			}
		}
		for _, p := range pics {
			if p.Key && p.PTS >= 0 {
				add(p.Offset, p.Length, start+float64(mpegts.PTSDiff(p.PTS, earliest))/mpegts.PTSClock)
			}
		}
	}
	if s.Discontinuity && len(b.entries) > first {
		b.entries[first].seg.Discontinuity = true
	}
	return nil
}

// videoTrack reads an EXT-X-MAP init section (once per URI) for its video
// track.
func (b *iframeBuilder) videoTrack(m *Map) (mp4.Track, error) {
	if t, ok := b.inits[m.URI]; ok {
		return t, nil
	}
	path, err := ResolveURI(b.dir, m.URI)
	if err != nil {
		return mp4.Track{}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return mp4.Track{}, err
	}
	if r := m.ByteRange; r != nil && r.Offset+r.Length <= int64(len(data)) {
		data = data[r.Offset : r.Offset+r.Length]
	}
	tracks, err := mp4.ReadInit(data)
	if err != nil {
		return mp4.Track{}, fmt.Errorf("init section %q: %w", m.URI, err)
	}
	for _, t := range tracks {
		if t.Handler == "vide" {
			b.inits[m.URI] = t
			return t, nil
		}
	}
	return mp4.Track{}, ErrNoVideo
}

// IFrameVariant is the EXT-X-I-FRAME-STREAM-INF entry of the I-frame
// playlist at uri made for the video variant of: the measured bit rates,
// the variant's video codecs only, its resolution and video range.
func IFrameVariant(of Variant, uri string, bw Bandwidth) Variant {
	return Variant{
		URI: uri, Bandwidth: bw.Peak, AverageBandwidth: bw.Average,
		Codecs: VideoCodecs(of.Codecs), Resolution: of.Resolution,
		HDCPLevel: of.HDCPLevel, VideoRange: of.VideoRange,
	}
}

// VideoCodecs keeps the video entries of a CODECS attribute: an I-frame
// playlist has no audio (HLS-RULES P9).
func VideoCodecs(codecs string) string {
	var out []string
	for _, c := range SplitCodecs(codecs) {
		if IsVideoCodec(c) {
			out = append(out, c)
		}
	}
	return strings.Join(out, ",")
}

// IsVideoCodec says whether a CODECS entry names a video codec.
func IsVideoCodec(codec string) bool {
	c := strings.ToLower(codec)
	for _, p := range []string{"avc1", "avc3", "hvc1", "hev1", "av01", "vp09", "vp8", "dvh1", "dvhe", "mp4v"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}
