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

// LoadPlayer returns hls.min.js and says where it came from: Path, the
// copy embedded in release builds, the cache, or a fresh `npm pack` (only
// with Fetch). Every copy but Path is checked against the pinned SHA-256.
func LoadPlayer(ctx context.Context, o PlayerOptions) (js []byte, from string, err error) {
	if o.Path != "" {
		b, err := os.ReadFile(o.Path)
		if err != nil {
			return nil, "", fmt.Errorf("player script %q: %w", o.Path, errors.Unwrap(err))
		}
		if len(b) == 0 {
			return nil, "", fmt.Errorf("player script %q: empty file", o.Path)
		}
		return b, o.Path, nil
	}
	if len(embeddedPlayer) > 0 {
		if err := checkSHA256(embeddedPlayer, hlsjsPin.sha256); err != nil {
			return nil, "", fmt.Errorf("embedded hls.js: %w", err)
		}
		return embeddedPlayer, "embedded", nil
	}
	dir := o.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, "", fmt.Errorf("%w: no user cache directory (%v)", ErrPlayerMissing, err)
		}
		dir = filepath.Join(base, "veza")
	}
	cached := filepath.Join(dir, "hls.js-"+hlsjsPin.version, "hls.min.js")
	if b, err := os.ReadFile(cached); err == nil {
		if err := checkSHA256(b, hlsjsPin.sha256); err == nil {
			return b, cached, nil
		}
		// A damaged or tampered cache is replaced, never used.
	}
	if !o.Fetch {
		return nil, "", fmt.Errorf("%w: not in %s", ErrPlayerMissing, cached)
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	b, err := fetchPlayer(ctx, o.NPM, cached, hlsjsPin)
	if err != nil {
		return nil, "", err
	}
	return b, "npm pack hls.js@" + hlsjsPin.version, nil
}

// fetchPlayer runs `npm pack` for the pinned release in a temporary
// folder, checks the tarball's integrity and the script's SHA-256, and
// writes the script (and the package's LICENSE) to cacheFile atomically.
func fetchPlayer(ctx context.Context, npm, cacheFile string, pin playerPin) ([]byte, error) {
	if npm == "" {
		npm = "npm"
	}
	npmPath, err := exec.LookPath(npm)
	if err != nil {
		return nil, fmt.Errorf("%w: npm not found to fetch hls.js@%s (install npm, e.g. apt-get install npm)", ErrPlayerMissing, pin.version)
	}
	tmp, err := os.MkdirTemp("", "veza-hlsjs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, npmPath, "pack", "hls.js@"+pin.version, "--ignore-scripts", "--silent")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false")
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: npm pack hls.js@%s: %v", ErrPlayerMissing, pin.version, ctx.Err())
		}
		msg := lastLine(stderr.String())
		if msg == "" {
			msg = lastLine(string(out))
		}
		return nil, fmt.Errorf("%w: npm pack hls.js@%s: %v: %s", ErrPlayerMissing, pin.version, err, msg)
	}
	tgz := filepath.Join(tmp, "hls.js-"+pin.version+".tgz")
	raw, err := os.ReadFile(tgz)
	if err != nil {
		return nil, fmt.Errorf("%w: npm pack wrote no %s", ErrPlayerMissing, filepath.Base(tgz))
	}
	sum := sha512.Sum512(raw)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != pin.integrity {
		return nil, fmt.Errorf("hls.js@%s tarball: integrity %s, want %s: refusing it", pin.version, got, pin.integrity)
	}
	files, err := untarFiles(raw, "package/dist/hls.min.js", "package/LICENSE")
	if err != nil {
		return nil, fmt.Errorf("hls.js@%s tarball: %w", pin.version, err)
	}
	js := files["package/dist/hls.min.js"]
	if js == nil {
		return nil, fmt.Errorf("hls.js@%s tarball: no dist/hls.min.js", pin.version)
	}
	if err := checkSHA256(js, pin.sha256); err != nil {
		return nil, fmt.Errorf("hls.js@%s dist/hls.min.js: %w: refusing it", pin.version, err)
	}
	dir := filepath.Dir(cacheFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("hls.js cache: %w", err)
	}
	if lic := files["package/LICENSE"]; lic != nil {
		writeAtomic(filepath.Join(dir, "LICENSE"), lic)
	}
	if err := writeAtomic(cacheFile, js); err != nil {
		return nil, fmt.Errorf("hls.js cache: %w", err)
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
