package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/queue"
	"github.com/veza-media/veza/pkg/serve"
)

// JobsOptions is what `veza jobs` was asked to do.
type JobsOptions struct {
	IO    *IOStreams
	Queue string
	// States, when not empty, keeps only the jobs in these states.
	States []queue.Status
}

// NewCmdJobs builds `veza jobs`; runF replaces the run step in tests.
func NewCmdJobs(f *Factory, runF func(context.Context, *JobsOptions) error) *cobra.Command {
	opts := &JobsOptions{IO: f.IO}
	var states []string
	cmd := &cobra.Command{
		Use:   "jobs --queue nats://HOST:4222",
		Short: "List the queue's jobs and where each stands",
		Long: "List every job `veza submit` put on the queue, oldest first, from the queue's state\n" +
			"bucket: queued, running on a worker (with its progress), failed (waiting to be tried\n" +
			"again, with the error), done (with the output URL) or dead (with the error). The last\n" +
			"line counts the jobs in each state.",
		Example: "  veza jobs --queue nats://127.0.0.1:4222\n" +
			"  veza jobs --queue nats://127.0.0.1:4222 --state failed,dead --json",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Queue == "" {
				return usageErrorf("jobs: --queue nats://HOST:PORT is required")
			}
			opts.States = nil
			for _, s := range states {
				st, err := queue.ParseStatus(strings.TrimSpace(s))
				if err != nil {
					return usageErrorf("--state: %v", err)
				}
				opts.States = append(opts.States, st)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runJobs(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Queue, "queue", "", "NATS server with JetStream, nats://HOST:PORT")
	cmd.Flags().StringSliceVar(&states, "state", nil, "only jobs in these states (queued, running, failed, done, dead)")
	return cmd
}

func runJobs(ctx context.Context, opts *JobsOptions) error {
	q, err := queue.Open(ctx, opts.Queue)
	if err != nil {
		return err
	}
	defer q.Close()
	all, err := q.States(ctx)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	jobs := []queue.State{}
	for _, s := range all {
		if len(opts.States) == 0 || slices.Contains(opts.States, s.Status) {
			jobs = append(jobs, s)
		}
	}
	if opts.IO.JSON {
		return writeJSON(opts.IO.Out, jobs)
	}
	if len(jobs) == 0 {
		opts.IO.Logf("no jobs")
		return nil
	}
	writeQueueJobs(opts.IO.Out, jobs)
	return nil
}

// writeQueueJobs prints one row per job and a line counting the states.
func writeQueueJobs(w io.Writer, jobs []queue.State) {
	tw := newCatalogTable(w)
	fmt.Fprintln(tw, "JOB\tTRACK\tSTATUS\tWORKER\tTRIES\tPROGRESS\tCREATED\tTOOK\tOUTPUT OR ERROR")
	count := map[queue.Status]int{}
	for _, j := range jobs {
		count[j.Status]++
		took := "-"
		if !j.Started.IsZero() && !j.Completed.IsZero() {
			took = catalogDuration(j.Completed.Sub(j.Started).Seconds())
		}
		detail := j.Output
		if j.Status == queue.StatusFailed || j.Status == queue.StatusDead {
			detail = firstLine(j.Error)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%.0f%%\t%s\t%s\t%s\n", j.ID, j.Track, j.Status, catalogOr(j.Worker, "-"),
			j.Delivery, j.Progress*100, catalogTime(j.Created), took, catalogOr(detail, "-"))
	}
	tw.Flush()
	var parts []string
	for _, s := range queue.Statuses {
		if count[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[s], s))
		}
	}
	fmt.Fprintf(w, "%d jobs: %s\n", len(jobs), strings.Join(parts, ", "))
}

// openServeQueue connects `veza serve --queue` to the queue; without a URL
// it returns nil (no queue shown).
func openServeQueue(ctx context.Context, url string) (jobs func(context.Context) ([]serve.QueueJob, error), closeQueue func(), err error) {
	if url == "" {
		return nil, func() {}, nil
	}
	q, err := queue.Open(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("serve: %w", err)
	}
	return func(ctx context.Context) ([]serve.QueueJob, error) {
		states, err := q.States(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]serve.QueueJob, 0, len(states))
		for _, s := range states {
			out = append(out, serveJob(s))
		}
		return out, nil
	}, q.Close, nil
}

// serveJob is a job's state as `veza serve` shows it.
func serveJob(s queue.State) serve.QueueJob {
	j := serve.QueueJob{ID: s.ID, TrackID: s.Track, Status: string(s.Status), Worker: s.Worker, Deliveries: s.Delivery,
		Progress: s.Progress, Output: s.Output, CreatedAt: s.Created, Error: s.Error}
	if !s.Started.IsZero() {
		j.StartedAt = &s.Started
	}
	if !s.Completed.IsZero() {
		j.CompletedAt = &s.Completed
	}
	return j
}
