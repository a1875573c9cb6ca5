package ladder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/mpegts"
)

// description is what a master playlist says about a rendition's media.
type description struct {
	codecs        []string // video first, then audio
	width, height int
	channels      int
}

// describe reads a finished rendition's codecs, picture size and channel
// count from its first segment. An MPEG-TS rendition veza encoded itself is
// read in process (SPS, ADTS and MPEG audio headers: what ffprobe would
// report, without starting a process per rendition); anything else, or a
// segment the headers do not explain, is probed with ffprobe. Copied
// streams always go to ffprobe: ADTS cannot tell HE-AAC from AAC-LC.
func (run *runner) describe(ctx context.Context, r Rendition, pl *hls.MediaPlaylist, dir string) (description, error) {
	// The codec configuration is in the init section for fMP4 and in every
	// segment for MPEG-TS (read in the clear when encrypted).
	sample := filepath.Join(dir, pl.Segments[0].URI)
	if m := pl.Segments[0].Map; m != nil {
		sample = filepath.Join(dir, m.URI)
	} else {
		clear, done, err := clearCopy(pl, 0, dir, run.keyFor)
		if err != nil {
			return description{}, err
		}
		defer done()
		sample = clear
		if !r.Copy {
			if d, err := describeTS(sample); err == nil {
				return d, nil
			}
		}
	}
	return probeDescription(ctx, run.prober, sample)
}

// probeDescription asks ffprobe.
func probeDescription(ctx context.Context, p *ffprobe.Prober, sample string) (description, error) {
	res, err := p.Probe(ctx, sample)
	if err != nil {
		return description{}, err
	}
	var d description
	for _, s := range []*ffprobe.Stream{res.Video(), res.Audio()} {
		if s == nil {
			continue
		}
		if s.CodecString == "" {
			return description{}, fmt.Errorf("cannot derive a CODECS string from %s", sample)
		}
		d.codecs = append(d.codecs, s.CodecString)
		if s.Type == "video" {
			d.width, d.height = s.Width, s.Height
		} else {
			d.channels = s.Channels
		}
	}
	return d, nil
}

// errUnknownTS sends a segment describeTS cannot explain to ffprobe.
var errUnknownTS = errors.New("segment holds a stream the headers do not describe")

// describeTS reads the first video and audio streams of an MPEG-TS segment
// from their headers: H.264 (codec string and cropped size from the SPS),
// AAC in ADTS and MPEG audio layers II/III.
func describeTS(path string) (description, error) {
	f, err := os.Open(path)
	if err != nil {
		return description{}, err
	}
	head := make([]byte, tsHead)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return description{}, err
	}
	streams, err := mpegts.FirstPayloads(head[:n])
	if err != nil {
		return description{}, err
	}
	var video, audio string
	var d description
	for _, s := range streams {
		switch s.StreamType {
		case mpegts.StreamTypeH264:
			if video != "" {
				continue
			}
			pic, err := ffprobe.ReadAVCPicture(s.Data)
			if err != nil {
				return description{}, err
			}
			video, d.width, d.height = pic.Codec, pic.Width, pic.Height
		case mpegts.StreamTypeAAC, mpegts.StreamTypeMPEG1Audio, mpegts.StreamTypeMPEG2Audio:
			if audio != "" {
				continue
			}
			read := ffprobe.ReadADTS
			if s.StreamType != mpegts.StreamTypeAAC {
				read = ffprobe.ReadMPEGAudio
			}
			fr, err := read(s.Data)
			if err != nil || fr.Channels == 0 {
				return description{}, errUnknownTS
			}
			audio, d.channels = fr.Codec, fr.Channels
		default:
			return description{}, errUnknownTS
		}
	}
	for _, c := range []string{video, audio} {
		if c != "" {
			d.codecs = append(d.codecs, c)
		}
	}
	if d.codecs == nil {
		return description{}, errUnknownTS
	}
	return d, nil
}
