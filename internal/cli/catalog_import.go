package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/recorder"
)

// CatalogImportOptions is what `veza catalog import` was asked to do.
type CatalogImportOptions struct {
	IO  *IOStreams
	Dir string
	// Catalog is the catalog to fill; it defaults to DIR/veza.db.
	Catalog string
}

// NewCmdCatalogImport builds `veza catalog import DIR`; runF replaces the
// run step in tests.
func NewCmdCatalogImport(f *Factory, runF func(context.Context, *CatalogImportOptions) error) *cobra.Command {
	opts := &CatalogImportOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "import DIR",
		Short: "Rebuild catalog rows from HLS output already on disk (any packager's)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if fl := cmd.Flag("catalog"); fl != nil && fl.Value.String() != "" {
				opts.Catalog = catalogFile(fl.Value.String())
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCatalogImport(cmd.Context(), opts)
		},
	}
}

func runCatalogImport(ctx context.Context, opts *CatalogImportOptions) error {
	st, err := os.Stat(opts.Dir)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("import %q: not a directory", opts.Dir)
	}
	path := opts.Catalog
	if path == "" {
		path = catalog.DefaultPath(opts.Dir)
	}
	db, err := catalog.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	// The catalog's paths are relative to the folder that holds it.
	rec := &recorder.Recorder{DB: db, Root: filepath.Dir(path)}
	res, err := rec.Import(ctx, opts.Dir)
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
