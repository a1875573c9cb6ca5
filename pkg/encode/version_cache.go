package encode

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// versionCacheFile is the file CachedVersion keeps in its folder.
const versionCacheFile = "ffmpeg-versions.json"

// CachedVersion is Version remembered in dir between runs, so a command
// that runs once per input does not start ffmpeg only to ask its version
// (a process start costs about a tenth of a second of CPU). The answer is
// keyed by the binary's resolved path and its file identity (size,
// modification and change times, device and inode where the system has
// them): replacing or upgrading ffmpeg asks again. An empty dir, or a
// cache that cannot be read or written, falls back to asking ffmpeg.
func CachedVersion(ctx context.Context, bin, dir string) (string, error) {
	if dir == "" {
		return Version(ctx, bin)
	}
	if bin == "" {
		bin = "ffmpeg"
	}
	key, err := binaryKey(bin)
	if err != nil {
		return Version(ctx, bin)
	}
	path := filepath.Join(dir, versionCacheFile)
	known := map[string]string{}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &known) // a damaged cache is rebuilt
	}
	if v, ok := known[key]; ok && v != "" {
		return v, nil
	}
	v, err := Version(ctx, bin)
	if err != nil {
		return "", err
	}
	if len(known) > 64 {
		known = map[string]string{} // old binaries; start again
	}
	known[key] = v
	writeCache(dir, path, known)
	return v, nil
}

// binaryKey names the file bin resolves to, as it is now.
func binaryKey(bin string) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", err
	}
	if path, err = filepath.EvalSymlinks(path); err != nil {
		return "", err
	}
	if path, err = filepath.Abs(path); err != nil {
		return "", err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s|%d|%d|%s", path, fi.Size(), fi.ModTime().UnixNano(), fileIdentity(fi)), nil
}

// writeCache replaces the cache file in one rename, so concurrent runs
// read either the old or the new map, never half of one. Failing to write
// costs only the next run's ffmpeg start, so errors are dropped.
func writeCache(dir, path string, known map[string]string) {
	b, err := json.Marshal(known)
	if err != nil {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".ffmpeg-versions-*")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
		os.Remove(f.Name())
	}
}
