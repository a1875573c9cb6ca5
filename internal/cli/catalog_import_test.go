package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCatalogImportCommand(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "t", "a"), 0o755)
	os.WriteFile(filepath.Join(dir, "t", "master.m3u8"), []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,CODECS=\"mp4a.40.2\"\na/index.m3u8\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "t", "a", "index.m3u8"), []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\ns.ts\n#EXT-X-ENDLIST\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "t", "a", "s.ts"), []byte("data"), 0o644)

	var out, errOut bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	if code := run(context.Background(), []string{"catalog", "import", dir}, ios); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "imported 1 track(s), 1 rendition(s), 1 segment(s)") {
		t.Fatalf("out %q", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"catalog", "segments", "t", "a", "--catalog", dir, "--json"}, ios); code != 0 || !strings.Contains(out.String(), `"t/a/s.ts"`) {
		t.Fatalf("segments: exit %d out %q err %q", code, out.String(), errOut.String())
	}

	errOut.Reset()
	if code := run(context.Background(), []string{"catalog", "import", filepath.Join(dir, "nope")}, ios); code != ExitFailure || !strings.Contains(errOut.String(), "not a directory") {
		t.Fatalf("missing dir: exit %d %q", code, errOut.String())
	}
	var got *CatalogImportOptions
	cmd := NewCmdCatalogImport(&Factory{IO: ios}, func(_ context.Context, o *CatalogImportOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"somewhere"})
	if err := cmd.Execute(); err != nil || got.Dir != "somewhere" || got.Catalog != "" {
		t.Fatalf("options %+v %v", got, err)
	}
}
