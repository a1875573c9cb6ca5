package ladder

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
)

// TestKeyFileCreatedOnce: two runs on one track that both find no key file
// must end up with the same key, not each with its own.
func TestKeyFileCreatedOnce(t *testing.T) {
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "track")
		var wg sync.WaitGroup
		keys := make([][]byte, 4)
		for i := range keys {
			wg.Go(func() {
				k, err := openKeyring(Encryption{}, dir)
				if err != nil {
					t.Error(err)
					return
				}
				keys[i], _ = k.key(0)
			})
		}
		wg.Wait()
		onDisk, err := os.ReadFile(filepath.Join(dir, "key_00000.key"))
		if err != nil || len(onDisk) != hls.KeyLen {
			t.Fatalf("round %d: key file %x %v", round, onDisk, err)
		}
		for i, k := range keys {
			if !bytes.Equal(k, onDisk) {
				t.Fatalf("round %d: run %d keeps key %x, the file holds %x", round, i, k, onDisk)
			}
		}
		if st, _ := os.Stat(filepath.Join(dir, "key_00000.key")); st.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %o", st.Mode().Perm())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("round %d: %d files in the track folder, want the key alone", round, len(entries))
		}
	}
	// A damaged key file is replaced by a whole one.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "key_00000.key"), []byte("short"), 0o600)
	k, err := openKeyring(Encryption{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "key_00000.key")); !bytes.Equal(b, k.keys[0]) || len(b) != hls.KeyLen {
		t.Errorf("damaged key not replaced: %x vs %x", b, k.keys[0])
	}
}
