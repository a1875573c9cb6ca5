package cli

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/veza-media/veza/pkg/publish"
)

// bucketSource reads the inputs ladder, segment and transcode take as
// s3:// URLs: one object (s3://bucket/in/film.mkv) or every object below a
// prefix (s3://bucket/in/, transcode only). Copies go to a hidden folder in
// the output folder, which has room for the output and so likely for the
// source, and are removed once built.
type bucketSource struct {
	io  *IOStreams
	cfg publish.FetchConfig
}

func newBucketSource(io *IOStreams, s3o S3Options, outDir string) *bucketSource {
	return &bucketSource{io: io, cfg: publish.FetchConfig{Endpoint: s3o.Endpoint, PathStyle: s3o.PathStyle, Dir: outDir}}
}

// progress shows an object's download: a bar on a terminal, else one line.
func (b *bucketSource) progress(src publish.Source) func(publish.Source, int64) {
	if !b.io.Bars() {
		b.io.Logf("fetching %s (%s)", src.URL(), humanBytes(src.Size))
		return nil
	}
	bar := progressbar.NewOptions64(max(src.Size, 1),
		progressbar.OptionSetWriter(b.io.ErrOut),
		progressbar.OptionSetDescription("fetch "+path.Base(src.Key)),
		progressbar.OptionEnableColorCodes(b.io.ColorErr()),
		progressbar.OptionShowBytes(true),
		progressbar.OptionClearOnFinish(),
	)
	return func(_ publish.Source, done int64) {
		_ = bar.Set64(done)
		if done >= src.Size {
			_ = bar.Finish()
		}
	}
}

// fetch is ladder.BatchConfig.Fetch: an s3:// input becomes a local copy
// whose catalog source is the object's identity; a local input is left
// alone.
func (b *bucketSource) fetch(ctx context.Context, input string) (local, source string, cleanup func(), err error) {
	if !publish.IsURL(input) {
		return input, "", func() {}, nil
	}
	srcs, err := publish.List(ctx, b.cfg, input)
	if err != nil {
		return "", "", nil, err
	}
	if len(srcs) != 1 || strings.HasSuffix(input, "/") {
		return "", "", nil, fmt.Errorf("%s: a prefix of %d objects; give one object per input", input, len(srcs))
	}
	if err := os.MkdirAll(b.cfg.Dir, 0o755); err != nil {
		return "", "", nil, err
	}
	cfg := b.cfg
	cfg.OnProgress = b.progress(srcs[0])
	local, src, cleanup, err := publish.Fetch(ctx, cfg, srcs[0].URL())
	if err != nil {
		return "", "", nil, err
	}
	return local, src.Identity(), cleanup, nil
}

// fetchAll copies every object below each s3:// input into one hidden
// folder of the output folder, keeping the keys' layout below the
// prefix, and returns the inputs with each s3:// URL replaced by its copy
// (a folder for a prefix, a file for one object) and a cleanup removing
// the copies. Local inputs are passed on as they are.
func (b *bucketSource) fetchAll(ctx context.Context, inputs []string) ([]string, func(), error) {
	var dir string
	cleanup := func() {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	out := make([]string, 0, len(inputs))
	for i, in := range inputs {
		if !publish.IsURL(in) {
			out = append(out, in)
			continue
		}
		srcs, err := publish.List(ctx, b.cfg, in)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		if dir == "" {
			if err := os.MkdirAll(b.cfg.Dir, 0o755); err != nil {
				return nil, nil, err
			}
			if dir, err = os.MkdirTemp(b.cfg.Dir, ".veza-s3-"); err != nil {
				return nil, nil, err
			}
		}
		loc, _ := publish.ParseLocation(in)
		root := filepath.Join(dir, fmt.Sprint(i))
		single := len(srcs) == 1 && srcs[0].Key == loc.Prefix
		for _, src := range srcs {
			rel := path.Base(src.Key)
			if !single {
				rel = strings.TrimPrefix(src.Key, loc.Prefix+"/")
				if loc.Prefix == "" {
					rel = src.Key
				}
			}
			if !filepath.IsLocal(filepath.FromSlash(rel)) {
				b.io.Warnf("skipping %s: its key is not a usable file name", src.URL())
				continue
			}
			cfg := b.cfg
			cfg.OnProgress = b.progress(src)
			if err := publish.Download(ctx, cfg, src, filepath.Join(root, filepath.FromSlash(rel))); err != nil {
				cleanup()
				return nil, nil, err
			}
		}
		if single {
			out = append(out, filepath.Join(root, path.Base(srcs[0].Key)))
		} else {
			out = append(out, root)
		}
	}
	return out, cleanup, nil
}
