package ladder

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/audio"
)

var gapKeep = []audio.Interval{{Start: 0, End: 6.24}, {Start: 10.76, End: math.Inf(1)}}

const loud = "loudnorm=I=-14:TP=-1:LRA=11:measured_I=-26:measured_TP=-22:measured_LRA=4.8:measured_thresh=-36:offset=0:linear=true"

// With cuts and a loudness filter, the picture is cut after the frame-rate
// change, picture and sound go through one concat, and the sound is
// normalised once before it is split to the rungs.
func TestBuildConditioned(t *testing.T) {
	p, err := NewPlan(Source{HasVideo: true, HasAudio: true, Width: 640, Height: 360, FrameRate: 25}, small, 4)
	if err != nil {
		t.Fatal(err)
	}
	p.Conditioning = audio.Filters{Keep: gapKeep, AudioFilter: loud}
	c := p.Build(p.Renditions, "out", Encoding{})
	want := "[0:v:0]format=yuv420p[vpre];" +
		audio.TrimGraph(gapKeep, "[vpre]", "[0:a:0]", "[vcut]", "[acut]") + ";" +
		"[vcut]split=2[s0][s1];[s0]scale=426:240:flags=bicubic,setsar=1[v0];[s1]scale=214:120:flags=bicubic,setsar=1[v1];" +
		"[acut]" + loud + ",asplit=2[a0][a1]"
	if c.FilterComplex != want {
		t.Errorf("graph\n got %s\nwant %s", c.FilterComplex, want)
	}
	for i, o := range c.Outputs {
		if got := strings.Join(o.Maps, " "); got != "[v"+string(rune('0'+i))+"] [a"+string(rune('0'+i))+"]" {
			t.Errorf("output %d maps %s", i, got)
		}
	}
}

func TestBuildConditionedAudio(t *testing.T) {
	a, _ := Builtin("audio")
	p, _ := NewPlan(Source{HasAudio: true}, a, 4)
	for _, tc := range []struct {
		name string
		c    audio.Filters
		rs   []Rendition
		want string
		maps []string
	}{
		{"loudness, two rungs", audio.Filters{AudioFilter: loud}, p.Renditions[:2], "[0:a:0]" + loud + ",asplit=2[a0][a1]", []string{"[a0]", "[a1]"}},
		{"loudness, one rung", audio.Filters{AudioFilter: loud}, p.Renditions[:1], "[0:a:0]" + loud + "[a0]", []string{"[a0]"}},
		{"cuts only, one rung", audio.Filters{Keep: gapKeep}, p.Renditions[:1],
			audio.TrimGraph(gapKeep, "", "[0:a:0]", "", "[acut]") + ";[acut]anull[a0]", []string{"[a0]"}},
		{"nothing", audio.Filters{}, p.Renditions[:1], "", []string{"0:a:0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.Conditioning = tc.c
			c := p.Build(tc.rs, "o", Encoding{})
			if c.FilterComplex != tc.want {
				t.Errorf("graph\n got %s\nwant %s", c.FilterComplex, tc.want)
			}
			for i, o := range c.Outputs {
				if len(o.Maps) != 1 || o.Maps[0] != tc.maps[i] {
					t.Errorf("output %d maps %v, want %s", i, o.Maps, tc.maps[i])
				}
			}
		})
	}
}

func TestReplayLadder(t *testing.T) {
	r, ok := Builtin("replay")
	if !ok || r.SegmentTime != 10 || len(r.Rungs) != 1 || r.Rungs[0].AudioCodec != "mp3" || r.Rungs[0].AudioBitrate != 256 ||
		r.Loudness != -14 || r.TrimSilence != 3 || !r.IsAudio() {
		t.Fatalf("replay = %+v", r)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src  Source
		rung Rung
		want string
	}{
		// A source that fits is kept as it is: a mono show stays mono.
		{Source{HasAudio: true, AudioChannels: 1, AudioRate: 48000}, r.Rungs[0], "-c:a libmp3lame -b:a 256k"},
		{Source{HasAudio: true, AudioChannels: 2, AudioRate: 44100}, r.Rungs[0], "-c:a libmp3lame -b:a 256k"},
		// 5.1 at 96 kHz is mixed down to stereo at MP3's 44.1 kHz.
		{Source{HasAudio: true, AudioChannels: 6, AudioRate: 96000}, r.Rungs[0], "-c:a libmp3lame -b:a 256k -ac 2 -ar 44100"},
		// A rung that asks for stereo gets it.
		{Source{HasAudio: true, AudioChannels: 1, AudioRate: 48000}, Rung{Name: "s", AudioCodec: "aac", AudioBitrate: 128, AudioChannels: 2}, "-c:a aac -b:a 128k -ac 2"},
		{Source{HasAudio: true, AudioChannels: 2, AudioRate: 32000}, Rung{Name: "s", AudioCodec: "aac", AudioBitrate: 128}, "-c:a aac -b:a 128k -ar 48000"},
	} {
		p, err := NewPlan(tc.src, Ladder{Name: "x", Rungs: []Rung{tc.rung}}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if args := strings.Join(p.audioArgs(p.Renditions[0]), " "); args != tc.want {
			t.Errorf("%+v: args %s, want %s", tc.src, args, tc.want)
		}
	}
}

func TestParseAudioProcessing(t *testing.T) {
	l, err := Parse([]byte("name: show\nsegment_time: 6\nloudness: -16\ntrue_peak: -1.5\nlra: 9\ntrim_silence: 2.5\nsilence_threshold: -45\n" +
		"rungs:\n  - name: a\n    audio_codec: aac\n    audio_bitrate: 128\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := audio.Settings{Loudness: -16, TruePeak: -1.5, LRA: 9, TrimSilence: 2.5, SilenceThreshold: -45}
	if l.Settings != want {
		t.Errorf("parsed %+v, want %+v", l.Settings, want)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"loudness: -2", "loudness target -2 LUFS out of range"},
		{"loudness: -14\ntrue_peak: 2", "true-peak limit 2 dBTP out of range"},
		{"lra: 40", "loudness range target 40 LU out of range"},
		{"trim_silence: -1", "trim_silence -1"},
		{"silence_threshold: 10", "silence_threshold 10 dB"},
		{"loudnes: -14", "field loudnes not found"},
	} {
		_, err := Parse([]byte(tc.yaml + "\nrungs:\n  - {name: a, audio_bitrate: 64}\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

// Loudness and silence processing change the sound: `veza segment --copy`
// refuses, before any encoding.
func TestSegmentCopyRefusesProcessing(t *testing.T) {
	out := t.TempDir()
	_, err := Segment(context.Background(), Config{Input: media(t, "audio.flac"), OutDir: out, Catalog: openCatalog(t, out),
		Audio: audio.Settings{Loudness: -14}}, SegmentCopy)
	if err == nil || !strings.Contains(err.Error(), "cannot stream-copy: loudness normalisation needs re-encoding") {
		t.Errorf("err = %v", err)
	}
}
