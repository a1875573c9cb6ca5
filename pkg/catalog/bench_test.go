package catalog

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/layout"
)

// The benchmark catalog: 10,000 tracks × 4 renditions × 25 segments =
// 1,000,000 segments, one job per rendition. It is built only under -bench;
// TestBulkCatalog runs the same code on a small catalog in every test run.
const (
	benchTracks     = 10_000
	benchRenditions = 4
	benchSegments   = 25
	// benchBatch is how many segments go in one UpsertSegments call (one
	// transaction): 100 tracks' worth.
	benchBatch = 100 * benchRenditions * benchSegments
)

var benchRenditionNames = []string{"1080p", "720p", "480p", "audio"}

// built describes a catalog made by buildCatalog.
type built struct {
	jobs       []string      // every job id
	tracks     []string      // every track id
	segments   int           // segments written
	segmentDur time.Duration // time spent in UpsertSegments alone
}

// buildCatalog fills db with tracks × renditions × segs segments, the
// tracks, renditions and one finished job per rendition first.
func buildCatalog(db *DB, tracks, renditions, segs, batch int) (*built, error) {
	b := &built{}
	var pending []Segment
	flush := func() error {
		start := time.Now()
		err := db.UpsertSegments(ctx, pending)
		b.segmentDur += time.Since(start)
		b.segments += len(pending)
		pending = pending[:0]
		return err
	}
	for t := range tracks {
		id := fmt.Sprintf("track-%05d", t)
		b.tracks = append(b.tracks, id)
		if err := db.UpsertTrack(ctx, Track{ID: id, SourcePath: id + ".mp4", ContentHash: fmt.Sprintf("sha256:%064x", t)}); err != nil {
			return nil, err
		}
		for r := range renditions {
			name := benchRenditionNames[r%len(benchRenditionNames)]
			if r >= len(benchRenditionNames) {
				name = fmt.Sprintf("%s-%d", name, r)
			}
			rend := Rendition{TrackID: id, Name: name, Kind: KindVideo, Bandwidth: int64(4_000_000 >> r),
				PlaylistPath: id + "/" + name + "/index.m3u8", Status: StatusDone}
			if name == "audio" {
				rend.Kind = KindAudio
			}
			if err := db.UpsertRendition(ctx, rend); err != nil {
				return nil, err
			}
			now := db.Now()
			job, err := db.CreateJob(ctx, Job{TrackID: id, Rendition: name, Kind: "segment", Status: StatusDone,
				StartedAt: now, CompletedAt: now, Progress: 1, CurrentDuration: float64(segs) * 4,
				Args: []string{"-i", id + ".mp4", "-f", "hls"}})
			if err != nil {
				return nil, err
			}
			b.jobs = append(b.jobs, job.ID)
			for i := range segs {
				pending = append(pending, Segment{TrackID: id, Rendition: name, Index: i,
					Path:     fmt.Sprintf("%s/%s/seg_%05d.ts", id, name, i),
					Duration: 4.004, Bytes: 500_000 + int64(i), JobID: job.ID})
				if len(pending) >= batch {
					if err := flush(); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if len(pending) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// TestBulkCatalog covers the benchmark's code on a catalog small enough
// for every test run.
func TestBulkCatalog(t *testing.T) {
	db := openTest(t)
	b, err := buildCatalog(db, 20, benchRenditions, benchSegments, 300)
	must(t, err)
	if b.segments != 20*benchRenditions*benchSegments || len(b.jobs) != 20*benchRenditions {
		t.Fatalf("built %d segments, %d jobs", b.segments, len(b.jobs))
	}
	var n int
	must(t, db.sql.QueryRow("SELECT count(*) FROM segments").Scan(&n))
	if n != b.segments {
		t.Fatalf("%d segment rows, want %d", n, b.segments)
	}
	st, err := db.JobStatus(ctx, b.jobs[7])
	must(t, err)
	if len(st.Segments) != benchSegments || st.Segments[24].Index != 24 || st.Status != StatusDone {
		t.Errorf("job status: %d segments, status %s", len(st.Segments), st.Status)
	}
	d, err := db.Track(ctx, b.tracks[3])
	must(t, err)
	if len(d.Renditions) != benchRenditions || len(d.Jobs) != benchRenditions || d.Status != StatusDone {
		t.Fatalf("track: %d renditions, %d jobs, status %s", len(d.Renditions), len(d.Jobs), d.Status)
	}
	for _, r := range d.Renditions {
		if r.Segments != benchSegments || r.Bytes != benchSegments*500_000+300 {
			t.Errorf("rendition %s: %d segments, %d bytes", r.Name, r.Segments, r.Bytes)
		}
	}
	ts, err := db.Tracks(ctx)
	must(t, err)
	if len(ts) != 20 || ts[0].Segments != benchRenditions*benchSegments {
		t.Errorf("tracks: %d, first has %d segments", len(ts), ts[0].Segments)
	}
}

// TestQueryPlans checks that the per-request queries use indexes: without
// them "one job with its segments" scans a million rows.
func TestQueryPlans(t *testing.T) {
	db := openTest(t)
	for _, tc := range []struct {
		name, query string
		args        []any
	}{
		{"job's segments", `SELECT idx, path, duration, created_at FROM segments
			WHERE job_id = ? AND removed_at IS NULL ORDER BY track_id, rendition, idx`, []any{"j"}},
		{"rendition's segments", `SELECT idx FROM segments WHERE track_id = ? AND rendition = ? ORDER BY idx`, []any{"t", "r"}},
		{"track's jobs", `SELECT ` + jobColumns + ` FROM jobs WHERE track_id = ? ORDER BY created_at DESC, id DESC`, []any{"t"}},
		{"track's renditions", `SELECT r.name, count(s.idx) FROM renditions r
			LEFT JOIN segments s ON s.track_id = r.track_id AND s.rendition = r.name AND s.removed_at IS NULL
			WHERE r.track_id = ? GROUP BY r.track_id, r.name`, []any{"t"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.sql.Query("EXPLAIN QUERY PLAN "+tc.query, tc.args...)
			must(t, err)
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				must(t, rows.Scan(&id, &parent, &unused, &detail))
				plan = append(plan, detail)
			}
			for _, step := range plan {
				// "SCAN x" without an index walks the whole table.
				if strings.HasPrefix(step, "SCAN ") && !containsAny(step, "USING INDEX", "USING PRIMARY KEY", "USING COVERING INDEX") {
					t.Errorf("full scan: %q in plan %q", step, plan)
				}
			}
		})
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// BenchmarkInsert1M builds the million-segment catalog from nothing and
// reports how many segments per second UpsertSegments records.
func BenchmarkInsert1M(b *testing.B) {
	var rowsPerSec float64
	for b.Loop() {
		dir := b.TempDir()
		db, err := Open(DefaultPath(dir))
		if err != nil {
			b.Fatal(err)
		}
		bt, err := buildCatalog(db, benchTracks, benchRenditions, benchSegments, benchBatch)
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		rowsPerSec = float64(bt.segments) / bt.segmentDur.Seconds()
	}
	b.ReportMetric(rowsPerSec, "rows/s")
}

// The query benchmarks share one million-segment catalog, built once.
var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureDB   *DB
	fixture     *built
	fixtureErr  error
)

func benchFixture(b *testing.B) (*DB, *built) {
	b.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "veza-catalog-bench-")
		if fixtureErr != nil {
			return
		}
		fixtureDB, fixtureErr = Open(filepath.Join(fixtureDir, layout.CatalogName))
		if fixtureErr != nil {
			return
		}
		fixture, fixtureErr = buildCatalog(fixtureDB, benchTracks, benchRenditions, benchSegments, benchBatch)
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixtureDB, fixture
}

// removeBenchFixture is called by TestMain once every benchmark ran.
func removeBenchFixture() {
	if fixtureDB != nil {
		fixtureDB.Close()
	}
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
}

// latencies runs op on random picks from ids until the benchmark is done and
// reports the median and 99th percentile latency.
func latencies(b *testing.B, ids []string, op func(id string) error) {
	rng := rand.New(rand.NewPCG(1, 2))
	var lat []time.Duration
	for b.Loop() {
		id := ids[rng.IntN(len(ids))]
		start := time.Now()
		if err := op(id); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkJobStatus1M is "one job with its segments" (GET /api/jobs/{id})
// in the million-segment catalog.
func BenchmarkJobStatus1M(b *testing.B) {
	db, fx := benchFixture(b)
	latencies(b, fx.jobs, func(id string) error {
		st, err := db.JobStatus(ctx, id)
		if err == nil && len(st.Segments) != benchSegments {
			err = fmt.Errorf("job %s: %d segments", id, len(st.Segments))
		}
		return err
	})
}

// BenchmarkTrack1M is "one track with its renditions" (and jobs).
func BenchmarkTrack1M(b *testing.B) {
	db, fx := benchFixture(b)
	latencies(b, fx.tracks, func(id string) error {
		d, err := db.Track(ctx, id)
		if err == nil && len(d.Renditions) != benchRenditions {
			err = fmt.Errorf("track %s: %d renditions", id, len(d.Renditions))
		}
		return err
	})
}

// BenchmarkSegments1M is the segments of one rendition.
func BenchmarkSegments1M(b *testing.B) {
	db, fx := benchFixture(b)
	latencies(b, fx.tracks, func(id string) error {
		segs, err := db.Segments(ctx, id, "720p")
		if err == nil && len(segs) != benchSegments {
			err = fmt.Errorf("track %s: %d segments", id, len(segs))
		}
		return err
	})
}

// BenchmarkTracks1M lists all 10,000 tracks with their totals
// (`veza catalog ls`), which reads every segment.
func BenchmarkTracks1M(b *testing.B) {
	db, _ := benchFixture(b)
	for b.Loop() {
		ts, err := db.Tracks(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(ts) != benchTracks {
			b.Fatalf("%d tracks", len(ts))
		}
	}
}
