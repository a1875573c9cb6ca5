package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veza-media/veza/pkg/ladder"
)

// StateBucket is the JetStream key-value bucket holding each job's State
// under its id.
const StateBucket = "VEZA_JOB_STATE"

// StateTTL is how long a job's state is kept after its last change.
const StateTTL = 30 * 24 * time.Hour

// Status is where a job stands.
type Status string

// A job is queued when submitted (or handed back), running while a worker
// has it, failed when a delivery failed and the job waits to be tried
// again, and ends done or dead.
const (
	StatusQueued  Status = "queued"
	StatusRunning Status = "running"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
	StatusDead    Status = "dead"
)

// Statuses lists every status in the order a job goes through them.
var Statuses = []Status{StatusQueued, StatusRunning, StatusFailed, StatusDone, StatusDead}

// ParseStatus reads a status name.
func ParseStatus(s string) (Status, error) {
	if slices.Contains(Statuses, Status(s)) {
		return Status(s), nil
	}
	return "", fmt.Errorf("job status %q: want one of %v", s, Statuses)
}

// State is one job's state in StateBucket, as JSON.
//
// Every write is conditional on the revision the writer read, so a worker
// that lost its job (its heartbeat missed, the job given to another
// worker) cannot overwrite the state of the run that replaced it: its
// next write fails and it gives the job up without acknowledging it.
type State struct {
	ID     string `json:"id"`
	Track  string `json:"track"`
	Source string `json:"source"`
	Status Status `json:"status"`
	// Seq is the job message's stream sequence: it tells one submission
	// of a job from a later one of the same job.
	Seq uint64 `json:"seq"`
	// Worker runs or ran the job's current delivery, and Delivery counts
	// the deliveries so far.
	Worker   string `json:"worker,omitempty"`
	Delivery int    `json:"delivery,omitempty"`
	// Progress is the share of the encode done, 0 to 1.
	Progress float64 `json:"progress"`
	// Output is, when done, the s3:// URL the track was published to, or
	// its folder.
	Output string `json:"output,omitempty"`
	// Error is the last delivery's error, when failed or dead.
	Error     string    `json:"error,omitempty"`
	Created   time.Time `json:"created"`
	Started   time.Time `json:"started,omitzero"`
	Completed time.Time `json:"completed,omitzero"`
	Updated   time.Time `json:"updated"`
	// Revision is the bucket's revision of this state when it was read.
	Revision uint64 `json:"-"`
}

// errSuperseded is a state write refused because another delivery of the
// job (or a newer submission) changed the state since this one read it.
var errSuperseded = errors.New("job taken over by another delivery")

func (q *Queue) ensureBucket(ctx context.Context) error {
	kv, err := q.js.KeyValue(ctx, StateBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = q.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: StateBucket, History: 1,
			TTL: StateTTL, Storage: jetstream.FileStorage,
			Description: "veza job states, one key per job id"})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = q.js.KeyValue(ctx, StateBucket)
		}
	}
	if err != nil {
		return fmt.Errorf("bucket %s: %w", StateBucket, err)
	}
	q.kv = kv
	return nil
}

// trackOf is the track id a job's output gets: a slug of the source's
// file name (a URL's path without its query).
func trackOf(j Job) string {
	if j.TrackID != "" {
		return j.TrackID
	}
	if u, err := url.Parse(j.Source); err == nil && u.Host != "" {
		return ladder.Slug(u.Path)
	}
	return ladder.Slug(j.Source)
}

// SourceName is the job's source as states and logs may show it: a URL
// without its query or user info.
func (j Job) SourceName() string {
	if strings.Contains(j.Source, "://") {
		return redactURL(j.Source)
	}
	return j.Source
}

// State returns one job's state; the error wraps jetstream.ErrKeyNotFound
// when the bucket has none.
func (q *Queue) State(ctx context.Context, id string) (State, error) {
	e, err := q.kv.Get(ctx, id)
	if err != nil {
		return State{}, fmt.Errorf("job %s: %w", id, err)
	}
	return decodeState(e)
}

