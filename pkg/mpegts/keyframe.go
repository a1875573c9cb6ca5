package mpegts

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrNoVideo is returned by StartsWithKeyframe for a segment whose PMT
// names no H.264 or HEVC stream.
var ErrNoVideo = errors.New("no H.264 or HEVC stream")

// Stream types of the PMT for the video codecs StartsWithKeyframe knows.
const (
	streamTypeH264 = 0x1b
	streamTypeHEVC = 0x24
)

// StartsWithKeyframe reads an MPEG-TS segment's first video access unit
// and says whether it is a keyframe: an IDR picture for H.264, an IRAP
// picture (IDR, CRA or BLA) for HEVC. It parses the bytes itself (PAT, PMT,
// the first PES of the video PID, its NAL units), so checking every segment
// of a ladder costs no process per segment. It needs only the segment's
// first few kilobytes, with PAT and PMT ahead of the video (as in every HLS
// segment, HLS-RULES M9).
func StartsWithKeyframe(b []byte) (bool, error) {
	var (
		pmtPID   = -1
		videoPID = -1
		codec    byte
		pes      []byte
		key      bool
		done     error // set, with key, when the answer is known
	)
	err := scan(b, func(p packet) bool {
		pid := int(p.pid)
		switch {
		case pid == videoPID:
			if p.start && pes != nil {
				// A PES without a picture (parameter sets only) sends the
				// search on to the next one.
				k, err := pesPictureIsKey(pes, codec)
				if !errors.Is(err, errNoPicture) {
					key, done = k, err
					if done == nil {
						done = errFound
					}
					return false
				}
			}
			if p.start {
				pes = []byte{}
			}
			if pes != nil {
				pes = append(pes, p.payload...)
			}
		case p.start && (pid == 0 || pid == pmtPID):
			sec := section(p.payload)
			if len(sec) < 12 {
				return true
			}
			if pid == 0 && sec[0] == 0x00 {
				for _, prog := range patPrograms(sec) {
					if prog[0] != 0 {
						pmtPID = int(prog[1])
						break
					}
				}
			} else if pid == pmtPID && sec[0] == 0x02 {
				if videoPID < 0 {
					videoPID, codec = pmtVideo(sec)
				}
				if videoPID < 0 {
					done = ErrNoVideo
					return false
				}
			}
		}
		return true
	})
	switch {
	case err != nil:
		return false, fmt.Errorf("not MPEG-TS: %w", err)
	case done == errFound:
		return key, nil
	case done != nil:
		return false, done
	case videoPID < 0 && pmtPID < 0:
		return false, errors.New("no PAT naming a program")
	case videoPID < 0:
		return false, ErrNoVideo
	case pes == nil:
		return false, errors.New("no video PES packet")
	}
	return pesPictureIsKey(pes, codec)
}

// errFound stops the packet scan once the first picture was read.
var errFound = errors.New("found")

var errNoPicture = errors.New("no picture in the first video PES packets")

// pesPictureIsKey looks at the first picture of one PES packet.
func pesPictureIsKey(pes []byte, codec byte) (bool, error) {
	if len(pes) < 9 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1 {
		return false, errors.New("bad video PES packet")
	}
	if 9+int(pes[8]) > len(pes) {
		return false, errors.New("truncated PES header")
	}
	return firstPictureIsKey(pes[9+int(pes[8]):], codec)
}

// firstPictureIsKey walks Annex B NAL units up to the first picture slice.
func firstPictureIsKey(es []byte, codec byte) (bool, error) {
	for i := 0; i+3 < len(es); i++ {
		if es[i] != 0 || es[i+1] != 0 || es[i+2] != 1 {
			continue
		}
		h := es[i+3]
		if codec == streamTypeH264 {
			switch t := h & 0x1f; {
			case t == 5:
				return true, nil
			case t >= 1 && t <= 4:
				return false, nil
			}
		} else {
			switch t := h >> 1 & 0x3f; {
			case t >= 16 && t <= 23:
				return true, nil
			case t <= 15:
				return false, nil
			}
		}
		i += 3
	}
	return false, errNoPicture
}

// pmtVideo returns the PID and stream type of the first H.264 or HEVC
// stream a PMT section lists; the PID is -1 when it lists none.
func pmtVideo(sec []byte) (pid int, codec byte) {
	end := sectionEnd(sec)
	info := int(binary.BigEndian.Uint16(sec[10:12]) & 0x0fff)
	for i := 12 + info; i+5 <= end; {
		st := sec[i]
		epid := int(binary.BigEndian.Uint16(sec[i+1:i+3]) & 0x1fff)
		esInfo := int(binary.BigEndian.Uint16(sec[i+3:i+5]) & 0x0fff)
		if st == streamTypeH264 || st == streamTypeHEVC {
			return epid, st
		}
		i += 5 + esInfo
	}
	return -1, 0
}
