package transcode

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
)

// Each output is published once renamed: a file at its path below OutDir,
// an HLS folder with its playlist after its segments. A bucket that does
// not exist fails the item and keeps the output on disk.
func TestRunPublishesOutputs(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "media")
	chdir(t, t.TempDir())
	makeMedia(t, "in/tone.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=1")
	makeMedia(t, "in/sub/voice.wav", "-f", "lavfi", "-i", "sine=frequency=220:duration=3")

	for _, tt := range []struct {
		format Format
		want   []string
	}{
		{FormatFile, []string{"music/sub/voice.m4a", "music/tone.m4a"}},
		{FormatHLS, []string{"music/sub/voice/index.m3u8", "music/sub/voice/seg_00000.ts", "music/tone/index.m3u8", "music/tone/seg_00000.ts"}},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			out := "out-" + string(tt.format)
			var published []string
			var rec *recorder.Recorder
			if tt.format == FormatHLS {
				db, err := catalog.Open(catalog.DefaultPath(out))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				rec = &recorder.Recorder{DB: db, Root: out}
			}
			res, err := Run(context.Background(), Config{Inputs: []string{"in"}, OutDir: out, Preset: "aac-128", Format: tt.format, Jobs: 1,
				Publish: &publish.Config{Target: "s3://media/music", Endpoint: srv.URL, PathStyle: true}, Recorder: rec,
				OnEvent: func(e Event) {
					if p, ok := e.Data.(ObjectPublished); ok {
						published = append(published, p.Key)
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range res.Items {
				if it.Status != "done" || !strings.HasPrefix(it.Published, "s3://media/music/") {
					t.Errorf("%s: status %s, published %q, error %s", it.Input, it.Status, it.Published, it.Error)
				}
			}
			var keys []string
			for _, o := range srv.List(t, "media", "music/") {
				if tt.format == FormatFile || strings.HasSuffix(o.Key, "index.m3u8") || strings.HasSuffix(o.Key, "seg_00000.ts") {
					keys = append(keys, o.Key)
				}
			}
			if strings.Join(keys, " ") != strings.Join(tt.want, " ") {
				t.Errorf("bucket holds %q, want %q", keys, tt.want)
			}
			if tt.format == FormatHLS {
				// Within each output, the playlist came last.
				for _, dir := range []string{"music/tone/", "music/sub/voice/"} {
					var mine []string
					for _, k := range published {
						if strings.HasPrefix(k, dir) {
							mine = append(mine, k)
						}
					}
					if len(mine) < 2 || mine[len(mine)-1] != dir+"index.m3u8" {
						t.Errorf("%s published in the order %q", dir, mine)
					}
				}
				// The catalog records each output's publish.
				pubs, err := rec.DB.Publications(context.Background(), "sub-voice")
				if err != nil || len(pubs) != 1 || pubs[0].State != catalog.Published || pubs[0].Target != "s3://media/music" ||
					len(pubs[0].Objects) < 2 {
					t.Errorf("publications of sub-voice: %+v %v", pubs, err)
				}
			}
		})
	}

	res, err := Run(context.Background(), Config{Inputs: []string{"in/tone.wav"}, OutDir: "out-missing", Preset: "aac-128",
		Publish: &publish.Config{Target: "s3://nobucket/music", Endpoint: srv.URL, PathStyle: true}})
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items[0]
	if it.Status != "error" || !strings.Contains(it.Error, "not published: list s3://nobucket/music: bucket does not exist") {
		t.Errorf("status %s, error %q", it.Status, it.Error)
	}
	if _, err := os.Stat("out-missing/tone.m4a"); err != nil {
		t.Errorf("the output was not kept: %v", err)
	}
}
