package serve

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The Shaka Player build veza check uses to play DASH manifests. Shaka
// rather than dash.js: ffmpeg's fMP4 renditions carry audio and video
// muxed in one file, which dash.js refuses by design and Shaka plays
// wherever Media Source Extensions accept a muxed SourceBuffer (Chromium
// does). Like hls.js it is never committed: veza fetches the pinned npm
// release on first use, checks both hashes and caches the one file it
// needs, the DASH-only build. package.json pins the same version.
const (
	// ShakaVersion is the shaka-player release used.
	ShakaVersion = "5.2.12"
	// ShakaIntegrity is npm's integrity string of that release's tarball.
	ShakaIntegrity = "sha512-vEsuVDI3+oLh+yqpjXexQZlg2XMUBI0VrqatDuKWacPaxAud6Uph5uCowUPLhUgNG5XKWCpoM4l1r8qYzWH+zg=="
	// ShakaSHA256 is the SHA-256 of dist/shaka-player.dash.js in it.
	ShakaSHA256 = "425228cf35605b471a8270e778281fd9c0f0826e4bab4531f6c004267bb55ebc"
)

// npmFile names one file of one exact npm release.
type npmFile struct {
	pkg  string // npm package name
	pin  playerPin
	file string // path inside the tarball
}

var shakaFile = npmFile{pkg: "shaka-player", pin: playerPin{ShakaVersion, ShakaIntegrity, ShakaSHA256},
	file: "package/dist/shaka-player.dash.js"}

// ErrDASHPlayerMissing says that Shaka Player is neither cached nor
// fetchable.
var ErrDASHPlayerMissing = errors.New("shaka-player not available")

// LoadDASHPlayer returns Shaka Player's DASH build and says where it came
// from: o.Path as is, the cache, or a fresh `npm pack` (only with
// o.Fetch). Cached and fetched copies are checked against the pinned
// SHA-256; the tarball against npm's integrity string.
func LoadDASHPlayer(ctx context.Context, o PlayerOptions) (js []byte, from string, err error) {
	if o.Path != "" {
		b, err := os.ReadFile(o.Path)
		if err != nil {
			return nil, "", fmt.Errorf("DASH player script %q: %w", o.Path, errors.Unwrap(err))
		}
		if len(b) == 0 {
			return nil, "", fmt.Errorf("DASH player script %q: empty file", o.Path)
		}
		return b, o.Path, nil
	}
	dir := o.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, "", fmt.Errorf("%w: no user cache directory (%v)", ErrDASHPlayerMissing, err)
		}
		dir = filepath.Join(base, "veza")
	}
	f := shakaFile
	cached := filepath.Join(dir, f.pkg+"-"+f.pin.version, filepath.Base(f.file))
	if b, err := os.ReadFile(cached); err == nil && checkSHA256(b, f.pin.sha256) == nil {
		return b, cached, nil
	}
	if !o.Fetch {
		return nil, "", fmt.Errorf("%w: not in %s", ErrDASHPlayerMissing, cached)
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
// atomically. It is fetchPlayer for any package and file.
func fetchNPMFile(ctx context.Context, npm, cacheFile string, f npmFile) ([]byte, error) {
	if npm == "" {
		npm = "npm"
	}
	spec := f.pkg + "@" + f.pin.version
	npmPath, err := exec.LookPath(npm)
	if err != nil {
		return nil, fmt.Errorf("%w: npm not found to fetch %s (install npm, e.g. apt-get install npm)", ErrDASHPlayerMissing, spec)
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
			return nil, fmt.Errorf("%w: npm pack %s: %v", ErrDASHPlayerMissing, spec, ctx.Err())
		}
		msg := lastLine(stderr.String())
		if msg == "" {
			msg = lastLine(string(out))
		}
		return nil, fmt.Errorf("%w: npm pack %s: %v: %s", ErrDASHPlayerMissing, spec, err, msg)
	}
	tgz := filepath.Join(tmp, f.pkg+"-"+f.pin.version+".tgz")
	raw, err := os.ReadFile(tgz)
	if err != nil {
		return nil, fmt.Errorf("%w: npm pack wrote no %s", ErrDASHPlayerMissing, filepath.Base(tgz))
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
