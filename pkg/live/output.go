package live

import (
	"path/filepath"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// output is one rendition a live job publishes: its folder, ffmpeg's
// private playlist for it, its window and its catalog row. A single live
// rendition has one; a live ladder one per rung. Its fields are guarded by
// the runner's mu.
type output struct {
	name     string // the catalog rendition
	dir      string // rendition folder
	playlist string // the public media playlist
	work     string // ffmpeg's private EVENT playlist
	win      *window
	rend     catalog.Rendition // PlaylistPath is the file on disk, as recorder takes it

	queue       []published // recorded, waiting for the playlist
	lastPublish time.Time
	nextSeq     uint64 // media sequence number of the next segment
	discPending bool   // the next segment follows a reconnection
	published   int    // segments published since the job started

	// Within the current ffmpeg run.
	seen     int       // entries of ffmpeg's playlist recorded in this run
	pdtNext  time.Time // EXT-X-PROGRAM-DATE-TIME of the next segment
	detected bool      // codecs looked at for this run

	// For the live master (ladders only).
	variant *hls.Variant // nil until the first segment was measured
}

// newOutput is the output of rendition name in dir, with ffmpeg's private
// playlist in the folder work.
func newOutput(name, dir, work string, cfg Config) *output {
	o := &output{name: name, dir: dir, playlist: filepath.Join(dir, layout.Playlist),
		work: filepath.Join(work, name+".m3u8")}
	size := cfg.Window
	if cfg.Event {
		size = 0
	}
	o.win = newWindow(size, cfg.SegmentTime, cfg.Mode == ModeEncode)
	return o
}

// newRun resets what the output follows within one ffmpeg run.
func (o *output) newRun() { o.seen, o.pdtNext, o.detected = 0, time.Time{}, false }
