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
	// dirTTL is how long the list of keys a folder's playlists name is
	// trusted.
	dirTTL = time.Second
	// fdIdle is how long a shared descriptor stays open unused, and
	// sweepEvery how often descriptors are checked: a descriptor pins its
	// file's disk space, even after a live window deleted the file.
	fdIdle     = 10 * time.Second
	sweepEvery = time.Second
)

// fileCache keeps what the hot path needs about each file served: its
// headers, ready to assign, and for small files the bytes and their gzip
// form. Entries are keyed by the clean path inside the root.
type fileCache struct {
	root  *os.Root
	ttl   int64 // nanoseconds a small file's entry is trusted without a stat
	epoch time.Time

	entries sync.Map // string -> *fileEntry
	keyDirs sync.Map // string -> *keyDir
	count   atomic.Int64
	bytes   atomic.Int64 // of bodies; gzip forms, made on demand, are smaller
	fds     atomic.Int64
	reads   atomic.Int64 // files opened to load an entry

	// loading holds the loads in progress, so that requests for a file
	// that changed wait for one read of it instead of each reading it.
	mu      sync.Mutex
	loading map[string]*flight

	stop chan struct{}
	done chan struct{}
}

// flight is one load of a file that other requests wait for.
type flight struct {
	done chan struct{}
	e    *fileEntry
	err  error
}

func newFileCache(root *os.Root, ttl time.Duration) *fileCache {
	c := &fileCache{root: root, ttl: int64(ttl), epoch: time.Now(), loading: map[string]*flight{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.sweep()
	return c
}

// sweep closes, every sweepEvery, the shared descriptors unused for fdIdle
// and those whose file was deleted, until close.
func (c *fileCache) sweep() {
	defer close(c.done)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		now := c.now()
		c.entries.Range(func(k, v any) bool {
			e := v.(*fileEntry)
			if e.fd != nil && (now-e.used.Load() > int64(fdIdle) || deleted(e.fd)) {
				c.drop(k.(string), e)
			}
			return true
		})
	}
}

// deleted says whether f's file has no name left.
func deleted(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return true
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink == 0
}

// close stops the sweeper and closes every shared descriptor.
func (c *fileCache) close() {
	close(c.stop)
	<-c.done
	c.entries.Range(func(_, v any) bool {
		c.retire(v.(*fileEntry))
		return true
	})
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

	// body is the whole file when it is small enough to keep.
	body []byte
	// gz is body's gzip form for playlists and manifests, made by the
	// first request that accepts it (see gzipped).
	gzOnce sync.Once
	gz     *gzForm

	// uris are the places of the URIs in body, for signing.
	uris []uriSpan
	// fastHdr holds the header lines Server writes for this version.
	fastHdr []byte
	// fd, for a file too large to keep, stays open while the entry is
	// cached. Server sends from it with sendfile at explicit offsets, so
	// its position is never used and any number of requests share it.
	fd      *os.File
	retired sync.Once
	used    atomic.Int64 // when a request last had fd, in fileCache.now

	checked atomic.Int64
}

// gzForm is a body compressed, with its own validator and length.
type gzForm struct {
	body      []byte
	etag, len []string
}

// compressible says whether the entry is a playlist or manifest kept in
// memory, which gzipped answers.
func (e *fileEntry) compressible() bool {
	return e.body != nil && (e.typ.kind == kindPlaylist || e.typ.kind == kindManifest)
}

// gzipped returns the gzip form of a compressible entry, compressing it on
// first use. The level is the fastest: a live EVENT playlist of megabytes
// changes every segment, and best compression saved a few percent for many
// times the time.
func (e *fileEntry) gzipped() *gzForm {
	e.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(e.body)
		zw.Close()
		e.gz = &gzForm{
			body: buf.Bytes(),
			etag: []string{strings.TrimSuffix(e.etag[0], `"`) + `-gz"`},
			len:  []string{strconv.Itoa(buf.Len())},
		}
	})
	return e.gz
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
func (e *fileEntry) setBody(b []byte) {
	e.body = b
	if int64(len(b)) != e.size {
		// The file changed while it was read: keep what was read, and let
		// the next stat (which will not match) load it again.
		e.size = int64(len(b))
		e.clen = []string{strconv.Itoa(len(b))}
	}
	if e.typ.kind == kindPlaylist {
		e.uris = playlistURIs(b)
	}
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
	return c.lookup(name, typ)
}

