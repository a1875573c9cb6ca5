package hls

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
)

// KeyLen is the length in bytes of an AES-128 key file (HLS-RULES K3).
const KeyLen = 16

// Errors of DecryptSegment.
var (
	// ErrKeyLength means a key file is not 16 bytes.
	ErrKeyLength = errors.New("an AES-128 key is 16 bytes")
	// ErrCipherLength means the data is not whole 16-byte blocks.
	ErrCipherLength = errors.New("not a whole number of 16-byte AES blocks")
	// ErrPadding means the last block does not end in PKCS#7 padding: the
	// wrong key or IV, or a segment not encrypted whole.
	ErrPadding = errors.New("no valid PKCS#7 padding after decryption (wrong key or IV?)")
)

// EncryptSegment encrypts a whole segment as METHOD=AES-128 does (RFC 8216
// §4.3.2.4): AES-128-CBC with PKCS#7 padding, so the output is 1 to 16
// bytes longer than plain.
func EncryptSegment(key []byte, iv [16]byte, plain []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil || len(key) != KeyLen {
		return nil, ErrKeyLength
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	out := make([]byte, len(plain)+pad)
	copy(out, plain)
	for i := len(plain); i < len(out); i++ {
		out[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(out, out)
	return out, nil
}

// DecryptSegment reverses EncryptSegment, checking and removing the
// padding.
func DecryptSegment(key []byte, iv [16]byte, data []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil || len(key) != KeyLen {
		return nil, ErrKeyLength
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, ErrCipherLength
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv[:]).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(out[len(out)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, ErrPadding
	}
	return out[:len(out)-pad], nil
}

// ivRE is the form of an EXT-X-KEY IV attribute.
var ivRE = regexp.MustCompile(`^0[xX][0-9a-fA-F]{32}$`)

// ParseIV reads an EXT-X-KEY IV attribute: 0x followed by 32 hex digits.
func ParseIV(s string) ([16]byte, error) {
	var iv [16]byte
	if !ivRE.MatchString(s) {
		return iv, fmt.Errorf("IV %q is not 0x followed by 32 hex digits", s)
	}
	_, err := hex.Decode(iv[:], []byte(s[2:]))
	return iv, err
}

// FormatIV writes iv as an IV attribute value.
func FormatIV(iv [16]byte) string { return "0x" + hex.EncodeToString(iv[:]) }

// SequenceIV is the IV of a segment whose EXT-X-KEY has no IV attribute:
// its media sequence number as a 128-bit big-endian integer (RFC 8216
// §5.2).
func SequenceIV(seq uint64) [16]byte {
	var iv [16]byte
	binary.BigEndian.PutUint64(iv[8:], seq)
	return iv
}

// SegmentIV is the IV that decrypts segment i of p under key k: the
// explicit IV, else the sequence number.
func (p *MediaPlaylist) SegmentIV(i int, k *Key) ([16]byte, error) {
	if k.IV != "" {
		return ParseIV(k.IV)
	}
	return SequenceIV(p.SequenceOf(i)), nil
}
