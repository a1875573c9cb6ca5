package serve

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
)

// The hls.js build the pages load. It is third-party code, so it is never
// committed: veza fetches the pinned npm release on first use and checks
// both hashes. package.json and package-lock.json at the repository root pin
// the same version and integrity, and a test keeps them in step.
const (
	// HLSJSVersion is the hls.js release used.
	HLSJSVersion = "1.7.4"
	// HLSJSIntegrity is npm's integrity string of that release's tarball.
	HLSJSIntegrity = "sha512-3GlxGdPvT2YHvQYOt+yOzT/DEior/qJVNIylHA77kgeoBTdQQqi70GwefNEUmHQeNGyjC8U62+bruqW/Tpm+tg=="
	// HLSJSSHA256 is the SHA-256 of dist/hls.min.js in that tarball.
	HLSJSSHA256 = "cfc70cc9e9fc63d071919e087670abc760c8fd1bc889b88588026e4d22193bbe"
)

// playerPin names one exact build of a player script.
type playerPin struct {
	version, integrity, sha256 string
}

var hlsjsPin = playerPin{HLSJSVersion, HLSJSIntegrity, HLSJSSHA256}

// ErrPlayerMissing says that hls.js is neither embedded, cached nor
// fetchable; the pages then explain how to get it.
var ErrPlayerMissing = errors.New("hls.js not available")

// PlayerOptions says where LoadPlayer may find hls.js.
type PlayerOptions struct {
	// Path is a hls.min.js to use as is (no hash check: it is the user's
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
	pin  playerPin
	file string // path inside the tarball
	// missing is the error wrapped when the file cannot be had.
	missing error
}

var hlsjsFile = npmFile{pkg: "hls.js", pin: hlsjsPin, file: "package/dist/hls.min.js", missing: ErrPlayerMissing}

// LoadPlayer returns hls.min.js and says where it came from: Path, the
// copy embedded in release builds, the cache, or a fresh `npm pack` (only
// with Fetch). Every copy but Path is checked against the pinned SHA-256.
func LoadPlayer(ctx context.Context, o PlayerOptions) (js []byte, from string, err error) {
	return loadNPMFile(ctx, o, hlsjsFile, embeddedPlayer)
}

// loadNPMFile finds f: o.Path as is, the embedded copy, the cache, or a
// fresh `npm pack` (only with o.Fetch), checking every copy but o.Path.
func loadNPMFile(ctx context.Context, o PlayerOptions, f npmFile, embedded []byte) ([]byte, string, error) {
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
		writeAtomic(filepath.Join(dir, "LICENSE"), lic)
	}
	if err := writeAtomic(cacheFile, js); err != nil {
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

func writeAtomic(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
