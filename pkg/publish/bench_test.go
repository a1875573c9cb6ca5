package publish

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/internal/s3test"
)

// BenchmarkPublish publishes a ladder-shaped folder (4 renditions of 50
// segments of 256 KiB: 200 segments, 50 MiB) to a fresh prefix of a local
// versitygw per iteration, for several UploadJobs:
// go test ./pkg/publish -run '^$' -bench Publish -benchtime 3x
// On loopback the store and the hashing share the CPU, so the job count
// hardly matters there; it pays off against a remote store's latency.
func BenchmarkPublish(b *testing.B) {
	srv := s3test.Start(b)
	srv.Env(b)
	srv.CreateBucket(b, "media")
	dir := b.TempDir()
	rnd := rand.NewChaCha8([32]byte{1})
	seg := make([]byte, 256<<10)
	var master strings.Builder
	master.WriteString("#EXTM3U\n")
	for r := range 4 {
		rdir := filepath.Join(dir, "film", fmt.Sprintf("r%d", r))
		if err := os.MkdirAll(rdir, 0o755); err != nil {
			b.Fatal(err)
		}
		var pl strings.Builder
		pl.WriteString("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n")
		for i := range 50 {
			rnd.Read(seg)
			name := fmt.Sprintf("seg_%05d.ts", i)
			if err := os.WriteFile(filepath.Join(rdir, name), seg, 0o644); err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(&pl, "#EXTINF:4.0,\n%s\n", name)
		}
		pl.WriteString("#EXT-X-ENDLIST\n")
		if err := os.WriteFile(filepath.Join(rdir, "index.m3u8"), []byte(pl.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&master, "#EXT-X-STREAM-INF:BANDWIDTH=%d\nr%d/index.m3u8\n", 500000*(r+1), r)
	}
	if err := os.WriteFile(filepath.Join(dir, "film", "master.m3u8"), []byte(master.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	run := 0
	for _, jobs := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) {
			b.SetBytes(200 * int64(len(seg)))
			for b.Loop() {
				run++
				res, err := Run(context.Background(), Config{Dir: dir, Target: fmt.Sprintf("s3://media/run%d", run),
					Endpoint: srv.URL, PathStyle: true, UploadJobs: jobs})
				if err != nil || res.Uploaded != 205 {
					b.Fatalf("%+v, %v", res, err)
				}
			}
		})
	}
}

// BenchmarkPublisherLatency is the live path's upload: 100 segments of
// 300 KiB (a 2 s segment at 1.2 Mbit/s) handed to a Publisher one after
// the other, as pkg/live does when each is complete, each followed by its
// playlist. It reports the median and p99 time from Put to the object
// being in the bucket (the upload acknowledged) on a local versitygw:
// go test ./pkg/publish -run '^$' -bench PublisherLatency -benchtime 1x
func BenchmarkPublisherLatency(b *testing.B) {
	srv := s3test.Start(b)
	srv.Env(b)
	srv.CreateBucket(b, "live")
	dir := b.TempDir()
	seg := make([]byte, 300<<10)
	rand.NewChaCha8([32]byte{2}).Read(seg)
	for b.Loop() {
		uploaded := make(chan Event, 256)
		pub, err := NewPublisher(context.Background(), Config{Dir: dir, Target: "s3://live/bench", Endpoint: srv.URL, PathStyle: true,
			OnEvent: func(e Event) {
				if e.Action == Uploaded && e.Kind == KindSegment {
					uploaded <- e
				}
			}})
		if err != nil {
			b.Fatal(err)
		}
		var lat []time.Duration
		var pl strings.Builder
		pl.WriteString("#EXTM3U\n#EXT-X-TARGETDURATION:2\n")
		for i := range 100 {
			name := fmt.Sprintf("seg_%05d.ts", i)
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, seg, 0o644); err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(&pl, "#EXTINF:2.0,\n%s\n", name)
			if err := os.WriteFile(filepath.Join(dir, "index.m3u8"), []byte(pl.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			pub.Put(p)
			pub.Put(filepath.Join(dir, "index.m3u8"))
			select {
			case e := <-uploaded:
				lat = append(lat, e.Time.Sub(t0))
			case <-time.After(10 * time.Second):
				b.Fatalf("segment %d not uploaded within 10 s", i)
			}
			time.Sleep(20 * time.Millisecond) // segments come one at a time
		}
		if err := pub.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "upload-p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "upload-p99-ms")
	}
}
