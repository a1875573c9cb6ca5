package serve

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits of the in-memory cache. Playlists are kept whole up to a size far
// beyond any real one (a 24 h VOD at 2 s segments is ~2 MB) so the hot path
// never reads them from disk; other files only when tiny (init sections,
// keys), since sendfile already serves large files without copying.
const (
	maxCachedPlaylist = 16 << 20
	maxCachedMedia    = 64 << 10
	maxCacheBytes     = 256 << 20
	maxCacheEntries   = 16384
	// dirTTL is how long a folder's finished/unfinished state is trusted.
	// A live stream that ends gets long-lived segment headers at most this
	// late, which costs nothing but an extra revalidation.
	dirTTL = time.Second
)

// fileCache keeps what the hot path needs about each file served: its
// headers, ready to assign, and for small files the bytes and their gzip
// form. Entries are keyed by the clean path inside the root.
type fileCache struct {
	root  *os.Root
	ttl   int64 // nanoseconds a small file's entry is trusted without a stat
	epoch time.Time

	entries sync.Map // string -> *fileEntry
	dirs    sync.Map // string -> *dirState
	count   atomic.Int64
	bytes   atomic.Int64
	fds     atomic.Int64
}

func newFileCache(root *os.Root, ttl time.Duration) *fileCache {
	return &fileCache{root: root, ttl: int64(ttl), epoch: time.Now()}
}

// now is a monotonic clock in nanoseconds, immune to wall-clock jumps.
func (c *fileCache) now() int64 { return int64(time.Since(c.epoch)) }

// fileEntry describes one version of one file: when the file changes
// (size, mtime or inode), a new entry replaces it.
type fileEntry struct {
	name string
	dir  string
	typ  fileType
	size int64
	mod  time.Time
	ino  uint64

	ctype, etag, lastMod, clen []string

	// body is the whole file when it is small enough to keep; gz is its
	// gzip form for playlists and manifests.
	body         []byte
	gz           []byte
	gzEtag, gzLn []string

	// finished: a media playlist with EXT-X-ENDLIST, a master whose every
	// variant is finished, or a static MPD.
	finished bool
	// master: the playlist lists variants (EXT-X-STREAM-INF).
	master bool
	// uris are the places of the URIs in body, for signing.
	uris []uriSpan
	// fastHdr holds the header lines Server writes for this version.
	fastHdr []byte
	// fd, for a file too large to keep, stays open while the entry is
	// cached. Server sends from it with sendfile at explicit offsets, so
	// its position is never used and any number of requests share it.
	fd      *os.File
	retired sync.Once

	checked atomic.Int64
}

func (e *fileEntry) same(fi fs.FileInfo) bool {
	return fi.Size() == e.size && fi.ModTime().Equal(e.mod) && inode(fi) == e.ino
}

func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

func newEntry(name string, typ fileType, fi fs.FileInfo) *fileEntry {
	e := &fileEntry{
		name: name,
		dir:  path.Dir(name),
		typ:  typ,
		size: fi.Size(),
		mod:  fi.ModTime(),
		ino:  inode(fi),
	}
	e.ctype = []string{typ.ctype}
	tag := strconv.FormatInt(e.mod.UnixNano(), 36) + "-" + strconv.FormatInt(e.size, 36) + "-" + strconv.FormatUint(e.ino, 36)
	e.etag = []string{`"` + tag + `"`}
	e.lastMod = []string{e.mod.UTC().Format(httpTimeFormat)}
	e.clen = []string{strconv.FormatInt(e.size, 10)}
	return e
}

const httpTimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// setBody keeps the file's bytes and derives what depends on them.
// nested is set while a master's variants are being read: a master met
// then is not followed further, so masters naming masters cannot loop.
func (e *fileEntry) setBody(c *fileCache, b []byte, nested bool) {
	e.body = b
	if int64(len(b)) != e.size {
		// The file changed while it was read: keep what was read, and let
		// the next stat (which will not match) load it again.
		e.size = int64(len(b))
		e.clen = []string{strconv.Itoa(len(b))}
	}
	switch e.typ.kind {
	case kindPlaylist:
		e.master = bytes.Contains(b, []byte("#EXT-X-STREAM-INF"))
		e.uris = playlistURIs(b)
		if e.master {
			e.finished = !nested && c.variantsFinished(e)
		} else {
			e.finished = bytes.Contains(b, []byte("#EXT-X-ENDLIST"))
		}
	case kindManifest:
		e.finished = !bytes.Contains(b, []byte(`type="dynamic"`))
	}
	if e.typ.kind == kindPlaylist || e.typ.kind == kindManifest {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		e.gz = buf.Bytes()
		e.gzEtag = []string{strings.TrimSuffix(e.etag[0], `"`) + `-gz"`}
		e.gzLn = []string{strconv.Itoa(len(e.gz))}
	}
}

