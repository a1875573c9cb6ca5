package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors of Signer.Verify. Each one makes the handler answer 403.
var (
	ErrUnsigned     = errors.New("signature missing")
	ErrBadSignature = errors.New("signature invalid")
	ErrExpired      = errors.New("signature expired")
)

// Signer makes and checks expiring links: a link carries exp (Unix
// seconds) and sig, the unpadded base64url HMAC-SHA256 of the decoded URL
// path and exp under the key. The query string outside exp and sig is not
// covered, so players may add their own parameters.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer with key. The key should be at least 16
// random bytes; anyone holding it can mint links.
func NewSigner(key []byte) *Signer {
	return &Signer{key: append([]byte(nil), key...)}
}

func (s *Signer) mac(path string, exp string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("veza-url-v1\n"))
	m.Write([]byte(path))
	m.Write([]byte{'\n'})
	m.Write([]byte(exp))
	return m.Sum(nil)
}

// Query returns "exp=…&sig=…" for path (decoded, starting with "/") valid
// until exp.
func (s *Signer) Query(path string, exp time.Time) string {
	return s.query(path, strconv.FormatInt(exp.Unix(), 10))
}

func (s *Signer) query(path, exp string) string {
	return "exp=" + exp + "&sig=" + base64.RawURLEncoding.EncodeToString(s.mac(path, exp))
}

// URL returns path, escaped for a URL, with its signature.
func (s *Signer) URL(path string, exp time.Time) string {
	return (&url.URL{Path: path}).EscapedPath() + "?" + s.Query(path, exp)
}

// Verify checks that rawQuery signs path and has not expired at now. It
// returns the expiry so links derived from this one can share it.
func (s *Signer) Verify(path, rawQuery string, now time.Time) (exp string, err error) {
	var sig string
	for q := rawQuery; q != ""; {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		switch {
		case strings.HasPrefix(kv, "exp="):
			exp = kv[4:]
		case strings.HasPrefix(kv, "sig="):
			sig = kv[4:]
		}
	}
	if exp == "" || sig == "" {
		return "", ErrUnsigned
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(path, exp)) {
		return "", ErrBadSignature
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", ErrBadSignature
	}
	if now.Unix() >= t {
		return "", ErrExpired
	}
	return exp, nil
}
