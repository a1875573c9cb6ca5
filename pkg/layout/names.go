package layout

import (
	"fmt"
	"strconv"
	"strings"
)

// The names of the files in an output folder. A track folder holds Master
// (HLS), Manifest (DASH), the key files, the thumbnails and one folder per
// rendition; a rendition folder holds Playlist, Init (fMP4 only) and the
// segments.
const (
	// Master is the master playlist's name in a track folder.
	Master = "master.m3u8"
	// Playlist is the media playlist's name in a rendition folder.
	Playlist = "index.m3u8"
	// Manifest is the DASH manifest's name in a track folder.
	Manifest = "manifest.mpd"
	// Init is the fMP4 initialization segment's name in a rendition folder.
	Init = "init.mp4"
	// IFrames is a video rendition's I-frame playlist, beside Playlist: its
	// byte ranges point into the same segment files.
	IFrames = "iframes.m3u8"
	// Thumbnails is the WebVTT track of a track folder's seek-bar
	// thumbnails: its cues point at tiles of the sheets beside it, named by
	// ThumbnailPattern.
	Thumbnails = "thumbnails.vtt"
	// ThumbnailPattern names the thumbnail sprite sheets (JPEG) in a track
	// folder, numbered from 1 (a printf pattern).
	ThumbnailPattern = "thumbnails_%05d.jpg"
	// ThumbnailGlob matches every thumbnail sheet in a track folder.
	ThumbnailGlob = "thumbnails_*.jpg"
	// DASHThumbnailTemplate is the SegmentTemplate media attribute that
	// names the same sheets as ThumbnailPattern.
	DASHThumbnailTemplate = "thumbnails_$Number%05d$.jpg"
	// KeyPattern names the AES-128 key files in a track folder, numbered
	// from 0 (a printf pattern).
	KeyPattern = "key_%05d.key"
	// Staging is the private folder in a track folder where an encrypted
	// ladder is written before it is moved into place. Its leading dot
	// keeps Find (and so verify, check and import) out of it.
	Staging = ".staging"
	// CatalogName is the catalog's file name in an output folder.
	CatalogName = "veza.db"
)

// ThumbnailName is sheet n's name, n counted from 1.
func ThumbnailName(n int) string { return fmt.Sprintf(ThumbnailPattern, n) }

// Segment file extensions: MPEG-TS and fMP4 fragments, and the WebVTT
// segments of a subtitle rendition.
const (
	TS     = ".ts"
	FMP4   = ".m4s"
	WebVTT = ".vtt"
)

// segmentPrefix starts every segment name; five digits follow.
const segmentPrefix = "seg_"

// SegmentPattern is the printf pattern of the segments with extension ext
// (TS or FMP4): seg_00000.ts, seg_00001.ts…
func SegmentPattern(ext string) string { return segmentPrefix + "%05d" + ext }

// SegmentName is segment n's name with extension ext.
func SegmentName(n uint64, ext string) string { return fmt.Sprintf(SegmentPattern(ext), n) }

// SegmentGlob matches every segment with extension ext in a folder.
func SegmentGlob(ext string) string { return segmentPrefix + "*" + ext }

// DASHSegmentTemplate is the SegmentTemplate media attribute that names the
// same files as SegmentPattern(ext).
func DASHSegmentTemplate(ext string) string { return segmentPrefix + "$Number%05d$" + ext }

// SegmentNumber returns the number in a segment name written by
// SegmentPattern(ext) (at least five digits); ok is false for any other name.
func SegmentNumber(name, ext string) (n uint64, ok bool) {
	num, ok := strings.CutPrefix(name, segmentPrefix)
	if !ok {
		return 0, false
	}
	num, ok = strings.CutSuffix(num, ext)
	if !ok || len(num) < 5 {
		return 0, false
	}
	n, err := strconv.ParseUint(num, 10, 64)
	return n, err == nil
}
