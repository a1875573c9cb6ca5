package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/check"
	"github.com/veza-media/veza/pkg/player"
)

// A ladder built with --publish plays in Chromium with hls.js straight
// from the bucket's URL (path-style), the page on another origin: the
// objects, their Content-Types and the bucket's CORS rule are what a CDN
// origin serves.
func TestPublishedLadderPlaysFromBucket(t *testing.T) {
	chromium, err := check.FindChromium("")
	if err != nil {
		t.Skipf("%v (scripts/deps.sh installs it)", err)
	}
	js, _, err := player.LoadHLSJS(context.Background(), player.Options{Fetch: true})
	if err != nil {
		t.Skipf("hls.js is needed to play in the browser and could not be loaded: %v", err)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	chdir(t, t.TempDir())
	makeMedia(t, "clip.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4",
		"-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest")
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "media")
	srv.OpenToBrowsers(t, "media")

	code, stdout, stderr := verifyRun(t, "ladder", "clip.mp4", "-o", "out", "--segment-time", "2", "--preset", "ultrafast",
		"--publish", "s3://media/vod", "--s3-endpoint", srv.URL, "--s3-path-style")
	if code != 0 {
		t.Fatalf("ladder --publish: exit %d\n%s\n%s", code, stdout, stderr)
	}
	base := srv.URL + "/media/vod/clip"
	resp, err := http.Get(base + "/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
		t.Fatalf("unsigned GET of the master: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := check.Run(ctx, check.Config{Target: "out/clip", BaseURL: base, Seconds: 1.5, PlayerJS: js, Chromium: chromium})
	if err != nil {
		t.Fatal(err)
	}
	played := 0
	for _, r := range rep.Results {
		t.Logf("%-6s %-28s passed=%v played=%.2f %s", r.Kind, r.Name(), r.Passed, r.Played, r.Error)
		if r.Kind == check.KindPlay && r.Passed {
			played++
		}
		if !r.Passed && !r.Skipped {
			t.Errorf("%s %s: %s", r.Kind, r.Name(), r.Error)
		}
	}
	if played == 0 {
		t.Error("nothing played from the bucket")
	}
	// The same check against a prefix nothing was published to fails:
	// the browser did read the bucket.
	rep, err = check.Run(ctx, check.Config{Target: "out/clip", BaseURL: srv.URL + "/media/elsewhere/clip", Seconds: 1.5, PlayerJS: js, Chromium: chromium})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() == 0 {
		t.Error("a check against an empty prefix passed")
	}
	// The bucket alone rebuilds the track's catalog: one track (its
	// I-frame playlist and thumbnails are part of it), its rendition.
	code, stdout, stderr = verifyRun(t, "catalog", "import", "s3://media/vod", "--catalog", "rebuilt.db", "--s3-endpoint", srv.URL, "--s3-path-style")
	if code != 0 || !strings.Contains(stdout, "imported 1 track(s), 1 rendition(s), 2 segment(s)") {
		t.Errorf("catalog import from the bucket: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, srv.SecretKey) {
		t.Error("output holds the secret key")
	}
}
