package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/queue"
)

// SubmitOptions is what `veza submit` was asked to do.
type SubmitOptions struct {
	IO      *IOStreams
	Inputs  []string
	Queue   string
	OutDir  string
	Ladder  string
	TrackID string
	// Publish is --publish: the s3://bucket/prefix workers publish each
	// track to; empty leaves the output on shared storage only.
	Publish    string
	MaxPending int
	Options    queue.Options
}

// NewCmdSubmit builds `veza submit`; runF replaces the run step in tests.
func NewCmdSubmit(f *Factory, runF func(context.Context, *SubmitOptions) error) *cobra.Command {
	opts := &SubmitOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "submit INPUT... --queue nats://HOST:4222 --ladder LADDER -o OUTDIR",
		Short: "Queue one ladder job per input for `veza worker`",
		Long: "Put one job per input on the NATS JetStream work queue: the source (a path on storage\n" +
			"every worker mounts, made absolute here, or an http(s):// URL every worker can fetch), the\n" +
			"full ladder definition and the output folder. A job's id hashes them (and a URL's ETag or\n" +
			"Last-Modified date, asked here), so submitting the same inputs again queues nothing new\n" +
			"within 24 hours. Past --max-pending jobs waiting, submit refuses the rest and exits 1.",
		Example: "  veza submit /srv/media/in/*.wav --queue nats://127.0.0.1:4222 --ladder audio -o /srv/media/out\n" +
			"  veza submit /srv/media/in/*.mkv --queue nats://nats:4222 --ladder hd -o /srv/media/out --publish s3://media/vod",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			switch {
			case len(args) == 0:
				return usageErrorf("submit: no input given")
			case opts.Queue == "":
				return usageErrorf("submit: --queue nats://HOST:PORT is required")
			case opts.OutDir == "":
				return usageErrorf("submit: -o OUTDIR is required")
			case opts.Ladder == "":
				return usageErrorf("submit: --ladder is required: a job carries its ladder")
			case opts.TrackID != "" && len(args) > 1:
				return usageErrorf("--track names one track: give one input")
			case opts.MaxPending < 1:
				return usageErrorf("--max-pending must be at least 1")
			}
			if opts.Publish != "" {
				if _, err := publish.ParseLocation(opts.Publish); err != nil {
					return usageErrorf("--publish: %v", err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSubmit(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	o := &opts.Options
	fl.StringVar(&opts.Queue, "queue", "", "NATS server with JetStream, nats://HOST:PORT")
	fl.StringVarP(&opts.OutDir, "output", "o", "", "output root on shared storage; each track goes to OUTDIR/<track>")
	fl.StringVar(&opts.Ladder, "ladder", "", "built-in ladder name or a YAML file, sent resolved")
	fl.StringVar(&opts.TrackID, "track", "", "track id (default: a slug of the file name)")
	fl.StringVar(&opts.Publish, "publish", "", "workers publish each track to s3://bucket/prefix once complete")
	fl.IntVar(&opts.MaxPending, "max-pending", queue.DefaultMaxPending, "most jobs the queue holds; submit refuses past it")
	fl.StringVar(&o.Format, "format", "ts", "segment container: ts or fmp4")
	fl.Float64Var(&o.SegmentTime, "segment-time", 4, "target segment duration in seconds")
	fl.StringVar(&o.Strategy, "strategy", "auto", "auto, single or parallel")
	fl.StringVar(&o.Preset, "preset", "veryfast", "x264/x265 speed preset")
	fl.BoolVar(&o.Strict, "strict", false, strictUsage)
	return cmd
}

func runSubmit(ctx context.Context, opts *SubmitOptions) error {
	def, err := ladder.Resolve(opts.Ladder)
	if err != nil {
		return &UsageError{Err: err}
	}
	out, err := filepath.Abs(opts.OutDir)
	if err != nil {
		return err
	}
	var jobs []queue.Job
	for _, in := range opts.Inputs {
		src := in
		if !strings.Contains(in, "://") {
			if src, err = filepath.Abs(in); err != nil {
				return err
			}
		}
		j := queue.NewPublishJob(src, out, opts.TrackID, opts.Publish, def, opts.Options)
		// A web source's version is part of the job: a changed object is
		// new work.
		version, err := queue.SourceVersion(ctx, nil, src)
		if err != nil {
			return err
		}
		j = j.WithSourceVersion(version)
		if err := j.Validate(); err != nil {
			return &UsageError{Err: err}
		}
		jobs = append(jobs, j)
	}
	q, err := queue.Open(ctx, opts.Queue)
	if err != nil {
		return err
	}
	defer q.Close()
	res, err := q.Submit(ctx, jobs, opts.MaxPending)
	if opts.IO.JSON {
		if jerr := writeJSON(opts.IO.Out, map[string]int{"queued": res.Queued, "duplicate": res.Duplicate}); jerr != nil {
			return jerr
		}
	} else {
		fmt.Fprintf(opts.IO.Out, "queued %d of %d jobs (%d already queued)\n", res.Queued, len(jobs), res.Duplicate)
	}
	return err
}