// variantsFinished says whether every playlist a master names (variants
// and renditions) is a finished media playlist.
func (c *fileCache) variantsFinished(e *fileEntry) bool {
	n := 0
	for _, u := range e.uris {
		uri := string(e.body[u.start:u.end])
		name, ok := resolveURI(e.dir, uri)
		if !ok {
			return false
		}
		t, ok := typeOf(name)
		if !ok || t.kind != kindPlaylist {
			continue // an I-frame playlist's or session key's URI
		}
		v, err := c.lookup(name, t, true)
		if err != nil || v.body == nil || v.master || !v.finished {
			return false
		}
		n++
	}
	return n > 0
}

// resolveURI resolves a relative playlist URI against the folder of the
// playlist, inside the root. Absolute URLs and URIs that climb out of the
// root are not files of ours.
func resolveURI(dir, uri string) (string, bool) {
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	if uri == "" || strings.Contains(uri, ":") {
		return "", false
	}
	var p string
	if uri[0] == '/' {
		p = path.Clean(uri[1:])
	} else {
		p = path.Join(dir, uri)
	}
	if !fs.ValidPath(p) || p == "." {
		return "", false
	}
	return p, true
}

// errIsDir is returned for a path naming a folder: folders are not listed.
var errIsDir = errors.New("is a directory")

// maxOpenFiles caps the large files kept open for Server's sendfile path,
// well under the usual limit of 1024 descriptors; beyond it a request opens
// its file for itself.
const maxOpenFiles = 256

// entry returns the entry describing name as it is now (checked by a stat at
// most every ttl). A file too large to keep in memory may come with an open
// fd shared by all requests (see fileEntry.fd).
func (c *fileCache) entry(name string, typ fileType) (*fileEntry, error) {
	return c.lookup(name, typ, false)
}

// open returns the entry of name and, for a file not kept in memory, a
// handle of the caller's own at offset 0, which it closes. The entry
// describes exactly what the handle holds, even if the file changed since
// the last stat.
func (c *fileCache) open(name string, typ fileType) (*fileEntry, *os.File, error) {
	e, err := c.lookup(name, typ, false)
	if err != nil || e.body != nil {
		return e, nil, err
	}
	f, err := c.root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fs.ErrNotExist
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !e.same(fi) {
		// Changed since the last stat: describe this handle's bytes. The
		// cache catches up at its next check.
		e = newEntry(name, typ, fi)
		e.buildFastHeader()
	}
	return e, f, nil
}

func (c *fileCache) lookup(name string, typ fileType, nested bool) (*fileEntry, error) {
	now := c.now()
	if v, ok := c.entries.Load(name); ok {
		e := v.(*fileEntry)
		if now-e.checked.Load() < c.ttl {
			return e, nil
		}
		fi, err := c.root.Stat(name)
		if err != nil {
			c.drop(name, e)
			return nil, err
		}
		if e.same(fi) {
			e.checked.Store(now)
			return e, nil
		}
	}
	f, err := c.root.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return c.load(name, typ, f, fi, now, nested)
}

// load builds the entry of an open file, which it keeps or closes, and
// stores it.
func (c *fileCache) load(name string, typ fileType, f *os.File, fi fs.FileInfo, now int64, nested bool) (*fileEntry, error) {
	if fi.IsDir() {
		f.Close()
		return nil, errIsDir
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fs.ErrNotExist
	}
	e := newEntry(name, typ, fi)
	limit := int64(maxCachedMedia)
	if typ.kind == kindPlaylist || typ.kind == kindManifest {
		limit = maxCachedPlaylist
	}
	if e.size > limit || c.bytes.Load()+e.size > maxCacheBytes {
		if c.fds.Add(1) <= maxOpenFiles {
			e.fd = f
		} else {
			c.fds.Add(-1)
			f.Close()
		}
		e.buildFastHeader()
		e.checked.Store(now)
		c.store(name, e)
		return e, nil
	}
	b := make([]byte, e.size)
	n, err := io.ReadFull(f, b)
	f.Close()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	e.setBody(c, b[:n], nested)
	e.buildFastHeader()
	e.checked.Store(now)
	if !(nested && e.master) { // its finished flag was not worked out
		c.store(name, e)
	}
	return e, nil
}