func decodeState(e jetstream.KeyValueEntry) (State, error) {
	var s State
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return State{}, fmt.Errorf("job %s: state: %w", e.Key(), err)
	}
	s.Revision = e.Revision()
	return s, nil
}

// States returns every job's state, oldest submission first, read in one
// pass over the bucket.
func (q *Queue) States(ctx context.Context) ([]State, error) {
	w, err := q.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	var out []State
	for {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case e := <-w.Updates():
			if e == nil { // the initial values are all delivered
				slices.SortStableFunc(out, func(a, b State) int { return cmpState(a, b) })
				return out, nil
			}
			s, err := decodeState(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
}

func cmpState(a, b State) int {
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	if a.Seq != b.Seq {
		if a.Seq < b.Seq {
			return -1
		}
		return 1
	}
	return 0
}

// put writes s over the revision rev (0: the key must not exist) and
// returns the new revision, or errSuperseded when the key moved on.
func (q *Queue) put(ctx context.Context, s State, rev uint64) (uint64, error) {
	s.Updated = time.Now().UTC()
	data, err := json.Marshal(s)
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		n, err := q.kv.Create(ctx, s.ID, data)
		if errors.Is(err, jetstream.ErrKeyExists) {
			return 0, errSuperseded
		}
		return n, err
	}
	n, err := q.kv.Update(ctx, s.ID, data, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, errSuperseded
	}
	return n, err
}

// markQueued records a job just published as message seq. A worker may
// have taken it already, or a later submission replaced it: the state is
// left alone when it is of this submission or a later one.
func (q *Queue) markQueued(ctx context.Context, j Job, seq uint64) error {
	s := State{ID: j.ID, Track: trackOf(j), Source: j.SourceName(), Status: StatusQueued, Seq: seq, Created: j.Submitted}
	// A new job has no state yet: one round trip.
	if _, err := q.put(ctx, s, 0); !errors.Is(err, errSuperseded) {
		return err
	}
	for range 10 {
		cur, err := q.State(ctx, j.ID)
		var rev uint64
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return err
		case cur.Seq >= seq:
			return nil
		default:
			rev = cur.Revision
		}
		if _, err = q.put(ctx, s, rev); !errors.Is(err, errSuperseded) {
			return err
		}
	}
	return fmt.Errorf("job %s: state kept changing", j.ID)
}

// run is one delivery's hold on its job's state.
type run struct {
	q     *Queue
	state State
}

// claim records that worker runs delivery n of the job in message seq. It
// returns errSuperseded when a later delivery already claimed the job;
// done is true when this submission is already done (a previous
// delivery's ack was lost), so the job needs no work.
func (q *Queue) claim(ctx context.Context, j Job, seq uint64, n int, worker string) (r *run, done bool, err error) {
	for range 10 {
		cur, err := q.State(ctx, j.ID)
		var rev uint64
		s := State{ID: j.ID, Track: trackOf(j), Source: j.SourceName(), Seq: seq, Created: j.Submitted}
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return nil, false, err
		case cur.Seq == seq && cur.Delivery > n:
			return nil, false, errSuperseded
		case cur.Seq == seq && cur.Status == StatusDone:
			return &run{q: q, state: cur}, true, nil
		default:
			rev = cur.Revision
			if !cur.Created.IsZero() {
				s.Created = cur.Created
			}
		}
		s.Status, s.Worker, s.Delivery, s.Started = StatusRunning, worker, n, time.Now().UTC()
		rev, err = q.put(ctx, s, rev)
		if errors.Is(err, errSuperseded) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		s.Revision = rev
		return &run{q: q, state: s}, false, nil
	}
	return nil, false, fmt.Errorf("job %s: state kept changing", j.ID)
}

// set changes the run's state with change and writes it over the revision
// the run last wrote; errSuperseded says another delivery took over.
func (r *run) set(ctx context.Context, change func(*State)) error {
	s := r.state
	change(&s)
	rev, err := r.q.put(ctx, s, r.state.Revision)
	if err != nil {
		return err
	}
	s.Revision = rev
	r.state = s
	return nil
}
