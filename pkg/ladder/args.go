package ladder

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/layout"
)

// Format is the HLS segment container.
type Format string

const (
	FormatTS   Format = "ts"
	FormatFMP4 Format = "fmp4"
)

// Encoding holds the encoder choices shared by every rung.
type Encoding struct {
	// Format is ts (MPEG-TS segments) or fmp4 (CMAF). It defaults to ts.
	Format Format
	// Preset is the x264/x265 speed preset. It defaults to veryfast.
	Preset string
}

func (e Encoding) withDefaults() Encoding {
	if e.Format == "" {
		e.Format = FormatTS
	}
	if e.Preset == "" {
		e.Preset = "veryfast"
	}
	return e
}

// ErrNeedsFMP4 is returned when a codec or output can only be carried in
// fMP4 segments and MPEG-TS was asked for.
var ErrNeedsFMP4 = errors.New("needs fMP4 segments")

// CheckFormat says whether the plan's codecs can go into the container.
func (p *Plan) CheckFormat(f Format) error {
	if f != FormatTS && f != FormatFMP4 {
		return fmt.Errorf("format %q: use ts or fmp4", f)
	}
	if f == FormatFMP4 {
		return nil
	}
	for _, r := range p.Renditions {
		switch {
		case r.Codec == "hevc" || r.Codec == "av1":
			return fmt.Errorf("rung %s: %s %w: HLS carries it only in fMP4", r.Name, strings.ToUpper(r.Codec), ErrNeedsFMP4)
		case r.AudioBitrate > 0 && r.AudioCodec == "opus":
			return fmt.Errorf("rung %s: Opus %w: HLS carries it only in fMP4", r.Name, ErrNeedsFMP4)
		}
	}
	return nil
}

// Output is one rendition's part of an ffmpeg command line.
type Output struct {
	Rendition Rendition
	// Dir is the rendition folder; Playlist its media playlist;
	// SegmentPattern the segment file pattern.
	Dir, Playlist, SegmentPattern string
	// Maps select the streams (-map).
	Maps []string
	// Args are the encoder options.
	Args []string
}

// Command is the ffmpeg command for a set of renditions sharing one decode.
type Command struct {
	// FilterComplex is the -filter_complex graph ("" for audio only).
	FilterComplex string
	Outputs       []Output
	// SegmentTime is the HLS target segment duration in seconds.
	SegmentTime float64
	Format      Format
	// Thumbnails is the graph label of the thumbnail sheets drawn from the
	// same decode ("[thumbs]"), when this command draws them (see
	// Plan.Thumbnails); empty otherwise.
	Thumbnails string
}

