package player

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/veza-media/veza/pkg/layout"
)

// pinned names one exact build of a player script.
type pinned struct {
	version, integrity, sha256 string
}

// Options says where LoadHLSJS and LoadShaka may find their script.
type Options struct {
	// Path is a script to use as is (no hash check: it is the user's
	// choice). Empty means the pinned release.
	Path string
	// CacheDir holds fetched releases. It defaults to veza's folder in the
	// user cache directory (os.UserCacheDir).
	CacheDir string
	// Fetch allows running `npm pack` when the release is not cached.
	Fetch bool
	// NPM is the npm binary. It defaults to npm on PATH.
	NPM string
	// Timeout bounds the fetch. It defaults to 2 minutes.
	Timeout time.Duration
}

// npmFile names one file of one exact npm release.
type npmFile struct {
	pkg  string // npm package name
	pin  pinned
	file string // path inside the tarball
	// missing is the error wrapped when the file cannot be had.
	missing error
}

// loadNPMFile finds f: o.Path as is, the embedded copy, the cache, or a
// fresh `npm pack` (only with o.Fetch), checking every copy but o.Path.
func loadNPMFile(ctx context.Context, o Options, f npmFile, embedded []byte) ([]byte, string, error) {
	if o.Path != "" {
		b, err := os.ReadFile(o.Path)
		if err != nil {
			return nil, "", fmt.Errorf("%s script %q: %w", f.pkg, o.Path, errors.Unwrap(err))
		}
		if len(b) == 0 {
			return nil, "", fmt.Errorf("%s script %q: empty file", f.pkg, o.Path)
		}
		return b, o.Path, nil
	}
	if len(embedded) > 0 {
		if err := checkSHA256(embedded, f.pin.sha256); err != nil {
			return nil, "", fmt.Errorf("embedded %s: %w", f.pkg, err)
		}
		return embedded, "embedded", nil
	}
	dir := o.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, "", fmt.Errorf("%w: no user cache directory (%v)", f.missing, err)
		}
		dir = filepath.Join(base, "veza")
	}
	cached := filepath.Join(dir, f.pkg+"-"+f.pin.version, filepath.Base(f.file))
	if b, err := os.ReadFile(cached); err == nil && checkSHA256(b, f.pin.sha256) == nil {
		return b, cached, nil
	}
	// A damaged or tampered cache is replaced, never used.
	if !o.Fetch {
		return nil, "", fmt.Errorf("%w: not in %s", f.missing, cached)
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	b, err := fetchNPMFile(ctx, o.NPM, cached, f)
	if err != nil {
		return nil, "", err
	}
	return b, "npm pack " + f.pkg + "@" + f.pin.version, nil
}

// fetchNPMFile runs `npm pack` for f's release in a temporary folder
// (scripts ignored), checks the tarball's integrity and the file's
// SHA-256, and writes the file (and the package's LICENSE) to cacheFile
// atomically.
func fetchNPMFile(ctx context.Context, npm, cacheFile string, f npmFile) ([]byte, error) {
	if npm == "" {
		npm = "npm"
	}
	spec := f.pkg + "@" + f.pin.version
	npmPath, err := exec.LookPath(npm)
	if err != nil {
		return nil, fmt.Errorf("%w: npm not found to fetch %s (install npm, e.g. apt-get install npm)", f.missing, spec)
	}
	tmp, err := os.MkdirTemp("", "veza-npm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, npmPath, "pack", spec, "--ignore-scripts", "--silent")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false")
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: npm pack %s: %v", f.missing, spec, ctx.Err())
		}
		msg := lastLine(stderr.String())
		if msg == "" {
			msg = lastLine(string(out))
		}
		return nil, fmt.Errorf("%w: npm pack %s: %v: %s", f.missing, spec, err, msg)
	}
	tgz := filepath.Join(tmp, f.pkg+"-"+f.pin.version+".tgz")
	raw, err := os.ReadFile(tgz)
	if err != nil {
		return nil, fmt.Errorf("%w: npm pack wrote no %s", f.missing, filepath.Base(tgz))
	}
	sum := sha512.Sum512(raw)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != f.pin.integrity {
		return nil, fmt.Errorf("%s tarball: integrity %s, want %s: refusing it", spec, got, f.pin.integrity)
	}
	files, err := untarFiles(raw, f.file, "package/LICENSE")
	if err != nil {
		return nil, fmt.Errorf("%s tarball: %w", spec, err)
	}
	js := files[f.file]
	if js == nil {
		return nil, fmt.Errorf("%s tarball: no %s", spec, f.file)
	}
	if err := checkSHA256(js, f.pin.sha256); err != nil {
		return nil, fmt.Errorf("%s %s: %w: refusing it", spec, f.file, err)
	}
	dir := filepath.Dir(cacheFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s cache: %w", f.pkg, err)
	}
	if lic := files["package/LICENSE"]; lic != nil {
		layout.WriteFile(filepath.Join(dir, "LICENSE"), lic, 0o644)
	}
	if err := layout.WriteFile(cacheFile, js, 0o644); err != nil {
		return nil, fmt.Errorf("%s cache: %w", f.pkg, err)
	}
	return js, nil
}

func checkSHA256(b []byte, want string) error {
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("sha256 %s, want %s", got, want)
	}
	return nil
}

// untarFiles reads the named regular files out of a .tgz.
func untarFiles(tgz []byte, names ...string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if !want[hdr.Name] || hdr.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
		if err != nil {
			return nil, err
		}
		out[hdr.Name] = b
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
