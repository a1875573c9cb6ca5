package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/recorder"
)

// DefaultScaler is the swscale algorithm rungs are upscaled with: bicubic,
// what players and browsers commonly use.
const DefaultScaler = "bicubic"

// MasterName is the multivariant playlist Run looks for in a folder.
const MasterName = "master.m3u8"

// Config is one measurement of an HLS ladder against its source.
type Config struct {
	// FFmpeg is the ffmpeg binary. It defaults to "ffmpeg".
	FFmpeg string
	// Prober probes the source. It defaults to the zero ffprobe.Prober.
	Prober *ffprobe.Prober
	// Master is the multivariant playlist, or a folder holding
	// master.m3u8. Required.
	Master string
	// Source is the media the ladder was made from. Required.
	Source string
	// Scaler is the swscale algorithm ("bicubic", "lanczos", "bilinear"…)
	// every rung is upscaled with. It defaults to DefaultScaler.
	Scaler string
	// ThumbWidth is the width of the pictures of the worst segments; 0
	// means the source's display width, at most 480.
	ThumbWidth int
	// Timeout bounds each ffmpeg pass like encode.Job.Timeout.
	Timeout time.Duration
}

func (c Config) withDefaults() Config {
	c.FFmpeg = cmp.Or(c.FFmpeg, "ffmpeg")
	c.Scaler = cmp.Or(c.Scaler, DefaultScaler)
	if c.Prober == nil {
		c.Prober = &ffprobe.Prober{}
	}
	if st, err := os.Stat(c.Master); err == nil && st.IsDir() {
		c.Master = filepath.Join(c.Master, MasterName)
	}
	return c
}

// ErrNoVideoRungs is returned (wrapped) when a master lists no video
// variant to compare.
var ErrNoVideoRungs = errors.New("no video rungs to compare")

// videoRung is a rung to compare: what the report says and where it is.
type videoRung struct {
	VideoRung
	playlist string // the media playlist on disk
	spans    []span
}

// Run measures every rung of the ladder in cfg.Master against cfg.Source:
// one ffmpeg pass decodes the source once and compares it with all video
// rungs (PSNR and SSIM per frame), each audio rung's loudness is measured,
// and the worst segment of each video rung is pictured.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if cfg.Master == "" || cfg.Source == "" {
		return nil, errors.New("report: a master playlist and a source are required")
	}
	master, err := hls.ReadMaster(cfg.Master)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	dir := filepath.Dir(cfg.Master)
	videos, audios, err := rungs(master, dir)
	if err != nil {
		return nil, err
	}
	if len(videos) == 0 {
		return nil, fmt.Errorf("report %q: %w", cfg.Master, ErrNoVideoRungs)
	}
	src, fps, err := probeSource(ctx, cfg.Prober, cfg.Source)
	if err != nil {
		return nil, err
	}
	rep := &Report{Version: SchemaVersion, Master: cfg.Master, Source: src, Scaler: cfg.Scaler,
		Metrics: []string{"psnr", "ssim"}, Audio: audios, Video: []VideoRung{}, Worst: []Worst{}}
	rep.VMAF = vmafNote(ctx, cfg.FFmpeg)

	worstFrames, cost, err := compare(ctx, cfg, src, fps, videos)
	if err != nil {
		return nil, err
	}
	rep.Cost = cost
	for i := range videos {
		rep.Video = append(rep.Video, videos[i].VideoRung)
	}
	for i := range rep.Audio {
		measureLoudness(ctx, cfg, &rep.Audio[i], filepath.Join(dir, filepath.FromSlash(rep.Audio[i].URI)))
	}
	for i, v := range videos {
		seg := slices.IndexFunc(v.Segments, func(s SegmentQuality) bool { return s.Index == v.WorstSegment })
		if seg < 0 || worstFrames[i][seg] < 0 {
			continue
		}
		w := Worst{Rung: v.Name, Segment: v.WorstSegment, PSNR: v.Segments[seg].PSNR, SSIM: v.Segments[seg].SSIM,
			Time: float64(worstFrames[i][seg]) / src.FrameRate}
		w.SourceJPEG, w.RungJPEG = thumbnails(ctx, cfg, src, v.playlist, w.Time)
		rep.Worst = append(rep.Worst, w)
	}
	slices.SortStableFunc(rep.Worst, func(a, b Worst) int { return cmp.Compare(a.PSNR, b.PSNR) })
	return rep, nil
}

