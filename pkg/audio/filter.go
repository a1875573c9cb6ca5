package audio

import (
	"errors"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/encode"
)

// Filters is what preparation puts in front of an encode: the stretches of
// the source kept and the loudness filter.
type Filters struct {
	// Keep are the stretches of the source kept, from KeepIntervals; empty
	// keeps it whole.
	Keep []Interval
	// AudioFilter is the loudness filter ("loudnorm=...", from Normalize);
	// empty for none.
	AudioFilter string
}

// Empty says whether the filters leave the source as it is.
func (f Filters) Empty() bool { return len(f.Keep) == 0 && f.AudioFilter == "" }

// Apply routes a one-output job's first video and audio streams of input 0
// through the silence cuts and the audio filter in one -filter_complex
// graph. The output's own VideoFilter and AudioFilter move into the graph,
// after the cuts and the loudness filter, because ffmpeg refuses -vf/-af on a
// stream that comes out of -filter_complex; the output is mapped to the
// graph's pads. sampleRate > 0 resamples the sound after the audio filter
// (loudnorm hands out 192 kHz, more than some encoders take). The output's
// NoVideo and NoAudio say which streams there are. Nothing changes when the
// filters are empty.
func (f Filters) Apply(j *encode.Job, sampleRate int) error {
	keep, audioFilter := f.Keep, f.AudioFilter
	if len(keep) == 0 && audioFilter == "" {
		return nil
	}
	if len(j.Inputs) == 0 || len(j.Outputs) != 1 || j.FilterComplex != "" {
		return errors.New("audio: filters need a job with one output and no filter graph of its own")
	}
	o := &j.Outputs[0]
	video, audio := !o.NoVideo, !o.NoAudio
	if !audio && audioFilter != "" {
		return errors.New("audio: a loudness filter on an output without audio")
	}
	var g, maps []string
	vin, ain := "[0:v:0]", "[0:a:0]"
	if len(keep) > 0 {
		tv, ta := "", ""
		if video {
			tv = vin
		}
		if audio {
			ta = ain
		}
		g = append(g, TrimGraph(keep, tv, ta, "[vcut]", "[acut]"))
		vin, ain = "[vcut]", "[acut]"
	}
	if video {
		f := o.VideoFilter
		if f == "" {
			f = "null"
		}
		g = append(g, vin+f+"[vout]")
		maps = append(maps, "[vout]")
		o.VideoFilter = ""
	}
	if audio {
		var chain []string
		if audioFilter != "" {
			chain = append(chain, audioFilter)
			if sampleRate > 0 {
				chain = append(chain, "aresample="+strconv.Itoa(sampleRate))
			}
		}
		if o.AudioFilter != "" {
			chain = append(chain, o.AudioFilter)
		}
		if len(chain) == 0 {
			chain = append(chain, "anull")
		}
		g = append(g, ain+strings.Join(chain, ",")+"[aout]")
		maps = append(maps, "[aout]")
		o.AudioFilter = ""
	}
	j.FilterComplex = strings.Join(g, ";")
	o.Maps = maps
	return nil
}

// TrimGraph is TrimGraph over the kept stretches: "" when nothing is cut.
func (f Filters) TrimGraph(videoIn, audioIn, videoOut, audioOut string) string {
	return TrimGraph(f.Keep, videoIn, audioIn, videoOut, audioOut)
}
