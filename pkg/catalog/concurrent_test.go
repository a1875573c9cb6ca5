package catalog

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// TestConcurrentProcesses runs several real processes writing one fresh
// catalog at once (overlapping segment keys, private rows, jobs) and checks
// that nothing was lost or duplicated. Goroutines alone would share one
// process's mutex and never meet SQLite's file locking.
func TestConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, helperProcs)
	outs := make([]bytes.Buffer, helperProcs)
	for n := range helperProcs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "VEZA_CATALOG_HELPER="+dir, fmt.Sprintf("VEZA_CATALOG_HELPER_N=%d", n))
		cmd.Stdout, cmd.Stderr = &outs[n], &outs[n]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[n] = cmd.Wait()
		}()
	}
	wg.Wait()
	for n, err := range errs {
		if err != nil {
			t.Fatalf("helper %d: %v\n%s", n, err, outs[n].String())
		}
	}

	db, err := OpenExisting(DefaultPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var check string
	must(t, db.sql.QueryRow("PRAGMA integrity_check").Scan(&check))
	if check != "ok" {
		t.Fatalf("integrity_check: %s", check)
	}
	rows, err := db.sql.Query("PRAGMA foreign_key_check")
	must(t, err)
	if rows.Next() {
		t.Error("foreign_key_check found orphan rows")
	}
	rows.Close()

	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		must(t, db.sql.QueryRow(q, args...).Scan(&n))
		return n
	}
	for _, tc := range []struct {
		what  string
		query string
		want  int
	}{
		{"tracks", "SELECT count(*) FROM tracks", 1 + helperProcs},
		{"renditions", "SELECT count(*) FROM renditions", 1 + helperProcs},
		{"segments", "SELECT count(*) FROM segments", helperUpserts * (1 + helperProcs)},
		{"jobs", "SELECT count(*) FROM jobs", helperProcs * (1 + helperJobs)},
		{"finished jobs", "SELECT count(*) FROM jobs WHERE status = 'done' AND progress = 1", helperProcs},
	} {
		if got := count(tc.query); got != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.what, got, tc.want)
		}
	}

	jobs, err := db.Jobs(ctx, JobFilter{TrackID: helperSharedID})
	must(t, err)
	writers := map[string]bool{}
	for _, j := range jobs {
		writers[j.ID] = true
	}
	shared, err := db.Segments(ctx, helperSharedID, "main")
	must(t, err)
	if len(shared) != helperUpserts {
		t.Fatalf("shared rendition: %d segments, want %d", len(shared), helperUpserts)
	}
	for i, s := range shared {
		want := sharedSegment(i)
		if s.Index != i || s.Path != want.Path || s.Duration != want.Duration || s.Bytes != want.Bytes {
			t.Errorf("shared segment %d = %+v, want %+v", i, s, want)
		}
		if !writers[s.JobID] {
			t.Errorf("shared segment %d: job %q is none of the writers' jobs", i, s.JobID)
		}
	}
	for n := range helperProcs {
		own, err := db.Segments(ctx, fmt.Sprintf("p%d", n), "r")
		must(t, err)
		if len(own) != helperUpserts {
			t.Errorf("p%d: %d segments, want %d", n, len(own), helperUpserts)
			continue
		}
		for i, s := range own {
			if want := ownSegment(n, i); s.Index != i || s.Path != want.Path || s.Bytes != want.Bytes {
				t.Errorf("p%d segment %d = %+v, want %+v", n, i, s, want)
			}
		}
	}
}
