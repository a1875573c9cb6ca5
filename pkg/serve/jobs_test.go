package serve

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestQueueJobs: with a queue, /api/jobs lists its jobs with the fields of
// a job status and the index page shows them; without one, 503.
func TestQueueJobs(t *testing.T) {
	fx := newFixture(t)
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	started := created.Add(time.Second)
	jobs := []QueueJob{
		{ID: "0f1e", TrackID: "film", Status: "running", Worker: "w1", Deliveries: 1, Progress: 0.5, CreatedAt: created, StartedAt: &started},
		{ID: "2d3c", TrackID: "talk", Status: "queued", CreatedAt: created},
	}
	h := newTestHandler(t, Config{Dir: fx.root, Jobs: func(context.Context) ([]QueueJob, error) { return jobs, nil }})

	resp := get(t, h, "/api/jobs")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("/api/jobs: %d", resp.StatusCode)
	}
	got := decode[[]map[string]any](t, body(t, resp))
	if len(got) != 2 || got[0]["id"] != "0f1e" || got[0]["track_id"] != "film" || got[0]["status"] != "running" ||
		got[0]["progress"] != 0.5 || got[0]["started_at"] != "2026-01-02T03:04:06Z" || got[1]["started_at"] != nil || got[1]["track_id"] != "talk" {
		t.Fatalf("/api/jobs = %v", got)
	}
	var keys []string
	for k := range got[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"completed_at", "created_at", "deliveries", "error", "id", "output", "progress", "started_at", "status", "track_id", "worker"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("job keys %v, want %v", keys, want)
	}
	page := body(t, get(t, h, "/"))
	if !strings.Contains(page, "<h2>Queue</h2>") || !strings.Contains(page, `class="status-running">running`) || !strings.Contains(page, "<td>w1</td>") ||
		!strings.Contains(page, ">50%<") || !strings.Contains(page, "<code>2d3c</code>") {
		t.Errorf("index page without the queue's jobs:\n%s", page)
	}

	down := newTestHandler(t, Config{Dir: fx.root, Jobs: func(context.Context) ([]QueueJob, error) {
		return nil, errors.New("nats: no servers available for connection")
	}})
	if resp := get(t, down, "/api/jobs"); resp.StatusCode != 503 || !strings.Contains(body(t, resp), "no servers available") {
		t.Errorf("/api/jobs with the queue down: %d", resp.StatusCode)
	}
	if page := body(t, get(t, down, "/")); !strings.Contains(page, "The job queue could not be read: nats: no servers available") {
		t.Errorf("index page with the queue down:\n%s", page)
	}
	none := newTestHandler(t, Config{Dir: fx.root})
	if resp := get(t, none, "/api/jobs"); resp.StatusCode != 503 || !strings.Contains(body(t, resp), "no job queue") {
		t.Errorf("/api/jobs without a queue: %d", resp.StatusCode)
	}
	if page := body(t, get(t, none, "/")); strings.Contains(page, "<h2>Queue</h2>") {
		t.Errorf("index page without a queue shows one:\n%s", page)
	}
}
