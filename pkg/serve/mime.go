package serve

import "strings"

// kind says how a file is cached and which Cache-Control it gets.
type kind uint8

const (
	kindMedia    kind = iota // segments, init sections, whole files
	kindPlaylist             // HLS playlists: may be rewritten and gzipped
	kindManifest             // DASH manifests and subtitles: gzipped, not rewritten
	kindKey                  // AES keys: never cached by clients
)

type fileType struct {
	ctype string
	kind  kind
}

// fileTypes lists the only extensions served. Anything else under the
// folder (the catalog veza.db and its WAL, logs, dotfiles) answers 404, so
// pointing veza serve at a folder never publishes more than media.
var fileTypes = map[string]fileType{
	".m3u8": {"application/vnd.apple.mpegurl", kindPlaylist},
	".m3u":  {"application/vnd.apple.mpegurl", kindPlaylist},
	".mpd":  {"application/dash+xml", kindManifest},
	".vtt":  {"text/vtt; charset=utf-8", kindManifest},
	".ts":   {"video/mp2t", kindMedia},
	".m4s":  {"video/iso.segment", kindMedia},
	".mp4":  {"video/mp4", kindMedia},
	".m4v":  {"video/mp4", kindMedia},
	".m4a":  {"audio/mp4", kindMedia},
	".cmfv": {"video/mp4", kindMedia},
	".cmfa": {"audio/mp4", kindMedia},
	".aac":  {"audio/aac", kindMedia},
	".mp3":  {"audio/mpeg", kindMedia},
	".ac3":  {"audio/ac3", kindMedia},
	".ec3":  {"audio/eac3", kindMedia},
	".flac": {"audio/flac", kindMedia},
	".opus": {"audio/ogg", kindMedia},
	".ogg":  {"audio/ogg", kindMedia},
	".wav":  {"audio/wav", kindMedia},
	".webm": {"video/webm", kindMedia},
	".key":  {"application/octet-stream", kindKey},
	".bin":  {"application/octet-stream", kindKey}, // AES-128 keys named key.bin
	".jpg":  {"image/jpeg", kindMedia},
	".png":  {"image/png", kindMedia},
}

// typeOf returns the type of name from its extension, case-insensitively.
func typeOf(name string) (fileType, bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || strings.LastIndexByte(name, '/') > i {
		return fileType{}, false
	}
	ext := name[i:]
	if t, ok := fileTypes[ext]; ok {
		return t, true
	}
	t, ok := fileTypes[strings.ToLower(ext)]
	return t, ok
}
