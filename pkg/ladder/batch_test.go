package ladder

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/veza-media/veza/pkg/layout"
)

// Inputs that are not files fail one by one without stopping the batch;
// the catalog is opened where the batch says.
func TestRunAllBadInputs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	var done []string
	res, err := RunAll(context.Background(), BatchConfig{
		Inputs:  []string{filepath.Join(dir, "missing.mp4"), dir},
		Config:  Config{OutDir: out},
		OnStart: func(in string) { t.Errorf("input %s started", in) },
		OnDone:  func(r BatchResult) { done = append(done, r.Input) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || Failed(res) != 2 || len(done) != 2 {
		t.Fatalf("results %+v, done %v", res, done)
	}
	for i, want := range []string{`ladder "` + res[0].Input + `": no such file`, `ladder "` + dir + `": is a directory`} {
		if res[i].Err == nil || res[i].Err.Error() != want {
			t.Errorf("input %d: %v, want %s", i, res[i].Err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, layout.CatalogName)); err != nil {
		t.Errorf("catalog: %v", err)
	}
}