// open returns the entry of name and, for a file not kept in memory, a
// handle of the caller's own at offset 0, which it closes. The entry
// describes exactly what the handle holds, even if the file changed since
// the last stat.
func (c *fileCache) open(name string, typ fileType) (*fileEntry, *os.File, error) {
	e, err := c.lookup(name, typ)
	if err != nil || e.body != nil {
		return e, nil, err
	}
	f, err := c.openFile(name)
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

func (c *fileCache) lookup(name string, typ fileType) (*fileEntry, error) {
	now := c.now()
	if v, ok := c.entries.Load(name); ok {
		e := v.(*fileEntry)
		if e.fd != nil {
			e.used.Store(now)
		}
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
	c.mu.Lock()
	if fl, ok := c.loading[name]; ok {
		c.mu.Unlock()
		<-fl.done
		return fl.e, fl.err
	}
	fl := &flight{done: make(chan struct{})}
	c.loading[name] = fl
	c.mu.Unlock()
	fl.e, fl.err = c.read(name, typ, now)
	c.mu.Lock()
	delete(c.loading, name)
	c.mu.Unlock()
	close(fl.done)
	return fl.e, fl.err
}

// read opens name, which must be a regular file reached through links
// whose targets have name's kind, and loads its entry.
func (c *fileCache) read(name string, typ fileType, now int64) (*fileEntry, error) {
	if err := c.checkLinks(name, typ); err != nil {
		return nil, err
	}
	f, err := c.openFile(name)
	if err != nil {
		return nil, err
	}
	c.reads.Add(1)
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return c.load(name, typ, f, fi, now)
}

// maxLinks bounds the chain of symlinks checkLinks follows.
const maxLinks = 8

// checkLinks refuses a name that is a symlink to a file of another kind:
// x.ts -> veza.db must not serve the catalog as a segment. The chain is
// followed by its text, folder by folder; the root's own checks still
// keep the file inside the root.
func (c *fileCache) checkLinks(name string, typ fileType) error {
	for range maxLinks {
		fi, err := c.root.Lstat(name)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return nil
		}
		target, err := c.root.Readlink(name)
		if err != nil {
			return err
		}
		if path.IsAbs(target) {
			return fs.ErrNotExist
		}
		name = path.Join(path.Dir(name), target)
		if t, ok := typeOf(name); !ok || t.kind != typ.kind || !fs.ValidPath(name) {
			return fs.ErrNotExist
		}
	}
	return fs.ErrNotExist
}

// openFile opens name for reading without blocking on a FIFO or device:
// load then refuses what is not a regular file.
func (c *fileCache) openFile(name string) (*os.File, error) {
	return c.root.OpenFile(name, os.O_RDONLY|openNonblock, 0)
}

// load builds the entry of an open file, which it keeps or closes, and
// stores it.
func (c *fileCache) load(name string, typ fileType, f *os.File, fi fs.FileInfo, now int64) (*fileEntry, error) {
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
			e.used.Store(now)
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
	e.setBody(b[:n])
	e.buildFastHeader()
	e.checked.Store(now)
	c.store(name, e)
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
		c.bytes.Add(-int64(len(old.(*fileEntry).body)))
		c.retire(old.(*fileEntry))
	}
	c.bytes.Add(int64(len(e.body)))
}

func (c *fileCache) drop(name string, e *fileEntry) {
	if c.entries.CompareAndDelete(name, e) {
		c.count.Add(-1)
		c.bytes.Add(-int64(len(e.body)))
		c.retire(e)
	}
}

// keyDir is the set of keys named by the playlists of one folder and of
// its sub-folders, as found at checked.
type keyDir struct {
	keys    map[string]bool
	checked int64
}

// keyNamed says whether a playlist names the key file name: one in the
// key's folder or in a folder just below it (veza writes keys beside the
// master and renditions one level down). A .key or .bin file that no
// playlist uses is not published.
func (c *fileCache) keyNamed(name string) bool {
	dir := path.Dir(name)
	now := c.now()
	if v, ok := c.keyDirs.Load(dir); ok {
		if d := v.(*keyDir); now-d.checked < int64(dirTTL) {
			return d.keys[name]
		}
	}
	d := &keyDir{keys: map[string]bool{}, checked: now}
	c.collectKeys(dir, d.keys, true)
	c.keyDirs.Store(dir, d)
	return d.keys[name]
}

// collectKeys adds to keys the key files that the playlists in dir (and
// in its sub-folders when deeper) name.
func (c *fileCache) collectKeys(dir string, keys map[string]bool, deeper bool) {
	d, err := c.root.Open(dir)
	if err != nil {
		return
	}
	ents, _ := d.ReadDir(-1)
	d.Close()
	for _, de := range ents {
		name := path.Join(dir, de.Name())
		if de.IsDir() {
			if deeper && de.Name()[0] != '.' {
				c.collectKeys(name, keys, false)
			}
			continue
		}
		t, ok := typeOf(name)
		if !ok || t.kind != kindPlaylist {
			continue
		}
		e, err := c.entry(name, t)
		if err != nil || e.body == nil {
			continue
		}
		for _, u := range e.uris {
			if k, ok := resolveURI(e.dir, string(e.body[u.start:u.end])); ok {
				if kt, ok := typeOf(k); ok && kt.kind == kindKey {
					keys[k] = true
				}
			}
		}
	}
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
