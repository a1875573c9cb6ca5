package ladder

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// Encryption makes a run encrypt every media segment with AES-128 (HLS
// METHOD=AES-128: whole-segment CBC with PKCS#7 padding), after ffmpeg has
// written it and before the playlist is final. ffmpeg writes into the track's
// layout.Staging; a rendition moves into the track folder only once encrypted,
// so no clear segment or keyless playlist is ever where people serve from. veza encrypts the files
// itself rather than through ffmpeg's hls_key_info_file: the keys, IVs and
// rotation points are then exactly what veza decided and records, whatever
// the muxer's timing of segment events. fMP4 init sections stay clear (the
// playlists put EXT-X-MAP before EXT-X-KEY).
type Encryption struct {
	// KeyFile is a 16-byte key used for every segment. Empty generates a
	// random key per track (crypto/rand), kept in the track folder and
	// reused by later runs so unchanged renditions stay decryptable.
	KeyFile string
	// KeyURL is the EXT-X-KEY URI players fetch; "{key}" in it is replaced
	// by the key file's name (key_00000.key). It defaults to the key file
	// relative to each media playlist ("../key_00000.key"), which veza
	// serve serves (signed links only with --sign-key).
	KeyURL string
	// Rotation starts a new key every Rotation segments; 0 uses one key
	// for the whole track. It needs generated keys (no KeyFile) and a
	// "{key}" in a custom KeyURL.
	Rotation int
}

// KeyPlaceholder in Encryption.KeyURL stands for the key file's name.
const KeyPlaceholder = "{key}"

// Check says whether the settings can work.
func (e *Encryption) Check() error {
	switch {
	case e.Rotation < 0:
		return fmt.Errorf("key rotation %d: use 0 (one key) or a number of segments", e.Rotation)
	case e.Rotation > 0 && e.KeyFile != "":
		return errors.New("key rotation needs generated keys: a key file gives one key")
	case e.Rotation > 0 && e.KeyURL != "" && !strings.Contains(e.KeyURL, KeyPlaceholder):
		return fmt.Errorf("key rotation writes several keys: put %s in the key URL where the key file's name goes", KeyPlaceholder)
	case strings.ContainsAny(e.KeyURL, "\"\r\n"):
		return errors.New("the key URL may not hold quotes or line breaks")
	}
	return nil
}

// keyring holds a track's AES-128 keys while a run uses them. Keys are
// never logged, never in events, and never in the catalog: only their
// fingerprints are.
type keyring struct {
	enc  Encryption
	dir  string // the track folder, where the key files live
	mu   sync.Mutex
	keys map[int][]byte
}

// openKeyring loads the track's key 0 (from KeyFile, the track folder, or
// crypto/rand), writing it to the track folder when new. Later keys are
// made on demand.
func openKeyring(enc Encryption, dir string) (*keyring, error) {
	if err := enc.Check(); err != nil {
		return nil, err
	}
	k := &keyring{enc: enc, dir: dir, keys: map[int][]byte{}}
	if enc.KeyFile != "" {
		b, err := os.ReadFile(enc.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("key file %q: %w", enc.KeyFile, errors.Unwrap(err))
		}
		if len(b) != hls.KeyLen {
			return nil, fmt.Errorf("key file %q: %d bytes, an AES-128 key is 16", enc.KeyFile, len(b))
		}
		if old, err := os.ReadFile(k.path(0)); err != nil || string(old) != string(b) {
			if _, err := writeKey(k.path(0), b, true); err != nil {
				return nil, err
			}
		}
		k.keys[0] = b
		return k, nil
	}
	if _, err := k.key(0); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *keyring) path(i int) string { return filepath.Join(k.dir, fmt.Sprintf(layout.KeyPattern, i)) }

// key returns key i: the key file in the track folder when it holds 16
// bytes, else a new random key written there.
func (k *keyring) key(i int) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if b, ok := k.keys[i]; ok {
		return b, nil
	}
	b, err := os.ReadFile(k.path(i))
	if err != nil || len(b) != hls.KeyLen {
		b = make([]byte, hls.KeyLen)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("random key: %w", err)
		}
		// A damaged key file is replaced; a missing one is created only if
		// no other run on this track created it meanwhile.
		if b, err = writeKey(k.path(i), b, err == nil); err != nil {
			return nil, err
		}
	}
	k.keys[i] = b
	return b, nil
}

// index is the key of segment seq.
func (k *keyring) index(seq int) int {
	if k.enc.Rotation <= 0 {
		return 0
	}
	return seq / k.enc.Rotation
}

// uri is the EXT-X-KEY URI of key i as a media playlist in the folder
// below the track's names it.
func (k *keyring) uri(i int) string {
	name := fmt.Sprintf(layout.KeyPattern, i)
	if k.enc.KeyURL == "" {
		return "../" + name
	}
	return strings.ReplaceAll(k.enc.KeyURL, KeyPlaceholder, name)
}

// fingerprint identifies the key settings for resume decisions without
// revealing the key: the method, URL, rotation and a digest of key 0.
func (k *keyring) fingerprint() string {
	return fmt.Sprintf("aes-128|%s|%d|%s", k.enc.KeyURL, k.enc.Rotation, catalog.KeyFingerprint(k.keys[0]))
}

