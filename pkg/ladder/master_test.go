package ladder

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/verify"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/ladder -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestWriteMasterGolden(t *testing.T) {
	cases := map[string][]Variant{
		"master-video.m3u8": {
			{Name: "1080p", URI: "1080p/index.m3u8", Bandwidth: 5612345, AverageBandwidth: 5301234, Codecs: "avc1.640028,mp4a.40.2", Width: 1920, Height: 1080, FrameRate: 30000.0 / 1001, Independent: true},
			{Name: "360p", URI: "360p/index.m3u8", Bandwidth: 912000, AverageBandwidth: 880001, Codecs: "avc1.4d401e,mp4a.40.2", Width: 640, Height: 360, FrameRate: 30000.0 / 1001, Independent: true},
		},
		"master-audio.m3u8": {
			{Name: "hi_res", URI: "hi_res/index.m3u8", Bandwidth: 331000, AverageBandwidth: 322000, Codecs: "mp4a.40.2", Independent: true},
			{Name: "low", URI: "low/index.m3u8", Bandwidth: 70000, AverageBandwidth: 66000, Codecs: "mp4a.40.2", Independent: true},
		},
		"master-not-independent.m3u8": {
			{Name: "720p", URI: "720p/index.m3u8", Bandwidth: 3000000, AverageBandwidth: 2900000, Codecs: "avc1.64001f", Width: 1280, Height: 720, FrameRate: 25, Independent: false},
		},
	}
	for name, vs := range cases {
		path := filepath.Join(t.TempDir(), "master.m3u8")
		if err := writeMaster(path, vs, nil); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, got)
		// What veza writes, veza reads back the same.
		m, err := hls.ParseMaster(got)
		if err != nil || len(m.Variants) != len(vs) {
			t.Fatalf("%s: reread %v", name, err)
		}
	}
}

// The audio ladder from a FLAC source passes verify too.
func TestAudioLadderVerifies(t *testing.T) {
	out := t.TempDir()
	db := openCatalog(t, out)
	res, err := Run(context.Background(), Config{Input: media(t, "audio.flac"), OutDir: out, Catalog: db})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.HLS(context.Background(), res.Master, verify.Options{RequireIFrames: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() {
		for _, p := range rep.Playlists {
			for _, f := range p.Findings {
				t.Errorf("%s %s %s: %s", f.Rule, f.Playlist, f.Segment, f.Message)
			}
		}
	}
}

// TestIFramePlaylists: every video rendition gets an I-frame playlist listed
// in the master, verify's P9 passes, and a ladder written before veza made
// them gets them on the next run without re-encoding.
func TestIFramePlaylists(t *testing.T) {
	out := t.TempDir()
	db := openCatalog(t, out)
	cfg := Config{Input: media(t, "av.mp4"), OutDir: out, Ladder: small, SegmentTime: 1, Catalog: db, Encoding: Encoding{Preset: "ultrafast"}}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := hls.ReadMaster(res.Master)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.IFrameVariants) != len(m.Variants) || len(m.Variants) != 2 {
		t.Fatalf("%d I-frame playlists for %d video variants", len(m.IFrameVariants), len(m.Variants))
	}
	for _, v := range res.Variants {
		if v.IFrames == nil || v.IFrames.Entries < 3 || v.IFrames.Bandwidth <= 0 {
			t.Errorf("%s: I-frames %+v", v.Name, v.IFrames)
		}
	}
	if must := verifyMust(t, res.Master); len(must) > 0 {
		t.Fatalf("verify: %v", must)
	}

	// An older master without them: the rerun adds them, encoding nothing.
	m.IFrameVariants = nil
	if err := hls.WriteMaster(res.Master, m); err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Variants {
		os.Remove(filepath.Join(out, res.TrackID, v.Name, layout.IFrames))
	}
	again, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Encoded) != 0 || len(again.Reused) != 2 {
		t.Fatalf("rerun encoded %v, reused %v", again.Encoded, again.Reused)
	}
	if m, err = hls.ReadMaster(res.Master); err != nil || len(m.IFrameVariants) != 2 {
		t.Fatalf("rerun master: %v, %d I-frame playlists", err, len(m.IFrameVariants))
	}
	// And once they are there, the ladder is up to date.
	if third, err := Run(context.Background(), cfg); err != nil || !third.UpToDate {
		t.Fatalf("third run: %+v %v", third, err)
	}
}
