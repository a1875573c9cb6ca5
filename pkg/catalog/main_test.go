package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestMain doubles as the helper process of TestConcurrentProcesses: with
// VEZA_CATALOG_HELPER set, the test binary is one of several writers of a
// shared catalog instead of a test run.
func TestMain(m *testing.M) {
	if dir := os.Getenv("VEZA_CATALOG_HELPER"); dir != "" {
		n, _ := strconv.Atoi(os.Getenv("VEZA_CATALOG_HELPER_N"))
		if err := helperWriter(dir, n); err != nil {
			fmt.Fprintf(os.Stderr, "helper %d: %v\n", n, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	removeBenchFixture()
	os.Exit(code)
}

// Parameters of the concurrent-writers test, shared by the helper and the
// checks.
const (
	helperProcs    = 4
	helperUpserts  = 500 // overlapping upserts per process, and as many of its own
	helperJobs     = 10  // extra jobs per process
	helperSharedID = "shared"
)

// sharedSegment is what every process writes for index i of the shared
// rendition: the same facts whoever wins, so the result is exact.
func sharedSegment(i int) Segment {
	return Segment{TrackID: helperSharedID, Rendition: "main", Index: i,
		Path: fmt.Sprintf("shared/main/seg_%03d.ts", i), Duration: float64(i%7) + 0.125, Bytes: int64(i * 10)}
}

func ownSegment(n, i int) Segment {
	return Segment{TrackID: fmt.Sprintf("p%d", n), Rendition: "r", Index: i,
		Path: fmt.Sprintf("p%d/r/seg_%03d.ts", n, i), Duration: 2, Bytes: int64(n*1_000_000 + i)}
}

// helperWriter is one writer process: it waits for the others, opens the
// catalog (all at once, so the first migration races too) and writes
// overlapping and private rows, one transaction each.
func helperWriter(dir string, n int) error {
	ready := filepath.Join(dir, fmt.Sprintf("ready.%d", n))
	if err := os.WriteFile(ready, nil, 0o644); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		m, _ := filepath.Glob(filepath.Join(dir, "ready.*"))
		if len(m) == helperProcs {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d helpers started", len(m), helperProcs)
		}
		time.Sleep(2 * time.Millisecond)
	}

	db, err := Open(DefaultPath(dir))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.UpsertTrack(ctx, Track{ID: helperSharedID, SourcePath: "shared.mp4"}); err != nil {
		return err
	}
	if err := db.UpsertRendition(ctx, Rendition{TrackID: helperSharedID, Name: "main", Kind: KindVideo}); err != nil {
		return err
	}
	own := fmt.Sprintf("p%d", n)
	if err := db.UpsertTrack(ctx, Track{ID: own}); err != nil {
		return err
	}
	if err := db.UpsertRendition(ctx, Rendition{TrackID: own, Name: "r", Kind: KindAudio}); err != nil {
		return err
	}
	job, err := db.CreateJob(ctx, Job{TrackID: helperSharedID, Rendition: "main", Kind: "segment", Args: []string{own}})
	if err != nil {
		return err
	}
	if err := db.StartJob(ctx, job.ID); err != nil {
		return err
	}
	for i := range helperUpserts {
		// Each process walks the shared indexes from a different start,
		// so the same key is written by different processes at different
		// moments, not in lockstep.
		s := sharedSegment((i + n*helperUpserts/helperProcs) % helperUpserts)
		s.JobID = job.ID
		if err := db.UpsertSegment(ctx, s); err != nil {
			return err
		}
		if err := db.UpsertSegment(ctx, ownSegment(n, i)); err != nil {
			return err
		}
		if i%50 == 0 {
			if err := db.SetJobProgress(ctx, job.ID, float64(i)/helperUpserts, float64(i)); err != nil {
				return err
			}
		}
		if i%(helperUpserts/helperJobs) == 0 {
			if _, err := db.CreateJob(ctx, Job{TrackID: own, Kind: "probe"}); err != nil {
				return err
			}
		}
	}
	return db.FinishJob(ctx, job.ID, StatusDone, "")
}