// rungs reads the master's video variants and audio renditions with their
// segments on disk, video from the lowest declared bandwidth. A playlist
// several variants share (one per audio group) is one rung.
func rungs(m *hls.MasterPlaylist, dir string) ([]videoRung, []AudioRung, error) {
	var videos []videoRung
	audios := []AudioRung{}
	seen := map[string]bool{}
	for _, v := range m.Variants {
		if seen[v.URI] {
			continue
		}
		seen[v.URI] = true
		pl, spans, err := readRung(dir, v.URI)
		if err != nil {
			return nil, nil, err
		}
		peak, avg, err := hls.MeasureBandwidth(pl.MediaPlaylist, filepath.Dir(pl.path))
		if err != nil {
			return nil, nil, fmt.Errorf("report: %s: %w", v.URI, err)
		}
		if recorder.Kind(v.Resolution.Width, v.Codecs, catalog.KindVideo) == catalog.KindAudio {
			a := AudioRung{Name: rungName(v.URI), URI: v.URI, Codecs: v.Codecs, DeclaredBandwidth: v.Bandwidth,
				MeasuredPeak: peak, MeasuredAverage: avg}
			a.Segments = audioSegments(spans)
			audios = append(audios, a)
			continue
		}
		videos = append(videos, videoRung{VideoRung: VideoRung{Name: rungName(v.URI), URI: v.URI,
			Width: v.Resolution.Width, Height: v.Resolution.Height, Codecs: v.Codecs, DeclaredBandwidth: v.Bandwidth,
			MeasuredPeak: peak, MeasuredAverage: avg}, playlist: pl.path, spans: spans})
	}
	for _, r := range m.Renditions {
		if r.Type != "AUDIO" || r.URI == "" || seen[r.URI] {
			continue
		}
		seen[r.URI] = true
		pl, spans, err := readRung(dir, r.URI)
		if err != nil {
			return nil, nil, err
		}
		peak, avg, err := hls.MeasureBandwidth(pl.MediaPlaylist, filepath.Dir(pl.path))
		if err != nil {
			return nil, nil, fmt.Errorf("report: %s: %w", r.URI, err)
		}
		audios = append(audios, AudioRung{Name: rungName(r.URI), URI: r.URI, Group: r.GroupID,
			MeasuredPeak: peak, MeasuredAverage: avg, Segments: audioSegments(spans)})
	}
	slices.SortStableFunc(videos, func(a, b videoRung) int { return cmp.Compare(a.DeclaredBandwidth, b.DeclaredBandwidth) })
	return videos, audios, nil
}

// rungPlaylist is a media playlist read from disk.
type rungPlaylist struct {
	*hls.MediaPlaylist
	path string
}

// readRung reads a media playlist named by uri relative to dir and the
// size of each of its segments (the byte range when there is one).
func readRung(dir, uri string) (rungPlaylist, []span, error) {
	p, err := hls.ResolveURI(dir, uri)
	if err != nil {
		return rungPlaylist{}, nil, fmt.Errorf("report: rung %q: %w", uri, err)
	}
	pl, err := hls.ReadMedia(p)
	if err != nil {
		return rungPlaylist{}, nil, fmt.Errorf("report: %w", err)
	}
	spans := make([]span, len(pl.Segments))
	var at float64
	for i, s := range pl.Segments {
		sp := span{index: int(pl.SequenceOf(i)), start: at, duration: s.Duration}
		at += s.Duration
		if s.ByteRange != nil {
			sp.bytes = s.ByteRange.Length
		} else {
			sp.bytes, err = segmentSize(filepath.Dir(p), s.URI)
			if err != nil {
				return rungPlaylist{}, nil, fmt.Errorf("report: %s: %w", p, err)
			}
		}
		spans[i] = sp
	}
	return rungPlaylist{pl, p}, spans, nil
}

