package hls

import (
	"encoding/binary"
	"errors"
)

// ErrNoVideo is returned by TSStartsWithKeyframe for a segment whose PMT
// names no H.264 or HEVC stream.
var ErrNoVideo = errors.New("no H.264 or HEVC stream")

// Stream types of the PMT for the video codecs TSStartsWithKeyframe knows.
const (
	streamTypeH264 = 0x1b
	streamTypeHEVC = 0x24
)

// TSStartsWithKeyframe reads an MPEG-TS segment's first video access unit
// and says whether it is a keyframe: an IDR picture for H.264, an IRAP
// picture (IDR, CRA or BLA) for HEVC. It parses the bytes itself (PAT, PMT,
// the first PES of the video PID, its NAL units), so checking every segment
// of a ladder costs no process per segment. It needs only the segment's
// first few kilobytes, with PAT and PMT ahead of the video (as in every HLS
// segment, HLS-RULES M9).
func TSStartsWithKeyframe(b []byte) (bool, error) {
	var (
		pmtPID   = -1
		videoPID = -1
		codec    byte
		pes      []byte
	)
	for off := 0; off+188 <= len(b); off += 188 {
		p := b[off : off+188]
		if p[0] != 0x47 {
			return false, errors.New("not MPEG-TS: no 0x47 sync byte")
		}
		pusi := p[1]&0x40 != 0
		pid := int(p[1]&0x1f)<<8 | int(p[2])
		afc := p[3] >> 4 & 3
		if afc&1 == 0 {
			continue // no payload
		}
		payload := p[4:]
		if afc == 3 {
			n := int(payload[0])
			if n+1 > len(payload) {
				continue
			}
			payload = payload[1+n:]
		}
		switch {
		case pid == videoPID:
			if pusi && pes != nil {
				// A PES without a picture (parameter sets only) sends the
				// search on to the next one.
				if key, err := pesPictureIsKey(pes, codec); !errors.Is(err, errNoPicture) {
					return key, err
				}
			}
			if pusi {
				pes = []byte{}
			}
			if pes != nil {
				pes = append(pes, payload...)
			}
		case pusi && (pid == 0 || pid == pmtPID):
			if len(payload) < 1 || int(payload[0])+1 >= len(payload) {
				continue
			}
			sec := payload[1+int(payload[0]):]
			if len(sec) < 12 {
				continue
			}
			n := int(binary.BigEndian.Uint16(sec[1:3]) & 0x0fff)
			end := min(3+n-4, len(sec)) // CRC excluded
			if pid == 0 && sec[0] == 0x00 {
				for i := 8; i+4 <= end; i += 4 {
					if binary.BigEndian.Uint16(sec[i:i+2]) != 0 {
						pmtPID = int(binary.BigEndian.Uint16(sec[i+2:i+4]) & 0x1fff)
						break
					}
				}
			} else if pid == pmtPID && sec[0] == 0x02 {
				info := int(binary.BigEndian.Uint16(sec[10:12]) & 0x0fff)
				for i := 12 + info; i+5 <= end; {
					st := sec[i]
					epid := int(binary.BigEndian.Uint16(sec[i+1:i+3]) & 0x1fff)
					esInfo := int(binary.BigEndian.Uint16(sec[i+3:i+5]) & 0x0fff)
					if (st == streamTypeH264 || st == streamTypeHEVC) && videoPID < 0 {
						videoPID, codec = epid, st
					}
					i += 5 + esInfo
				}
				if videoPID < 0 {
					return false, ErrNoVideo
				}
			}
		}
	}
	if videoPID < 0 {
		if pmtPID < 0 {
			return false, errors.New("no PAT naming a program")
		}
		return false, ErrNoVideo
	}
	if pes == nil {
		return false, errors.New("no video PES packet")
	}
	return pesPictureIsKey(pes, codec)
}

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
