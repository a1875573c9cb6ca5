package thumbnail

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFilter(t *testing.T) {
	for _, tt := range []struct {
		l    Layout
		want string
	}{
		{Layout{}, "fps=1/5,scale=160:trunc(ow/dar/2)*2,setsar=1,tile=5x5"},
		{Layout{Interval: 2.5, Width: 120, Columns: 10, Rows: 4}, "fps=1/2.5,scale=120:trunc(ow/dar/2)*2,setsar=1,tile=10x4"},
	} {
		if got := tt.l.Filter(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.l, got, tt.want)
		}
	}
}

func TestTileHeight(t *testing.T) {
	for _, tt := range []struct{ w, h, want int }{
		{1920, 1080, 90}, {1280, 720, 90}, {720, 1280, 284}, {640, 480, 120}, {853, 480, 90}, {0, 480, 0},
	} {
		if got := (Layout{}).TileHeight(tt.w, tt.h); got != tt.want {
			t.Errorf("%dx%d: %d, want %d", tt.w, tt.h, got, tt.want)
		}
	}
}

func TestCuesAndVTT(t *testing.T) {
	sheet := func(n int) string { return fmt.Sprintf("sheet_%03d.jpg", n+1) }
	l := Layout{Interval: 5, Columns: 2, Rows: 2}
	cues, err := l.Cues(21.5, 90, sheet)
	if err != nil {
		t.Fatal(err)
	}
	want := []Cue{
		{0, 5, "sheet_001.jpg", 0, 0, 160, 90},
		{5, 10, "sheet_001.jpg", 160, 0, 160, 90},
		{10, 15, "sheet_001.jpg", 0, 90, 160, 90},
		{15, 20, "sheet_001.jpg", 160, 90, 160, 90},
		{20, 21.5, "sheet_002.jpg", 0, 0, 160, 90},
	}
	if fmt.Sprint(cues) != fmt.Sprint(want) {
		t.Fatalf("cues %+v\nwant %+v", cues, want)
	}
	if n := l.Sheets(21.5); n != 2 {
		t.Errorf("%d sheets, want 2", n)
	}
	var b strings.Builder
	if err := WriteVTT(&b, cues[3:]); err != nil {
		t.Fatal(err)
	}
	wantVTT := "WEBVTT\n\n00:00:15.000 --> 00:00:20.000\nsheet_001.jpg#xywh=160,90,160,90\n\n00:00:20.000 --> 00:00:21.500\nsheet_002.jpg#xywh=0,0,160,90\n"
	if b.String() != wantVTT {
		t.Errorf("VTT:\n%s\nwant:\n%s", b.String(), wantVTT)
	}
	// An exact multiple of the interval ends with a whole cue, and long
	// sources get hours in their stamps.
	cues, _ = (Layout{}).Cues(3605, 90, sheet)
	if last := cues[len(cues)-1]; len(cues) != 721 || last.Start != 3600 || last.End != 3605 {
		t.Errorf("%d cues, last %+v", len(cues), last)
	}
	if got := vttTime(3723.0456); got != "01:02:03.046" {
		t.Errorf("vttTime: %s", got)
	}
	for name, c := range map[string][]Cue{
		"empty cue":   {{Start: 5, End: 5, URI: "a.jpg", W: 1, H: 1}},
		"line break":  {{Start: 0, End: 5, URI: "a\n.jpg", W: 1, H: 1}},
		"no URI":      {{Start: 0, End: 5, W: 1, H: 1}},
		"arrow in it": {{Start: 0, End: 5, URI: "a-->b.jpg", W: 1, H: 1}},
	} {
		if err := WriteVTT(&strings.Builder{}, c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := l.Cues(0, 90, sheet); err == nil {
		t.Error("zero duration: no error")
	}
}

// TestFilterFFmpeg runs Filter on 12 s of an anamorphic source (320x240
// pixels shown 4:3 wider, so 16:9) and checks the sheet ffmpeg draws: 2 × 2
// tiles of 160 × TileHeight(16:9), three tiles taken.
func TestFilterFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	out := filepath.Join(t.TempDir(), "sheet_%03d.jpg")
	l := Layout{Interval: 5, Columns: 2, Rows: 2}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=12,setsar=4/3",
		"-vf", l.Filter(), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	b, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", strings.Replace(out, "%03d", "001", 1)).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d,%d", 2*160, 2*l.TileHeight(16, 9))
	if got := strings.TrimSpace(string(b)); got != want {
		t.Errorf("sheet is %s, want %s", got, want)
	}
	if n := l.Sheets(12); n != 1 {
		t.Errorf("Sheets(12) = %d, want 1", n)
	}
}
