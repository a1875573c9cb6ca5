package mpegts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestFirstPayloads(t *testing.T) {
	two := slices.Concat(tsPacket(0, pat([2]uint16{1, testPMT})), tsPacket(testPMT, pmtSection(streamTypeH264, testVideo)))
	cases := []struct {
		name    string
		in      []byte
		streams int
		data    []int // len(Data) per stream
		err     bool
	}{
		{name: "empty", in: nil, err: true},
		{name: "tables only", in: tables(), streams: 1, data: []int{0}},
		{name: "one PES, open", in: slices.Concat(tables(), pes(testVideo, 900, 0x65, 1)), streams: 1,
			// the PES header with a PTS is 14 bytes; the rest of two packets' payloads remain
			data: []int{2*(PacketSize-4) - 14}},
		{name: "second PES ends the first", in: slices.Concat(two, pes(testVideo, 900, 0x65, 0), pes(testVideo, 4500, 0x41, 3)),
			streams: 1, data: []int{PacketSize - 4 - 14}},
		{name: "no PAT", in: slices.Concat(tsPacket(testPMT, pmtSection(streamTypeH264, testVideo))), err: true},
		{name: "not TS", in: bytes.Repeat([]byte{1}, 400), err: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := FirstPayloads(c.in)
			if c.err {
				if err == nil {
					t.Fatalf("no error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.streams {
				t.Fatalf("%d streams, want %d", len(got), c.streams)
			}
			for i, s := range got {
				if len(s.Data) != c.data[i] {
					t.Errorf("stream %d: %d bytes of data, want %d", i, len(s.Data), c.data[i])
				}
				if s.PID != testVideo || s.StreamType != StreamTypeH264 {
					t.Errorf("stream %d: %+v", i, s)
				}
			}
		})
	}
}

// TestFirstPayloadsFFmpeg reads what ffmpeg's muxer writes: the streams in
// PMT order, video starting with a start code, AAC with an ADTS header.
func TestFirstPayloadsFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	path := filepath.Join(t.TempDir(), "seg.ts")
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FirstPayloads(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].StreamType != StreamTypeH264 || got[1].StreamType != StreamTypeAAC {
		t.Fatalf("streams %+v", got)
	}
	if !bytes.HasPrefix(got[0].Data, []byte{0, 0, 0, 1}) {
		t.Errorf("video payload starts % x", got[0].Data[:8])
	}
	if a := got[1].Data; len(a) < 7 || a[0] != 0xff || a[1]&0xf0 != 0xf0 {
		t.Errorf("audio payload starts % x", a[:min(len(a), 8)])
	}
}

func FuzzFirstPayloads(f *testing.F) {
	f.Add([]byte{})
	f.Add(slices.Concat(tables(), pes(testVideo, 900, 0x65, 1), pes(testVideo, 4500, 0x41, 0)))
	f.Fuzz(func(t *testing.T, b []byte) {
		streams, err := FirstPayloads(b)
		if err != nil {
			return
		}
		for _, s := range streams {
			if len(s.Data) > pesHeadLimit+PacketSize {
				t.Fatalf("stream %d kept %d bytes", s.PID, len(s.Data))
			}
		}
	})
}
