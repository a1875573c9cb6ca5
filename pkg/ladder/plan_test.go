package ladder

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func sizes(p *Plan) string {
	var parts []string
	for _, r := range p.Renditions {
		if r.Width == 0 {
			parts = append(parts, fmt.Sprintf("%s@%dk", r.Name, r.AudioBitrate))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%dx%d@%dk", r.Name, r.Width, r.Height, r.Bitrate))
	}
	return strings.Join(parts, " ")
}

func TestNewPlan(t *testing.T) {
	video, _ := Builtin("video")
	audio, _ := Builtin("audio")
	cases := []struct {
		name  string
		src   Source
		l     Ladder
		want  string
		fps   string
		gop   int
		deint bool
	}{
		{"1080p landscape", Source{HasVideo: true, HasAudio: true, Width: 1920, Height: 1080, FrameRate: 30},
			video, "1080p=1920x1080@5000k 720p=1280x720@2800k 480p=854x480@1200k 360p=640x360@700k", "30", 60, false},
		{"portrait scales the short side", Source{HasVideo: true, HasAudio: true, Width: 1080, Height: 1920, FrameRate: 30},
			video, "1080p=1080x1920@5000k 720p=720x1280@2800k 480p=480x854@1200k 360p=360x640@700k", "30", 60, false},
		{"rotated phone clip is portrait", Source{HasVideo: true, HasAudio: true, Width: 1280, Height: 720, Rotation: 90, FrameRate: 29.97},
			video, "720p=720x1280@2800k 480p=480x854@1200k 360p=360x640@700k", "30000/1001", 60, false},
		{"anamorphic PAL gives square pixels 16:9", Source{HasVideo: true, HasAudio: true, Width: 720, Height: 576, SARNum: 64, SARDen: 45, FrameRate: 25, Interlaced: true},
			video, "576p=1024x576@1792k 480p=854x480@1200k 360p=640x360@700k", "25", 50, true},
		{"tiny source keeps one rung at its own size", Source{HasVideo: true, HasAudio: false, Width: 320, Height: 240, FrameRate: 24},
			video, "240p=320x240@311k", "24", 48, false},
		{"60 fps VFR source", Source{HasVideo: true, HasAudio: true, Width: 1280, Height: 720, FrameRate: 59.2, VFR: true},
			video, "720p=1280x720@2800k 480p=854x480@1200k 360p=640x360@700k", "59", 118, false},
		{"120 fps is halved", Source{HasVideo: true, Width: 640, Height: 360, FrameRate: 120},
			video, "360p=640x360@700k", "60", 120, false},
		{"audio ladder", Source{HasAudio: true}, audio, "hi_res@320k high@192k medium@128k low@64k", "0", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewPlan(c.src, c.l, 4)
			if err != nil {
				t.Fatal(err)
			}
			if got := sizes(p); got != c.want {
				t.Errorf("renditions\n got %s\nwant %s", got, c.want)
			}
			fps := "0"
			if p.FPS.Den != 0 {
				fps = p.FPS.String()
			}
			if fps != c.fps || p.GOP != c.gop || p.Deinterlace != c.deint {
				t.Errorf("fps %s gop %d deint %v, want %s %d %v", fps, p.GOP, p.Deinterlace, c.fps, c.gop, c.deint)
			}
			for _, r := range p.Renditions {
				if r.Width%2 != 0 || r.Height%2 != 0 {
					t.Errorf("%s: odd size %dx%d", r.Name, r.Width, r.Height)
				}
				if !c.src.HasAudio && r.AudioBitrate != 0 {
					t.Errorf("%s: audio on a source without audio", r.Name)
				}
			}
		})
	}
}

func TestNewPlanErrors(t *testing.T) {
	video, _ := Builtin("video")
	audio, _ := Builtin("audio")
	if _, err := NewPlan(Source{HasAudio: true}, video, 4); !errors.Is(err, ErrNoVideo) {
		t.Errorf("video ladder on audio: %v", err)
	}
	if _, err := NewPlan(Source{HasVideo: true, Width: 10, Height: 10}, audio, 4); err == nil {
		t.Error("audio ladder on a silent source must fail")
	}
	if _, err := NewPlan(Source{}, video, 4); err == nil {
		t.Error("empty source must fail")
	}
}

func TestParse(t *testing.T) {
	good := "name: mine\nsegment_time: 6\nrungs:\n  - {name: hd, codec: hevc, height: 720, bitrate: 2000, audio_bitrate: 96}\n  - {name: sd, height: 360, bitrate: 600}\n"
	l, err := Parse([]byte(good))
	if err != nil || l.Name != "mine" || len(l.Rungs) != 2 || l.SegmentTime != 6 {
		t.Fatalf("%+v %v", l, err)
	}
	if l.Rungs[1].withDefaults().Codec != "h264" || l.Rungs[0].withDefaults().Profile != "main" {
		t.Errorf("defaults: %+v", l.Rungs)
	}
	bad := map[string]string{
		"unknown field":   "rungs:\n  - {name: a, height: 720, bitrate: 1, colour: red}\n",
		"no rungs":        "name: x\n",
		"bad codec":       "rungs:\n  - {name: a, codec: vp8, height: 720, bitrate: 1}\n",
		"duplicate":       "rungs:\n  - {name: a, height: 720, bitrate: 1}\n  - {name: a, height: 360, bitrate: 1}\n",
		"path in name":    "rungs:\n  - {name: ../x, height: 720, bitrate: 1}\n",
		"audio no rate":   "rungs:\n  - {name: a, audio_codec: aac}\n",
		"bad audio codec": "rungs:\n  - {name: a, audio_codec: wma, audio_bitrate: 64}\n",
		"not yaml":        "{{{",
	}
	for name, text := range bad {
		if _, err := Parse([]byte(text)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFingerprintStable(t *testing.T) {
	a := Rung{Name: "720p", Height: 720, Bitrate: 3000}
	b := Rung{Name: "720p", Codec: "h264", Height: 720, Bitrate: 3000, MaxRate: 3210, BufSize: 4500, Profile: "high"}
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("defaults must not change the fingerprint")
	}
	b.Bitrate = 3001
	if a.Fingerprint() == b.Fingerprint() {
		t.Error("a different bit rate must change the fingerprint")
	}
}
