// Package serve is veza's local preview server as an http.Handler: it serves
// an output folder (playlists, segments, keys) with the headers players
// need, pages that list and play the catalog's tracks with hls.js, a JSON
// API over the catalog, health endpoints and Prometheus metrics.
//
// Files are read only through an os.Root opened on the folder, so no request
// path, symlink or encoded trick can reach a file outside it; only regular
// files with a media extension are served, a symlink only to a file of the
// same kind, and a key only where a playlist names it. Small files
// (playlists, init sections, keys) are kept in memory with their headers
// precomputed (the gzip form on first demand) and revalidated by a stat at
// most every StatTTL; a changed file is read once however many requests
// wait for it. Larger files go to the socket with sendfile from a shared
// descriptor, closed when unused or when its file is deleted. Every file is
// revalidated by clients (no immutable caching: veza rebuilds reuse names).
// Without Config.CORSOrigin no other origin may read the files, and with
// Config.Hosts a server on loopback answers only loopback names. The caller owns the listener
// and its shutdown; it may serve the Handler with net/http, or with Server,
// which answers plain file requests itself and leaves the rest to net/http.
//
// With a signing key, every file, page and API answer needs a link signed
// with HMAC-SHA256 and an expiry (Signer); playlists are rewritten so the
// URIs they list carry signatures with the playlist link's own expiry.
package serve
