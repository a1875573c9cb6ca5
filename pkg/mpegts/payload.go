package mpegts

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Stream types of the PMT (ISO 13818-1 Table 2-34, and the ATSC/DVB
// assignments ffmpeg writes) that segment readers ask about.
const (
	StreamTypeMPEG1Audio = 0x03
	StreamTypeMPEG2Audio = 0x04
	StreamTypeAAC        = 0x0f
	StreamTypeH264       = streamTypeH264
	StreamTypeHEVC       = streamTypeHEVC
)

// Payload is the start of one elementary stream of a segment.
type Payload struct {
	// PID is the stream's packet identifier.
	PID int
	// StreamType is what the PMT says the stream is.
	StreamType byte
	// Data is the stream's first PES packet after its PES header (up to
	// 64 KiB): parameter sets and the first picture for video, whole
	// frames with their headers for audio. Empty when no PES packet of
	// the stream starts in the bytes read.
	Data []byte
}

// FirstPayloads lists the elementary streams of a segment's first PMT, in
// PMT order, each with the start of its first PES packet, so a segment's
// codecs can be read from their own headers without a decoder. It stops
// once every stream's first PES packet is complete.
func FirstPayloads(b []byte) ([]Payload, error) {
	var (
		pmtPID   = -1
		streams  []Payload
		index    = map[int]int{} // PID → position in streams
		complete = 0
		state    = map[int]int{} // 0 waiting, 1 reading, 2 complete
	)
	err := scan(b, func(p packet) bool {
		pid := int(p.pid)
		if i, ok := index[pid]; ok {
			switch {
			case p.start && state[pid] == 0:
				state[pid] = 1
				streams[i].Data = append([]byte{}, p.payload...)
			case p.start && state[pid] == 1:
				state[pid] = 2
				complete++
			case state[pid] == 1 && len(streams[i].Data) < pesHeadLimit:
				streams[i].Data = append(streams[i].Data, p.payload...)
			}
			return complete < len(streams)
		}
		if !p.start || (pid != 0 && pid != pmtPID) {
			return true
		}
		sec := section(p.payload)
		switch {
		case len(sec) < 12:
		case pid == 0 && sec[0] == 0x00 && pmtPID < 0:
			for _, prog := range patPrograms(sec) {
				if prog[0] != 0 {
					pmtPID = int(prog[1])
					break
				}
			}
		case pid == pmtPID && sec[0] == 0x02 && streams == nil:
			streams = pmtStreams(sec)
			for i, s := range streams {
				index[s.PID] = i
			}
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("not MPEG-TS: %w", err)
	}
	if pmtPID < 0 {
		return nil, errors.New("no PAT naming a program")
	}
	if streams == nil {
		return nil, errors.New("no PMT")
	}
	for i := range streams {
		streams[i].Data = pesData(streams[i].Data)
	}
	return streams, nil
}

// pmtStreams lists the elementary streams of a PMT section.
func pmtStreams(sec []byte) []Payload {
	end := sectionEnd(sec)
	info := int(binary.BigEndian.Uint16(sec[10:12]) & 0x0fff)
	streams := []Payload{}
	for i := 12 + info; i+5 <= end; {
		streams = append(streams, Payload{
			StreamType: sec[i],
			PID:        int(binary.BigEndian.Uint16(sec[i+1:i+3]) & 0x1fff),
		})
		i += 5 + int(binary.BigEndian.Uint16(sec[i+3:i+5])&0x0fff)
	}
	return streams
}

// pesData strips a PES header, or returns nil for what is not one.
func pesData(pes []byte) []byte {
	if len(pes) < 9 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1 || 9+int(pes[8]) > len(pes) {
		return nil
	}
	return pes[9+int(pes[8]):]
}
