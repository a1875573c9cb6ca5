package live

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/publish"
)

// TestRecordBackup: with Record and Publish the recording goes to the
// bucket in parts while the stream runs, every RecordBackup, the rest at
// the end; the parts concatenated are the file, and the catalog records
// the recording with its parts.
func TestRecordBackup(t *testing.T) {
	needFFmpeg(t)
	udpTurn(t)
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "live")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out := t.TempDir()
	db := openCatalog(t, out)
	port := freePort(t)
	ev := newEvents(t)
	record := filepath.Join(out, "raw.ts")
	cfg := Config{Input: fmt.Sprintf("udp://127.0.0.1:%d", port), OutDir: out, Catalog: db, TrackID: "cam",
		SegmentTime: time.Second, IdleTimeout: 2 * time.Second, WaitTimeout: 30 * time.Second, Record: record,
		Preset: "ultrafast", OnEvent: ev.add, RecordBackup: 1500 * time.Millisecond,
		Publish: &publish.Config{Target: "s3://live/show", Endpoint: srv.URL, PathStyle: true, RetryDelay: 10 * time.Millisecond}}
	done := start(ctx, cfg)
	waitFor[Waiting](t, ev, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if err := send(ctx, fmt.Sprintf("udp://127.0.0.1:%d?pkt_size=1316", port), 6); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	local, err := os.ReadFile(record)
	if err != nil || len(local) == 0 {
		t.Fatalf("recording: %d bytes, %v", len(local), err)
	}
	objs := srv.List(t, "live", "show/cam/record/")
	var joined []byte
	for i, o := range objs {
		if want := fmt.Sprintf("show/cam/record/raw.ts.part%05d", i); o.Key != want {
			t.Errorf("part %d is %s, want %s", i, o.Key, want)
		}
		out, err := srv.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("live"), Key: aws.String(o.Key)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(out.Body)
		out.Body.Close()
		joined = append(joined, b...)
	}
	// A copy every 1.5 s of a ~8 s job: parts went up while the stream
	// ran, before the source was lost, and the rest at the end.
	early := 0
	ev.mu.Lock()
	for _, e := range ev.all {
		if _, ok := e.(SourceLost); ok {
			break
		}
		if b, ok := e.(BucketEvent); ok && strings.Contains(b.Key, "/record/") {
			early++
		}
	}
	ev.mu.Unlock()
	if len(objs) < 2 || early == 0 {
		t.Errorf("%d parts in the bucket, %d of them before the stream ended", len(objs), early)
	}
	if !bytes.Equal(joined, local) {
		t.Errorf("the parts joined (%d bytes) differ from the recording (%d bytes)", len(joined), len(local))
	}
	recs, err := db.Recordings(ctx, time.Time{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("recordings %+v %v", recs, err)
	}
	rc := recs[0]
	if rc.Path != "raw.ts" || rc.Bytes != int64(len(local)) || rc.EndedAt.IsZero() || len(rc.Parts) != len(objs) {
		t.Errorf("recording %+v; %d parts in the bucket", rc, len(objs))
	}
	var off int64
	for _, p := range rc.Parts {
		if p.Offset != off || p.Bucket != "live" || !strings.HasPrefix(p.Key, "show/cam/record/") {
			t.Errorf("part %+v at offset %d", p, off)
		}
		off += p.Size
	}
}
