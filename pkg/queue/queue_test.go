package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veza-media/veza/internal/natstest"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/ladder"
)

// startServer runs an embedded NATS server and returns its URL.
func startServer(t testing.TB) string { return natstest.Start(t) }

func openQueue(t *testing.T, url string) *Queue {
	t.Helper()
	q, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q
}

// smallLadder is one cheap audio rung.
var smallLadder = ladder.Ladder{Name: "small", Rungs: []ladder.Rung{{Name: "low", AudioCodec: "aac", AudioBitrate: 48}}}

var smallOptions = Options{Format: "ts", SegmentTime: 1, Preset: "veryfast", Strategy: "auto"}

// tones writes n one-second sine waves into dir and returns their paths.
func tones(t *testing.T, dir string, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("tone%d.wav", i))
		cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
			"-i", fmt.Sprintf("sine=frequency=%d:duration=1", 300+100*i), "-ac", "1", "-ar", "22050", p)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, b)
		}
		out = append(out, p)
	}
	return out
}

func jobsFor(sources []string, out string) []Job {
	var jobs []Job
	for _, s := range sources {
		jobs = append(jobs, NewJob(s, out, "", smallLadder, smallOptions))
	}
	return jobs
}

// log collects worker events from several workers.
type log struct {
	mu     sync.Mutex
	events []WorkerEvent
	who    []string
}

func (l *log) on(name string) func(WorkerEvent) {
	return func(ev WorkerEvent) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.events = append(l.events, ev)
		l.who = append(l.who, name)
	}
}

// story lists the events as worker:kind#delivery.
func (l *log) story() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var story []string
	for i, ev := range l.events {
		story = append(story, fmt.Sprintf("%s:%s#%d", l.who[i], ev.Kind, ev.Delivery))
	}
	return fmt.Sprint(story)
}

