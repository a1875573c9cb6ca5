package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veza-media/veza/internal/testmedia"
)

// TestLadderDamagedSource is the MPEG-TS with 200 KB of garbage in its
// middle: it used to go through `veza ladder` with exit 0 and not a word.
// Now the run warns, naming the file and the time range, the JSON result
// and the catalog carry the report, and --strict fails it (exit 1) with no
// master written.
func TestLadderDamagedSource(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	src := testmedia.DamagedTS(t, dir, 4)

	out := filepath.Join(dir, "out")
	code, stdout, stderr := catalogRun(t, "ladder", src, "-o", out, "--ladder", "audio", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "warning: "+src+": source damaged:") || !strings.Contains(stderr, "decode errors") {
		t.Errorf("no damage warning naming the file:\n%s", stderr)
	}
	var res []struct {
		Damage *struct {
			Errors int `json:"errors"`
			Ranges []struct {
				Start, End float64
			} `json:"ranges"`
		} `json:"damage"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res) != 1 || res[0].Damage == nil || res[0].Damage.Errors == 0 {
		t.Fatalf("JSON has no damage: %v\n%s", err, stdout)
	}
	code, show, _ := catalogRun(t, "catalog", "show", "damaged", "--catalog", filepath.Join(out, "veza.db"))
	if code != 0 || !strings.Contains(show, "SOURCE DAMAGED") {
		t.Errorf("catalog show: exit %d\n%s", code, show)
	}

	strictOut := filepath.Join(dir, "strict")
	code, _, stderr = catalogRun(t, "ladder", src, "-o", strictOut, "--ladder", "audio", "--strict")
	if code != ExitFailure || !strings.Contains(stderr, "source damaged") || !strings.Contains(stderr, "damaged.ts") {
		t.Fatalf("--strict: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(strictOut, "damaged", "master.m3u8")); err == nil {
		t.Error("--strict wrote a master for a damaged source")
	}
	code, show, _ = catalogRun(t, "catalog", "show", "damaged", "--catalog", filepath.Join(strictOut, "veza.db"), "--json")
	if code != 0 || !strings.Contains(show, `"status": "error"`) || !strings.Contains(show, `"source_damage": {`) {
		t.Errorf("--strict catalog: exit %d\n%s", code, show)
	}
}
