package mp4

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// fragment builds a moof + mdat for track 1: tfdt dt, a trun with a data
// offset, first-sample flags when first is non-zero, and one size per
// sample; the mdat holds the samples.
func fragment(dt uint64, first uint32, sizes ...uint32) []byte {
	tfhd := u32s(0x020020, 1, sampleNonSync) // default-base-is-moof, default flags: non-sync
	tfdt := append(u32s(0x01000000), binary.BigEndian.AppendUint64(nil, dt)...)
	flags := uint32(trunDataOffset | trunSampleSize)
	if first != 0 {
		flags |= trunFirstSampleFlags
	}
	build := func(dataOffset uint32) []byte {
		trun := u32s(flags, uint32(len(sizes)), dataOffset)
		if first != 0 {
			trun = append(trun, u32s(first)...)
		}
		trun = append(trun, u32s(sizes...)...)
		return mk("moof", mk("mfhd", u32s(0, 1)), mk("traf", mk("tfhd", tfhd), mk("tfdt", tfdt), mk("trun", trun)))
	}
	moof := build(0)
	moof = build(uint32(len(moof) + 8))
	var data []byte
	for _, s := range sizes {
		data = append(data, make([]byte, s)...)
	}
	return append(moof, mk("mdat", data)...)
}

func TestKeyFragments(t *testing.T) {
	video := Track{ID: 1, Handler: "vide", Timescale: 12800}
	const sync = 0x02000000 // depends on no other sample
	key, nonKey, key2 := fragment(0, sync, 100, 50), fragment(512, 0, 70), fragment(1024, sync, 30)
	moofLen := int64(len(key)) - 8 - 150
	for _, tt := range []struct {
		name  string
		in    []byte
		track Track
		want  []KeyFragment
		err   bool
	}{
		{"one key fragment", key, video, []KeyFragment{{0, moofLen + 8 + 100, 0}}, false},
		{"key, non-key, key", slices.Concat(key, nonKey, key2), video,
			[]KeyFragment{{0, moofLen + 8 + 100, 0}, {int64(len(key) + len(nonKey)), int64(len(key2)), 1024}}, false},
		{"other track", key, Track{ID: 2, Timescale: 48000}, nil, false},
		{"empty", nil, video, nil, true},
		{"sample past the end", key[:len(key)-60], video, nil, true},
		{"no moof", mk("mdat", make([]byte, 4)), video, nil, true},
	} {
		got, err := KeyFragments(tt.in, tt.track)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v (error %v)", tt.name, got, err, tt.want, tt.err)
		}
	}
}

// TestKeyFragmentsFFmpeg reads a fragmented MP4 ffmpeg wrote with one
// fragment per keyframe (x264, -g 25, 3 s): three key fragments, one second
// apart, each holding its sample.
func TestKeyFragmentsFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	path := filepath.Join(t.TempDir(), "frag.mp4")
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3", "-f", "lavfi", "-i", "sine=duration=3",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
		"-c:a", "aac", "-shortest", "-movflags", "frag_keyframe+empty_moov+default_base_moof", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	boxes, err := Boxes(b)
	if err != nil {
		t.Fatal(err)
	}
	var initLen int
	for _, bx := range boxes {
		if bx.Type == "moof" {
			break
		}
		initLen += len(bx.Payload) + 8
	}
	tracks, err := ReadInit(b[:initLen])
	if err != nil {
		t.Fatal(err)
	}
	v := MainTrack(tracks)
	keys, err := KeyFragments(b[initLen:], v)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("%d key fragments %+v, want 3", len(keys), keys)
	}
	for i, k := range keys {
		if got := float64(k.DecodeTime) / float64(v.Timescale); got < float64(i)-0.1 || got > float64(i)+0.1 {
			t.Errorf("key fragment %d decodes at %.3f s", i, got)
		}
		rng := b[initLen+int(k.Offset) : initLen+int(k.Offset+k.Length)]
		if string(rng[4:8]) != "moof" {
			t.Errorf("key fragment %d does not start with a moof", i)
		}
	}
}

func FuzzKeyFragments(f *testing.F) {
	f.Add(fragment(0, 0x02000000, 100, 50))
	f.Add(slices.Concat(fragment(0, 0x02000000, 10), fragment(512, 0, 7)))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := KeyFragments(b, Track{ID: 1, Timescale: 1000}) // must not panic
		if err != nil {
			return
		}
		for _, k := range keys {
			if k.Offset < 0 || k.Length <= 0 || k.Offset+k.Length > int64(len(b)) {
				t.Fatalf("fragment %+v outside %d bytes", k, len(b))
			}
		}
	})
}
