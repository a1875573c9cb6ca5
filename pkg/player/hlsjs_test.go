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
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPinsMatchPackageFiles keeps the Go constants and the npm files at
// the repository root in step: bumping one without the other fails here.
func TestPinsMatchPackageFiles(t *testing.T) {
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
	if got := pkg.Dependencies["hls.js"]; got != HLSJSVersion {
		t.Errorf("package.json pins hls.js %q, Go pins %q (pin an exact version in both)", got, HLSJSVersion)
	}
	l := lock.Packages["node_modules/hls.js"]
	if l.Version != HLSJSVersion || l.Integrity != HLSJSIntegrity {
		t.Errorf("package-lock.json has hls.js %s %s, Go has %s %s", l.Version, l.Integrity, HLSJSVersion, HLSJSIntegrity)
	}
}

var bg = context.Background()

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func makeTgz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		must(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		tw.Write([]byte(body))
	}
	must(t, tw.Close())
	must(t, zw.Close())
	return buf.Bytes()
}

// fakeNPM writes an npm that "packs" tgz into its working folder.
func fakeNPM(t *testing.T, version string, tgz []byte) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "pack.tgz")
	must(t, os.WriteFile(src, tgz, 0o644))
	script := "#!/bin/sh\n[ \"$1\" = pack ] && [ \"$2\" = hls.js@" + version + " ] || { echo 'npm ERR! bad args' >&2; exit 1; }\n" +
		"cp " + src + " hls.js-" + version + ".tgz\necho hls.js-" + version + ".tgz\n"
	npm := filepath.Join(dir, "npm")
	must(t, os.WriteFile(npm, []byte(script), 0o755))
	return npm
}

func TestFetchPlayer(t *testing.T) {
	js := "/* hls.js stand-in */"
	tgz := makeTgz(t, map[string]string{"package/dist/hls.min.js": js, "package/LICENSE": "license", "package/README.md": "x"})
	s512 := sha512.Sum512(tgz)
	s256 := sha256.Sum256([]byte(js))
	pin := pinned{"9.9.9", "sha512-" + base64.StdEncoding.EncodeToString(s512[:]), hex.EncodeToString(s256[:])}
	npm := fakeNPM(t, "9.9.9", tgz)

	cache := filepath.Join(t.TempDir(), "hls.js-9.9.9", "hls.min.js")
	got, err := fetchNPMFile(bg, npm, cache, hlsjsWith(pin))
	if err != nil || string(got) != js {
		t.Fatalf("fetch: %q %v", got, err)
	}
	if b, _ := os.ReadFile(cache); string(b) != js {
		t.Errorf("cache holds %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(filepath.Dir(cache), "LICENSE")); string(b) != "license" {
		t.Errorf("LICENSE not kept: %q", b)
	}

	for name, bad := range map[string]pinned{
		"tarball integrity": {pin.version, "sha512-AAAA", pin.sha256},
		"script sha256":     {pin.version, pin.integrity, strings.Repeat("0", 64)},
	} {
		cache := filepath.Join(t.TempDir(), "hls.min.js")
		_, err := fetchNPMFile(bg, npm, cache, hlsjsWith(bad))
		if err == nil || !strings.Contains(err.Error(), "refusing it") {
			t.Errorf("%s mismatch: err %v", name, err)
		}
		if _, err := os.Stat(cache); err == nil {
			t.Errorf("%s mismatch: file cached anyway", name)
		}
	}
	_, err = fetchNPMFile(bg, npm, filepath.Join(t.TempDir(), "x.js"), hlsjsWith(pinned{"1.0.0", pin.integrity, pin.sha256}))
	if !errors.Is(err, ErrHLSJSMissing) || !strings.Contains(err.Error(), "npm ERR! bad args") {
		t.Errorf("failing npm: %v", err)
	}
	_, err = fetchNPMFile(bg, filepath.Join(t.TempDir(), "no-npm"), filepath.Join(t.TempDir(), "x.js"), hlsjsWith(pin))
	if !errors.Is(err, ErrHLSJSMissing) || !strings.Contains(err.Error(), "npm not found") {
		t.Errorf("missing npm: %v", err)
	}
}

func TestLoadHLSJS(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "mine.js")
	must(t, os.WriteFile(own, []byte("mine"), 0o644))
	if js, from, err := LoadHLSJS(bg, Options{Path: own}); err != nil || string(js) != "mine" || from != own {
		t.Errorf("Path: %q %q %v", js, from, err)
	}
	if _, _, err := LoadHLSJS(bg, Options{Path: filepath.Join(dir, "none.js")}); err == nil || !strings.Contains(err.Error(), "none.js") {
		t.Errorf("missing Path: %v", err)
	}
	// a cached copy with the wrong hash is not used
	cached := filepath.Join(dir, "hls.js-"+HLSJSVersion, "hls.min.js")
	must(t, os.MkdirAll(filepath.Dir(cached), 0o755))
	must(t, os.WriteFile(cached, []byte("tampered"), 0o644))
	js, from, err := LoadHLSJS(bg, Options{CacheDir: dir})
	if len(embeddedHLSJS) > 0 { // built with -tags embedplayer
		if err != nil || from != "embedded" || checkSHA256(js, HLSJSSHA256) != nil {
			t.Errorf("embedded player: %s %v", from, err)
		}
	} else if !errors.Is(err, ErrHLSJSMissing) {
		t.Errorf("tampered cache: %v", err)
	}
}

// hlsjsWith is the hls.js file with another pin, for fetch tests.
func hlsjsWith(p pinned) npmFile {
	f := hlsjsFile
	f.pin = p
	return f
}
