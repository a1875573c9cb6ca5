package serve

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/veza-media/veza/internal/natstest"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/queue"
)

// natsQueue runs an embedded NATS server and opens its queue.
func natsQueue(t *testing.T) *queue.Queue {
	t.Helper()
	q, err := queue.Open(bg, natstest.Start(t))
	must(t, err)
	t.Cleanup(q.Close)
	return q
}

// TestQueueJobs: with a queue, /api/jobs lists its jobs with the fields of
// a job status and the index page shows them; without one, 503.
func TestQueueJobs(t *testing.T) {
	fx := newFixture(t)
	q := natsQueue(t)
	l := ladder.Ladder{Name: "a", Rungs: []ladder.Rung{{Name: "low", AudioCodec: "aac", AudioBitrate: 64}}}
	o := queue.Options{Format: "ts", SegmentTime: 4, Preset: "veryfast", Strategy: "auto"}
	jobs := []queue.Job{queue.NewJob("/m/film.wav", "/m/out", "", l, o), queue.NewJob("/m/talk.wav", "/m/out", "", l, o)}
	_, err := q.Submit(bg, jobs, 0)
	must(t, err)
	h := newTestHandler(t, Config{Dir: fx.root, Jobs: q.States})

	resp := get(t, h, "/api/jobs")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("/api/jobs: %d", resp.StatusCode)
	}
	got := decode[[]map[string]any](t, body(t, resp))
	if len(got) != 2 || got[0]["id"] != jobs[0].ID || got[0]["track_id"] != "film" || got[0]["status"] != "queued" ||
		got[0]["progress"] != 0.0 || got[0]["started_at"] != nil || got[1]["track_id"] != "talk" {
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
	if !strings.Contains(page, "<h2>Queue</h2>") || strings.Count(page, `class="status-queued"`) != 2 || !strings.Contains(page, jobs[1].ID) {
		t.Errorf("index page without the queue's jobs:\n%s", page)
	}

	down := newTestHandler(t, Config{Dir: fx.root, Jobs: func(context.Context) ([]queue.State, error) {
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
