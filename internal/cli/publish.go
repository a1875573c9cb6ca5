package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/veza-media/veza/pkg/publish"
)

// PublishOptions is what `veza publish` was asked to do.
type PublishOptions struct {
	IO *IOStreams

	// Dir is an output folder or one track folder; Target is
	// s3://bucket/prefix.
	Dir    string
	Target string
	// KeysTo is --keys-to: where AES-128 keys go; empty leaves them out.
	KeysTo string
	S3     S3Options

	Delete bool
	DryRun bool
}

// S3Options are the object-storage flags that publish and
// transcode --publish share.
type S3Options struct {
	// Endpoint and PathStyle are --s3-endpoint and --s3-path-style.
	Endpoint  string
	PathStyle bool
	// UploadJobs is --upload-jobs.
	UploadJobs int
}

// addS3Flags adds the object-storage flags to fl.
func addS3Flags(fl *pflag.FlagSet, o *S3Options) {
	fl.IntVar(&o.UploadJobs, "upload-jobs", publish.DefaultUploadJobs, "requests to the bucket in flight at once")
	fl.StringVar(&o.Endpoint, "s3-endpoint", "", "S3 endpoint URL (default: the AWS SDK's chain, then AWS S3)")
	fl.BoolVar(&o.PathStyle, "s3-path-style", false, "address buckets as ENDPOINT/bucket, as most S3-compatible stores want")
}

// check rejects values the flags cannot take.
func (o S3Options) check() error {
	if o.UploadJobs < 1 {
		return usageErrorf("--upload-jobs must be at least 1")
	}
	return nil
}

// config is the library's publish of Dir to target with these options.
func (o S3Options) config(dir, target string) publish.Config {
	return publish.Config{Dir: dir, Target: target, Endpoint: o.Endpoint, PathStyle: o.PathStyle, UploadJobs: o.UploadJobs}
}

// NewCmdPublish builds `veza publish`; runF replaces the run step in tests.
func NewCmdPublish(f *Factory, runF func(context.Context, *PublishOptions) error) *cobra.Command {
	opts := &PublishOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "publish DIR|TRACKDIR s3://bucket/prefix",
		Short: "Upload HLS/DASH output to an S3-compatible bucket, never half-published",
		Long: "Upload an output folder (each track folder in it) or one track folder to s3://bucket/prefix,\n" +
			"keeping relative paths. Init sections and segments go first, then media playlists, then the\n" +
			"master and the MPD, and a playlist only once every object it names is in the bucket: a failed\n" +
			"publish never leaves a master naming a missing object. A rerun uploads only objects whose size\n" +
			"or MD5 changed, so it also finishes an interrupted publish.\n\n" +
			"AES-128 keys are not uploaded next to the media: without --keys-to they are not published at all\n" +
			"and veza says where the playlists expect them. The catalog (veza.db), logs and dotfiles are\n" +
			"never uploaded.\n\n" +
			"Endpoint, region and credentials come from the AWS SDK's standard chain (AWS_ENDPOINT_URL_S3,\n" +
			"AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance\n" +
			"roles); --s3-endpoint and --s3-path-style override the endpoint for S3-compatible stores.\n\n" +
			"Exit 1 when nothing could be published, 3 when some tracks failed and others were published.",
		Example: "  veza publish out s3://media/vod\n" +
			"  veza publish out/film s3://media/vod/film --delete\n" +
			"  veza publish out s3://media/vod --keys-to s3://private-keys/vod --dry-run\n" +
			"  veza publish out s3://media/vod --s3-endpoint http://127.0.0.1:7070 --s3-path-style",
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir, opts.Target = args[0], args[1]
			if _, err := publish.ParseLocation(opts.Target); err != nil {
				return &UsageError{Err: err}
			}
			if opts.KeysTo != "" {
				if _, err := publish.ParseLocation(opts.KeysTo); err != nil {
					return usageErrorf("--keys-to: %v", err)
				}
			}
			if err := opts.S3.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPublish(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Delete, "delete", false, "remove objects under the prefix that the output no longer has, once the new playlists are up")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list the bucket and say what would be uploaded and deleted, changing nothing")
	fl.StringVar(&opts.KeysTo, "keys-to", "", "publish AES-128 keys to this separate s3://bucket/prefix (default: keys are not published)")
	addS3Flags(fl, &opts.S3)
	return cmd
}