// count returns how often each job id had an event of kind.
func (l *log) count(kind string) map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := map[string]int{}
	for _, ev := range l.events {
		if ev.Kind == kind {
			n[ev.Job.ID]++
		}
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startWorker runs a worker with the real ladder runner until the test ends
// or stop is called; tune changes its settings first. stop returns what
// Work returned.
func startWorker(t *testing.T, url, name string, l *log, tune func(*Worker)) (stop func() error) {
	t.Helper()
	db, err := catalog.Open(filepath.Join(t.TempDir(), name+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &Runner{Catalog: db}
	w := &Worker{Queue: openQueue(t, url), Run: r.Run, Name: name, AckWait: 5 * time.Second,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }, OnEvent: l.on(name)}
	if tune != nil {
		tune(w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	var werr error
	go func() {
		werr = w.Work(ctx)
		close(finished)
	}()
	stop = func() error {
		cancel()
		<-finished
		return werr
	}
	t.Cleanup(func() { stop() })
	return stop
}

// TestSubmitTwoWorkers: every job submitted is done exactly once by one of
// two workers, and submitting the same jobs again queues nothing.
func TestSubmitTwoWorkers(t *testing.T) {
	url := startServer(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	srcs := tones(t, dir, 4)
	q := openQueue(t, url)
	res, err := q.Submit(context.Background(), jobsFor(srcs, out), 0)
	if err != nil || res.Queued != 4 || res.Duplicate != 0 {
		t.Fatalf("submit: %+v, %v", res, err)
	}
	var l log
	startWorker(t, url, "w1", &l, nil)
	startWorker(t, url, "w2", &l, nil)
	waitFor(t, "4 jobs done", func() bool { return len(l.count(EventDone)) == 4 })
	for id, n := range l.count(EventDone) {
		if n != 1 {
			t.Errorf("job %s done %d times", id, n)
		}
	}
	for _, s := range srcs {
		track := filepath.Join(out, trimExt(filepath.Base(s)))
		if _, err := os.Stat(filepath.Join(track, "master.m3u8")); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	waitFor(t, "an empty stream", func() bool { n, _ := q.Pending(context.Background()); return n == 0 })

	res, err = q.Submit(context.Background(), jobsFor(srcs, out), 0)
	if err != nil || res.Queued != 0 || res.Duplicate != 4 {
		t.Fatalf("second submit: %+v, %v", res, err)
	}
	if n, _ := q.Pending(context.Background()); n != 0 {
		t.Errorf("second submit left %d jobs pending", n)
	}
}

func trimExt(name string) string { return name[:len(name)-len(filepath.Ext(name))] }

// TestWorkerStoppedMidJob: a worker stopped while its job runs hands it
// back, and the other worker does it.
func TestWorkerStoppedMidJob(t *testing.T) {
	url := startServer(t)
	dir := t.TempDir()
	srcs := tones(t, dir, 1)
	var l log
	started := make(chan struct{})
	stopA := startWorker(t, url, "a", &l, func(w *Worker) {
		w.Run = func(ctx context.Context, j Job, progress func(float64)) (string, error) {
			close(started)
			<-ctx.Done() // an encode that takes longer than the test waits
			return "", ctx.Err()
		}
	})
	q := openQueue(t, url)
	if _, err := q.Submit(context.Background(), jobsFor(srcs, filepath.Join(dir, "out")), 0); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := stopA(); !errors.Is(err, context.Canceled) {
		t.Errorf("worker a stopped with %v", err)
	}
	startWorker(t, url, "b", &l, nil)
	waitFor(t, "the job done", func() bool { return len(l.count(EventDone)) == 1 })
	if want := "[a:started#1 a:handed_back#1 b:started#2 b:done#2]"; l.story() != want {
		t.Errorf("events %v, want %s", l.story(), want)
	}
}

// TestWorkerLostMidJob: a worker that vanishes without a word (its
// connection gone, no ack, no heartbeat) loses its job to the other worker
// after the ack wait.
func TestWorkerLostMidJob(t *testing.T) {
	url := startServer(t)
	dir := t.TempDir()
	srcs := tones(t, dir, 1)
	var l log
	started := make(chan struct{})
	release := make(chan struct{})
	qa := openQueue(t, url)
	wa := &Worker{Queue: qa, Name: "a", AckWait: time.Second, OnEvent: l.on("a"),
		Run: func(ctx context.Context, j Job, progress func(float64)) (string, error) {
			close(started)
			<-release
			return "", errors.New("lost")
		}}
	ctxA, cancelA := context.WithCancel(context.Background())
	doneA := make(chan error, 1)
	go func() { doneA <- wa.Work(ctxA) }()
	q := openQueue(t, url)
	if _, err := q.Submit(context.Background(), jobsFor(srcs, filepath.Join(dir, "out")), 0); err != nil {
		t.Fatal(err)
	}
	<-started
	qa.Close() // the machine is gone
	startWorker(t, url, "b", &l, func(w *Worker) { w.AckWait = time.Second })
	waitFor(t, "the job done by b", func() bool { return len(l.count(EventDone)) == 1 })
	close(release)
	cancelA()
	<-doneA
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, ev := range l.events {
		if ev.Kind == EventDone && (l.who[i] != "b" || ev.Delivery != 2) {
			t.Errorf("done by %s on delivery %d", l.who[i], ev.Delivery)
		}
	}
}

// TestCapacity: past --max-pending jobs, Submit refuses with the count.
func TestCapacity(t *testing.T) {
	url := startServer(t)
	q := openQueue(t, url)
	jobs := jobsFor([]string{"/m/a.wav", "/m/b.wav", "/m/c.wav"}, "/m/out")
	res, err := q.Submit(context.Background(), jobs, 2)
	var capErr *CapacityError
	if !errors.As(err, &capErr) || capErr.Pending != 2 || res.Queued != 2 {
		t.Fatalf("submit 3 with max 2: %+v, %v", res, err)
	}
	if err.Error() != "capacity reached: 2 jobs pending" {
		t.Errorf("message %q", err)
	}
	// Already full: refused before publishing anything.
	res, err = q.Submit(context.Background(), jobsFor([]string{"/m/d.wav"}, "/m/out"), 2)
	if !errors.As(err, &capErr) || res.Queued != 0 {
		t.Errorf("submit to a full queue: %+v, %v", res, err)
	}
}

// deadLetters reads the dead-letter stream.
func deadLetters(t *testing.T, q *Queue, want int) []DeadLetter {
	t.Helper()
	ctx := context.Background()
	cons, err := q.js.OrderedConsumer(ctx, DeadStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []DeadLetter
	for len(out) < want {
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("dead letter %d: %v", len(out)+1, err)
		}
		var dl DeadLetter
		if err := json.Unmarshal(msg.Data(), &dl); err != nil {
			t.Fatal(err)
		}
		out = append(out, dl)
	}
	return out
}

// TestBadInputDeadAtOnce: a job whose source is not media is terminated on
// its first delivery and reported with its error.
func TestBadInputDeadAtOnce(t *testing.T) {
	url := startServer(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "notes.wav")
	os.WriteFile(bad, []byte("not audio"), 0o644)
	var l log
	startWorker(t, url, "w", &l, nil)
	q := openQueue(t, url)
	if _, err := q.Submit(context.Background(), jobsFor([]string{bad}, filepath.Join(dir, "out")), 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a dead job", func() bool { return len(l.count(EventDead)) == 1 })
	dl := deadLetters(t, q, 1)[0]
	if dl.Deliveries != 1 || dl.Job == nil || dl.Job.Source != bad || dl.Worker != "w" || dl.Error == "" {
		t.Errorf("dead letter %+v", dl)
	}
	if n := len(l.count(EventRetry)); n != 0 {
		t.Errorf("a bad input was retried %d times", n)
	}
}

// TestRetriedThenDead: a job failing for a passing reason is naked with a
// delay, tried MaxDeliver times, then goes to the dead-letter subject.
func TestRetriedThenDead(t *testing.T) {
	url := startServer(t)
	var l log
	startWorker(t, url, "w", &l, func(w *Worker) {
		w.MaxDeliver = 3
		w.Run = func(context.Context, Job, func(float64)) (string, error) { return "", errors.New("bucket unreachable") }
	})
	q := openQueue(t, url)
	if _, err := q.Submit(context.Background(), jobsFor([]string{"/m/a.wav"}, "/m/out"), 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a dead job", func() bool { return len(l.count(EventDead)) == 1 })
	dl := deadLetters(t, q, 1)[0]
	if dl.Deliveries != 3 || dl.Error != "bucket unreachable" {
		t.Errorf("dead letter %+v", dl)
	}
	for id, n := range l.count(EventRetry) {
		if n != 2 {
			t.Errorf("job %s retried %d times, want 2", id, n)
		}
	}
}
