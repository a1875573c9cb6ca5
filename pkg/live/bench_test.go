package live

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/serve"
)

// BenchmarkLatency measures, over 100 segments of a real-time UDP stream,
// the time from a segment being complete on disk (its file's modification
// time) to:
//   - veza's playlist naming it (the SegmentPublished event);
//   - its catalog row (the row's created_at, and its appearance in
//     GET /api/jobs/{id} of a pkg/serve handler reading the catalog from
//     another connection, as `veza serve` would);
//   - its appearance in the playlist a pkg/serve handler returns, with
//     serve's default 100 ms stat cache and with a 1 ms one.
//
// Segments are 0.6 s (a 0.6 s GOP stream-copied): at 1 s target duration
// RFC 8216 keeps two playlist versions at least 0.5 s apart, so shorter
// segments would measure that spacing, not veza. It takes about 70 s; run it
// with scripts/bench-live.sh.
func BenchmarkLatency(b *testing.B) {
	needFFmpeg(b)
	const segments = 100
	const segTime = 600 * time.Millisecond
	dir := b.TempDir()
	src := filepath.Join(dir, "src.ts")
	secs := fmt.Sprint(float64(segments+4) * segTime.Seconds())
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration="+secs,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+secs, "-c:v", "libx264", "-preset", "ultrafast",
		"-g", "15", "-keyint_min", "15", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-f", "mpegts", src).CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	for range b.N {
		measureLatency(b, dir, src, segTime)
	}
}

func measureLatency(b *testing.B, dir, src string, segTime time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := os.MkdirTemp(dir, "out-")
	if err != nil {
		b.Fatal(err)
	}
	db := openCatalog(b, out)
	reader := openCatalog(b, out) // serve's own connection
	port := freePort(b)

	var mu sync.Mutex
	mtime := map[uint64]time.Time{}
	published := map[uint64]time.Duration{}
	uriSeq := map[string]uint64{}
	jobID := make(chan string, 1)
	cfg := Config{Input: fmt.Sprintf("udp://127.0.0.1:%d", port), OutDir: out, Catalog: db, TrackID: "bench",
		Mode: ModeCopy, SegmentTime: segTime, IdleTimeout: 2 * time.Second, WaitTimeout: time.Minute,
		OnEvent: func(ev Event) {
			switch e := ev.(type) {
			case Waiting:
				if e.Run == 1 {
					select {
					case jobID <- "":
					default:
					}
				}
			case SegmentPublished:
				st, err := os.Stat(e.Path)
				if err != nil {
					return
				}
				mu.Lock()
				mtime[e.Sequence] = st.ModTime()
				published[e.Sequence] = e.Latency
				uriSeq[filepath.Base(e.Path)] = e.Sequence
				mu.Unlock()
			}
		}}
	done := make(chan error, 1)
	go func() { _, err := Run(ctx, cfg); done <- err }()
	<-jobID
	time.Sleep(300 * time.Millisecond)

	// The readers: two serve handlers polled every 2 ms.
	fresh, err := serve.New(serve.Config{Dir: out, Catalog: reader, StatTTL: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer fresh.Close()
	dflt, err := serve.New(serve.Config{Dir: out, Catalog: reader})
	if err != nil {
		b.Fatal(err)
	}
	defer dflt.Close()
	seenFresh, seenDefault, seenAPI := map[string]time.Time{}, map[string]time.Time{}, map[int]time.Time{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var job string
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			now := time.Now()
			for h, seen := range map[*serve.Handler]map[string]time.Time{fresh: seenFresh, dflt: seenDefault} {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/bench/live/index.m3u8", nil))
				for _, l := range strings.Split(rec.Body.String(), "\n") {
					if strings.HasSuffix(l, ".ts") {
						if _, ok := seen[l]; !ok {
							seen[l] = now
						}
					}
				}
			}
			if job == "" {
				if jobs, err := reader.Jobs(ctx, catalog.JobFilter{TrackID: "bench"}); err == nil && len(jobs) > 0 {
					job = jobs[0].ID
				}
				continue
			}
			rec := httptest.NewRecorder()
			fresh.ServeHTTP(rec, httptest.NewRequest("GET", "/api/jobs/"+job, nil))
			var st catalog.JobStatus
			if json.NewDecoder(io.Reader(rec.Body)).Decode(&st) == nil {
				for _, s := range st.Segments {
					if _, ok := seenAPI[s.Index]; !ok {
						seenAPI[s.Index] = now
					}
				}
			}
		}
	})

	if err := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i", src,
		"-c", "copy", "-f", "mpegts", fmt.Sprintf("udp://127.0.0.1:%d?pkt_size=1316", port)).Run(); err != nil {
		b.Fatal(err)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	close(stop)
	wg.Wait()

	segs, err := db.Segments(ctx, "bench", DefaultRendition)
	if err != nil {
		b.Fatal(err)
	}
	var pub, row, api, srvFresh, srvDefault []time.Duration
	mu.Lock()
	defer mu.Unlock()
	for _, s := range segs {
		m, ok := mtime[uint64(s.Index)]
		if !ok {
			continue
		}
		pub = append(pub, published[uint64(s.Index)])
		row = append(row, s.CreatedAt.Sub(m))
		if t, ok := seenAPI[s.Index]; ok {
			api = append(api, t.Sub(m))
		}
	}
	for uri, seq := range uriSeq {
		if t, ok := seenFresh[uri]; ok {
			srvFresh = append(srvFresh, t.Sub(mtime[seq]))
		}
		if t, ok := seenDefault[uri]; ok {
			srvDefault = append(srvDefault, t.Sub(mtime[seq]))
		}
	}
	b.Logf("%d segments of %s; latency from the segment file's mtime, median / p99 / max:", len(pub), segTime)
	for _, m := range []struct {
		name, unit string
		d          []time.Duration
	}{
		{"veza playlist written", "playlist", pub},
		{"catalog row created_at", "catalog", row},
		{"GET /api/jobs/{id} (serve, 2 ms polling)", "api", api},
		{"GET playlist, serve StatTTL 1 ms", "serve-fresh", srvFresh},
		{"GET playlist, serve default StatTTL", "serve", srvDefault},
	} {
		p50, p99, mx := quantile(m.d, 0.5), quantile(m.d, 0.99), quantile(m.d, 1)
		b.Logf("  %-44s n=%3d  %7.1f ms  %7.1f ms  %7.1f ms", m.name, len(m.d), ms(p50), ms(p99), ms(mx))
		if m.unit == "playlist" || m.unit == "catalog" {
			s := slices.Clone(m.d)
			slices.Sort(s)
			b.Logf("    slowest: %v", s[max(0, len(s)-5):])
		}
		b.ReportMetric(ms(p50), m.unit+"-p50-ms")
		b.ReportMetric(ms(p99), m.unit+"-p99-ms")
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