func segmentSize(dir, uri string) (int64, error) {
	p, err := hls.ResolveURI(dir, uri)
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return 0, fmt.Errorf("segment %q: %w", uri, err)
	}
	return st.Size(), nil
}

func audioSegments(spans []span) []AudioSegment {
	out := make([]AudioSegment, len(spans))
	for i, s := range spans {
		out[i] = AudioSegment{Index: s.index, Start: s.start, Duration: s.duration, Bytes: s.bytes, Bitrate: bitrate(s.bytes, s.duration)}
	}
	return out
}

// rungName is the folder a rung's playlist is in ("720p"), else its URI.
func rungName(uri string) string {
	if d := path.Dir(uri); d != "." && d != "/" {
		return path.Base(d)
	}
	return uri
}

// probeSource reads the source's display size, frame rate (as a rational
// for ffmpeg's fps filter) and duration.
func probeSource(ctx context.Context, p *ffprobe.Prober, source string) (Source, string, error) {
	res, err := p.Probe(ctx, source)
	if err != nil {
		return Source{}, "", fmt.Errorf("report: %w", err)
	}
	v := res.Video()
	if v == nil || res.Summary.DisplayWidth <= 0 || v.FrameRate <= 0 {
		return Source{}, "", fmt.Errorf("report: source %q: no video stream with a size and a frame rate", source)
	}
	fps := v.AvgFrameRate
	if n, d, ok := strings.Cut(fps, "/"); !ok || n == "0" || d == "0" {
		fps = strconv.FormatFloat(v.FrameRate, 'f', -1, 64)
	}
	return Source{Path: source, Width: res.Summary.DisplayWidth, Height: res.Summary.DisplayHeight,
		FrameRate: v.FrameRate, Duration: res.Summary.Duration}, fps, nil
}

// compare runs the one comparison pass and fills each rung's quality. It
// returns, per rung and segment, the index of the worst frame (-1 for a
// segment without frames) and what the pass cost.
func compare(ctx context.Context, cfg Config, src Source, fps string, videos []videoRung) ([][]int, Cost, error) {
	tmp, err := os.MkdirTemp("", "veza-report-")
	if err != nil {
		return nil, Cost{}, err
	}
	defer os.RemoveAll(tmp)
	psnrLogs, ssimLogs := make([]string, len(videos)), make([]string, len(videos))
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "level+info"}
	args = append(args, ffprobe.InputArgs(src.Path)...)
	for i, v := range videos {
		psnrLogs[i] = filepath.Join(tmp, fmt.Sprintf("psnr%d.log", i))
		ssimLogs[i] = filepath.Join(tmp, fmt.Sprintf("ssim%d.log", i))
		args = append(args, ffprobe.LocalInputArgs(v.playlist)...)
	}
	args = append(args, "-filter_complex", compareGraph(src.Width, src.Height, fps, cfg.Scaler, psnrLogs, ssimLogs))
	for i := range 2 * len(videos) {
		args = append(args, "-map", fmt.Sprintf("[q%d]", i), "-f", "null", "-")
	}
	cost := Cost{SourceDecodes: 1, Rungs: len(videos)}
	before := childCPU()
	start := time.Now()
	if _, err := encode.Capture(ctx, cfg.FFmpeg, args, cfg.Timeout, func(string) {}); err != nil {
		return nil, Cost{}, fmt.Errorf("report: compare rungs with %q: %w", src.Path, err)
	}
	cost.WallSeconds = round(time.Since(start).Seconds(), 3)
	cost.CPUSeconds = round((childCPU() - before).Seconds(), 3)

	worst := make([][]int, len(videos))
	for i := range videos {
		p, err := os.ReadFile(psnrLogs[i])
		if err != nil {
			return nil, Cost{}, err
		}
		s, err := os.ReadFile(ssimLogs[i])
		if err != nil {
			return nil, Cost{}, err
		}
		frames, err := ParseStats(string(p), string(s))
		if err != nil {
			return nil, Cost{}, fmt.Errorf("report: rung %s: %w", videos[i].Name, err)
		}
		worst[i] = summarize(&videos[i].VideoRung, frames, src.FrameRate, videos[i].spans)
		for j, fi := range worst[i] {
			if fi >= 0 {
				worst[i][j] = frames[fi].N - 1
			}
		}
		cost.Frames = max(cost.Frames, len(frames))
	}
	return worst, cost, nil
}

