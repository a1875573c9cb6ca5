package hls

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafov/m3u8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/hls -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func ladderMaster() *MasterPlaylist {
	return &MasterPlaylist{
		Version:             3,
		IndependentSegments: true,
		Renditions: []Rendition{
			{Type: "AUDIO", GroupID: "aac", Name: "English", Language: "en", Default: true, Channels: "2", URI: "audio/index.m3u8"},
			{Type: "AUDIO", GroupID: "aac", Name: "Français", Language: "fr", URI: "audio_fr/index.m3u8"},
		},
		Variants: []Variant{
			{URI: "720p/index.m3u8", Bandwidth: 3_300_123, AverageBandwidth: 3_000_456, Codecs: "avc1.64001f,mp4a.40.2",
				Resolution: Resolution{1280, 720}, FrameRate: 30000.0 / 1001, Audio: "aac", ClosedCaptions: "NONE"},
			{URI: "360p/index.m3u8", Bandwidth: 800_000, AverageBandwidth: 700_000, Codecs: "avc1.4d401e,mp4a.40.2",
				Resolution: Resolution{640, 360}, FrameRate: 25, Audio: "aac"},
		},
		IFrameVariants: []Variant{
			{URI: "720p/iframes.m3u8", Bandwidth: 150_000, Codecs: "avc1.64001f", Resolution: Resolution{1280, 720}},
		},
	}
}

func TestEncodeMasterGolden(t *testing.T) {
	p := ladderMaster()
	out, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "master.m3u8", out)
	again, _ := p.Encode()
	if !bytes.Equal(out, again) {
		t.Error("two encodes differ")
	}
	// Reading it back gives the same playlist.
	back, err := ParseMaster(out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Variants {
		back.Variants[i].Line = 0
		want := p.Variants[i]
		want.FrameRate = float64(int(want.FrameRate*1000+0.5)) / 1000
		if back.Variants[i] != want {
			t.Errorf("variant %d read back as %+v, want %+v", i, back.Variants[i], want)
		}
	}
	if back.Version != 3 || !back.IndependentSegments || len(back.Renditions) != 2 || back.Renditions[1].Name != "Français" {
		t.Errorf("read back %+v", back)
	}
}

// TestEncodeMasterGrafov reads veza's master with grafov/m3u8 in strict
// mode: an independent parser must agree on what veza wrote.
func TestEncodeMasterGrafov(t *testing.T) {
	out, err := ladderMaster().Encode()
	if err != nil {
		t.Fatal(err)
	}
	pl, kind, err := m3u8.Decode(*bytes.NewBuffer(out), true)
	if err != nil || kind != m3u8.MASTER {
		t.Fatalf("grafov: kind %v err %v", kind, err)
	}
	g := pl.(*m3u8.MasterPlaylist)
	if len(g.Variants) != 3 {
		t.Fatalf("grafov sees %d variants, want 2 + 1 I-frame", len(g.Variants))
	}
	v := g.Variants[0]
	if v.URI != "720p/index.m3u8" || v.Bandwidth != 3_300_123 || v.AverageBandwidth != 3_000_456 ||
		v.Codecs != "avc1.64001f,mp4a.40.2" || v.Resolution != "1280x720" || v.FrameRate != 29.97 || v.Audio != "aac" {
		t.Errorf("grafov variant 0 = %+v", v.VariantParams)
	}
	if !g.Variants[2].Iframe || g.Variants[2].URI != "720p/iframes.m3u8" {
		t.Errorf("grafov I-frame variant = %+v", g.Variants[2])
	}
}

func TestEncodeMasterRefuses(t *testing.T) {
	for name, p := range map[string]*MasterPlaylist{
		"no variants":      {},
		"no bandwidth":     {Variants: []Variant{{URI: "a.m3u8"}}},
		"quote in codecs":  {Variants: []Variant{{URI: "a.m3u8", Bandwidth: 1, Codecs: `avc1"`}}},
		"newline in uri":   {Variants: []Variant{{URI: "a\n.m3u8", Bandwidth: 1}}},
		"empty uri":        {Variants: []Variant{{Bandwidth: 1}}},
		"media no name":    {Variants: []Variant{{URI: "a.m3u8", Bandwidth: 1}}, Renditions: []Rendition{{Type: "AUDIO", GroupID: "a"}}},
		"bad enum":         {Variants: []Variant{{URI: "a.m3u8", Bandwidth: 1, HDCPLevel: "TYPE 0"}}},
		"iframe empty uri": {Variants: []Variant{{URI: "a.m3u8", Bandwidth: 1}}, IFrameVariants: []Variant{{Bandwidth: 1}}},
	} {
		if out, err := p.Encode(); err == nil {
			t.Errorf("%s: encoded without error:\n%s", name, out)
		}
	}
}