// writeKey writes a key file with mode 0600 and returns the key the file
// holds. With replace it takes the place of whatever is there (atomically);
// without, it is created only if absent: when another run on the same track
// made the file first, that run's key is returned, so two runs never keep
// two different keys.
func writeKey(path string, key []byte, replace bool) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	// Mode 0600: only the owner (and the veza serve it runs) reads keys.
	var err error
	if replace {
		err = layout.WriteFile(path, key, 0o600)
	} else if err = layout.CreateFile(path, key, 0o600); errors.Is(err, fs.ErrExist) {
		theirs, rerr := os.ReadFile(path)
		if rerr == nil && len(theirs) == hls.KeyLen {
			return theirs, nil
		}
		err = fmt.Errorf("exists but is not a 16-byte key")
	}
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", filepath.Base(path), err)
	}
	return key, nil
}

// encryptPlaylist encrypts every segment of pl (its files in dir) in
// place, each with the key of its rotation period and a random IV written
// explicitly, and sets the segments' keys. A segment already encrypted by
// an interrupted run is never met: its rendition is rebuilt from scratch.
func (k *keyring) encryptPlaylist(ctx context.Context, pl *hls.MediaPlaylist, dir string) error {
	for i := range pl.Segments {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := &pl.Segments[i]
		seq := int(pl.SequenceOf(i))
		idx := k.index(seq)
		key, err := k.key(idx)
		if err != nil {
			return err
		}
		var iv [16]byte
		if _, err := rand.Read(iv[:]); err != nil {
			return fmt.Errorf("random IV: %w", err)
		}
		path, err := hls.ResolveURI(dir, s.URI)
		if err != nil {
			return err
		}
		plain, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		data, err := hls.EncryptSegment(key, iv, plain)
		if err != nil {
			return err
		}
		if err := layout.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		s.Key = &hls.Key{Method: "AES-128", URI: k.uri(idx), IV: hls.FormatIV(iv)}
	}
	return nil
}

// byURI returns the key players fetch at uri, for reading encrypted
// segments back (measuring): a key this run holds or one a reused
// rendition's earlier run left in the track folder. It never makes a key.
func (k *keyring) byURI(uri string) ([]byte, bool) {
	for i := 0; ; i++ {
		k.mu.Lock()
		key, held := k.keys[i]
		k.mu.Unlock()
		if !held {
			b, err := os.ReadFile(k.path(i))
			if err != nil || len(b) != hls.KeyLen {
				return nil, false
			}
			key = b
		}
		if k.uri(i) == uri {
			return key, true
		}
	}
}

// records lists the keys that cover segments [0, segments) for the
// catalog: no key bytes, only URI, file and fingerprint.
func (k *keyring) records(trackID string, segments int) []catalog.Key {
	var out []catalog.Key
	per := segments
	if k.enc.Rotation > 0 {
		per = k.enc.Rotation
	}
	for i := 0; i*per < segments; i++ {
		k.mu.Lock()
		key := k.keys[i]
		k.mu.Unlock()
		out = append(out, catalog.Key{TrackID: trackID, Index: i, Method: "AES-128", URI: k.uri(i), Path: k.path(i),
			FirstSegment: i * per, LastSegment: min((i+1)*per, segments) - 1, Fingerprint: catalog.KeyFingerprint(key)})
	}
	return out
}

// clearCopy writes segment i of pl (in dir) as ffprobe can read it to a
// temporary file: decrypted when it is encrypted, after its init section
// for fMP4. It returns the path to read and a function removing the copy;
// a clear TS segment is read where it is.
func clearCopy(pl *hls.MediaPlaylist, i int, dir string, keyFor func(uri string) ([]byte, bool)) (string, func(), error) {
	s := pl.Segments[i]
	path := filepath.Join(dir, s.URI)
	if s.Map == nil && s.Key == nil {
		return path, func() {}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	if s.Key != nil && s.Key.Method == "AES-128" {
		key, ok := keyFor(s.Key.URI)
		if !ok {
			return "", nil, fmt.Errorf("segment %s: no key for %q", s.URI, s.Key.URI)
		}
		iv, err := pl.SegmentIV(i, s.Key)
		if err != nil {
			return "", nil, err
		}
		if data, err = hls.DecryptSegment(key, iv, data); err != nil {
			return "", nil, fmt.Errorf("segment %s: %w", s.URI, err)
		}
	}
	if s.Map != nil {
		init, err := os.ReadFile(filepath.Join(dir, s.Map.URI))
		if err != nil {
			return "", nil, err
		}
		data = append(init, data...)
	}
	f, err := os.CreateTemp("", "veza-seg-*"+filepath.Ext(s.URI))
	if err != nil {
		return "", nil, err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", nil, err
	}
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

// keysOnDisk says whether every AES-128 key pl names is one the run can
// read back (a reused rendition whose key file is gone is rebuilt).
func (run *runner) keysOnDisk(pl *hls.MediaPlaylist) bool {
	var last *hls.Key
	for _, s := range pl.Segments {
		if s.Key == nil || s.Key == last {
			continue
		}
		last = s.Key
		if _, ok := run.keyFor(s.Key.URI); !ok {
			return false
		}
	}
	return true
}

// keyFor returns the key at uri, if the run encrypts.
func (run *runner) keyFor(uri string) ([]byte, bool) {
	if run.keys == nil {
		return nil, false
	}
	return run.keys.byURI(uri)
}

// recordKeys records in the catalog which key covers which segments, or
// that the track has none.
func (run *runner) recordKeys(ctx context.Context) error {
	if run.keys == nil {
		return run.rec.Keys(ctx, run.trackID, nil)
	}
	n := 0
	for _, v := range run.res.Variants {
		n = max(n, v.Segments)
	}
	recs := run.keys.records(run.trackID, n)
	run.res.Keys = len(recs)
	return run.rec.Keys(ctx, run.trackID, recs)
}
