package ladder

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/thumbnail"
)

// Source is what planning needs to know about an input.
type Source struct {
	HasVideo, HasAudio bool
	// Width and Height are the coded picture size.
	Width, Height int
	// SARNum/SARDen is the sample aspect ratio; 0 or 1:1 for square pixels.
	SARNum, SARDen int
	// Rotation is the display rotation in degrees (0, 90, 180, 270).
	Rotation int
	// FrameRate is the average frame rate.
	FrameRate float64
	VFR       bool
	// Interlaced sources are deinterlaced before scaling.
	Interlaced bool
	// PixFmt is the video's pixel format ("yuv420p").
	PixFmt   string
	Duration float64
	// AudioChannels and AudioRate describe the first audio stream; 0 when
	// unknown.
	AudioChannels, AudioRate int
}

// DisplaySize is the picture as it should be shown: SAR applied to the
// width, then rotated.
func (s Source) DisplaySize() (w, h int) {
	w, h = s.Width, s.Height
	if s.SARNum > 0 && s.SARDen > 0 && s.SARNum != s.SARDen {
		w = int(math.Round(float64(w) * float64(s.SARNum) / float64(s.SARDen)))
	}
	if s.Rotation == 90 || s.Rotation == 270 {
		w, h = h, w
	}
	return w, h
}

// Rate is a frame rate as a fraction.
type Rate struct{ Num, Den int }

func (r Rate) Float() float64 { return float64(r.Num) / float64(r.Den) }

func (r Rate) String() string {
	if r.Den == 1 {
		return fmt.Sprint(r.Num)
	}
	return fmt.Sprintf("%d/%d", r.Num, r.Den)
}

// Rendition is one rung made concrete for a source.
type Rendition struct {
	Rung
	// Width and Height are the output size (even, square pixels). Zero for
	// audio renditions.
	Width, Height int
	// Copy passes the source's streams through without encoding.
	Copy bool `json:"copy,omitempty"`
	// Track is the source audio stream of an audio rendition of a demuxed
	// ladder (an EXT-X-MEDIA rendition, not a variant); nil otherwise.
	Track *Track `json:"track,omitempty"`
}

// Plan is everything needed to encode a ladder from one source.
type Plan struct {
	Ladder     string
	Renditions []Rendition
	// SegmentTime is the target segment duration in seconds.
	SegmentTime float64
	// FPS is the constant output frame rate shared by every video rung.
	FPS Rate
	// GOP is the fixed keyframe interval in frames: SegmentTime × FPS,
	// divided so that keyframes come at least every MaxKeyframeInterval.
	GOP int
	// Deinterlace is set for interlaced sources.
	Deinterlace bool
	// ResampleFPS is set when the source's frames must be retimed to FPS
	// (a variable or different frame rate); ConvertPixels when its pixel
	// format is not yuv420p. A source that needs neither pays for neither.
	ResampleFPS, ConvertPixels bool
	// AudioChannels is the channel count every rung's audio gets unless
	// the rung says otherwise: the source's, with more than two mixed
	// down to stereo; 0 leaves it to ffmpeg. AudioRate is the sample rate
	// to convert to, 0 when the source's (44.1 or 48 kHz) is kept.
	AudioChannels, AudioRate int
	// Audio says whether renditions carry audio.
	Audio bool
	// AudioStream is which of the source's audio streams muxed renditions
	// carry (the N of 0:a:N).
	AudioStream int `json:",omitempty"`
	// Tracks are the audio and subtitle streams carried and those not.
	Tracks Tracks `json:"tracks"`
	// Dropped lists rungs left out and why (never upscale, no video...).
	Dropped []string
	// Thumbnails, when set, has the encode draw seek-bar thumbnail sheets
	// with this layout, off the video split of the process that encodes
	// the lowest video rung (see drawsThumbnails); nil draws none.
	Thumbnails *thumbnail.Layout `json:"thumbnails,omitempty"`
	// Conditioning is the silence cutting and loudness filter applied to
	// the source before the rungs split; Run fills it from its analysis.
	Conditioning audio.Filters `json:"-"`
}

// MaxFPS caps the output frame rate.
const MaxFPS = 60

// MaxKeyframeInterval is the longest time between keyframes, in seconds.
const MaxKeyframeInterval = 2

// ErrNoVideo is returned when a video ladder is asked of a source without
// video.
var ErrNoVideo = errors.New("needs video but the source has none")

