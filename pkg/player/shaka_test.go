package player

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShakaPinMatchesPackageFiles(t *testing.T) {
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	var lock struct {
		Packages map[string]struct {
			Version   string `json:"version"`
			Integrity string `json:"integrity"`
		} `json:"packages"`
	}
	for name, v := range map[string]any{"../../package.json": &pkg, "../../package-lock.json": &lock} {
		b, err := os.ReadFile(name)
		must(t, err)
		must(t, json.Unmarshal(b, v))
	}
	if got := pkg.Dependencies["shaka-player"]; got != ShakaVersion {
		t.Errorf("package.json pins shaka-player %q, Go pins %q", got, ShakaVersion)
	}
	if l := lock.Packages["node_modules/shaka-player"]; l.Version != ShakaVersion || l.Integrity != ShakaIntegrity {
		t.Errorf("package-lock.json has shaka-player %s %s, Go has %s %s", l.Version, l.Integrity, ShakaVersion, ShakaIntegrity)
	}
}

func TestFetchNPMFile(t *testing.T) {
	js := "/* shaka stand-in */"
	tgz := makeTgz(t, map[string]string{"package/dist/shaka-player.dash.js": js, "package/LICENSE": "apache"})
	s512 := sha512.Sum512(tgz)
	s256 := sha256.Sum256([]byte(js))
	f := npmFile{pkg: "shaka-player", file: "package/dist/shaka-player.dash.js", missing: ErrShakaMissing,
		pin: pinned{"9.9.9", "sha512-" + base64.StdEncoding.EncodeToString(s512[:]), hex.EncodeToString(s256[:])}}
	// fakeNPM packs under the hls.js name; make one for shaka-player.
	dir := t.TempDir()
	src := filepath.Join(dir, "pack.tgz")
	must(t, os.WriteFile(src, tgz, 0o644))
	npm := filepath.Join(dir, "npm")
	must(t, os.WriteFile(npm, []byte("#!/bin/sh\n[ \"$2\" = shaka-player@9.9.9 ] || { echo 'npm ERR! 404' >&2; exit 1; }\ncp "+src+" shaka-player-9.9.9.tgz\n"), 0o755))

	cache := filepath.Join(t.TempDir(), "shaka-player-9.9.9", "shaka-player.dash.js")
	got, err := fetchNPMFile(bg, npm, cache, f)
	if err != nil || string(got) != js {
		t.Fatalf("fetch: %q %v", got, err)
	}
	if b, _ := os.ReadFile(cache); string(b) != js {
		t.Errorf("cache holds %q", b)
	}
	bad := f
	bad.pin.sha256 = strings.Repeat("0", 64)
	if _, err := fetchNPMFile(bg, npm, filepath.Join(t.TempDir(), "x.js"), bad); err == nil || !strings.Contains(err.Error(), "refusing it") {
		t.Errorf("sha256 mismatch: %v", err)
	}
	bad = f
	bad.pin.integrity = "sha512-AAAA"
	if _, err := fetchNPMFile(bg, npm, filepath.Join(t.TempDir(), "x.js"), bad); err == nil || !strings.Contains(err.Error(), "refusing it") {
		t.Errorf("integrity mismatch: %v", err)
	}
	bad = f
	bad.pin.version = "1.0.0"
	if _, err := fetchNPMFile(bg, npm, filepath.Join(t.TempDir(), "x.js"), bad); !errors.Is(err, ErrShakaMissing) || !strings.Contains(err.Error(), "404") {
		t.Errorf("failing npm: %v", err)
	}
	// The loader uses a good cache, refuses a tampered one without Fetch.
	cdir := t.TempDir()
	cached := filepath.Join(cdir, "shaka-player-"+ShakaVersion, "shaka-player.dash.js")
	must(t, os.MkdirAll(filepath.Dir(cached), 0o755))
	must(t, os.WriteFile(cached, []byte("tampered"), 0o644))
	if _, _, err := LoadShaka(bg, Options{CacheDir: cdir}); !errors.Is(err, ErrShakaMissing) {
		t.Errorf("tampered cache: %v", err)
	}
	own := filepath.Join(cdir, "own.js")
	must(t, os.WriteFile(own, []byte("mine"), 0o644))
	if b, from, err := LoadShaka(bg, Options{Path: own}); err != nil || string(b) != "mine" || from != own {
		t.Errorf("Path: %q %q %v", b, from, err)
	}
}
