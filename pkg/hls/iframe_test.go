package hls

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/veza-media/veza/pkg/mpegts"
)

// TestEncodeIFramesGolden writes the two I-frame playlists veza makes, TS
// (version 4) and fMP4 (EXT-X-MAP: version 5), and reads each back.
func TestEncodeIFramesGolden(t *testing.T) {
	init := &Map{URI: "init.mp4"}
	for _, tt := range []struct {
		name string
		pl   *MediaPlaylist
	}{
		{"iframes-ts.m3u8", &MediaPlaylist{Type: TypeVOD, EndList: true, IFramesOnly: true, Segments: []Segment{
			{URI: "seg_00000.ts", Duration: 1, ByteRange: &ByteRange{Length: 15604, Offset: 0}},
			{URI: "seg_00000.ts", Duration: 1, ByteRange: &ByteRange{Length: 9964, Offset: 88924}},
			{URI: "seg_00001.ts", Duration: 0.96, ByteRange: &ByteRange{Length: 12220, Offset: 0}, Discontinuity: true},
		}}},
		{"iframes-fmp4.m3u8", &MediaPlaylist{Type: TypeVOD, EndList: true, IFramesOnly: true, Segments: []Segment{
			{URI: "seg_00000.m4s", Duration: 2, ByteRange: &ByteRange{Length: 4410, Offset: 0}, Map: init},
			{URI: "seg_00001.m4s", Duration: 1.5, ByteRange: &ByteRange{Length: 4022, Offset: 0}, Map: init},
		}}},
	} {
		out, err := tt.pl.Encode()
		if err != nil {
			t.Fatal(err)
		}
		golden(t, tt.name, out)
		back, err := ParseMedia(out)
		if err != nil {
			t.Fatal(err)
		}
		if !back.IFramesOnly || len(back.Segments) != len(tt.pl.Segments) {
			t.Fatalf("%s read back as %+v", tt.name, back)
		}
		for i, s := range back.Segments {
			w := tt.pl.Segments[i]
			if *s.ByteRange != *w.ByteRange || s.Duration != w.Duration || s.Discontinuity != w.Discontinuity || (s.Map == nil) != (w.Map == nil) {
				t.Errorf("%s entry %d read back as %+v, want %+v", tt.name, i, s, w)
			}
		}
		again, _ := back.Encode()
		if !bytes.Equal(again, out) {
			t.Errorf("%s changes when written again:\n%s", tt.name, again)
		}
	}
}

func TestIFrameVariant(t *testing.T) {
	of := Variant{URI: "720p/index.m3u8", Bandwidth: 3_000_000, Codecs: "mp4a.40.2,avc1.64001f", Resolution: Resolution{1280, 720}, FrameRate: 25, Audio: "aac"}
	got := IFrameVariant(of, "720p/iframes.m3u8", Bandwidth{Peak: 200_000, Average: 150_000})
	want := Variant{URI: "720p/iframes.m3u8", Bandwidth: 200_000, AverageBandwidth: 150_000, Codecs: "avc1.64001f", Resolution: Resolution{1280, 720}}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	m := &MasterPlaylist{Variants: []Variant{of}, IFrameVariants: []Variant{got}}
	out, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseMaster(out)
	if err != nil || len(back.IFrameVariants) != 1 {
		t.Fatalf("%v, %+v", err, back)
	}
	back.IFrameVariants[0].Line = 0
	if back.IFrameVariants[0] != want {
		t.Errorf("read back as %+v", back.IFrameVariants[0])
	}
	for in, want := range map[string]string{"avc1.64001f,mp4a.40.2": "avc1.64001f", "mp4a.40.2": "", "hvc1.1.6.L93.90, ec-3": "hvc1.1.6.L93.90", "": ""} {
		if got := VideoCodecs(in); got != want {
			t.Errorf("VideoCodecs(%q) = %q, want %q", in, got, want)
		}
	}
}

// hlsLadder runs ffmpeg's HLS muxer on 3 s of x264 with a keyframe every
// second and 2 s segments, in a fresh folder, and returns the playlist.
func hlsLadder(t *testing.T, extra ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	dir := t.TempDir()
	args := []string{"-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3", "-f", "lavfi", "-i", "sine=duration=3",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
		"-c:a", "aac", "-shortest", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
		"-hls_segment_filename", filepath.Join(dir, "seg_%05d."+map[bool]string{true: "m4s", false: "ts"}[len(extra) > 0])}
	args = append(append(args, extra...), filepath.Join(dir, "index.m3u8"))
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return filepath.Join(dir, "index.m3u8")
}

func TestBuildIFramePlaylist(t *testing.T) {
	for _, tt := range []struct {
		name  string
		extra []string
	}{
		{"ts", nil},
		{"fmp4", []string{"-hls_segment_type", "fmp4"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := hlsLadder(t, tt.extra...)
			pl, bw, err := BuildIFramePlaylist(path)
			if err != nil {
				t.Fatal(err)
			}
			// ffmpeg's fMP4 segments are one fragment each, so only the
			// keyframes that open a segment can be named there.
			want := map[string]int{"ts": 3, "fmp4": 2}[tt.name]
			if len(pl.Segments) != want {
				t.Fatalf("%d entries, want %d: %+v", len(pl.Segments), want, pl.Segments)
			}
			if math.Abs(pl.Duration()-3) > 0.05 {
				t.Errorf("the entries last %.3f s, want 3", pl.Duration())
			}
			if bw.Peak <= 0 || bw.Average <= 0 || bw.Peak < bw.Average {
				t.Errorf("bandwidth %+v", bw)
			}
			if tt.name == "ts" {
				for i, s := range pl.Segments {
					if math.Abs(s.Duration-1) > 0.001 {
						t.Errorf("entry %d lasts %.6f s, want 1 (one keyframe a second)", i, s.Duration)
					}
					b, _ := os.ReadFile(filepath.Join(filepath.Dir(path), s.URI))
					head := mpegts.TablePackets(b)
					keys, err := mpegts.Keyframes(append(head, b[s.ByteRange.Offset:s.ByteRange.Offset+s.ByteRange.Length]...))
					if err != nil || len(keys) != 1 {
						t.Errorf("entry %d holds %d keyframes (%v)", i, len(keys), err)
					}
				}
			} else if pl.Segments[0].Map == nil {
				t.Error("fMP4 entries have no EXT-X-MAP")
			}
			out, err := pl.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseMedia(out)
			if err != nil || !back.IFramesOnly {
				t.Fatalf("written playlist reads back as %+v, %v", back, err)
			}
			if v := map[string]int{"ts": 4, "fmp4": 5}[tt.name]; back.Version != v {
				t.Errorf("EXT-X-VERSION %d, want %d", back.Version, v)
			}
		})
	}
}

func TestBuildIFramePlaylistRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	enc := write("enc.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\"\n#EXTINF:2,\nseg.ts\n#EXT-X-ENDLIST\n")
	if _, _, err := BuildIFramePlaylist(enc); !errors.Is(err, ErrEncryptedIFrames) {
		t.Errorf("encrypted: %v", err)
	}
	if _, _, err := BuildIFramePlaylist(write("empty.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n")); err == nil {
		t.Error("empty playlist: no error")
	}
	if _, _, err := BuildIFramePlaylist(write("missing.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nnot-there.ts\n")); err == nil {
		t.Error("missing segment: no error")
	}
}