// NewPlan fits ladder l to src. segmentTime is used when the ladder does not
// set its own.
func NewPlan(src Source, l Ladder, segmentTime float64) (*Plan, error) {
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("ladder %q: %w", l.Name, err)
	}
	if l.SegmentTime > 0 {
		segmentTime = l.SegmentTime
	}
	if segmentTime <= 0 {
		segmentTime = 4
	}
	if !src.HasVideo && !src.HasAudio {
		return nil, fmt.Errorf("source has neither video nor audio")
	}
	p := &Plan{Ladder: l.Name, SegmentTime: segmentTime, Audio: src.HasAudio}
	if src.AudioChannels > 2 {
		p.AudioChannels = 2 // ABR rungs carry stereo; a 5.1 mix is not upmixed nor kept
	}
	if src.AudioRate != 0 && src.AudioRate != 44100 && src.AudioRate != 48000 {
		p.AudioRate = 48000
	}
	if l.IsAudio() {
		if !src.HasAudio {
			return nil, fmt.Errorf("ladder %q is audio only but the source has no audio", l.Name)
		}
		for _, r := range l.Rungs {
			p.Renditions = append(p.Renditions, Rendition{Rung: r.withDefaults()})
		}
		return p, nil
	}
	if !src.HasVideo {
		return nil, fmt.Errorf("ladder %q: %w", l.Name, ErrNoVideo)
	}
	p.FPS = outputRate(src.FrameRate)
	p.ResampleFPS = src.VFR || src.FrameRate <= 0 || math.Abs(src.FrameRate-p.FPS.Float()) > 0.001
	p.ConvertPixels = src.PixFmt != "yuv420p"
	// A keyframe at every segment boundary and at least every 2 s
	// (HLS-RULES S2): the segment time split into equal parts of at most 2 s.
	keyEvery := segmentTime / math.Ceil(segmentTime/MaxKeyframeInterval)
	p.GOP = int(math.Round(keyEvery * p.FPS.Float()))
	if p.GOP < 1 {
		p.GOP = 1
	}
	p.Deinterlace = src.Interlaced

	dw, dh := src.DisplaySize()
	if dw <= 0 || dh <= 0 {
		return nil, fmt.Errorf("source has no picture size")
	}
	short := min(dw, dh)
	var video []Rung
	for _, r := range l.Rungs {
		if r.IsVideo() {
			video = append(video, r.withDefaults())
		} else {
			p.Dropped = append(p.Dropped, r.Name+": audio rung in a video ladder")
		}
	}
	// Never upscale. The highest dropped rung comes back at source size
	// (its bit rate scaled by area) unless a kept rung already is that size.
	var capped *Rung
	for _, r := range video {
		if r.Height > short {
			if capped == nil || r.Height < capped.Height {
				c := r
				capped = &c
			}
			p.Dropped = append(p.Dropped, fmt.Sprintf("%s: above the source's %dp", r.Name, short))
			continue
		}
		p.Renditions = append(p.Renditions, sized(r, r.Height, dw, dh))
	}
	if capped != nil && !hasHeight(p.Renditions, short) {
		p.Renditions = append(p.Renditions, atSize(*capped, short, dw, dh))
	}
	sort.SliceStable(p.Renditions, func(i, j int) bool { return p.Renditions[i].Rung.Height > p.Renditions[j].Rung.Height })
	if !src.HasAudio {
		for i := range p.Renditions {
			p.Renditions[i].AudioBitrate = 0
			p.Renditions[i].AudioCodec = ""
		}
	}
	return p, nil
}

func hasHeight(rs []Rendition, short int) bool {
	for _, r := range rs {
		if r.Rung.Height == short {
			return true
		}
	}
	return false
}

// atSize turns rung r into a rung at the source's own short side, scaling
// its bit rate by area.
func atSize(r Rung, short, dw, dh int) Rendition {
	ratio := float64(short*short) / float64(r.Height*r.Height)
	r.Bitrate = max(1, int(math.Round(float64(r.Bitrate)*ratio)))
	r.MaxRate = max(1, int(math.Round(float64(r.MaxRate)*ratio)))
	r.BufSize = max(1, int(math.Round(float64(r.BufSize)*ratio)))
	r.Name = fmt.Sprintf("%dp", even(short))
	r.Height = short
	return sized(r, short, dw, dh)
}

// sized computes the output size: the short side becomes h, the long side
// keeps the display aspect ratio, both even.
func sized(r Rung, h, dw, dh int) Rendition {
	if dw >= dh {
		return Rendition{Rung: r, Height: even(h), Width: nearestEven(float64(h) * float64(dw) / float64(dh))}
	}
	return Rendition{Rung: r, Width: even(h), Height: nearestEven(float64(h) * float64(dh) / float64(dw))}
}

func nearestEven(x float64) int { return max(2, 2*int(math.Round(x/2))) }

func even(n int) int {
	if n%2 != 0 {
		n--
	}
	return max(n, 2)
}

// outputRate picks a constant frame rate close to the source's average:
// NTSC rates stay fractional, others round to an integer, capped at MaxFPS
// (halved while above it).
func outputRate(avg float64) Rate {
	if avg <= 0 || math.IsNaN(avg) || math.IsInf(avg, 0) {
		return Rate{25, 1}
	}
	for avg > MaxFPS+0.5 {
		avg /= 2
	}
	for _, ntsc := range []int{24, 30, 60} {
		r := float64(ntsc) * 1000 / 1001
		if math.Abs(avg-r) < 0.01 {
			return Rate{ntsc * 1000, 1001}
		}
	}
	n := int(math.Round(avg))
	return Rate{max(n, 1), 1}
}
