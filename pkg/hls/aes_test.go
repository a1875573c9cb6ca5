package hls

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSegmentCipher(t *testing.T) {
	key := []byte("0123456789abcdef")
	iv := SequenceIV(7)
	if FormatIV(iv) != "0x00000000000000000000000000000007" {
		t.Errorf("SequenceIV(7) = %s", FormatIV(iv))
	}
	for _, n := range []int{0, 1, 15, 16, 17, 188 * 3} {
		plain := bytes.Repeat([]byte{0x47}, n)
		enc, err := EncryptSegment(key, iv, plain)
		if err != nil {
			t.Fatal(err)
		}
		// PKCS#7 always pads, a whole block when the input is aligned.
		if len(enc) != (n/16+1)*16 {
			t.Errorf("%d bytes encrypt to %d", n, len(enc))
		}
		// An independent CBC decryption gives the input and its padding.
		block, _ := aes.NewCipher(key)
		raw := make([]byte, len(enc))
		cipher.NewCBCDecrypter(block, iv[:]).CryptBlocks(raw, enc)
		if !bytes.Equal(raw[:n], plain) || int(raw[len(raw)-1]) != len(enc)-n {
			t.Errorf("%d bytes: the CBC decryption does not give the input + PKCS#7 padding", n)
		}
		dec, err := DecryptSegment(key, iv, enc)
		if err != nil || !bytes.Equal(dec, plain) {
			t.Errorf("%d bytes: round trip %v", n, err)
		}
		if _, err := DecryptSegment([]byte("fedcba9876543210"), iv, enc); !errors.Is(err, ErrPadding) && n > 0 {
			// a wrong key leaves valid padding about once in 256 tries;
			// these fixed inputs are not among them
			t.Errorf("%d bytes with the wrong key: %v", n, err)
		}
	}
	if _, err := DecryptSegment(key, iv, make([]byte, 20)); !errors.Is(err, ErrCipherLength) {
		t.Errorf("20 bytes: %v", err)
	}
	if _, err := EncryptSegment(key[:15], iv, nil); !errors.Is(err, ErrKeyLength) {
		t.Errorf("15-byte key: %v", err)
	}
	for _, s := range []string{"0x1", "00000000000000000000000000000007", "0xg0000000000000000000000000000007"} {
		if _, err := ParseIV(s); err == nil {
			t.Errorf("ParseIV(%q) succeeded", s)
		}
	}
	if got, err := ParseIV("0X000102030405060708090A0B0C0D0E0F"); err != nil || got[15] != 15 {
		t.Errorf("ParseIV upper case: %v %v", got, err)
	}
}

// encryptFixture encrypts every segment of the media playlist at
// dir/playlist with key, IV = the sequence number written explicitly
// (explicit) or left implicit, and rewrites the playlist with the key at
// keyURI.
func encryptFixture(t *testing.T, dir, playlist, keyURI string, key []byte, explicit bool) {
	t.Helper()
	path := filepath.Join(dir, playlist)
	pl, err := ReadMedia(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pl.Segments {
		s := &pl.Segments[i]
		iv := SequenceIV(pl.SequenceOf(i))
		k := &Key{Method: "AES-128", URI: keyURI}
		if explicit {
			k.IV = FormatIV(iv)
		}
		s.Key = k
		seg := filepath.Join(filepath.Dir(path), s.URI)
		data, _ := os.ReadFile(seg)
		enc, err := EncryptSegment(key, iv, data)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(seg, enc, 0o644)
	}
	if err := WriteMedia(path, pl); err != nil {
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
