package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/internal/natstest"
	"github.com/veza-media/veza/pkg/queue"
)

// runVeza runs veza with args and returns its exit code, stdout and
// stderr.
func runVeza(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code := run(context.Background(), args, ios)
	return code, out.String(), errOut.String()
}

func TestSubmitWorkerFlags(t *testing.T) {
	so, err := captureOptions(NewCmdSubmit, "a.wav", "--queue", "nats://h:4222", "--ladder", "audio", "-o", "out", "--max-pending", "7", "--format", "fmp4")
	if err != nil || so.Queue != "nats://h:4222" || so.MaxPending != 7 || so.Options.Format != "fmp4" || so.Options.Preset != "veryfast" {
		t.Errorf("submit: %+v, %v", so, err)
	}
	if _, err := captureOptions(NewCmdSubmit, "a.wav", "--queue", "nats://h:4222", "-o", "out"); err == nil {
		t.Error("submit without --ladder accepted")
	}
	wo, err := captureOptions(NewCmdWorker, "--queue", "nats://h:4222", "--jobs", "3", "--grace", "1m", "--catalog", "w.db")
	if err != nil || wo.Worker.Jobs != 3 || wo.Worker.Grace != time.Minute || wo.Catalog != "w.db" || wo.Worker.MaxDeliver != 5 {
		t.Errorf("worker: %+v, %v", wo, err)
	}
	if wo, _ := captureOptions(NewCmdWorker, "--queue", "nats://h:4222", "--concurrency", "2"); wo.Worker.Jobs != 2 {
		t.Errorf("--concurrency: %d", wo.Worker.Jobs)
	}
	wo, err = captureOptions(NewCmdWorker, "--queue", "nats://h:4222", "--s3-endpoint", "http://127.0.0.1:9000", "--s3-path-style")
	if err != nil || wo.S3.Endpoint != "http://127.0.0.1:9000" || !wo.S3.PathStyle {
		t.Errorf("worker S3 flags: %+v, %v", wo.S3, err)
	}
	so, err = captureOptions(NewCmdSubmit, "a.wav", "--queue", "nats://h:4222", "--ladder", "audio", "-o", "out", "--publish", "s3://media/vod")
	if err != nil || so.Publish != "s3://media/vod" {
		t.Errorf("submit --publish: %+v, %v", so, err)
	}
	if _, err := captureOptions(NewCmdSubmit, "a.wav", "--queue", "nats://h:4222", "--ladder", "audio", "-o", "out", "--publish", "/srv/out"); err == nil ||
		!strings.Contains(err.Error(), "--publish") {
		t.Errorf("submit --publish to a folder: %v", err)
	}
	jo, err := captureOptions(NewCmdJobs, "--queue", "nats://h:4222", "--state", "failed,dead")
	if err != nil || fmt.Sprint(jo.States) != "[failed dead]" {
		t.Errorf("jobs: %+v, %v", jo, err)
	}
	if _, err := captureOptions(NewCmdJobs, "--queue", "nats://h:4222", "--state", "pending"); err == nil || !strings.Contains(err.Error(), `"pending"`) {
		t.Errorf("jobs --state pending: %v", err)
	}
}

// TestJobsList: veza jobs lists what veza submit queued, as a table with
// a count of each state and as JSON, filtered by state.
func TestJobsList(t *testing.T) {
	url := natstest.Start(t)
	if code, _, errOut := runVeza("submit", "--queue", url, "--ladder", "audio", "-o", "/srv/out", "--publish", "s3://media/vod", "/m/a.wav", "/m/b.wav"); code != 0 {
		t.Fatalf("submit: %d %s", code, errOut)
	}
	code, out, _ := runVeza("jobs", "--queue", url)
	if code != 0 || strings.Count(out, " queued ") != 2 || !strings.Contains(out, "\n2 jobs: 2 queued\n") || !strings.Contains(out, "STATUS") {
		t.Errorf("jobs: %d\n%s", code, out)
	}
	code, out, _ = runVeza("jobs", "--queue", url, "--state", "queued", "--json")
	var states []queue.State
	if err := json.Unmarshal([]byte(out), &states); code != 0 || err != nil || len(states) != 2 || states[0].Track != "a" || states[1].Track != "b" {
		t.Errorf("jobs --json: %d %v\n%s", code, err, out)
	}
	if code, out, _ := runVeza("jobs", "--queue", url, "--state", "done", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("jobs --state done: %d %q", code, out)
	}
	if code, _, errOut := runVeza("jobs", "--queue", url, "--state", "lost"); code != ExitUsage || !strings.Contains(errOut, `"lost"`) {
		t.Errorf("jobs --state lost: %d %q", code, errOut)
	}
	// veza serve --queue shows the same jobs.
	jobs, closeQueue, err := openServeQueue(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer closeQueue()
	shown, err := jobs(context.Background())
	if err != nil || len(shown) != 2 || shown[0].ID != states[0].ID || shown[0].TrackID != "a" || shown[0].Status != "queued" ||
		!shown[0].CreatedAt.Equal(states[0].Created) || shown[0].StartedAt != nil {
		t.Errorf("serve's jobs: %+v, %v", shown, err)
	}
}

// TestSubmitCapacity: veza submit against a real JetStream queues, then
// refuses past --max-pending with exit 1 and one clear line.
func TestSubmitCapacity(t *testing.T) {
	url := natstest.Start(t)
	submit := func(args ...string) (int, string, string) {
		return runVeza(append([]string{"submit", "--queue", url, "--ladder", "audio", "-o", t.TempDir(), "--max-pending", "2"}, args...)...)
	}
	if code, out, _ := submit("/m/a.wav", "/m/b.wav"); code != 0 || !strings.Contains(out, "queued 2 of 2 jobs") {
		t.Errorf("first submit: %d %q", code, out)
	}
	if code, _, errOut := submit("/m/c.wav"); code != ExitFailure || !strings.Contains(errOut, "capacity reached: 2 jobs pending") {
		t.Errorf("submit past capacity: %d %q", code, errOut)
	}
}
