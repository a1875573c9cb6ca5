package mpegts

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/veza-media/veza/pkg/ffprobe"
)

const (
	testPMT   = 0x1000
	testVideo = 0x100
	testAudio = 0x101
)

// pmtSection builds a PMT section listing one stream.
func pmtSection(streamType byte, pid uint16) []byte {
	s := []byte{0x02, 0, 0, 0, 1, 0xc1, 0, 0, 0xe0 | byte(pid>>8), byte(pid), 0xf0, 0}
	s = append(s, streamType, 0xe0|byte(pid>>8), byte(pid), 0xf0, 0)
	n := len(s) - 3 + 4
	s[1], s[2] = 0xb0|byte(n>>8), byte(n)
	return append(s, 0, 0, 0, 0)
}

// tables is a PAT and a PMT naming an H.264 stream on testVideo.
func tables() []byte {
	return slices.Concat(tsPacket(0, pat([2]uint16{1, testPMT})), tsPacket(testPMT, pmtSection(streamTypeH264, testVideo)))
}

// pes builds the packets of one video PES packet: a header with pts (none
// when negative), an access unit delimiter and a slice of NAL type nal,
// then more continuation packets.
func pes(pid uint16, pts int64, nal byte, more int) []byte {
	h := []byte{0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0}
	if pts >= 0 {
		h[7], h[8] = 0x80, 5
		h = append(h, 0x21|byte(pts>>29&0x0e), byte(pts>>22), byte(pts>>14)|1, byte(pts>>7), byte(pts<<1)|1)
	}
	h = append(h, 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, nal, 0x88)
	first := make([]byte, PacketSize)
	for i := range first {
		first[i] = 0xff
	}
	first[0], first[1], first[2], first[3] = SyncByte, 0x40|byte(pid>>8), byte(pid), 0x10
	copy(first[4:], h)
	out := first
	for range more {
		out = append(out, cont(pid)...)
	}
	return out
}

// cont is a continuation packet of pid.
func cont(pid uint16) []byte {
	p := make([]byte, PacketSize)
	p[0], p[1], p[2], p[3] = SyncByte, byte(pid>>8), byte(pid), 0x10
	return p
}

