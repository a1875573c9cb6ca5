package mpegts

import (
	"encoding/binary"
	"fmt"
)

// PacketSize is the size of one transport stream packet.
const PacketSize = 188

// SyncByte opens every packet.
const SyncByte = 0x47

// packet is one transport stream packet that carries a payload.
type packet struct {
	// off is where the packet starts in the bytes scanned.
	off int
	pid uint16
	// start is payload_unit_start_indicator: a PES packet or a PSI
	// section begins in this packet.
	start   bool
	payload []byte // after the adaptation field, possibly empty
}

// scan calls fn for every whole packet of b that carries a payload, in
// order, until fn returns false. It fails at the first packet without a
// sync byte; a partial packet at the end is ignored.
func scan(b []byte, fn func(packet) bool) error {
	for off := 0; off+PacketSize <= len(b); off += PacketSize {
		p := b[off : off+PacketSize]
		if p[0] != SyncByte {
			return fmt.Errorf("packet at byte %d has no 0x47 sync byte", off)
		}
		afc := p[3] >> 4 & 3
		if afc&1 == 0 {
			continue // adaptation field only
		}
		payload := p[4:]
		if afc == 3 {
			n := int(payload[0])
			if n+1 > len(payload) {
				continue
			}
			payload = payload[1+n:]
		}
		pkt := packet{off: off, pid: uint16(p[1]&0x1f)<<8 | uint16(p[2]), start: p[1]&0x40 != 0, payload: payload}
		if !fn(pkt) {
			return nil
		}
	}
	return nil
}

// section returns the PSI section that starts in a packet's payload (after
// its pointer field), or nil when the payload holds none.
func section(payload []byte) []byte {
	if len(payload) < 1 || int(payload[0])+1 >= len(payload) {
		return nil
	}
	return payload[1+int(payload[0]):]
}

// sectionEnd is where a section's entries end: its length field, the CRC
// excluded, bounded by the bytes at hand.
func sectionEnd(sec []byte) int {
	n := int(binary.BigEndian.Uint16(sec[1:3]) & 0x0fff)
	return min(3+n-4, len(sec))
}

// patPrograms lists the (program number, PMT PID) pairs of a PAT section,
// the network PID entry (program 0) included.
func patPrograms(sec []byte) [][2]uint16 {
	var out [][2]uint16
	end := sectionEnd(sec)
	for i := 8; i+4 <= end; i += 4 {
		prog := binary.BigEndian.Uint16(sec[i : i+2])
		out = append(out, [2]uint16{prog, binary.BigEndian.Uint16(sec[i+2:i+4]) & 0x1fff})
	}
	return out
}

// Tables is what the program tables at the start of a segment say.
type Tables struct {
	// Programs counts the programs of the first PAT (program 0, the NIT,
	// excluded).
	Programs int
	// HasPAT says a PAT section starts in the bytes read.
	HasPAT bool
	// HasPMT says a PMT section starts on a PID the PAT names.
	HasPMT bool
}

// ReadTables reads packets until it has seen a PAT and a PMT of one of its
// programs. It fails when the bytes are not 188-byte packets; a partial
// packet at the end is ignored (the caller checks the size).
func ReadTables(b []byte) (Tables, error) {
	var t Tables
	pmtPIDs := map[uint16]bool{}
	err := scan(b, func(p packet) bool {
		if !p.start {
			return true
		}
		sec := section(p.payload)
		if len(sec) < 3 {
			return true
		}
		switch {
		case p.pid == 0 && sec[0] == 0x00 && !t.HasPAT:
			t.HasPAT = true
			for _, prog := range patPrograms(sec) {
				if prog[0] != 0 {
					t.Programs++
					pmtPIDs[prog[1]] = true
				}
			}
		case pmtPIDs[p.pid] && sec[0] == 0x02:
			t.HasPMT = true
		}
		return !(t.HasPAT && t.HasPMT)
	})
	return t, err
}
