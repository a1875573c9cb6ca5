package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/player"
	"github.com/veza-media/veza/pkg/serve"
)

// ServeOptions is what `veza serve` was asked to do.
type ServeOptions struct {
	IO *IOStreams

	// Dir is the output folder served.
	Dir string
	// Addr is the listen address; loopback unless the user says otherwise.
	Addr string
	// SignKey, when set, requires signed links.
	SignKey string
	// SignKeyFile is a file holding the signing key, read at start.
	SignKeyFile string
	// SignStatus makes /metrics and /readyz need signed links too.
	SignStatus bool
	// CORS is the one origin whose pages may read the files served.
	CORS string
	// SignTTL is how long links printed and handed out by pages last.
	SignTTL time.Duration
	// CatalogPath is the catalog to show; empty means DIR/veza.db when it
	// exists, else none.
	CatalogPath string
	// PlayerJS is a hls.min.js to use instead of the pinned release.
	PlayerJS string
	// FetchPlayer allows `npm pack` of the pinned hls.js when it is not
	// cached yet.
	FetchPlayer bool
	// FFmpeg is what /readyz looks for.
	FFmpeg string
	// Queue is --queue: the NATS server whose jobs the page and /api/jobs
	// list; empty lists none.
	Queue string
}

// NewCmdServe builds `veza serve`; runF replaces the run step in tests.
func NewCmdServe(f *Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IO, FFmpeg: f.FFmpegPath}
	cmd := &cobra.Command{
		Use:   "serve [DIR]",
		Short: "Preview an output folder in a browser over HTTP",
		Long: "Serve an output folder (default: the current one) for local preview: playlists and\n" +
			"segments with correct types, ranges and caching, a page listing the catalog's tracks\n" +
			"and an hls.js player for each, a JSON API, /healthz, /readyz and /metrics.\n" +
			"It listens on loopback unless --addr says otherwise. Stop it with Ctrl-C.",
		Example: "  veza serve out/\n  veza serve out/ --addr 127.0.0.1:9000 --sign-key \"$(openssl rand -hex 16)\"",
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if _, _, err := net.SplitHostPort(opts.Addr); err != nil {
				return usageErrorf("--addr %q: %v", opts.Addr, err)
			}
			if opts.SignTTL <= 0 {
				return usageErrorf("--sign-ttl must be positive")
			}
			if opts.SignKey != "" && opts.SignKeyFile != "" {
				return usageErrorf("give --sign-key or --sign-key-file, not both")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:8787", "address to listen on (host:port)")
	cmd.Flags().StringVar(&opts.SignKey, "sign-key", "", "require HMAC-SHA256 signed, expiring links made with this key (16 bytes or more; also VEZA_SERVE_SIGN_KEY)")
	cmd.Flags().StringVar(&opts.SignKeyFile, "sign-key-file", "", "read the signing key from this file (a final newline is dropped)")
	cmd.Flags().BoolVar(&opts.SignStatus, "sign-status", false, "with a signing key, /metrics and /readyz need signed links too")
	cmd.Flags().StringVar(&opts.CORS, "cors", "", "let web pages of this origin (scheme://host[:port], or *) read the media; keys never")
	cmd.Flags().DurationVar(&opts.SignTTL, "sign-ttl", 6*time.Hour, "how long signed links handed out stay valid")
	cmd.Flags().StringVar(&opts.CatalogPath, "catalog", "", "catalog to list and serve through the API (default DIR/"+layout.CatalogName+" if present)")
	cmd.Flags().StringVar(&opts.PlayerJS, "player-js", "", "hls.min.js to use instead of fetching hls.js "+player.HLSJSVersion)
	cmd.Flags().BoolVar(&opts.FetchPlayer, "fetch-player", true, "fetch the pinned hls.js with npm on first use")
	cmd.Flags().StringVar(&opts.Queue, "queue", "", "list the jobs of this NATS work queue (nats://HOST:PORT) on the page and in /api/jobs")
	return cmd
}

func runServe(ctx context.Context, opts *ServeOptions) error {
	if st, err := os.Stat(opts.Dir); err != nil {
		return fmt.Errorf("serve %q: %w", opts.Dir, errors.Unwrap(err))
	} else if !st.IsDir() {
		return fmt.Errorf("serve %q: not a folder", opts.Dir)
	}
	db, err := openServeCatalog(opts)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	js, from, err := player.LoadHLSJS(ctx, player.Options{Path: opts.PlayerJS, Fetch: opts.FetchPlayer})
	switch {
	case err != nil && opts.PlayerJS != "":
		return err
	case err != nil:
		opts.IO.Warnf("%v: watch pages cannot play; pass --player-js PATH to a hls.min.js", err)
	default:
		opts.IO.Debugf("hls.js from %s", from)
	}
	key := []byte(opts.SignKey)
	if opts.SignKeyFile != "" {
		if key, err = os.ReadFile(opts.SignKeyFile); err != nil {
			return fmt.Errorf("serve: signing key: %w", err)
		}
		key = bytes.TrimRight(key, "\r\n")
		if len(key) == 0 {
			return fmt.Errorf("serve: signing key file %q is empty", opts.SignKeyFile)
		}
	}
	jobs, closeQueue, err := openServeQueue(ctx, opts.Queue)
	if err != nil {
		return err
	}
	defer closeQueue()
	h, err := serve.New(serve.Config{
		Jobs:       jobs,
		Dir:        opts.Dir,
		Hosts:      serve.LoopbackHosts(opts.Addr),
		CORSOrigin: opts.CORS,
		Catalog:    db,
		FFmpeg:     opts.FFmpeg,
		PlayerJS:   js,
		PlayerHelp: "Start veza serve once with npm installed and network access: it fetches hls.js " + player.HLSJSVersion +
			" with npm pack into your cache folder and checks its hash. Or pass --player-js PATH to a copy of dist/hls.min.js.",
		SignKey:    key,
		SignTTL:    opts.SignTTL,
		SignStatus: opts.SignStatus,
	})
	if err != nil {
		return err
	}
	defer h.Close()

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if !isLoopback(ln.Addr()) {
		opts.IO.Warnf("listening on %s: other machines can reach this preview server; use --addr 127.0.0.1:PORT to keep it local", ln.Addr())
	}
	srv := &serve.Server{Handler: h}
	url := "http://" + ln.Addr().String() + "/"
	if s := h.Signer(); s != nil {
		// The signed link opens everything until it expires: only a
		// person at a terminal sees it, not a log file.
		if opts.IO.ErrTTY {
			url = "http://" + ln.Addr().String() + s.URL("/", time.Now().Add(opts.SignTTL))
		} else {
			opts.IO.Logf("links are signed; the signed index link is printed on a terminal only")
		}
	}
	opts.IO.Logf("serving %s on %s (Ctrl-C stops)", opts.Dir, url)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Stopping on a signal is the normal end of a server: finish the
	// requests in flight, then exit 0.
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	opts.IO.Logf("stopped")
	return nil
}

// openServeCatalog opens --catalog, or DIR/veza.db when there is one. It
// never creates a catalog: serving a folder must not write into it.
func openServeCatalog(opts *ServeOptions) (*catalog.DB, error) {
	path := opts.CatalogPath
	if path == "" {
		path = catalog.DefaultPath(opts.Dir)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			opts.IO.Logf("no catalog at %s: the index lists the folders that hold a playlist", path)
			return nil, nil
		}
	}
	return catalog.OpenReadOnly(path)
}

// isLoopback says whether a listening address only accepts local
// connections.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