func TestMasterVersion(t *testing.T) {
	p := &MasterPlaylist{Variants: []Variant{{URI: "a.m3u8", Bandwidth: 1}},
		Renditions: []Rendition{{Type: "CLOSED-CAPTIONS", GroupID: "cc", Name: "cc1", InstreamID: "SERVICE1"}}}
	out, _ := p.Encode()
	if !strings.Contains(string(out), "#EXT-X-VERSION:7\n") {
		t.Errorf("INSTREAM-ID SERVICE1 needs version 7:\n%s", out)
	}
	p.Renditions = nil
	out, _ = p.Encode()
	if !strings.Contains(string(out), "#EXT-X-VERSION:1\n") || strings.Contains(string(out), "INDEPENDENT") {
		t.Errorf("plain master:\n%s", out)
	}
}

func fmp4Media() *MediaPlaylist {
	init := &Map{URI: "init.mp4"}
	return &MediaPlaylist{
		Type:    TypeVOD,
		EndList: true,
		Segments: []Segment{
			{URI: "seg0.m4s", Duration: 4.004, Map: init, ProgramDateTime: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)},
			{URI: "seg1.m4s", Duration: 4.0000041666, Map: init},
			{URI: "seg2.m4s", Duration: 1.5, DurationText: "1.500", Map: init, Discontinuity: true},
		},
	}
}

func TestEncodeMediaGolden(t *testing.T) {
	p := fmp4Media()
	out, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "media-fmp4.m3u8", out)
	back, err := ParseMedia(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != 6 || back.TargetDuration != 4 || len(back.Segments) != 3 || back.Segments[1].Duration != 4.000004 {
		t.Errorf("read back %+v", back)
	}
	if back.Segments[2].DurationText != "1.500" || !back.Segments[2].Discontinuity || back.Segments[0].Map.URI != "init.mp4" {
		t.Errorf("segments %+v", back.Segments)
	}
}

func TestEncodeMediaTarget(t *testing.T) {
	// 4.5 rounds half-up to 5: the target is computed as 5, and 4 is refused.
	p := &MediaPlaylist{Segments: []Segment{{URI: "a.ts", Duration: 4.5, DurationText: "4.5"}}}
	out, err := p.Encode()
	if err != nil || !strings.Contains(string(out), "#EXT-X-TARGETDURATION:5\n") {
		t.Fatalf("computed target: %v\n%s", err, out)
	}
	p.TargetDuration = 4
	if _, err := p.Encode(); err == nil {
		t.Error("a target below a rounded EXTINF was written")
	}
	// A 0.4 s clip never gets TARGETDURATION:0.
	p = &MediaPlaylist{Segments: []Segment{{URI: "a.ts", Duration: 0.4}}}
	out, _ = p.Encode()
	if !strings.Contains(string(out), "#EXT-X-TARGETDURATION:1\n") {
		t.Errorf("short clip:\n%s", out)
	}
}

func TestRoundHalfUp(t *testing.T) {
	for _, tt := range []struct {
		text string
		d    float64
		want int
	}{
		{"2.5", 2.5, 3}, // banker's rounding would give 2
		{"4.5", 4.5, 5},
		{"3.4999", 3.4999, 3},
		{"4.000000", 4, 4},
		{"0.4", 0.4, 0},
		{"10", 10, 10},
		{"", 2.5, 3},
		{"", 6.49, 6},
		{"1e1", 10, 10},
		{"2.5", 2.7, 3}, // stale text: the float wins
	} {
		if got := RoundHalfUp(Segment{Duration: tt.d, DurationText: tt.text}); got != tt.want {
			t.Errorf("RoundHalfUp(%q, %v) = %d, want %d", tt.text, tt.d, got, tt.want)
		}
	}
}

