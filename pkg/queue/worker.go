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
	// Run runs one job; it calls progress whenever the job moves forward
	// (ffmpeg's media time advanced), which keeps the job's delivery alive.
	// An error wrapping ErrBadInput terminates the job; any other is
	// retried later. Required.
	Run func(ctx context.Context, j Job, progress func()) error
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
	// Kind is EventStarted, EventDone, EventRetry, EventHandedBack or
	// EventDead.
	Kind string
	// Job is the job (only its ID when the message was not a job).
	Job Job
	// Delivery counts the job's deliveries, this one included.
	Delivery int
	// Err is why a job is retried, handed back or dead.
	Err error
	// Delay is how long a retried job waits.
	Delay time.Duration
}

// What a WorkerEvent reports.
const (
	EventStarted    = "started"
	EventDone       = "done"
	EventRetry      = "retry"
	EventHandedBack = "handed_back"
	EventDead       = "dead"
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
// handed back or to be retried, term with a dead letter otherwise.
func (w *Worker) handle(ctx, jobCtx context.Context, msg jetstream.Msg) {
	delivery := 1
	if md, err := msg.Metadata(); err == nil {
		delivery = int(md.NumDelivered)
	}
	job, err := ParseJob(msg.Data())
	if err != nil {
		w.dead(jobCtx, msg, DeadLetter{ID: msg.Headers().Get("Nats-Msg-Id"), Data: string(msg.Data()), Error: err.Error(), Deliveries: delivery},
			WorkerEvent{Job: Job{ID: msg.Headers().Get("Nats-Msg-Id")}, Delivery: delivery, Err: err})
		return
	}
	ev := WorkerEvent{Job: job, Delivery: delivery}
	w.emit(ev, EventStarted)
	var mu sync.Mutex
	last := time.Now()
	progress := func() {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) >= w.AckWait/4 {
			last = time.Now()
			_ = msg.InProgress()
		}
	}
	err = w.Run(jobCtx, job, progress)
	ev.Err = err
	switch {
	case err == nil:
		if aerr := msg.DoubleAck(context.WithoutCancel(ctx)); aerr != nil {
			// The server did not take the ack: the job will be delivered
			// again and find its output current.
			ev.Err = aerr
		}
		w.emit(ev, EventDone)
	case jobCtx.Err() != nil && ctx.Err() != nil:
		_ = msg.Nak()
		w.emit(ev, EventHandedBack)
	case errors.Is(err, ErrBadInput) || delivery >= w.MaxDeliver:
		w.dead(jobCtx, msg, DeadLetter{Job: &job, Error: err.Error(), Deliveries: delivery}, ev)
	default:
		ev.Delay = w.Backoff(delivery)
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
