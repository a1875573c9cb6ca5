package live

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// audioPeak is how far above its target an AAC encoder's rate goes over a
// segment: ffmpeg's encoder holds an average, not a ceiling, so an
// audio-only rendition declares its target plus this share as its peak.
const audioPeak = 0.10

// measureVariant makes o's entry in the live master from its first segment
// seg (probed as res): BANDWIDTH is the rung's ceiling — the video's VBV
// maxrate, or the audio's target plus audioPeak — and AVERAGE-BANDWIDTH its
// target, both plus what the segment carries besides that stream (container
// and, for video, audio), measured as bits per second.
func (r *runner) measureVariant(o *output, seg published, res *ffprobe.Result, codecs string) (*hls.Variant, error) {
	r.mu.Lock()
	var rung *ladderRendition
	for _, c := range r.abr.cmd.Outputs {
		if c.Rendition.Name == o.name {
			rr := ladderRendition{width: c.Rendition.Width, height: c.Rendition.Height,
				bitrate: c.Rendition.Bitrate, maxrate: c.Rendition.MaxRate, audio: c.Rendition.AudioBitrate}
			rung = &rr
		}
	}
	fps := r.abr.plan.FPS.Float()
	r.mu.Unlock()
	if rung == nil || seg.Duration <= 0 {
		return nil, fmt.Errorf("no rung %q", o.name)
	}
	video := rung.width > 0
	main := "audio"
	if video {
		main = "video"
	}
	sizes, err := packetBytes(context.Background(), r.cfg.FFprobe, seg.Path, res)
	if err != nil {
		return nil, err
	}
	overhead := float64(seg.Bytes-sizes[main]) * 8 / seg.Duration
	overhead = max(overhead, 0)
	v := &hls.Variant{URI: filepath.ToSlash(filepath.Join(o.name, layout.Playlist)), Codecs: codecs}
	if video {
		v.Bandwidth = int64(math.Ceil(float64(rung.maxrate)*1000 + overhead))
		v.AverageBandwidth = int64(math.Ceil(float64(rung.bitrate)*1000 + overhead))
		v.Resolution = hls.Resolution{Width: rung.width, Height: rung.height}
		v.FrameRate = fps
	} else {
		v.Bandwidth = int64(math.Ceil(float64(rung.audio)*1000*(1+audioPeak) + overhead))
		v.AverageBandwidth = int64(math.Ceil(float64(rung.audio)*1000 + overhead))
	}
	return v, nil
}

// ladderRendition is what the master needs of a planned rung.
type ladderRendition struct {
	width, height           int
	bitrate, maxrate, audio int // kbit/s
}

// packetBytes sums the packet sizes of a media file by stream type
// ("video", "audio"), res being the file's probe.
func packetBytes(ctx context.Context, ffprobeBin, path string, res *ffprobe.Result) (map[string]int64, error) {
	if ffprobeBin == "" {
		ffprobeBin = "ffprobe"
	}
	args := append([]string{"-v", "error", "-show_entries", "packet=stream_index,size", "-of", "csv=p=0"},
		ffprobe.LocalInputArgs(path)...)
	out, err := exec.CommandContext(ctx, ffprobeBin, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("ffprobe %q: %w", path, err)
	}
	types := map[int]string{}
	for _, s := range res.Streams {
		types[s.Index] = s.Type
	}
	sums := map[string]int64{}
	for _, line := range bytes.Split(out, []byte("\n")) {
		idx, size, ok := bytes.Cut(bytes.TrimSpace(line), []byte(","))
		if !ok {
			continue
		}
		i, err1 := strconv.Atoi(string(idx))
		n, err2 := strconv.ParseInt(string(size), 10, 64)
		if err1 == nil && err2 == nil {
			sums[types[i]] += n
		}
	}
	return sums, nil
}

// writeMaster writes a ladder's live master once every rendition has
// published its first segment and been measured, and never again: players
// cache it. Called with mu held.
func (r *runner) writeMaster() {
	if r.abr == nil || r.abr.masterDone || len(r.outs) == 0 {
		return
	}
	m := &hls.MasterPlaylist{IndependentSegments: true}
	for _, o := range r.outs {
		if o.published == 0 || o.variant == nil {
			return
		}
		m.Variants = append(m.Variants, *o.variant)
	}
	r.abr.masterDone = true
	if err := hls.WriteMaster(r.abr.master, m); err != nil {
		r.emit(Warning{Message: fmt.Sprintf("writing %s: %v", r.abr.master, err)})
		return
	}
	// The bucket gets the master after the playlists it names.
	r.up.put(r.abr.master)
	r.emit(MasterWritten{Path: r.abr.master, Variants: m.Variants})
}
