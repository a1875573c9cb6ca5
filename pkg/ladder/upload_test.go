package ladder

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/publish"
)

// With Config.Publish a batch uploads each track once complete, under its
// track id; a rerun of an up-to-date track finds every object unchanged;
// a publish that fails fails its input and keeps the output.
func TestRunAllPublishes(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "media")
	out := t.TempDir()
	var actions []publish.Action
	bc := BatchConfig{
		Inputs:  []string{media(t, "av.mp4")},
		Segment: SegmentCopy,
		Config: Config{OutDir: out, SegmentTime: 2,
			Publish: &publish.Config{Target: "s3://media/vod", Endpoint: srv.URL, PathStyle: true}},
		OnEvent: func(_ string, ev Event) {
			if ev.Object != nil {
				actions = append(actions, ev.Object.Action)
			}
		},
	}
	res, err := RunAll(context.Background(), bc)
	if err != nil || Failed(res) != 0 {
		t.Fatalf("run: %v %+v", err, res)
	}
	if res[0].Published != "s3://media/vod/av" {
		t.Errorf("published %q", res[0].Published)
	}
	var keys []string
	for _, o := range srv.List(t, "media", "") {
		keys = append(keys, o.Key)
	}
	for _, want := range []string{"vod/av/master.m3u8", "vod/av/source/index.m3u8", "vod/av/source/seg_00000.ts"} {
		if !slices.Contains(keys, want) {
			t.Errorf("%s not in the bucket: %q", want, keys)
		}
	}
	if len(actions) != len(keys) || slices.Contains(actions, publish.Skipped) {
		t.Errorf("first run: actions %v for %d objects", actions, len(keys))
	}

	checkPublication(t, out, "av", catalog.Published, len(keys))

	actions = nil
	res, err = RunAll(context.Background(), bc)
	if err != nil || Failed(res) != 0 || !res[0].UpToDate {
		t.Fatalf("rerun: %v %+v", err, res)
	}
	if len(actions) != len(keys) || slices.Contains(actions, publish.Uploaded) {
		t.Errorf("rerun: actions %v, want %d skipped", actions, len(keys))
	}

	bc.Config.Publish = &publish.Config{Target: "s3://nobucket/vod", Endpoint: srv.URL, PathStyle: true}
	res, err = RunAll(context.Background(), bc)
	if err != nil || Failed(res) != 1 {
		t.Fatalf("missing bucket: %v %+v", err, res)
	}
	if msg := res[0].Err.Error(); !strings.Contains(msg, `track "av" not published`) || !strings.Contains(msg, "bucket does not exist") {
		t.Errorf("missing bucket: %s", msg)
	}
	db := openCatalog(t, out)
	pubs, err := db.Publications(context.Background(), "av")
	if err != nil || len(pubs) != 2 || pubs[1].Target != "s3://nobucket/vod" || pubs[1].State != catalog.PublishFailed ||
		!strings.Contains(pubs[1].Error, "bucket does not exist") || strings.Contains(pubs[1].Error, srv.SecretKey) {
		t.Errorf("failed publish: %v %+v", err, pubs)
	}
}

// checkPublication asserts the catalog's record of track's publish to
// s3://media/vod: its state and how many objects.
func checkPublication(t *testing.T, out, track string, state catalog.PublishState, objects int) {
	t.Helper()
	db := openCatalog(t, out)
	pubs, err := db.Publications(context.Background(), track)
	if err != nil {
		t.Fatal(err)
	}
	if len(pubs) != 1 || pubs[0].Target != "s3://media/vod" || pubs[0].State != state || len(pubs[0].Objects) != objects {
		t.Fatalf("publications %+v, want one %s with %d objects", pubs, state, objects)
	}
	for _, o := range pubs[0].Objects {
		if o.Bucket != "media" || !strings.HasPrefix(o.Key, "vod/"+track+"/") || o.Size <= 0 || len(o.ETag) != 32 {
			t.Errorf("object %+v", o)
		}
	}
}
