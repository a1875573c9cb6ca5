package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names on the NATS server.
const (
	// JobStream is the work-queue stream holding the jobs; a job leaves it
	// when a worker acknowledges or terminates it.
	JobStream = "VEZA_JOBS"
	// LadderSubject is the subject ladder jobs are published on.
	LadderSubject = "veza.jobs.ladder"
	// DeadStream keeps the dead letters.
	DeadStream = "VEZA_DEAD"
	// DeadSubject is where a job that will not be retried is reported,
	// with its last error (DeadLetter).
	DeadSubject = "veza.dead.ladder"
	// Consumer is the durable consumer every worker pulls from.
	Consumer = "veza-ladder"
)

// Defaults of the stream and the consumer.
const (
	// DefaultMaxPending is how many jobs the stream holds before Submit
	// refuses more.
	DefaultMaxPending = 10000
	// DedupWindow is how long JetStream remembers a job id: the same job
	// submitted again within it is dropped.
	DedupWindow = 24 * time.Hour
)

// Queue is a connection to the job queue of one NATS server.
type Queue struct {
	nc *nats.Conn
	js jetstream.JetStream
	kv jetstream.KeyValue
}

// Open connects to the NATS server at url (nats://host:4222) and creates
// the job and dead-letter streams and the state bucket if they are
// missing.
func Open(ctx context.Context, url string) (*Queue, error) {
	nc, err := nats.Connect(url, nats.Name("veza"), nats.Timeout(5*time.Second), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("queue %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue %s: %w", url, err)
	}
	q := &Queue{nc: nc, js: js}
	if err := q.ensureStreams(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue %s: %w", url, err)
	}
	if err := q.ensureBucket(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue %s: %w", url, err)
	}
	return q, nil
}

// Close drops the connection.
func (q *Queue) Close() { q.nc.Close() }

func (q *Queue) ensureStreams(ctx context.Context) error {
	_, err := q.js.Stream(ctx, JobStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = q.js.CreateStream(ctx, jetstream.StreamConfig{
			Name: JobStream, Subjects: []string{LadderSubject}, Retention: jetstream.WorkQueuePolicy,
			MaxMsgs: DefaultMaxPending, Discard: jetstream.DiscardNew, Duplicates: DedupWindow,
			Storage: jetstream.FileStorage,
		})
	}
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("stream %s: %w", JobStream, err)
	}
	_, err = q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: DeadStream, Subjects: []string{DeadSubject}, Retention: jetstream.LimitsPolicy,
		MaxAge: 30 * 24 * time.Hour, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", DeadStream, err)
	}
	return nil
}

// Pending returns how many jobs wait in the stream or run unacknowledged.
func (q *Queue) Pending(ctx context.Context) (int, error) {
	s, err := q.js.Stream(ctx, JobStream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return int(info.State.Msgs), nil
}

// DeadLetter reports a job that will not run again.
type DeadLetter struct {
	// Job is the job as it was read; ID and Data are set when the message
	// was not a job at all.
	Job  *Job   `json:"job,omitempty"`
	ID   string `json:"id,omitempty"`
	Data string `json:"data,omitempty"`
	// Error is the last error and Deliveries how often the job was tried.
	Error      string    `json:"error"`
	Deliveries int       `json:"deliveries"`
	Worker     string    `json:"worker,omitempty"`
	Time       time.Time `json:"time"`
}
