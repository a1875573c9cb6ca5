package ladder

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/webvtt"
)

// writeSubtitles writes a WebVTT rendition for every subtitle track of the
// plan: ffmpeg converts the track to WebVTT, and the cues are cut into
// segments on the first video rendition's segment boundaries (same
// durations, same target duration: HLS-RULES W3), a cue crossing a
// boundary going into both segments. With MPEG-TS media every segment
// carries X-TIMESTAMP-MAP, mapping cue time 0 to the video's first
// timestamp (W2). Subtitles are never encrypted: players fetch them clear.
func (run *runner) writeSubtitles(ctx context.Context, vs []Variant) ([]Subtitles, error) {
	tracks := run.plan.Tracks.Subtitles
	if len(tracks) == 0 {
		return nil, nil
	}
	var ref *Variant
	for i := range vs {
		if vs[i].Media == nil && vs[i].Width > 0 {
			ref = &vs[i]
			break
		}
	}
	if ref == nil {
		return nil, fmt.Errorf("subtitles: no video rendition to align them with")
	}
	refDir := filepath.Join(run.res.Dir, ref.Name)
	refPl, err := hls.ReadMedia(filepath.Join(refDir, layout.Playlist))
	if err != nil {
		return nil, fmt.Errorf("subtitles: %w", err)
	}
	stamp := ""
	if refPl.Segments[0].Map == nil { // MPEG-TS
		if stamp, err = run.timestampMap(ctx, refPl, refDir); err != nil {
			return nil, fmt.Errorf("subtitles: %w", err)
		}
	}
	var out []Subtitles
	names := map[string]int{}
	for _, t := range tracks {
		name := "subs_" + strings.ReplaceAll(t.Language, "-", "_")
		names[name]++
		if n := names[name]; n > 1 {
			name = fmt.Sprintf("%s_%d", name, n)
		}
		vtt, err := run.toWebVTT(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("subtitles %s: %w", name, err)
		}
		dir := filepath.Join(run.res.Dir, name)
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		pl := &hls.MediaPlaylist{TargetDuration: refPl.TargetDuration, Type: hls.TypeVOD, EndList: true}
		start := 0.0
		for i, seg := range refPl.Segments {
			f := &webvtt.File{Cues: vtt.Between(start, start+seg.Duration)}
			if stamp != "" {
				f.Header = []string{"X-TIMESTAMP-MAP=" + stamp}
			}
			file := layout.SegmentName(uint64(i), layout.WebVTT)
			if err := layout.WriteFile(filepath.Join(dir, file), f.Encode(), 0o644); err != nil {
				return nil, err
			}
			pl.Segments = append(pl.Segments, hls.Segment{URI: file, Duration: seg.Duration, DurationText: seg.DurationText})
			start += seg.Duration
		}
		if err := hls.WriteMedia(filepath.Join(dir, layout.Playlist), pl); err != nil {
			return nil, err
		}
		out = append(out, Subtitles{Name: name, URI: name + "/" + layout.Playlist, Segments: len(pl.Segments), Cues: len(vtt.Cues),
			Media: Media{Group: SubtitleGroup, Language: t.Language, Label: t.Name, Default: t.Default, Forced: t.Forced}})
		run.note(fmt.Sprintf("subtitles %s (%s): %d cue(s) in %d WebVTT segment(s)", name, t.Language, len(vtt.Cues), len(pl.Segments)))
	}
	return out, nil
}

// timestampMap is the X-TIMESTAMP-MAP value for WebVTT segments beside
// MPEG-TS segments: cue time 0 is the video's first timestamp, in 90 kHz
// units.
func (run *runner) timestampMap(ctx context.Context, pl *hls.MediaPlaylist, dir string) (string, error) {
	path, done, err := clearCopy(pl, 0, dir, run.keyFor)
	if err != nil {
		return "", err
	}
	defer done()
	res, err := run.prober.Probe(ctx, path)
	if err != nil {
		return "", err
	}
	ticks := int64(math.Round(res.Format.StartTime * 90000))
	return "MPEGTS:" + strconv.FormatInt(ticks, 10) + ",LOCAL:00:00:00.000", nil
}

// toWebVTT converts a subtitle track (a stream of the source, or a
// sidecar file) to WebVTT with ffmpeg and reads the cues.
func (run *runner) toWebVTT(ctx context.Context, t Track) (*webvtt.File, error) {
	bin := run.cfg.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	in, m := run.cfg.Input, "0:s:"+strconv.Itoa(t.Nth)
	if t.File != "" {
		in, m = t.File, "0:s:0"
	}
	args := []string{"-nostdin", "-hide_banner", "-v", "error", "-i", in, "-map", m, "-c:s", "webvtt", "-f", "webvtt", "-"}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("converting %q to WebVTT: %v: %s", in, err, strings.TrimSpace(stderr.String()))
	}
	return webvtt.Parse(stdout.Bytes())
}
