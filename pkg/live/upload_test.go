package live

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/publish"
)

// TestUDPPublish: with Config.Publish a sliding-window UDP job keeps its
// window in the bucket. Polled while the stream runs, the playlist in the
// bucket names only objects the bucket has; at the end the bucket holds
// the final playlist and the same segments as the disk (those that left
// the window deleted after the same hold), and the catalog records them.
func TestUDPPublish(t *testing.T) {
	needFFmpeg(t)
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "live")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out := t.TempDir()
	db := openCatalog(t, out)
	port := freePort(t)
	ev := newEvents(t)
	cfg := Config{Input: fmt.Sprintf("udp://127.0.0.1:%d", port), OutDir: out, Catalog: db, TrackID: "cam",
		SegmentTime: time.Second, Window: 6, IdleTimeout: 2 * time.Second, WaitTimeout: 30 * time.Second,
		Preset: "ultrafast", OnEvent: ev.add,
		Publish: &publish.Config{Target: "s3://live/show", Endpoint: srv.URL, PathStyle: true, RetryDelay: 10 * time.Millisecond}}
	done := start(ctx, cfg)
	waitFor[Waiting](t, ev, 10*time.Second)
	time.Sleep(300 * time.Millisecond)

	const key = "show/cam/live/index.m3u8"
	polls, seen := 0, 0
	stop := make(chan struct{})
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		for {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
			n, ok := checkBucketWindow(t, srv, key)
			polls++
			if ok {
				seen = max(seen, n)
			}
		}
	}()
	if err := send(ctx, fmt.Sprintf("udp://127.0.0.1:%d?pkt_size=1316", port), 14); err != nil {
		t.Fatal(err)
	}
	r := <-done
	close(stop)
	<-checked
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	if seen < 6 {
		t.Errorf("%d polls saw at most %d segments in the bucket's playlist", polls, seen)
	}

	local, err := os.ReadFile(r.res.Playlist)
	if err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, srv, key); got != string(local) {
		t.Errorf("playlist in the bucket:\n%s\nwant the final one:\n%s", got, local)
	}
	onDisk, _ := filepath.Glob(filepath.Join(out, "cam", "live", "*.ts"))
	var want, inBucket []string
	for _, p := range onDisk {
		want = append(want, "show/cam/live/"+filepath.Base(p))
	}
	for _, o := range srv.List(t, "live", "show/") {
		if strings.HasSuffix(o.Key, ".ts") {
			inBucket = append(inBucket, o.Key)
		}
	}
	if !slices.Equal(inBucket, want) || len(want) >= r.res.Segments {
		t.Errorf("segments in the bucket %q, on disk %q (%d published)", inBucket, want, r.res.Segments)
	}
	pubs, err := db.Publications(ctx, "cam")
	if err != nil || len(pubs) != 1 || pubs[0].State != catalog.Published || len(pubs[0].Objects) != len(want)+1 {
		t.Errorf("catalog: %v %+v, want %d objects", err, pubs, len(want)+1)
	}
}

// checkBucketWindow reads the playlist at key and fails the test if it
// names an object the bucket does not have; it returns how many segments
// it names, and false while there is no playlist yet.
func checkBucketWindow(t *testing.T, srv *s3test.Server, key string) (int, bool) {
	out, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("live"), Key: aws.String(key)})
	if err != nil {
		return 0, false
	}
	data, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Error(err)
		return 0, false
	}
	pl, err := hls.ParseMedia(data)
	if err != nil {
		t.Errorf("playlist in the bucket: %v\n%s", err, data)
		return 0, false
	}
	have := map[string]bool{}
	for _, o := range srv.List(t, "live", "show/") {
		have[o.Key] = true
	}
	for _, s := range pl.Segments {
		if k := "show/cam/live/" + s.URI; !have[k] {
			t.Errorf("the playlist in the bucket names %s, which the bucket does not have", k)
		}
	}
	return len(pl.Segments), true
}

func getObject(t *testing.T, srv *s3test.Server, key string) string {
	t.Helper()
	out, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("live"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