// childCPU is the user and system time of the child processes this
// process has waited for.
func childCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmafNote says whether VMAF can be measured with ffmpeg. Veza measures
// PSNR and SSIM only; with libvmaf present the note says that instead.
func vmafNote(ctx context.Context, ffmpeg string) VMAF {
	out, err := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-filters").Output()
	switch {
	case err != nil:
		return VMAF{Note: "not measured: could not list this ffmpeg's filters"}
	case !hasFilter(string(out), "libvmaf"):
		return VMAF{Note: "not measured: this ffmpeg has no libvmaf filter (Debian's ffmpeg is built without it)"}
	}
	return VMAF{Note: "not measured: this ffmpeg has libvmaf, but veza does not run it yet"}
}

// hasFilter reads `ffmpeg -filters` output for a filter's name.
func hasFilter(list, name string) bool {
	for _, l := range strings.Split(list, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[1] == name {
			return true
		}
	}
	return false
}

// measureLoudness fills an audio rung's loudness from its playlist.
func measureLoudness(ctx context.Context, cfg Config, a *AudioRung, playlist string) {
	out, err := audio.Measure(ctx, audio.MeasureConfig{FFmpeg: cfg.FFmpeg, Path: playlist, Timeout: cfg.Timeout})
	if err != nil {
		a.LoudnessError = err.Error()
		return
	}
	a.Integrated, a.TruePeak, a.LRA = out.Integrated, out.TruePeak, out.LRA
}

// thumbnails takes JPEG pictures of the source and of a rung (upscaled to
// the source's display size as compared) at t seconds. A picture that
// cannot be taken is nil: the report shows a placeholder.
func thumbnails(ctx context.Context, cfg Config, src Source, playlist string, t float64) (source, rung []byte) {
	tmp, err := os.MkdirTemp("", "veza-thumb-")
	if err != nil {
		return nil, nil
	}
	defer os.RemoveAll(tmp)
	w := cfg.ThumbWidth
	if w <= 0 {
		w = min(src.Width, 480)
	}
	ss := strconv.FormatFloat(t, 'f', 3, 64)
	fit := fmt.Sprintf("scale=%d:%d:flags=%s,setsar=1,scale=%d:-2", src.Width, src.Height, cfg.Scaler, w)
	a, b := filepath.Join(tmp, "source.jpg"), filepath.Join(tmp, "rung.jpg")
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "level+error", "-ss", ss}
	args = append(args, ffprobe.InputArgs(src.Path)...)
	args = append(args, "-ss", ss)
	args = append(args, ffprobe.LocalInputArgs(playlist)...)
	args = append(args, "-filter_complex", "[0:v]"+fit+"[a];[1:v]"+fit+"[b]",
		"-map", "[a]", "-frames:v", "1", "-q:v", "4", "-update", "1", "file:"+a,
		"-map", "[b]", "-frames:v", "1", "-q:v", "4", "-update", "1", "file:"+b)
	if _, err := encode.Capture(ctx, cfg.FFmpeg, args, cfg.Timeout, func(string) {}); err != nil {
		return nil, nil
	}
	source, _ = os.ReadFile(a)
	rung, _ = os.ReadFile(b)
	return source, rung
}