// Build returns the ffmpeg command encoding renditions rs of plan p from
// input 0 into outDir/<rung name>/.
func (p *Plan) Build(rs []Rendition, outDir string, enc Encoding) Command {
	enc = enc.withDefaults()
	cmd := Command{SegmentTime: p.SegmentTime, Format: enc.Format}
	var video, audio []int
	for i, r := range rs {
		if r.Width > 0 && !r.Copy {
			video = append(video, i)
		}
		if r.AudioBitrate > 0 && p.Audio && !r.Copy && r.Track == nil {
			audio = append(audio, i)
		}
	}
	var graph []string
	labels := map[int]string{}
	// Silence cuts come after the frame-rate change, so that they fall on
	// output frames, and cut picture and sound in one concat.
	trim := len(p.Conditioning.Keep) > 0 && (len(video) > 0 || len(audio) > 0)
	vsrc, sep := "[0:v:0]", ","
	if len(video) > 0 {
		var chain []string
		if p.Deinterlace {
			chain = append(chain, "bwdif=mode=send_frame")
		}
		if p.ResampleFPS {
			chain = append(chain, "fps="+p.FPS.String())
		}
		if p.ConvertPixels || p.Deinterlace {
			chain = append(chain, "format=yuv420p")
		}
		if len(chain) == 0 && trim {
			chain = append(chain, "null") // the cuts need a labelled input
		}
		vsrc += strings.Join(chain, ",")
		if len(chain) == 0 {
			sep = ""
		}
		if trim {
			graph = append(graph, vsrc+"[vpre]")
			vsrc, sep = "[vcut]", ""
		}
	}
	asrc := fmt.Sprintf("[0:a:%d]", p.AudioStream)
	if trim {
		vin, ain := "", ""
		if len(video) > 0 {
			vin = "[vpre]"
		}
		if len(audio) > 0 {
			ain, asrc = asrc, "[acut]"
		}
		graph = append(graph, p.Conditioning.TrimGraph(vin, ain, "[vcut]", "[acut]"))
	}
	thumbs := p.drawsThumbnails(rs)
	if len(video) > 0 {
		var g strings.Builder
		g.WriteString(vsrc)
		if len(video) == 1 && !thumbs {
			i := video[0]
			labels[i] = "v0"
			fmt.Fprintf(&g, "%sscale=%d:%d:flags=bicubic,setsar=1[v0]", sep, rs[i].Width, rs[i].Height)
		} else {
			branches := len(video)
			if thumbs {
				branches++
			}
			fmt.Fprintf(&g, "%ssplit=%d", sep, branches)
			for k := range branches {
				fmt.Fprintf(&g, "[s%d]", k)
			}
			for k, i := range video {
				labels[i] = "v" + strconv.Itoa(k)
				fmt.Fprintf(&g, ";[s%d]scale=%d:%d:flags=bicubic,setsar=1[v%d]", k, rs[i].Width, rs[i].Height, k)
			}
			if thumbs {
				// The sheets come off the same split as the rungs: one
				// decode, after the frame-rate change and any silence cut,
				// so their times are the renditions' times.
				cmd.Thumbnails = "[thumbs]"
				fmt.Fprintf(&g, ";[s%d]%s%s", len(video), p.Thumbnails.Filter(), cmd.Thumbnails)
			}
		}
		graph = append(graph, g.String())
	}
	// The loudness filter runs once, before the sound is split to the rungs.
	alabels := map[int]string{}
	if len(audio) > 0 && (trim || p.Conditioning.AudioFilter != "") {
		var g strings.Builder
		g.WriteString(asrc)
		var chain []string
		if p.Conditioning.AudioFilter != "" {
			chain = append(chain, p.Conditioning.AudioFilter)
		}
		if len(audio) > 1 {
			chain = append(chain, fmt.Sprintf("asplit=%d", len(audio)))
		} else if len(chain) == 0 {
			chain = append(chain, "anull")
		}
		g.WriteString(strings.Join(chain, ","))
		for k, i := range audio {
			alabels[i] = "[a" + strconv.Itoa(k) + "]"
			g.WriteString(alabels[i])
		}
		graph = append(graph, g.String())
	}
	cmd.FilterComplex = strings.Join(graph, ";")
	for i, r := range rs {
		o := Output{Rendition: r, Dir: filepath.Join(outDir, r.Name)}
		o.Playlist = filepath.Join(o.Dir, layout.Playlist)
		o.SegmentPattern = filepath.Join(o.Dir, layout.SegmentPattern(layout.TS))
		if enc.Format == FormatFMP4 {
			o.SegmentPattern = filepath.Join(o.Dir, layout.SegmentPattern(layout.FMP4))
		}
		if r.Copy {
			o.Maps = []string{"0:v:0?", "0:a:0?"}
			o.Args = []string{"-c", "copy"}
			if enc.Format == FormatFMP4 && r.Codec == "hevc" {
				o.Args = append(o.Args, "-tag:v", "hvc1")
			}
			cmd.Outputs = append(cmd.Outputs, o)
			continue
		}
		if l, ok := labels[i]; ok {
			o.Maps = append(o.Maps, "["+l+"]")
			o.Args = append(o.Args, p.videoArgs(r, enc)...)
		}
		if r.Track != nil {
			// An audio rendition of a demuxed ladder: its own stream, as is.
			o.Maps = append(o.Maps, "0:a:"+strconv.Itoa(r.Track.Nth))
			o.Args = append(o.Args, p.audioArgs(r)...)
		} else if r.AudioBitrate > 0 && p.Audio {
			m := "0:a:" + strconv.Itoa(p.AudioStream)
			if l, ok := alabels[i]; ok {
				m = l
			}
			o.Maps = append(o.Maps, m)
			o.Args = append(o.Args, p.audioArgs(r)...)
		}
		cmd.Outputs = append(cmd.Outputs, o)
	}
	return cmd
}

func (p *Plan) videoArgs(r Rendition, enc Encoding) []string {
	gop := strconv.Itoa(p.GOP)
	rate := func(k int) string { return strconv.Itoa(k) + "k" }
	var a []string
	switch r.Codec {
	case "hevc":
		a = []string{"-c:v", "libx265", "-preset", enc.Preset, "-tag:v", "hvc1",
			"-x265-params", fmt.Sprintf("keyint=%s:min-keyint=%s:scenecut=0:open-gop=0:log-level=error", gop, gop)}
	case "av1":
		a = []string{"-c:v", "libsvtav1", "-preset", "10", "-svtav1-params", "scd=0"}
	default:
		a = []string{"-c:v", "libx264", "-preset", enc.Preset, "-sc_threshold", "0", "-x264-params", "open-gop=0"}
	}
	if r.Profile != "" && r.Codec != "av1" {
		a = append(a, "-profile:v", r.Profile)
	}
	a = append(a, "-g", gop, "-keyint_min", gop,
		"-b:v", rate(r.Bitrate), "-maxrate", rate(r.MaxRate), "-bufsize", rate(r.BufSize))
	return a
}

// audioArgs encodes a rung's sound. The source's channel count and sample
// rate are kept when they fit (a mono source stays mono: upmixing it
// would double the encoder's work for nothing); more than two channels are
// mixed down to stereo, unusual rates converted, and a rung's own
// AudioChannels wins.
func (p *Plan) audioArgs(r Rendition) []string {
	codec := map[string]string{"aac": "aac", "mp3": "libmp3lame", "opus": "libopus"}[r.AudioCodec]
	a := []string{"-c:a", codec, "-b:a", strconv.Itoa(r.AudioBitrate) + "k"}
	if ch := cmp.Or(r.AudioChannels, p.AudioChannels); ch > 0 {
		a = append(a, "-ac", strconv.Itoa(ch))
	}
	switch {
	case r.AudioCodec == "opus":
		// libopus resamples to 48 kHz itself.
	case p.AudioRate > 0 && r.AudioCodec == "mp3":
		a = append(a, "-ar", "44100")
	case p.AudioRate > 0:
		a = append(a, "-ar", strconv.Itoa(p.AudioRate))
	}
	return a
}
