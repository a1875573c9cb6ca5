package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGoldenJSON compares report.json of the test ladder with
// testdata/report.golden.json. Numbers may differ by 1 % (0.05 for PSNR
// and sizes alike are far inside it on one machine; another x264 build may
// move bytes a little); the paths and the cost, which change every run,
// are cleared first.
func TestGoldenJSON(t *testing.T) {
	rep := runReport(t)
	dir := t.TempDir()
	if err := Write(dir, rep); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, JSONName))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["cost"].(map[string]any)["source_decodes"].(float64) != 1 || doc["cost"].(map[string]any)["wall_seconds"].(float64) <= 0 {
		t.Errorf("cost = %v", doc["cost"])
	}
	doc["master"], doc["source"].(map[string]any)["path"] = "master.m3u8", "src.mkv"
	doc["cost"] = nil
	norm, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(norm, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var wantDoc any
	if err := json.Unmarshal(want, &wantDoc); err != nil {
		t.Fatal(err)
	}
	var gotDoc any
	_ = json.Unmarshal(norm, &gotDoc)
	for _, d := range diff("", wantDoc, gotDoc) {
		t.Error(d)
	}
}

// diff lists where got differs from want; numbers within 1 % (or 0.05)
// are equal.
func diff(at string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %v, want an object", at, got)}
		}
		var out []string
		for k := range w {
			out = append(out, diff(at+"."+k, w[k], g[k])...)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: unexpected", at, k))
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %v, want %d items", at, got, len(w))}
		}
		var out []string
		for i := range w {
			out = append(out, diff(fmt.Sprintf("%s[%d]", at, i), w[i], g[i])...)
		}
		return out
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > math.Max(0.05, 0.01*math.Abs(w)) {
			return []string{fmt.Sprintf("%s: got %v, want %v", at, got, w)}
		}
		return nil
	}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		return []string{fmt.Sprintf("%s: got %v, want %v", at, got, want)}
	}
	return nil
}

// TestHTML checks that report.html is well-formed, asks for nothing over
// the network, runs no script, and draws its charts and pictures.
func TestHTML(t *testing.T) {
	rep := runReport(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, rep); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if err := wellFormed(page); err != nil {
		t.Fatalf("report.html is not well-formed: %v", err)
	}
	// Pictures are the only data URIs; without them nothing may name a
	// resource elsewhere.
	bare := regexp.MustCompile(`data:image/jpeg;base64,[A-Za-z0-9+/=&#;]+`).ReplaceAllString(page, "")
	for _, bad := range []string{"http:", "https:", "//", "<script", "<link", "@import", "url("} {
		if i := strings.Index(bare, bad); i >= 0 {
			t.Errorf("report.html contains %q: %q", bad, bare[max(0, i-40):min(len(bare), i+40)])
		}
	}
	// Charts: rate–quality, PSNR and SSIM over time, bit rate and sizes per
	// video rung, bit rate per audio rung.
	if n, want := strings.Count(page, "<svg"), 3+2*len(rep.Video)+len(rep.Audio); n != want {
		t.Errorf("%d charts, want %d", n, want)
	}
	for _, m := range regexp.MustCompile(`<path class="series" d="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "M") || !strings.Contains(m[1], "L") {
			t.Errorf("series path %q draws nothing", m[1])
		}
	}
	if n := strings.Count(page, `<path class="series"`); n < 3+2*len(rep.Video) {
		t.Errorf("%d series drawn", n)
	}
	if n := strings.Count(page, `src="data:image/jpeg;base64,`); n != 2*len(rep.Worst) || n == 0 {
		t.Errorf("%d pictures inlined, want %d", n, 2*len(rep.Worst))
	}
	if !strings.Contains(page, "no libvmaf") && !strings.Contains(page, "has libvmaf") {
		t.Error("the page does not say why VMAF is missing")
	}
}

// wellFormed parses page as XML: every element closed, attributes quoted.
func wellFormed(page string) error {
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
