package cli

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
)

// CatalogImportOptions is what `veza catalog import` was asked to do.
type CatalogImportOptions struct {
	IO *IOStreams
	// Dir is the output folder, or an s3://bucket/prefix it was
	// published to.
	Dir string
	// Catalog is the catalog to fill; it defaults to DIR/veza.db, and
	// for a bucket to ./veza.db.
	Catalog string
	// S3 are the endpoint flags, for a bucket.
	S3 S3Options
}

// NewCmdCatalogImport builds `veza catalog import DIR`; runF replaces the
// run step in tests.
func NewCmdCatalogImport(f *Factory, runF func(context.Context, *CatalogImportOptions) error) *cobra.Command {
	opts := &CatalogImportOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "import DIR|s3://bucket/prefix",
		Short: "Rebuild catalog rows from HLS output already on disk (any packager's) or published to a bucket",
		Long: "Record the tracks, renditions and segments of HLS output found in DIR, or published under\n" +
			"s3://bucket/prefix: its playlists are read from the bucket, segment sizes from its listing,\n" +
			"and each track is also recorded as published there. Paths of an import from a bucket are the\n" +
			"objects' paths below the prefix.",
		Example: "  veza catalog import out\n  veza catalog import s3://media/vod --catalog vod.db --s3-endpoint http://127.0.0.1:7070 --s3-path-style",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if publish.IsURL(opts.Dir) {
				if _, err := publish.ParseLocation(opts.Dir); err != nil {
					return &UsageError{Err: err}
				}
			} else if opts.S3.Endpoint != "" || opts.S3.PathStyle {
				return usageErrorf("--s3-endpoint and --s3-path-style need an s3:// source")
			}
			if fl := cmd.Flag("catalog"); fl != nil && fl.Value.String() != "" {
				opts.Catalog = catalogFile(fl.Value.String())
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCatalogImport(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.S3.Endpoint, "s3-endpoint", "", "S3 endpoint URL (default: the AWS SDK's chain, then AWS S3)")
	fl.BoolVar(&opts.S3.PathStyle, "s3-path-style", false, "address buckets as ENDPOINT/bucket, as most S3-compatible stores want")
	return cmd
}

func runCatalogImport(ctx context.Context, opts *CatalogImportOptions) error {
	bucket := publish.IsURL(opts.Dir)
	if !bucket {
		if st, err := os.Stat(opts.Dir); err != nil || !st.IsDir() {
			return fmt.Errorf("import %q: not a directory", opts.Dir)
		}
	}
	path := opts.Catalog
	switch {
	case path == "" && bucket:
		path = layout.CatalogName
	case path == "":
		path = catalog.DefaultPath(opts.Dir)
	}
	db, err := catalog.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	var res *recorder.ImportResult
	if bucket {
		res, err = importPublished(ctx, opts, db)
	} else {
		// The catalog's paths are relative to the folder that holds it.
		rec := &recorder.Recorder{DB: db, Root: filepath.Dir(path)}
		res, err = rec.Import(ctx, opts.Dir)
	}
	if err != nil {
		return err
	}
	if opts.IO.JSON {
		if err := writeJSON(opts.IO.Out, res); err != nil {
			return err
		}
	} else {
		keys := ""
		if res.Keys > 0 {
			keys = fmt.Sprintf(", %d AES-128 key(s)", res.Keys)
		}
		fmt.Fprintf(opts.IO.Out, "imported %d track(s), %d rendition(s), %d segment(s)%s into %s\n", res.Tracks, res.Renditions, res.Segments, keys, db.Path())
	}
	for _, p := range res.Problems {
		fmt.Fprintf(opts.IO.ErrOut, "veza: %s\n", p)
	}
	if len(res.Problems) > 0 {
		return &PartialError{Failed: len(res.Problems), Total: res.Renditions}
	}
	return nil
}

// importPublished lists the bucket's prefix, copies its playlists to a
// temporary folder and imports them with the listing's sizes.
func importPublished(ctx context.Context, opts *CatalogImportOptions, db *catalog.DB) (*recorder.ImportResult, error) {
	fc := publish.FetchConfig{Endpoint: opts.S3.Endpoint, PathStyle: opts.S3.PathStyle}
	objs, err := publish.List(ctx, fc, strings.TrimSuffix(opts.Dir, "/")+"/")
	if err != nil {
		return nil, err
	}
	loc, _ := publish.ParseLocation(opts.Dir)
	tmp, err := os.MkdirTemp("", "veza-import-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	n := 0
	for _, o := range objs {
		rel := strings.TrimPrefix(o.Key, loc.Prefix+"/")
		if loc.Prefix == "" {
			rel = o.Key
		}
		if !strings.EqualFold(path.Ext(rel), ".m3u8") || !filepath.IsLocal(filepath.FromSlash(rel)) {
			continue
		}
		if err := publish.Download(ctx, fc, o, filepath.Join(tmp, filepath.FromSlash(rel))); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("import %s: no HLS playlist below it", loc)
	}
	opts.IO.Debugf("read %d playlists of %d objects below %s", n, len(objs), loc)
	// Paths are recorded as the objects' paths below the prefix.
	rec := &recorder.Recorder{DB: db, Root: tmp}
	return rec.ImportPublished(ctx, tmp, recorder.Published{URL: loc.String(), Objects: objs})
}
