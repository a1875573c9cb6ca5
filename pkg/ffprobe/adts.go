package ffprobe

import (
	"errors"
	"fmt"
)

// AudioFrame is what the header of a compressed audio frame says.
type AudioFrame struct {
	// Codec is the RFC 6381 string ("mp4a.40.2", "mp4a.40.34").
	Codec string
	// Channels is the channel count; 0 when the header defers it to a
	// program config element.
	Channels int
}

// ReadADTS reads the ADTS header at the start of an AAC elementary stream
// (ISO 14496-3 1.A.2), as MPEG-TS carries AAC. ADTS names only the four
// oldest object types; an HE-AAC stream signalled implicitly reads as
// AAC-LC here, so callers that may have produced HE-AAC ask ffprobe.
func ReadADTS(b []byte) (AudioFrame, error) {
	if len(b) < 7 || b[0] != 0xff || b[1]&0xf6 != 0xf0 {
		return AudioFrame{}, errors.New("aac: no ADTS header")
	}
	aot := int(b[2]>>6) + 1
	channels := int(b[2]&1)<<2 | int(b[3]>>6)
	if channels == 7 {
		channels = 8 // 7.1
	}
	return AudioFrame{Codec: fmt.Sprintf("mp4a.40.%d", aot), Channels: channels}, nil
}

// ReadMPEGAudio reads the header of an MPEG-1/2 audio frame (ISO 11172-3
// 2.4.1.3): layer III gives "mp4a.40.34" and layer II "mp4a.40.33", as
// CodecString names them.
func ReadMPEGAudio(b []byte) (AudioFrame, error) {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return AudioFrame{}, errors.New("mpeg audio: no frame header")
	}
	var codec string
	switch b[1] >> 1 & 3 {
	case 1:
		codec = "mp4a.40.34"
	case 2:
		codec = "mp4a.40.33"
	default:
		return AudioFrame{}, errors.New("mpeg audio: not layer II or III")
	}
	channels := 2
	if b[3]>>6 == 3 {
		channels = 1
	}
	return AudioFrame{Codec: codec, Channels: channels}, nil
}
