package ladder

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/thumbnail"
)

func TestBuildDrawsThumbnails(t *testing.T) {
	v, _ := Builtin("video")
	p, err := NewPlan(Source{HasVideo: true, HasAudio: true, Width: 1280, Height: 720, FrameRate: 25}, v, 4)
	if err != nil {
		t.Fatal(err)
	}
	p.Thumbnails = &thumbnail.Layout{Interval: 5, Width: 160, Columns: 5, Rows: 5}
	c := p.Build(p.Renditions, "out", Encoding{})
	want := "[0:v:0]format=yuv420p,split=4[s0][s1][s2][s3];" +
		"[s0]scale=1280:720:flags=bicubic,setsar=1[v0];[s1]scale=854:480:flags=bicubic,setsar=1[v1];[s2]scale=640:360:flags=bicubic,setsar=1[v2];" +
		"[s3]fps=1/5,scale=160:trunc(ow/dar/2)*2,setsar=1,tile=5x5[thumbs]"
	if c.FilterComplex != want || c.Thumbnails != "[thumbs]" {
		t.Errorf("graph\n got %s (%q)\nwant %s", c.FilterComplex, c.Thumbnails, want)
	}
	// Only the process encoding the lowest rung draws them, with a split of
	// its own when it encodes no other rung.
	if c := p.Build(p.Renditions[:2], "out", Encoding{}); c.Thumbnails != "" || strings.Contains(c.FilterComplex, "tile") {
		t.Errorf("a process without the lowest rung draws thumbnails: %s", c.FilterComplex)
	}
	c = p.Build(p.Renditions[2:], "out", Encoding{})
	if want := "[0:v:0]format=yuv420p,split=2[s0][s1];[s0]scale=640:360:flags=bicubic,setsar=1[v0];[s1]fps=1/5,"; !strings.HasPrefix(c.FilterComplex, want) || c.Thumbnails == "" {
		t.Errorf("lowest rung alone: %s", c.FilterComplex)
	}
	p.Thumbnails = nil
	if c := p.Build(p.Renditions, "out", Encoding{}); c.Thumbnails != "" || strings.Contains(c.FilterComplex, "split=4") {
		t.Errorf("no thumbnails asked for: %s", c.FilterComplex)
	}
}

var cueRE = regexp.MustCompile(`^(\d\d):(\d\d):(\d\d\.\d\d\d) --> (\d\d):(\d\d):(\d\d\.\d\d\d)\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)$`)

// checkVTT reads a thumbnail VTT and its sheets: the cues run from 0 to
// duration without gaps and each tile lies inside its sheet.
func checkVTT(t *testing.T, path string, duration float64) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(strings.TrimSpace(string(data)), "\n\n")
	if blocks[0] != "WEBVTT" {
		t.Fatalf("%s does not start with WEBVTT", path)
	}
	secs := func(h, m, s string) float64 {
		hh, _ := strconv.Atoi(h)
		mm, _ := strconv.Atoi(m)
		ss, _ := strconv.ParseFloat(s, 64)
		return float64(hh*3600+mm*60) + ss
	}
	end := 0.0
	for _, b := range blocks[1:] {
		m := cueRE.FindStringSubmatch(b)
		if m == nil {
			t.Fatalf("cue %q", b)
		}
		if start := secs(m[1], m[2], m[3]); start != end {
			t.Errorf("cue starts at %g, the previous ended at %g", start, end)
		}
		end = secs(m[4], m[5], m[6])
		f, err := os.Open(filepath.Join(filepath.Dir(path), m[7]))
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := image.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		n := make([]int, 4)
		for i := range n {
			n[i], _ = strconv.Atoi(m[8+i])
		}
		if n[2] != 160 || n[3] <= 0 || n[0]+n[2] > c.Width || n[1]+n[3] > c.Height {
			t.Errorf("tile %v outside its %dx%d sheet", n, c.Width, c.Height)
		}
	}
	if d := end - duration; d < -0.002 || d > 0.002 {
		t.Errorf("the cues end at %g, the track at %g", end, duration)
	}
	return len(blocks) - 1
}

func TestThumbnails(t *testing.T) {
	out := t.TempDir()
	db := openCatalog(t, out)
	cfg := Config{Input: media(t, "av.mp4"), OutDir: out, Ladder: small, SegmentTime: 1, Catalog: db,
		Encoding: Encoding{Preset: "ultrafast"}, Thumbnails: &thumbnail.Layout{Interval: 1, Columns: 2, Rows: 2}}
	ctx := context.Background()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	vtt := filepath.Join(res.Dir, layout.Thumbnails)
	if res.Thumbnails != vtt {
		t.Fatalf("result names %q as the thumbnails", res.Thumbnails)
	}
	dur := res.Variants[len(res.Variants)-1].Duration
	if n := checkVTT(t, vtt, dur); n != 4 {
		t.Errorf("%d cues for %g s, one a second", n, dur)
	}
	// One decode: the encode drew them, no pass of their own.
	jobs, err := db.Jobs(ctx, catalog.JobFilter{TrackID: res.TrackID})
	if err != nil || len(jobs) != 1 || !strings.Contains(strings.Join(jobs[0].Args, " "), "tile=2x2[thumbs]") {
		t.Fatalf("jobs %+v %v: want one ffmpeg drawing the sheets", jobs, err)
	}
	rows, err := db.Thumbnails(ctx, res.TrackID)
	if err != nil || len(rows) != 2 || rows[0].Kind != catalog.ThumbnailVTT || rows[1].Path != res.TrackID+"/"+layout.ThumbnailName(1) ||
		rows[1].Width != 320 || rows[1].TileHeight != 120 {
		t.Fatalf("catalog rows %+v %v", rows, err)
	}
	if must := verifyMust(t, res.Master); len(must) > 0 {
		t.Fatalf("verify: %v", must)
	}

	// A ladder made without thumbnails gets them, encoding nothing, ...
	for _, p := range []string{vtt, filepath.Join(res.Dir, layout.ThumbnailName(1))} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	again, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Encoded) != 0 || len(again.Reused) != 2 || again.Thumbnails != vtt {
		t.Fatalf("rerun encoded %v, reused %v, thumbnails %q", again.Encoded, again.Reused, again.Thumbnails)
	}
	checkVTT(t, vtt, dur)
	// ... and then it is up to date, until the interval changes.
	if third, err := Run(ctx, cfg); err != nil || !third.UpToDate || third.Thumbnails != vtt {
		t.Fatalf("third run: %+v %v", third, err)
	}
	cfg.Thumbnails.Interval = 3
	if fourth, err := Run(ctx, cfg); err != nil || fourth.UpToDate || len(fourth.Encoded) != 0 {
		t.Fatalf("new interval: %+v %v", fourth, err)
	}
	if n := checkVTT(t, vtt, dur); n != 2 {
		t.Errorf("%d cues every 3 s for %g s", n, dur)
	}

	// Rebuilt without them, the old ones go.
	cfg.Thumbnails, cfg.Force = nil, true
	if _, err := Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(res.Dir, "thumbnails*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if rows, _ := db.Thumbnails(ctx, res.TrackID); len(rows) != 0 {
		t.Errorf("catalog still lists %+v", rows)
	}
}
