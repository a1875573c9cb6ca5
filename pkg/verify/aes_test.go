package verify

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
)

// encryptFixture encrypts every segment of the media playlist at
// dir/playlist with key, IV = the sequence number written explicitly
// (explicit) or left implicit, and rewrites the playlist with the key at
// keyURI.
func encryptFixture(t *testing.T, dir, playlist, keyURI string, key []byte, explicit bool) {
	t.Helper()
	path := filepath.Join(dir, playlist)
	pl, err := hls.ReadMedia(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pl.Segments {
		s := &pl.Segments[i]
		iv := hls.SequenceIV(pl.SequenceOf(i))
		k := &hls.Key{Method: "AES-128", URI: keyURI}
		if explicit {
			k.IV = hls.FormatIV(iv)
		}
		s.Key = k
		seg := filepath.Join(filepath.Dir(path), s.URI)
		data, _ := os.ReadFile(seg)
		enc, err := hls.EncryptSegment(key, iv, data)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(seg, enc, 0o644)
	}
	if err := hls.WriteMedia(path, pl); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyEncrypted(t *testing.T) {
	key := []byte("veza-test-key-16")
	for _, tc := range []struct {
		name     string
		fixture  string
		playlist string
		explicit bool
		keyFile  []byte // what lies at the key URI
		want     []string
	}{
		{"ts explicit IV", "ladder", "v0/index.m3u8", true, key, nil},
		{"ts sequence IV", "ladder", "v1/index.m3u8", false, key, nil},
		{"fmp4", "fmp4", "index.m3u8", true, key, nil},
		{"wrong key", "ladder", "v0/index.m3u8", true, []byte("another-16-bytes"), []string{"K3"}},
		{"short key", "ladder", "v0/index.m3u8", true, key[:15], []string{"K3"}},
		{"fmp4 wrong key", "fmp4", "index.m3u8", true, []byte("another-16-bytes"), []string{"K3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, tc.fixture)
			encryptFixture(t, dir, tc.playlist, "../key.bin", key, tc.explicit)
			os.WriteFile(filepath.Join(dir, filepath.Dir(tc.playlist), "..", "key.bin"), tc.keyFile, 0o600)
			rep := mustVerify(t, filepath.Join(dir, tc.playlist), Options{})
			var got []string
			for _, r := range rules(rep) {
				if r != "P8/SHOULD" {
					got = append(got, r)
				}
			}
			if tc.want == nil && len(got) > 0 {
				t.Fatalf("an encrypted rendition fails: %v\n%s", got, dump(rep))
			}
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					found = found || g == w+"/MUST"
				}
				if !found {
					t.Errorf("want %s, got %v\n%s", w, got, dump(rep))
				}
			}
		})
	}
}

func TestVerifyEncryptedMissingKey(t *testing.T) {
	dir := copyFixture(t, "ladder")
	encryptFixture(t, dir, "v0/index.m3u8", "nokey.bin", []byte("veza-test-key-16"), true)
	wantRules(t, mustVerify(t, filepath.Join(dir, "v0", "index.m3u8"), Options{}), "K3/MUST")
}