func TestMediaMinVersion(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    MediaPlaylist
		want int
		why  string
	}{
		{"integer extinf", MediaPlaylist{Segments: []Segment{{URI: "a", Duration: 4, DurationText: "4"}}}, 1, ""},
		{"fractional", MediaPlaylist{Segments: []Segment{{URI: "a", Duration: 4, DurationText: "4.0"}}}, 3, "fractional EXTINF"},
		{"key iv", MediaPlaylist{Segments: []Segment{{URI: "a", Duration: 4, DurationText: "4", Key: &Key{Method: "AES-128", URI: "k", IV: "0x1"}}}}, 2, "EXT-X-KEY IV"},
		{"byterange", MediaPlaylist{Segments: []Segment{{URI: "a", Duration: 4, ByteRange: &ByteRange{1, 0}}}}, 4, "EXT-X-BYTERANGE"},
		{"map", MediaPlaylist{Segments: []Segment{{URI: "a", Duration: 4, Map: &Map{URI: "i"}}}}, 6, "EXT-X-MAP"},
		{"iframes map", MediaPlaylist{IFramesOnly: true, Segments: []Segment{{URI: "a", Duration: 4, Map: &Map{URI: "i"}}}}, 5, "EXT-X-MAP"},
		{"keyformat", MediaPlaylist{Segments: []Segment{{URI: "a", Duration: 4, DurationText: "4", Key: &Key{Method: "SAMPLE-AES", KeyFormat: "x"}}}}, 5, "EXT-X-KEY KEYFORMAT"},
	} {
		v, why := tt.p.VersionFeature()
		if v != tt.want || why != tt.why {
			t.Errorf("%s: minVersion = %d %q, want %d %q", tt.name, v, why, tt.want, tt.why)
		}
	}
}

func TestEncodeMediaKeys(t *testing.T) {
	k := &Key{Method: "AES-128", URI: "key.bin", IV: "0x0123456789abcdef0123456789abcdef"}
	p := &MediaPlaylist{TargetDuration: 2, Segments: []Segment{
		{URI: "a.ts", Duration: 2, Key: k},
		{URI: "b.ts", Duration: 2, Key: k},
		{URI: "c.ts", Duration: 2},
	}}
	out, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Count(s, "#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\",IV=0x0123456789abcdef0123456789abcdef\n") != 1 ||
		strings.Count(s, "#EXT-X-KEY:METHOD=NONE\n") != 1 {
		t.Errorf("keys:\n%s", s)
	}
	back, _ := ParseMedia(out)
	if back.Segments[1].Key == nil || back.Segments[2].Key != nil {
		t.Errorf("keys read back wrong: %+v", back.Segments)
	}
	// The init section stays clear: its EXT-X-MAP comes before the key.
	p = &MediaPlaylist{Segments: []Segment{{URI: "a.m4s", Duration: 2, Key: k, Map: &Map{URI: "init.mp4"}}}}
	out, _ = p.Encode()
	if m, k := strings.Index(string(out), "#EXT-X-MAP"), strings.Index(string(out), "#EXT-X-KEY"); m < 0 || m > k {
		t.Errorf("EXT-X-MAP must precede EXT-X-KEY:\n%s", out)
	}
	// A map cannot be dropped once applied.
	p = &MediaPlaylist{Segments: []Segment{{URI: "a", Duration: 1, Map: &Map{URI: "i"}}, {URI: "b", Duration: 1}}}
	if _, err := p.Encode(); err == nil {
		t.Error("a segment without map after one with a map was written")
	}
}

func TestWriteMaster(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.m3u8")
	if err := WriteMaster(path, &MasterPlaylist{}); err == nil {
		t.Fatal("empty master written")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a refused master left a file")
	}
	if err := WriteMaster(path, ladderMaster()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMaster(path); err != nil {
		t.Fatal(err)
	}
	mpath := filepath.Join(filepath.Dir(path), "index.m3u8")
	if err := WriteMedia(mpath, fmp4Media()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMedia(mpath); err != nil {
		t.Fatal(err)
	}
}
