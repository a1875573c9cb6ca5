package cli

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/queue"
)

// WorkerOptions is what `veza worker` was asked to do.
type WorkerOptions struct {
	IO *IOStreams
	// FFmpeg and FFprobe resolve the binaries (lazily).
	FFmpeg, FFprobe func() (string, error)

	Queue   string
	Catalog string
	Timeout time.Duration
	// S3 is the object-storage flags for the jobs that publish.
	S3 S3Options
	// Worker is the library's worker as the flags fill it; the queue and
	// the runner are added when it runs.
	Worker queue.Worker
}

// NewCmdWorker builds `veza worker`; runF replaces the run step in tests.
func NewCmdWorker(f *Factory, runF func(context.Context, *WorkerOptions) error) *cobra.Command {
	opts := &WorkerOptions{IO: f.IO, FFmpeg: f.FFmpeg, FFprobe: f.FFprobe}
	cmd := &cobra.Command{
		Use:   "worker --queue nats://HOST:4222",
		Short: "Run ladder jobs from the queue `veza submit` fills",
		Long: "Pull ladder jobs from the NATS JetStream queue and build them, --jobs at a time, each\n" +
			"recorded in this worker's own catalog. A job is acknowledged when done; a failed one is\n" +
			"tried again later, up to --max-deliver times, then reported on veza.dead.ladder with its\n" +
			"error (a bad input at once). On SIGINT or SIGTERM the worker stops pulling, lets running\n" +
			"jobs finish within --grace and hands the others back. Each job's state is kept on the\n" +
			"server (see veza jobs). Jobs submitted with --publish are uploaded with the object-storage\n" +
			"settings of veza publish (--s3-endpoint, --s3-path-style and the AWS SDK's environment).",
		Example: "  veza worker --queue nats://127.0.0.1:4222 --jobs 2 --catalog /var/lib/veza/worker.db",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.Queue == "":
				return usageErrorf("worker: --queue nats://HOST:PORT is required")
			case opts.Worker.Jobs < 1:
				return usageErrorf("--jobs must be at least 1")
			case opts.Worker.MaxDeliver < 1:
				return usageErrorf("--max-deliver must be at least 1")
			}
			if err := opts.S3.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runWorker(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	w := &opts.Worker
	host, _ := os.Hostname()
	fl.StringVar(&opts.Queue, "queue", "", "NATS server with JetStream, nats://HOST:PORT")
	fl.IntVarP(&w.Jobs, "jobs", "j", 1, "jobs run at once")
	fl.IntVar(&w.Jobs, "concurrency", 1, "same as --jobs")
	_ = fl.MarkHidden("concurrency")
	fl.StringVar(&opts.Catalog, "catalog", "veza-worker.db", "this worker's own catalog file")
	fl.StringVar(&w.Name, "name", host, "this worker's name in dead letters")
	fl.DurationVar(&w.AckWait, "ack-wait", 30*time.Second, "a job without a heartbeat for this long goes to another worker")
	fl.IntVar(&w.MaxDeliver, "max-deliver", 5, "tries of a job before it is dead")
	fl.DurationVar(&w.Grace, "grace", 0, "on SIGTERM, how long running jobs may finish before they are handed back")
	fl.DurationVar(&opts.Timeout, "timeout", encode.DefaultTimeout, "give up on one ffmpeg process after this long (0: never)")
	addS3Flags(fl, &opts.S3)
	return cmd
}

func runWorker(ctx context.Context, opts *WorkerOptions) error {
	ffmpeg, err := opts.FFmpeg()
	if err != nil {
		return err
	}
	ffprobe, err := opts.FFprobe()
	if err != nil {
		return err
	}
	db, err := catalog.Open(opts.Catalog)
	if err != nil {
		return err
	}
	defer db.Close()
	q, err := queue.Open(ctx, opts.Queue)
	if err != nil {
		return err
	}
	defer q.Close()
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = encode.NoTimeout
	}
	r := &queue.Runner{FFmpeg: ffmpeg, FFprobe: ffprobe, Catalog: db, Timeout: timeout, S3: opts.S3.config("", "")}
	w := opts.Worker
	w.Queue, w.Run = q, r.Run
	w.OnEvent = func(ev queue.WorkerEvent) {
		switch ev.Kind {
		case queue.EventStarted:
			opts.IO.Logf("job %s: started %s (delivery %d)", ev.Job.ID, ev.Job.SourceName(), ev.Delivery)
		case queue.EventDone:
			opts.IO.Logf("job %s: done: %s", ev.Job.ID, ev.Output)
		case queue.EventRetry:
			opts.IO.Warnf("job %s: %v; retried in %s", ev.Job.ID, oneLine(ev.Err), ev.Delay)
		case queue.EventHandedBack:
			opts.IO.Logf("job %s: handed back", ev.Job.ID)
		case queue.EventDead:
			opts.IO.Warnf("job %s: dead after %d deliveries: %v", ev.Job.ID, ev.Delivery, oneLine(ev.Err))
		case queue.EventSuperseded:
			opts.IO.Warnf("job %s: given to another worker (heartbeat missed); this run is dropped", ev.Job.ID)
		}
	}
	return w.Work(ctx)
}
