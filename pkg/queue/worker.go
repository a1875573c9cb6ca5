package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrBadInput marks a job that cannot succeed however often it is tried (a
// missing source, a file that is not media, a ladder the source cannot
// take): the worker terminates it at once instead of retrying.
var ErrBadInput = errors.New("bad input")

// Worker pulls jobs from the queue and runs them.
type Worker struct {
	// Queue is the open queue. Required.
	Queue *Queue
	// Run runs one job and returns where its output is; it calls progress
	// with the share done (0 to 1) whenever the job moves forward
	// (ffmpeg's media time advanced), which keeps the job's delivery alive
	// and is recorded in its state. An error wrapping ErrBadInput
	// terminates the job; any other is retried later. Required.
	Run func(ctx context.Context, j Job, progress func(share float64)) (output string, err error)
	// Name names this worker in dead letters and events.
	Name string
	// Jobs is how many jobs run at once. It defaults to 1.
	Jobs int
	// AckWait is how long a delivered job may go without an ack or a
	// heartbeat before the server gives it to another worker. It defaults
	// to 30 s.
	AckWait time.Duration
	// MaxDeliver is how many times a job is tried before it goes to the
	// dead-letter subject. It defaults to 5.
	MaxDeliver int
	// Backoff is the delay before a failed job is tried again, after its
	// nth delivery (from 1). It defaults to 5 s doubling up to 5 min.
	Backoff func(n int) time.Duration
	// Grace is how long running jobs may go on once ctx ends; a job not
	// done by then is handed back to the queue at once. It defaults to 0.
	Grace time.Duration
	// OnEvent receives what the worker does; calls may overlap when Jobs
	// is above 1. It may be nil.
	OnEvent func(WorkerEvent)
}

// WorkerEvent is one step of one job on a worker.
type WorkerEvent struct {
	// Kind is EventStarted, EventDone, EventRetry, EventHandedBack,
	// EventDead or EventSuperseded.
	Kind string
	// Job is the job (only its ID when the message was not a job).
	Job Job
	// Delivery counts the job's deliveries, this one included.
	Delivery int
	// Err is why a job is retried, handed back or dead.
	Err error
	// Delay is how long a retried job waits.
	Delay time.Duration
	// Output is where a done job's output is.
	Output string
}

// What a WorkerEvent reports.
const (
	EventStarted    = "started"
	EventDone       = "done"
	EventRetry      = "retry"
	EventHandedBack = "handed_back"
	EventDead       = "dead"
	// EventSuperseded is a delivery that lost its job to a later one
	// (its heartbeat was missed): it stops without settling the message.
	EventSuperseded = "superseded"
)

func (w *Worker) withDefaults() {
	if w.Jobs <= 0 {
		w.Jobs = 1
	}
	if w.AckWait <= 0 {
		w.AckWait = 30 * time.Second
	}
	if w.MaxDeliver <= 0 {
		w.MaxDeliver = 5
	}
	if w.Backoff == nil {
		w.Backoff = func(n int) time.Duration { return min(5*time.Second<<min(n-1, 10), 5*time.Minute) }
	}
}

// Work pulls and runs jobs until ctx ends, then lets running jobs finish
// within Grace or hands them back, and returns context.Cause(ctx).
func (w *Worker) Work(ctx context.Context) error {
	w.withDefaults()
	cons, err := w.Queue.js.CreateOrUpdateConsumer(ctx, JobStream, jetstream.ConsumerConfig{
		Durable: Consumer, FilterSubject: LadderSubject, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: w.AckWait, MaxDeliver: w.MaxDeliver, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", Consumer, err)
	}
	// Jobs run on jobCtx, which outlives ctx by Grace.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	stop := context.AfterFunc(ctx, func() {
		if w.Grace <= 0 {
			cancelJobs()
			return
		}
		time.AfterFunc(w.Grace, cancelJobs)
	})
	defer stop()
	var wg sync.WaitGroup
	for range w.Jobs {
		wg.Go(func() {
			for ctx.Err() == nil {
				pull, cancel := context.WithTimeout(ctx, 30*time.Second)
				msg, err := cons.Next(jetstream.FetchContext(pull))
				cancel()
				if err != nil {
					if ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoMessages) {
						time.Sleep(time.Second) // the connection reconnects meanwhile
					}
					continue
				}
				w.handle(ctx, jobCtx, msg)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// handle runs one delivered job and settles it: ack when done, nak when
// handed back or to be retried, term with a dead letter otherwise. Each
// step is first written to the job's state over the revision this
// delivery last wrote; when that fails another delivery owns the job, and
// this one lets the message be (EventSuperseded).
func (w *Worker) handle(ctx, jobCtx context.Context, msg jetstream.Msg) {
	delivery, seq := 1, uint64(0)
	if md, err := msg.Metadata(); err == nil {
		delivery, seq = int(md.NumDelivered), md.Sequence.Stream
	}
	job, err := ParseJob(msg.Data())
	if err != nil {
		w.dead(jobCtx, msg, DeadLetter{ID: msg.Headers().Get("Nats-Msg-Id"), Data: string(msg.Data()), Error: err.Error(), Deliveries: delivery},
			WorkerEvent{Job: Job{ID: msg.Headers().Get("Nats-Msg-Id")}, Delivery: delivery, Err: err})
		return
	}
	ev := WorkerEvent{Job: job, Delivery: delivery}
	// State writes go on after ctx ends: the job's outcome must be told.
	stateCtx := context.WithoutCancel(ctx)
	r, done, err := w.Queue.claim(stateCtx, job, seq, delivery, w.Name)
	switch {
	case errors.Is(err, errSuperseded):
		w.emit(ev, EventSuperseded)
		return
	case err != nil:
		ev.Err = fmt.Errorf("job state: %w", err)
		w.retry(msg, ev)()
		return
	case done:
		// A previous delivery finished and recorded it, but its ack was
		// lost.
		ev.Output = r.state.Output
		ev.Err = msg.DoubleAck(stateCtx)
		w.emit(ev, EventDone)
		return
	}
	w.emit(ev, EventStarted)
	runCtx, cancelRun := context.WithCancelCause(jobCtx)
	defer cancelRun(nil)
	var mu sync.Mutex
	last := time.Now()
	every := min(w.AckWait/4, 2*time.Second)
	progress := func(share float64) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < every || runCtx.Err() != nil {
			return
		}
		last = time.Now()
		_ = msg.InProgress()
		pctx, cancel := context.WithTimeout(stateCtx, every)
		defer cancel()
		err := r.set(pctx, func(s *State) { s.Progress = min(max(share, 0), 1) })
		if errors.Is(err, errSuperseded) {
			cancelRun(errSuperseded)
		}
	}
	output, err := w.Run(runCtx, job, progress)
	mu.Lock() // no progress write may overlap the last ones
	defer mu.Unlock()
	if errors.Is(context.Cause(runCtx), errSuperseded) {
		w.emit(ev, EventSuperseded)
		return
	}
	ev.Err = err
	now := time.Now().UTC()
	// The outcome is written to the job's state first (stateErr), then
	// the message settled.
	var stateErr error
	var settle func()
	switch {
	case err == nil:
		ev.Output = output
		stateErr = r.set(stateCtx, func(s *State) {
			s.Status, s.Progress, s.Output, s.Error, s.Completed = StatusDone, 1, output, "", now
		})
		settle = func() {
			if aerr := msg.DoubleAck(stateCtx); aerr != nil {
				// The server did not take the ack: the job will be
				// delivered again, find its state done and be acked.
				ev.Err = aerr
			}
			w.emit(ev, EventDone)
		}
		if stateErr != nil {
			// Done but not recorded: tried again, the rerun finds its
			// output current and records it.
			ev.Err = fmt.Errorf("job state: %w", stateErr)
			settle = w.retry(msg, ev)
		}
	case jobCtx.Err() != nil && ctx.Err() != nil:
		stateErr = r.set(stateCtx, func(s *State) { s.Status, s.Worker, s.Progress = StatusQueued, "", 0 })
		settle = func() {
			_ = msg.Nak()
			w.emit(ev, EventHandedBack)
		}
	case errors.Is(err, ErrBadInput) || delivery >= w.MaxDeliver:
		text := err.Error()
		stateErr = r.set(stateCtx, func(s *State) { s.Status, s.Error, s.Completed = StatusDead, text, now })
		settle = func() { w.dead(jobCtx, msg, DeadLetter{Job: &job, Error: text, Deliveries: delivery}, ev) }
	default:
		text := err.Error()
		stateErr = r.set(stateCtx, func(s *State) { s.Status, s.Error = StatusFailed, text })
		settle = w.retry(msg, ev)
	}
	// A state the server did not take otherwise does not stop the message
	// from being settled: the job's fate matters more than its record.
	if errors.Is(stateErr, errSuperseded) {
		w.emit(ev, EventSuperseded)
		return
	}
	settle()
}

// retry returns the step that naks a job with the backoff's delay.
func (w *Worker) retry(msg jetstream.Msg, ev WorkerEvent) func() {
	return func() {
		ev.Delay = w.Backoff(ev.Delivery)
		_ = msg.NakWithDelay(ev.Delay)
		w.emit(ev, EventRetry)
	}
}

// dead terminates a job and publishes its dead letter.
func (w *Worker) dead(ctx context.Context, msg jetstream.Msg, dl DeadLetter, ev WorkerEvent) {
	dl.Worker, dl.Time = w.Name, time.Now().UTC()
	data, _ := json.Marshal(dl)
	// Published even while the worker stops: the job is gone once termed.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := w.Queue.js.Publish(pctx, DeadSubject, data); err != nil {
		ev.Err = fmt.Errorf("%v (dead letter not published: %v)", ev.Err, err)
	}
	_ = msg.TermWithReason(dl.Error)
	w.emit(ev, EventDead)
}

func (w *Worker) emit(ev WorkerEvent, kind string) {
	if w.OnEvent != nil {
		ev.Kind = kind
		w.OnEvent(ev)
	}
}