// retire closes the entry's shared fd once it is out of the cache. A
// request still sending from it keeps it valid: os.File closes the
// descriptor only after the last SyscallConn callback returns.
func (c *fileCache) retire(e *fileEntry) {
	if e.fd != nil {
		e.retired.Do(func() {
			e.fd.Close()
			c.fds.Add(-1)
		})
	}
}

func (c *fileCache) store(name string, e *fileEntry) {
	if c.count.Load() >= maxCacheEntries || c.bytes.Load() > maxCacheBytes {
		// Rare (a huge folder browsed at length): start over rather than
		// track recency on every hit of the hot path.
		c.entries.Range(func(_, v any) bool {
			c.retire(v.(*fileEntry))
			return true
		})
		c.entries.Clear()
		c.count.Store(0)
		c.bytes.Store(0)
	}
	old, loaded := c.entries.Swap(name, e)
	if !loaded {
		c.count.Add(1)
	} else {
		c.bytes.Add(-int64(len(old.(*fileEntry).body) + len(old.(*fileEntry).gz)))
		c.retire(old.(*fileEntry))
	}
	c.bytes.Add(int64(len(e.body) + len(e.gz)))
}

func (c *fileCache) drop(name string, e *fileEntry) {
	if c.entries.CompareAndDelete(name, e) {
		c.count.Add(-1)
		c.bytes.Add(-int64(len(e.body) + len(e.gz)))
		c.retire(e)
	}
}

type dirState struct {
	finished bool
	checked  int64
}

// dirFinished says whether the media in folder dir are final: the folder
// holds at least one media playlist and every one of them has ENDLIST.
// Segments of such folders get long-lived, immutable caching; anything
// else (a live stream, an encode in progress, loose files) is revalidated.
func (c *fileCache) dirFinished(dir string, now int64) bool {
	if v, ok := c.dirs.Load(dir); ok {
		d := v.(*dirState)
		if now-d.checked < int64(dirTTL) {
			return d.finished
		}
	}
	fin := c.scanDir(dir)
	c.dirs.Store(dir, &dirState{finished: fin, checked: now})
	return fin
}

func (c *fileCache) scanDir(dir string) bool {
	d, err := c.root.Open(dir)
	if err != nil {
		return false
	}
	defer d.Close()
	seen := 0
	for {
		names, err := d.Readdirnames(256)
		for _, n := range names {
			t, ok := typeOf(n)
			if !ok || t.kind != kindPlaylist {
				continue
			}
			name := n
			if dir != "." {
				name = dir + "/" + n
			}
			e, gerr := c.entry(name, t)
			if gerr != nil || e.body == nil {
				return false
			}
			if e.master {
				continue
			}
			if !e.finished {
				return false
			}
			seen++
		}
		if err != nil {
			break
		}
	}
	return seen > 0
}

// cleanName turns a request path into a name inside the root, refusing
// everything that is not a plain relative path of visible names: "..",
// empty or "." elements, backslashes, NUL, encoded slashes, dotfiles.
// os.Root would refuse escapes anyway; refusing early keeps odd names out
// of the cache and of error messages.
func cleanName(urlPath, rawPath string) (string, bool) {
	if len(urlPath) < 2 || urlPath[0] != '/' {
		return "", false
	}
	if rawPath != "" {
		lp := strings.ToLower(rawPath)
		if strings.Contains(lp, "%2f") || strings.Contains(lp, "%5c") || strings.Contains(lp, "%00") {
			return "", false
		}
	}
	name := urlPath[1:]
	if !fs.ValidPath(name) {
		return "", false
	}
	prevSlash := true
	for i := 0; i < len(name); i++ {
		switch ch := name[i]; {
		case ch == '\\' || ch == 0:
			return "", false
		case ch == '.' && prevSlash:
			return "", false
		default:
			prevSlash = ch == '/'
		}
	}
	return name, true
}
