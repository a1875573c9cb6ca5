package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// errCodeStoreFailed is the JetStream error a publish gets when the stream
// is at its message limit with DiscardNew; nats.go names no constant for it.
const errCodeStoreFailed jetstream.ErrorCode = 10077

// CapacityError is Submit's refusal when the stream already holds its
// maximum of pending jobs.
type CapacityError struct {
	// Pending is how many jobs the stream holds.
	Pending int
}

func (e *CapacityError) Error() string {
	return fmt.Sprintf("capacity reached: %d jobs pending", e.Pending)
}

// SubmitResult counts what Submit did.
type SubmitResult struct {
	// Queued jobs are new on the stream; Duplicate ones were already
	// submitted within the duplicate window and were dropped.
	Queued, Duplicate int
}

// Submit checks the jobs and puts each on the stream, its id as
// Nats-Msg-Id. maxPending, when positive, becomes the stream's maximum of
// pending jobs (0 leaves it as it is, DefaultMaxPending on a new stream);
// when the stream is full Submit stops with a *CapacityError and the counts
// so far.
func (q *Queue) Submit(ctx context.Context, jobs []Job, maxPending int) (SubmitResult, error) {
	var res SubmitResult
	for _, j := range jobs {
		if err := j.Validate(); err != nil {
			return res, err
		}
	}
	if err := q.setMaxPending(ctx, maxPending); err != nil {
		return res, err
	}
	for _, j := range jobs {
		data, err := json.Marshal(j)
		if err != nil {
			return res, err
		}
		ack, err := q.js.Publish(ctx, LadderSubject, data, jetstream.WithMsgID(j.ID))
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStoreFailed {
			pending, perr := q.Pending(ctx)
			if perr != nil {
				return res, err
			}
			return res, &CapacityError{Pending: pending}
		}
		if err != nil {
			return res, fmt.Errorf("submit %s: %w", j.Source, err)
		}
		if ack.Duplicate {
			res.Duplicate++
			continue
		}
		res.Queued++
		if err := q.markQueued(ctx, j, ack.Sequence); err != nil {
			return res, fmt.Errorf("submit %s: queued, but its state was not recorded: %w", j.Source, err)
		}
	}
	return res, nil
}

// setMaxPending makes the stream's message limit max, refusing new jobs
// (DiscardNew) past it, so the server keeps the limit for every submitter.
func (q *Queue) setMaxPending(ctx context.Context, max int) error {
	if max <= 0 {
		return nil
	}
	s, err := q.js.Stream(ctx, JobStream)
	if err != nil {
		return err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	if int(info.State.Msgs) >= max {
		return &CapacityError{Pending: int(info.State.Msgs)}
	}
	if info.Config.MaxMsgs == int64(max) {
		return nil
	}
	cfg := info.Config
	cfg.MaxMsgs = int64(max)
	_, err = q.js.UpdateStream(ctx, cfg)
	return err
}
