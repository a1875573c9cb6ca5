package mpegts

import (
	"encoding/binary"
	"slices"
	"testing"
)

// tsPacket builds one 188-byte TS packet starting a PSI section on pid.
func tsPacket(pid uint16, section []byte) []byte {
	p := make([]byte, PacketSize)
	for i := range p {
		p[i] = 0xff
	}
	p[0], p[1], p[2], p[3] = SyncByte, 0x40|byte(pid>>8), byte(pid), 0x10
	p[4] = 0 // pointer field
	copy(p[5:], section)
	return p
}

// pat builds a PAT section naming programs (number, PMT PID).
func pat(progs ...[2]uint16) []byte {
	s := []byte{0x00, 0, 0, 0, 1, 0xc1, 0, 0}
	for _, p := range progs {
		s = binary.BigEndian.AppendUint16(s, p[0])
		s = binary.BigEndian.AppendUint16(s, 0xe000|p[1])
	}
	n := len(s) - 3 + 4
	s[1], s[2] = 0xb0|byte(n>>8), byte(n)
	return append(s, 0, 0, 0, 0) // CRC, not checked
}

func TestReadTables(t *testing.T) {
	pmt := []byte{0x02, 0xb0, 0x0d}
	null := tsPacket(0x1fff, nil)
	null[1] = 0x1f // no payload_unit_start
	for _, tt := range []struct {
		name string
		in   []byte
		want Tables
		err  bool
	}{
		{"one program", slices.Concat(tsPacket(0, pat([2]uint16{1, 0x1000})), tsPacket(0x1000, pmt)), Tables{1, true, true}, false},
		{"nit entry not counted", slices.Concat(tsPacket(0, pat([2]uint16{0, 0x10}, [2]uint16{1, 0x1000})), tsPacket(0x1000, pmt)), Tables{1, true, true}, false},
		{"two programs", slices.Concat(tsPacket(0, pat([2]uint16{1, 0x1000}, [2]uint16{2, 0x1001})), tsPacket(0x1001, pmt)), Tables{2, true, true}, false},
		{"no pmt", slices.Concat(tsPacket(0, pat([2]uint16{1, 0x1000})), null), Tables{1, true, false}, false},
		{"no pat", slices.Concat(null, tsPacket(0x1000, pmt)), Tables{}, false},
		{"bad sync", slices.Concat(null, make([]byte, 188)), Tables{}, true},
	} {
		got, err := ReadTables(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v (error %v)", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func FuzzReadTables(f *testing.F) {
	f.Add([]byte{})
	f.Add(slices.Concat(tsPacket(0, pat([2]uint16{1, 0x1000})), tsPacket(0x1000, []byte{0x02, 0xb0, 0x0d})))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ReadTables(b) // must not panic
	})
}