func TestPictures(t *testing.T) {
	const idr, nonIDR = 0x65, 0x41
	audio := tsPacket(testAudio, nil)
	for _, tt := range []struct {
		name string
		in   []byte
		want []Picture
		err  bool
	}{
		{"tables then key", slices.Concat(tables(), pes(testVideo, 900, idr, 2)),
			[]Picture{{0, 5 * 188, 900, true}}, false},
		{"key after tables not adjacent", slices.Concat(tables(), audio, pes(testVideo, 900, idr, 0)),
			[]Picture{{3 * 188, 188, 900, true}}, false},
		// The range runs to the last video packet: audio after it is the
		// next picture's business, audio inside it stays inside.
		{"audio inside and after", slices.Concat(tables(), pes(testVideo, 0, idr, 0), audio, cont(testVideo), audio, pes(testVideo, 3600, nonIDR, 0)),
			[]Picture{{0, 5 * 188, 0, true}, {6 * 188, 188, 3600, false}}, false},
		{"second keyframe mid segment with tables", slices.Concat(tables(), pes(testVideo, 0, idr, 1), pes(testVideo, 3600, nonIDR, 0), tables(), pes(testVideo, 7200, idr, 0)),
			[]Picture{{0, 4 * 188, 0, true}, {4 * 188, 188, 3600, false}, {5 * 188, 3 * 188, 7200, true}}, false},
		{"pmt without pat before", slices.Concat(tables(), pes(testVideo, 0, nonIDR, 0), tsPacket(testPMT, pmtSection(streamTypeH264, testVideo)), pes(testVideo, 3600, idr, 0)),
			[]Picture{{0, 3 * 188, 0, false}, {4 * 188, 188, 3600, true}}, false},
		{"no pts", slices.Concat(tables(), pes(testVideo, -1, idr, 0)), []Picture{{0, 3 * 188, -1, true}}, false},
		{"frame cut at the start", slices.Concat(tables(), cont(testVideo), pes(testVideo, 0, idr, 0)), []Picture{{3 * 188, 188, 0, true}}, false},
		{"no pat", pes(testVideo, 0, idr, 0), nil, true},
		{"no video", slices.Concat(tsPacket(0, pat([2]uint16{1, testPMT})), tsPacket(testPMT, pmtSection(0x0f, testAudio))), nil, true},
		{"bad sync", slices.Concat(tables(), make([]byte, 188)), nil, true},
	} {
		got, err := Pictures(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("%s: no error", tt.name)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	// A PTS past the 33-bit wrap reads back whole.
	if got, _ := Pictures(slices.Concat(tables(), pes(testVideo, ptsWrap-1, idr, 0))); len(got) != 1 || got[0].PTS != ptsWrap-1 {
		t.Errorf("largest PTS read as %+v", got)
	}
}

func TestPTSDiff(t *testing.T) {
	for _, tt := range []struct{ a, b, want int64 }{
		{3600, 0, 3600}, {0, 3600, -3600}, {10, ptsWrap - 10, 20}, {ptsWrap - 10, 10, -20},
	} {
		if got := PTSDiff(tt.a, tt.b); got != tt.want {
			t.Errorf("PTSDiff(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestKeyframesFFmpeg lists the keyframes of a segment x264 wrote with a
// keyframe every 25 frames and compares them with ffprobe's, then reads
// each range alone (the segment's tables in front) to find that one
// keyframe again.
func TestKeyframesFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	path := filepath.Join(t.TempDir(), "seg.ts")
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3", "-f", "lavfi", "-i", "sine=duration=3",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "2",
		"-c:a", "aac", "-shortest", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := Keyframes(b)
	if err != nil {
		t.Fatal(err)
	}
	want, err := (&ffprobe.Prober{}).KeyframeTimes(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || len(keys) != len(want) {
		t.Fatalf("%d keyframes %+v, ffprobe finds %v (want 3)", len(keys), keys, want)
	}
	pics, _ := Pictures(b)
	if len(pics) != 75 {
		t.Errorf("%d pictures, want 75", len(pics))
	}
	head := TablePackets(b)
	if len(head) != 2*PacketSize {
		t.Fatalf("TablePackets gave %d bytes", len(head))
	}
	for i, k := range keys {
		if got := float64(k.PTS) / PTSClock; math.Abs(got-want[i]) > 0.0001 {
			t.Errorf("keyframe %d at %.4f s, ffprobe says %.4f s", i, got, want[i])
		}
		rng := b[k.Offset : k.Offset+k.Length]
		if i == 0 && !slices.Equal(rng[:2*PacketSize], head) {
			t.Error("the first keyframe's range does not start with the segment's PAT and PMT")
		}
		alone, err := Pictures(append(slices.Clone(head), rng...))
		if err != nil || len(alone) != 1 || !alone[0].Key || alone[0].PTS != k.PTS {
			t.Errorf("range %d@%d read alone: %+v, %v", k.Length, k.Offset, alone, err)
		}
	}
}

func FuzzPictures(f *testing.F) {
	f.Add([]byte{})
	f.Add(slices.Concat(tables(), pes(testVideo, 900, 0x65, 1), pes(testVideo, 4500, 0x41, 0)))
	f.Add(slices.Concat(tables(), cont(testVideo), tsPacket(testAudio, nil), pes(testVideo, -1, 0x65, 0)))
	f.Fuzz(func(t *testing.T, b []byte) {
		pics, err := Pictures(b) // must not panic
		if err != nil {
			return
		}
		for _, p := range pics {
			if p.Offset < 0 || p.Length <= 0 || p.Offset+p.Length > int64(len(b)) {
				t.Fatalf("picture %+v outside %d bytes", p, len(b))
			}
		}
		_ = TablePackets(b)
	})
}
