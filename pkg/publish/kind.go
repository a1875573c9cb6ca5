package publish

import (
	"path"
	"strings"
)

// Kind is what an object is to a player; it decides the upload phase, the
// Content-Type and the Cache-Control.
type Kind string

const (
	KindInit     Kind = "init"     // fMP4 init section
	KindSegment  Kind = "segment"  // media segment or whole media file
	KindSubtitle Kind = "subtitle" // WebVTT file
	KindImage    Kind = "image"    // thumbnails, trick-play sprites
	KindKey      Kind = "key"      // AES-128 key, never published next to the media
	KindPlaylist Kind = "playlist" // HLS media playlist
	KindMaster   Kind = "master"   // HLS multivariant playlist
	KindMPD      Kind = "mpd"      // DASH manifest
)

// phase is the upload phase of kind: 0 before 1 before 2.
func (k Kind) phase() int {
	switch k {
	case KindPlaylist:
		return 1
	case KindMaster, KindMPD:
		return 2
	default:
		return 0
	}
}

// contentTypes maps the extensions published to their Content-Type. Files
// with other extensions (the catalog, logs, reports) are not published.
var contentTypes = map[string]string{
	".m3u8":   "application/vnd.apple.mpegurl",
	".mpd":    "application/dash+xml",
	".ts":     "video/mp2t",
	".m4s":    "video/iso.segment",
	".mp4":    "video/mp4",
	".m4v":    "video/mp4",
	".m4a":    "audio/mp4",
	".aac":    "audio/aac",
	".mp3":    "audio/mpeg",
	".vtt":    "text/vtt",
	".webvtt": "text/vtt",
	".jpg":    "image/jpeg",
	".jpeg":   "image/jpeg",
	".png":    "image/png",
	".key":    "application/octet-stream",
}

// kindOf classifies a file by its name alone; playlists are told apart
// from masters, and keys named otherwise than *.key found, once read.
func kindOf(name string) (Kind, bool) {
	ext := strings.ToLower(path.Ext(name))
	if _, ok := contentTypes[ext]; !ok {
		return "", false
	}
	switch ext {
	case ".m3u8":
		return KindPlaylist, true
	case ".mpd":
		return KindMPD, true
	case ".vtt", ".webvtt":
		return KindSubtitle, true
	case ".jpg", ".jpeg", ".png":
		return KindImage, true
	case ".key":
		return KindKey, true
	case ".mp4":
		if strings.HasPrefix(strings.ToLower(path.Base(name)), "init") {
			return KindInit, true
		}
	}
	return KindSegment, true
}

// contentType is the Content-Type of name.
func contentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// Cache-Control values by kind and state.
const (
	// A live playlist changes every segment: a CDN may hold it a second.
	cacheLive = "public, max-age=1"
	// A VOD playlist changes only when the track is rebuilt: short, and
	// revalidated once stale.
	cacheVOD = "public, max-age=30, must-revalidate"
	// Media under names reused by every build (seg_00000.ts): an hour, so a
	// rebuild is seen within the hour.
	cacheMedia = "public, max-age=3600"
	// Media under names unique per build never changes.
	cacheImmutable = "public, max-age=31536000, immutable"
	// Keys, when published at all, are not kept by shared caches.
	cacheKey = "private, no-store"
)

// cacheControl is the Cache-Control of an object of kind k; live tells a
// playlist or MPD that is still growing.
func cacheControl(k Kind, live, uniqueNames bool) string {
	switch k {
	case KindKey:
		return cacheKey
	case KindPlaylist, KindMaster, KindMPD:
		if live {
			return cacheLive
		}
		return cacheVOD
	}
	if uniqueNames {
		return cacheImmutable
	}
	return cacheMedia
}