func runPublish(ctx context.Context, opts *PublishOptions) error {
	if st, err := os.Stat(opts.Dir); err != nil || !st.IsDir() {
		return fmt.Errorf("publish %q: not a directory", opts.Dir)
	}
	verb := map[publish.Action]string{publish.Uploaded: "uploaded", publish.Skipped: "unchanged", publish.Deleted: "deleted"}
	cfg := opts.S3.config(opts.Dir, opts.Target)
	cfg.KeysTo, cfg.Delete, cfg.DryRun = opts.KeysTo, opts.Delete, opts.DryRun
	var records *publishRecords
	if !opts.DryRun {
		records = openPublishRecords(opts.Dir, opts.Target)
	}
	cfg.OnEvent = func(e publish.Event) {
		records.event(ctx, e)
		would := ""
		if e.DryRun {
			would = "would be "
		}
		opts.IO.Debugf("%s%s s3://%s/%s (%s)", would, verb[e.Action], e.Bucket, e.Key, humanBytes(e.Size))
	}
	res, err := publish.Run(ctx, cfg)
	if cerr := records.close(context.WithoutCancel(ctx), res); cerr != nil {
		opts.IO.Warnf("catalog: the publish was not recorded: %v", cerr)
	}
	if res == nil || len(res.Tracks) == 0 || ctx.Err() != nil {
		return err
	}
	if opts.IO.JSON {
		if jerr := writeJSON(opts.IO.Out, publishJSON(opts, res)); jerr != nil {
			return jerr
		}
	} else if failed := res.Failed(); failed < len(res.Tracks) {
		what := "published"
		if opts.DryRun {
			what = "dry run: would publish"
		}
		fmt.Fprintf(opts.IO.Out, "%s %s: %d uploaded (%s), %d unchanged, %d deleted\n",
			what, opts.Target, res.Uploaded, humanBytes(res.Bytes), res.Skipped, res.Deleted)
	}
	if len(res.KeyURIs) > 0 {
		opts.IO.Warnf("AES-128 keys were not published; the playlists expect them at %q (relative to each media playlist); pass --keys-to to publish them to a separate location", res.KeyURIs)
	}
	failed := res.Failed()
	switch {
	case failed == 0:
		return err // a failed --delete, or nil
	case len(res.Tracks) == 1:
		return err
	}
	for _, t := range res.Tracks {
		if t.Err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "veza: track %s: %v\n", t.Track, t.Err)
		}
	}
	if failed == len(res.Tracks) {
		return errSilent
	}
	return &PartialError{Failed: failed, Total: len(res.Tracks)}
}

// publishJSON is --json's view of a publish.
func publishJSON(opts *PublishOptions, res *publish.Result) any {
	type track struct {
		Track    string `json:"track"`
		Uploaded int    `json:"uploaded"`
		Skipped  int    `json:"skipped"`
		Bytes    int64  `json:"bytes"`
		Error    string `json:"error,omitempty"`
	}
	out := struct {
		Target   string   `json:"target"`
		DryRun   bool     `json:"dry_run"`
		Uploaded int      `json:"uploaded"`
		Skipped  int      `json:"skipped"`
		Deleted  int      `json:"deleted"`
		Bytes    int64    `json:"bytes"`
		KeyURIs  []string `json:"unpublished_key_uris,omitempty"`
		Tracks   []track  `json:"tracks"`
	}{Target: opts.Target, DryRun: opts.DryRun, Uploaded: res.Uploaded, Skipped: res.Skipped, Deleted: res.Deleted, Bytes: res.Bytes, KeyURIs: res.KeyURIs}
	for _, t := range res.Tracks {
		jt := track{Track: t.Track, Uploaded: t.Uploaded, Skipped: t.Skipped, Bytes: t.Bytes}
		if t.Err != nil {
			jt.Error = t.Err.Error()
		}
		out.Tracks = append(out.Tracks, jt)
	}
	return out
}
