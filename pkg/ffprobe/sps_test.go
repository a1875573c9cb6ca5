package ffprobe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// spsOf720p is the SPS ffmpeg's libx264 writes for a 1280x720 constrained
// baseline picture (a 1280x720 frame needs no cropping).
const spsOf720p = "00000001 6742c01f da014016 ec044000 00030040 00000f03 c60ca8"

func TestReadAVCPictureTable(t *testing.T) {
	cases := []struct {
		name, hex string
		want      AVCPicture
		err       bool
	}{
		{name: "baseline 720p", hex: spsOf720p, want: AVCPicture{Codec: "avc1.42c01f", Width: 1280, Height: 720}},
		{name: "no SPS", hex: "00000001 68ce0fc8", err: true},
		{name: "truncated SPS", hex: "00000001 6742c01f da", err: true},
		{name: "empty", hex: "", err: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadAVCPicture(unhex(t, c.hex))
			if c.err {
				if err == nil {
					t.Fatalf("no error, got %+v", got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

// TestReadAVCPictureMatchesFFprobe encodes raw H.264 in the shapes a ladder
// and its sources produce (cropped heights, odd sizes, every profile,
// interlaced, 4:2:2 and 4:4:4 with scaling lists) and compares the SPS
// reading with ffprobe's.
func TestReadAVCPictureMatchesFFprobe(t *testing.T) {
	cases := []struct {
		size string
		args []string
	}{
		{"1920x1080", []string{"-profile:v", "high"}},
		{"854x480", []string{"-profile:v", "main"}},
		{"640x360", []string{"-profile:v", "baseline"}},
		{"642x362", []string{"-pix_fmt", "yuv420p"}},
		{"320x240", []string{"-x264-params", "interlaced=1"}},
		{"352x288", []string{"-pix_fmt", "yuv422p"}},
		{"176x144", []string{"-pix_fmt", "yuv444p", "-x264-params", "cqm=jvt"}},
		{"160x90", []string{"-pix_fmt", "gray"}},
	}
	dir := t.TempDir()
	p := &Prober{}
	for i, c := range cases {
		t.Run(c.size+fmt.Sprint(c.args), func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("%d.h264", i))
			args := append([]string{"-f", "lavfi", "-i", "testsrc2=size=" + c.size + ":rate=10:duration=0.2",
				"-c:v", "libx264", "-preset", "ultrafast"}, c.args...)
			if err := ffmpeg(append(args, "-f", "h264", path)...); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadAVCPicture(b)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Probe(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			v := res.Video()
			want := AVCPicture{Codec: v.CodecString, Width: v.Width, Height: v.Height}
			if got != want {
				t.Errorf("SPS says %+v, ffprobe %+v", got, want)
			}
		})
	}
}

func TestReadAudioHeaders(t *testing.T) {
	cases := []struct {
		name string
		read func([]byte) (AudioFrame, error)
		hex  string
		want AudioFrame
		err  bool
	}{
		{"ADTS LC stereo", ReadADTS, "fff15080 0000 00", AudioFrame{"mp4a.40.2", 2}, false},
		{"ADTS LC mono", ReadADTS, "fff15040 0000 00", AudioFrame{"mp4a.40.2", 1}, false},
		{"ADTS LC 5.1", ReadADTS, "fff15180 0000 00", AudioFrame{"mp4a.40.2", 6}, false},
		{"ADTS 7.1", ReadADTS, "fff151c0 0000 00", AudioFrame{"mp4a.40.2", 8}, false},
		{"ADTS main", ReadADTS, "fff11080 0000 00", AudioFrame{"mp4a.40.1", 2}, false},
		{"ADTS short", ReadADTS, "fff150", AudioFrame{}, true},
		{"not ADTS", ReadADTS, "00000001 09f0 00", AudioFrame{}, true},
		{"MP3 mono", ReadMPEGAudio, "fffb90c4", AudioFrame{"mp4a.40.34", 1}, false},
		{"MP3 joint stereo", ReadMPEGAudio, "fffb9044", AudioFrame{"mp4a.40.34", 2}, false},
		{"MP2 stereo", ReadMPEGAudio, "fffd9004", AudioFrame{"mp4a.40.33", 2}, false},
		{"layer I", ReadMPEGAudio, "ffff9004", AudioFrame{}, true},
		{"no sync", ReadMPEGAudio, "7ffb9004", AudioFrame{}, true},
	}
	for _, c := range cases {
		got, err := c.read(unhex(t, c.hex))
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v (error %v)", c.name, got, err, c.want, c.err)
		}
	}
}

func FuzzReadAVCPicture(f *testing.F) {
	f.Add(unhex(f, spsOf720p))
	f.Add([]byte{0, 0, 1, 0x67, 100, 0, 40, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadAVCPicture(b)
		if err != nil {
			return
		}
		if p.Width <= 0 || p.Height <= 0 || p.Width*p.Height > maxMBs*256*2 {
			t.Fatalf("implausible picture %+v", p)
		}
	})
}

func FuzzReadAudioHeaders(f *testing.F) {
	f.Add([]byte{0xff, 0xf1, 0x50, 0x80, 0, 0, 0})
	f.Add([]byte{0xff, 0xfb, 0x90, 0xc4})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, read := range []func([]byte) (AudioFrame, error){ReadADTS, ReadMPEGAudio} {
			a, err := read(b)
			if err == nil && (a.Codec == "" || a.Channels < 0 || a.Channels > 8) {
				t.Fatalf("implausible frame %+v", a)
			}
		}
	})
}
