package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func stateOf(t *testing.T, q *Queue, id string) State {
	t.Helper()
	s, err := q.State(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitStatus waits until the job's state has status st and returns it.
func waitStatus(t *testing.T, q *Queue, id string, st Status) State {
	t.Helper()
	var s State
	waitFor(t, fmt.Sprintf("job %s %s", id, st), func() bool {
		var err error
		s, err = q.State(context.Background(), id)
		return err == nil && s.Status == st
	})
	return s
}

// TestStateTransitions: a job's state goes queued → running → done with
// its output, a bad input's queued → dead with its error, and States lists
// them in submission order.
func TestStateTransitions(t *testing.T) {
	url := startServer(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	good := tones(t, dir, 1)[0]
	bad := filepath.Join(dir, "notes.wav")
	os.WriteFile(bad, []byte("not audio"), 0o644)
	q := openQueue(t, url)
	jobs := jobsFor([]string{good, bad}, out)
	if _, err := q.Submit(context.Background(), jobs, 0); err != nil {
		t.Fatal(err)
	}
	for i, j := range jobs {
		s := stateOf(t, q, j.ID)
		if s.Status != StatusQueued || s.Seq != uint64(i+1) || s.Source != j.Source || s.Track != trimExt(filepath.Base(j.Source)) ||
			!s.Created.Equal(j.Submitted) || s.Worker != "" || !s.Started.IsZero() {
			t.Errorf("job %d after submit: %+v", i, s)
		}
	}
	var l log
	startWorker(t, url, "w1", &l, nil)
	done := waitStatus(t, q, jobs[0].ID, StatusDone)
	if done.Worker != "w1" || done.Delivery != 1 || done.Progress != 1 || done.Output != filepath.Join(out, done.Track) ||
		done.Error != "" || done.Started.Before(done.Created) || done.Completed.Before(done.Started) {
		t.Errorf("done: %+v", done)
	}
	dead := waitStatus(t, q, jobs[1].ID, StatusDead)
	if dead.Delivery != 1 || !strings.Contains(dead.Error, "notes.wav") || dead.Output != "" || dead.Completed.IsZero() {
		t.Errorf("dead: %+v", dead)
	}
	all, err := q.States(context.Background())
	if err != nil || len(all) != 2 || all[0].ID != jobs[0].ID || all[1].ID != jobs[1].ID {
		t.Fatalf("States: %+v, %v", all, err)
	}
	// Submitting again within the duplicate window leaves the states.
	if _, err := q.Submit(context.Background(), jobsFor([]string{good, bad}, out), 0); err != nil {
		t.Fatal(err)
	}
	if s := stateOf(t, q, jobs[0].ID); s.Status != StatusDone || s.Revision != done.Revision {
		t.Errorf("after a duplicate submit: %+v", s)
	}
}

// TestStateRetryAndHandBack: a failed delivery leaves the job failed with
// its error until retried; a stopping worker hands its job back queued.
func TestStateRetryAndHandBack(t *testing.T) {
	url := startServer(t)
	q := openQueue(t, url)
	var l log
	fail := make(chan struct{})
	stop := startWorker(t, url, "w", &l, func(w *Worker) {
		w.Backoff = func(int) time.Duration { return time.Hour }
		w.Run = func(ctx context.Context, j Job, _ func(float64)) (string, error) {
			select {
			case <-fail:
				return "", errors.New("bucket unreachable")
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
	})
	jobs := jobsFor([]string{"/m/a.wav", "/m/b.wav"}, "/m/out")
	if _, err := q.Submit(context.Background(), jobs[:1], 0); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, q, jobs[0].ID, StatusRunning)
	close(fail)
	failed := waitStatus(t, q, jobs[0].ID, StatusFailed)
	if failed.Error != "bucket unreachable" || failed.Worker != "w" || failed.Delivery != 1 || !failed.Completed.IsZero() {
		t.Errorf("failed: %+v", failed)
	}

	fail = make(chan struct{}) // the next job blocks until the worker stops
	if _, err := q.Submit(context.Background(), jobs[1:], 0); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, q, jobs[1].ID, StatusRunning)
	stop()
	if s := stateOf(t, q, jobs[1].ID); s.Status != StatusQueued || s.Worker != "" || s.Delivery != 1 {
		t.Errorf("handed back: %+v", s)
	}
}

// TestStaleDeliveryCannotFinish: a worker whose heartbeats stop loses its
// job to another worker after the ack wait; when the first one's run ends
// at last, its success is refused (superseded) and only the second
// worker's run marks the job done.
func TestStaleDeliveryCannotFinish(t *testing.T) {
	url := startServer(t)
	q := openQueue(t, url)
	var l log
	releaseA, releaseB := make(chan struct{}), make(chan struct{})
	startWorker(t, url, "a", &l, func(w *Worker) {
		w.AckWait = time.Second
		w.Run = func(ctx context.Context, j Job, progress func(float64)) (string, error) {
			// Heartbeats for three ack waits keep the job here...
			for i := range 15 {
				progress(float64(i) / 100)
				time.Sleep(200 * time.Millisecond)
			}
			// ...then the encode hangs.
			<-releaseA
			return "/from/a", nil
		}
	})
	j := jobsFor([]string{"/m/a.wav"}, "/m/out")[0]
	if _, err := q.Submit(context.Background(), []Job{j}, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if s := stateOf(t, q, j.ID); s.Status != StatusRunning || s.Worker != "a" || s.Delivery != 1 || s.Progress == 0 {
		t.Fatalf("while a heartbeats: %+v", s)
	}
	startWorker(t, url, "b", &l, func(w *Worker) {
		w.AckWait = time.Second
		w.Run = func(ctx context.Context, j Job, progress func(float64)) (string, error) {
			<-releaseB
			return "/from/b", nil
		}
	})
	waitFor(t, "b running the job", func() bool {
		s, err := q.State(context.Background(), j.ID)
		return err == nil && s.Worker == "b"
	})
	close(releaseA)
	waitFor(t, "a superseded", func() bool { return l.count(EventSuperseded)[j.ID] == 1 })
	if s := stateOf(t, q, j.ID); s.Status != StatusRunning || s.Worker != "b" || s.Delivery != 2 {
		t.Errorf("after a's late end: %+v", s)
	}
	close(releaseB)
	waitFor(t, "b done", func() bool { return l.count(EventDone)[j.ID] == 1 })
	s := stateOf(t, q, j.ID)
	if s.Worker != "b" || s.Output != "/from/b" || s.Delivery != 2 {
		t.Errorf("done: %+v", s)
	}
	if want := "[a:started#1 b:started#2 a:superseded#1 b:done#2]"; l.story() != want {
		t.Errorf("events %v, want %s", l.story(), want)
	}
}

// TestDoneButAckLost: a delivery that recorded its job done but whose ack
// never reached the server is followed by one that acks without running
// the job again.
func TestDoneButAckLost(t *testing.T) {
	url := startServer(t)
	q := openQueue(t, url)
	j := jobsFor([]string{"/m/a.wav"}, "/m/out")[0]
	if _, err := q.Submit(context.Background(), []Job{j}, 0); err != nil {
		t.Fatal(err)
	}
	// A worker that takes the job, records it done and dies before acking.
	ctx := context.Background()
	cons, err := q.js.CreateOrUpdateConsumer(ctx, JobStream, jetstream.ConsumerConfig{Durable: Consumer,
		FilterSubject: LadderSubject, AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Second, MaxDeliver: 5})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	md, _ := msg.Metadata()
	r, done, err := q.claim(ctx, j, md.Sequence.Stream, 1, "gone")
	if err != nil || done {
		t.Fatalf("claim: %v, %v", done, err)
	}
	if err := r.set(ctx, func(s *State) { s.Status, s.Output = StatusDone, "s3://media/a" }); err != nil {
		t.Fatal(err)
	}
	var l log
	ran := false
	startWorker(t, url, "w", &l, func(w *Worker) {
		w.AckWait = time.Second
		w.Run = func(context.Context, Job, func(float64)) (string, error) { ran = true; return "", nil }
	})
	waitFor(t, "the job acked", func() bool { return l.count(EventDone)[j.ID] == 1 })
	waitFor(t, "an empty stream", func() bool { n, _ := q.Pending(ctx); return n == 0 })
	if ran {
		t.Error("the job ran again")
	}
	if s := stateOf(t, q, j.ID); s.Status != StatusDone || s.Worker != "gone" || s.Output != "s3://media/a" {
		t.Errorf("state: %+v", s)
	}
}

// TestMarkQueuedAfterClaim: when a worker claims a job before its submitter
// records it queued, the submitter leaves the running state alone.
func TestMarkQueuedAfterClaim(t *testing.T) {
	url := startServer(t)
	q := openQueue(t, url)
	ctx := context.Background()
	j := jobsFor([]string{"/m/a.wav"}, "/m/out")[0]
	if _, _, err := q.claim(ctx, j, 7, 1, "fast"); err != nil {
		t.Fatal(err)
	}
	if err := q.markQueued(ctx, j, 7); err != nil {
		t.Fatal(err)
	}
	if s := stateOf(t, q, j.ID); s.Status != StatusRunning || s.Worker != "fast" {
		t.Errorf("state: %+v", s)
	}
	// A later submission (after the duplicate window) queues it again.
	if err := q.markQueued(ctx, j, 9); err != nil {
		t.Fatal(err)
	}
	if s := stateOf(t, q, j.ID); s.Status != StatusQueued || s.Seq != 9 {
		t.Errorf("state after a later submission: %+v", s)
	}
	// An older delivery of a message cannot claim over a newer one.
	if _, _, err := q.claim(ctx, j, 9, 2, "b"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.claim(ctx, j, 9, 1, "a"); !errors.Is(err, errSuperseded) {
		t.Errorf("an older delivery claimed over a newer one: %v", err)
	}
}

func TestParseStatus(t *testing.T) {
	for _, s := range Statuses {
		if got, err := ParseStatus(string(s)); err != nil || got != s {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	if _, err := ParseStatus("pending"); err == nil || !strings.Contains(err.Error(), `"pending"`) {
		t.Errorf("pending: %v", err)
	}
}

// TestNakDelay: a failed job is not delivered again before its backoff
// delay has passed.
func TestNakDelay(t *testing.T) {
	url := startServer(t)
	q := openQueue(t, url)
	var l log
	var starts []time.Time
	var mu sync.Mutex
	startWorker(t, url, "w", &l, func(w *Worker) {
		w.Backoff = func(int) time.Duration { return 1500 * time.Millisecond }
		w.Run = func(context.Context, Job, func(float64)) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			starts = append(starts, time.Now())
			if len(starts) == 1 {
				return "", errors.New("bucket unreachable")
			}
			return "/out", nil
		}
	})
	j := jobsFor([]string{"/m/a.wav"}, "/m/out")[0]
	if _, err := q.Submit(context.Background(), []Job{j}, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job done", func() bool { return l.count(EventDone)[j.ID] == 1 })
	mu.Lock()
	defer mu.Unlock()
	if gap := starts[1].Sub(starts[0]); gap < 1500*time.Millisecond || gap > 10*time.Second {
		t.Errorf("second delivery %v after the first, want the 1.5 s delay", gap)
	}
	if s := stateOf(t, q, j.ID); s.Status != StatusDone || s.Delivery != 2 || s.Error != "" {
		t.Errorf("state: %+v", s)
	}
}
