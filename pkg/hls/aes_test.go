package hls

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
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
