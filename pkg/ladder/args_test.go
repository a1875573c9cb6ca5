package ladder

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/layout"
)

func TestBuildSharesOneDecode(t *testing.T) {
	v, _ := Builtin("video")
	p, err := NewPlan(Source{HasVideo: true, HasAudio: true, Width: 720, Height: 576, SARNum: 64, SARDen: 45, FrameRate: 25, Interlaced: true}, v, 4)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Build(p.Renditions, "out", Encoding{})
	want := "[0:v:0]bwdif=mode=send_frame,format=yuv420p,split=3[s0][s1][s2];" +
		"[s0]scale=1024:576:flags=bicubic,setsar=1[v0];[s1]scale=854:480:flags=bicubic,setsar=1[v1];[s2]scale=640:360:flags=bicubic,setsar=1[v2]"
	if c.FilterComplex != want {
		t.Errorf("graph\n got %s\nwant %s", c.FilterComplex, want)
	}
	for i, o := range c.Outputs {
		a := strings.Join(append(o.Maps, o.Args...), " ")
		if o.SegmentPattern != filepath.Join("out", o.Rendition.Name, "seg_%05d.ts") {
			t.Errorf("segments %s", o.SegmentPattern)
		}
		for _, s := range []string{"-g 50 -keyint_min 50", "-sc_threshold 0", "0:a:0", "-c:a aac -b:a 128k"} {
			if !strings.Contains(a, s) {
				t.Errorf("output %d lacks %q: %s", i, s, a)
			}
		}
		if o.Playlist != filepath.Join("out", o.Rendition.Name, layout.Playlist) {
			t.Errorf("playlist %s", o.Playlist)
		}
	}
}

func TestBuildAudioOnly(t *testing.T) {
	a, _ := Builtin("audio")
	p, _ := NewPlan(Source{HasAudio: true}, a, 4)
	c := p.Build(p.Renditions[2:], "o", Encoding{Format: FormatFMP4})
	if c.FilterComplex != "" || len(c.Outputs) != 2 {
		t.Fatalf("%+v", c)
	}
	args := c.Outputs[0].Args
	if slices.Contains(args, "-c:v") || c.Format != FormatFMP4 || !strings.HasSuffix(c.Outputs[0].SegmentPattern, ".m4s") || !slices.Contains(args, "128k") {
		t.Errorf("args %v", args)
	}
}

func TestCheckFormat(t *testing.T) {
	l := Ladder{Name: "x", Rungs: []Rung{{Name: "h", Codec: "hevc", Height: 360, Bitrate: 500}}}
	p, err := NewPlan(Source{HasVideo: true, Width: 640, Height: 360, FrameRate: 25}, l, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckFormat(FormatTS); !errors.Is(err, ErrNeedsFMP4) {
		t.Errorf("HEVC in TS: %v", err)
	}
	if err := p.CheckFormat(FormatFMP4); err != nil {
		t.Error(err)
	}
	if err := p.CheckFormat("mkv"); err == nil {
		t.Error("mkv accepted")
	}
}

func TestSpreadBalances(t *testing.T) {
	a, _ := Builtin("audio")
	p, _ := NewPlan(Source{HasAudio: true}, a, 4)
	var names [][]string
	for _, g := range spread(p.Renditions, 2) {
		var n []string
		for _, r := range g {
			n = append(n, r.Name)
		}
		names = append(names, n)
	}
	// 320k with 64k, 192k with 128k: the hand-written best split.
	if fmt.Sprint(names) != "[[hi_res low] [high medium]]" {
		t.Errorf("groups %v", names)
	}
	if g := spread(p.Renditions, 4); len(g) != 4 || len(g[3]) != 1 {
		t.Errorf("4 processes: %v", g)
	}
}

// TestBuildPaysOnlyForWhatTheSourceNeeds: retiming and pixel conversion
// buy correctness for VFR or non-4:2:0 sources and cost nothing on a
// constant-rate yuv420p one.
func TestBuildPaysOnlyForWhatTheSourceNeeds(t *testing.T) {
	l := Ladder{Name: "x", Rungs: []Rung{{Name: "a", Height: 360, Bitrate: 700}, {Name: "b", Height: 240, Bitrate: 400}}}
	for _, tc := range []struct {
		src  Source
		head string
	}{
		{Source{HasVideo: true, Width: 640, Height: 360, FrameRate: 30, PixFmt: "yuv420p"}, "[0:v:0]split=2"},
		{Source{HasVideo: true, Width: 640, Height: 360, FrameRate: 30, PixFmt: "yuv420p", VFR: true}, "[0:v:0]fps=30,split=2"},
		{Source{HasVideo: true, Width: 640, Height: 360, FrameRate: 30, PixFmt: "yuv422p10le"}, "[0:v:0]format=yuv420p,split=2"},
		{Source{HasVideo: true, Width: 640, Height: 360, FrameRate: 120, PixFmt: "yuv420p"}, "[0:v:0]fps=60,split=2"},
	} {
		p, err := NewPlan(tc.src, l, 4)
		if err != nil {
			t.Fatal(err)
		}
		if g := p.Build(p.Renditions, "o", Encoding{}).FilterComplex; !strings.HasPrefix(g, tc.head) {
			t.Errorf("%+v: graph %s, want it to start %s", tc.src, g, tc.head)
		}
	}
}
