package ladder

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/veza-media/veza/pkg/audio"
)

// Rung is one step of a ladder as a user writes it in YAML.
type Rung struct {
	// Name names the rendition folder and the variant ("720p", "medium").
	Name string `yaml:"name" json:"name"`
	// Codec is the video codec: h264, hevc or av1. Empty for an audio rung.
	Codec string `yaml:"codec,omitempty" json:"codec,omitempty"`
	// Height is the nominal size of the short side of the picture (720 for
	// 1280x720 and for a 720x1280 portrait). Zero for an audio rung.
	Height int `yaml:"height,omitempty" json:"height,omitempty"`
	// Bitrate is the video bit rate in kbit/s.
	Bitrate int `yaml:"bitrate,omitempty" json:"bitrate,omitempty"`
	// MaxRate is the VBV maximum rate in kbit/s. It defaults to 1.07 × Bitrate.
	MaxRate int `yaml:"maxrate,omitempty" json:"maxrate,omitempty"`
	// BufSize is the VBV buffer in kbit. It defaults to 1.5 × Bitrate.
	BufSize int `yaml:"bufsize,omitempty" json:"bufsize,omitempty"`
	// Profile is the codec profile (h264: baseline, main, high). It defaults
	// to high for H.264 and main for HEVC.
	Profile string `yaml:"profile,omitempty" json:"profile,omitempty"`
	// AudioCodec is aac, mp3 or opus. It defaults to aac.
	AudioCodec string `yaml:"audio_codec,omitempty" json:"audio_codec,omitempty"`
	// AudioBitrate is the audio bit rate in kbit/s; 0 drops audio from a
	// video rung. An audio rung needs one.
	AudioBitrate int `yaml:"audio_bitrate,omitempty" json:"audio_bitrate,omitempty"`
	// AudioChannels forces the rung's channel count (2 upmixes a mono
	// source to stereo); 0, the default, keeps the source's, mixing more
	// than two down to stereo.
	AudioChannels int `yaml:"audio_channels,omitempty" json:"audio_channels,omitempty"`
}

// IsVideo says whether the rung encodes pictures.
func (r Rung) IsVideo() bool { return r.Codec != "" || r.Height > 0 }

// Ladder is a named list of rungs, highest first.
type Ladder struct {
	Name  string `yaml:"name" json:"name"`
	Rungs []Rung `yaml:"rungs" json:"rungs"`
	// SegmentTime overrides the segment duration in seconds (the replay
	// ladder uses 10). Zero means the command's --segment-time.
	SegmentTime float64 `yaml:"segment_time,omitempty" json:"segment_time,omitempty"`
	// Settings holds loudness, true_peak, lra, trim_silence and
	// silence_threshold: what is done to the sound before the rungs split.
	audio.Settings `yaml:",inline"`
	// Selection holds audio and subtitles: which of the source's streams
	// a video ladder carries (every audio and text subtitle stream when
	// unset).
	Selection `yaml:",inline"`
}

// IsAudio says whether every rung is audio only.
func (l *Ladder) IsAudio() bool {
	for _, r := range l.Rungs {
		if r.IsVideo() {
			return false
		}
	}
	return true
}

// Fingerprint identifies the ladder definition for resume decisions: the
// same rungs give the same fingerprint whatever the YAML looked like.
func (r Rung) Fingerprint() string {
	b, _ := json.Marshal(r.withDefaults())
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func (r Rung) withDefaults() Rung {
	if r.IsVideo() {
		if r.Codec == "" {
			r.Codec = "h264"
		}
		if r.MaxRate == 0 {
			r.MaxRate = r.Bitrate * 107 / 100
		}
		if r.BufSize == 0 {
			r.BufSize = r.Bitrate * 3 / 2
		}
		if r.Profile == "" {
			switch r.Codec {
			case "h264":
				r.Profile = "high"
			case "hevc":
				r.Profile = "main"
			}
		}
	}
	if r.AudioBitrate > 0 && r.AudioCodec == "" {
		r.AudioCodec = "aac"
	}
	return r
}

var builtins = map[string]Ladder{
	"video": {Name: "video", Rungs: []Rung{
		{Name: "1080p", Codec: "h264", Height: 1080, Bitrate: 5000, AudioBitrate: 128},
		{Name: "720p", Codec: "h264", Height: 720, Bitrate: 2800, AudioBitrate: 128},
		{Name: "480p", Codec: "h264", Height: 480, Bitrate: 1200, Profile: "main", AudioBitrate: 128},
		{Name: "360p", Codec: "h264", Height: 360, Bitrate: 700, Profile: "main", AudioBitrate: 128},
	}},
	"audio": {Name: "audio", Rungs: []Rung{
		{Name: "hi_res", AudioCodec: "aac", AudioBitrate: 320},
		{Name: "high", AudioCodec: "aac", AudioBitrate: 192},
		{Name: "medium", AudioCodec: "aac", AudioBitrate: 128},
		{Name: "low", AudioCodec: "aac", AudioBitrate: 64},
	}},
	// The replay of a live radio show: MP3 256k, -14 LUFS, silences of 3 s
	// or more cut, 10 s segments.
	"replay": {Name: "replay", SegmentTime: 10, Rungs: []Rung{
		{Name: "mp3_256", AudioCodec: "mp3", AudioBitrate: 256},
	}, Settings: audio.Settings{Loudness: -14, TrimSilence: 3}},
}

// Builtin returns a built-in ladder by name.
func Builtin(name string) (Ladder, bool) {
	l, ok := builtins[name]
	if !ok {
		return Ladder{}, false
	}
	l.Rungs = append([]Rung(nil), l.Rungs...)
	return l, true
}

// Builtins lists the built-in ladders by name.
func Builtins() []Ladder {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Ladder, len(names))
	for i, n := range names {
		out[i], _ = Builtin(n)
	}
	return out
}

// Resolve returns the built-in ladder called nameOrFile, or reads a YAML
// ladder from that file.
func Resolve(nameOrFile string) (Ladder, error) {
	if l, ok := Builtin(nameOrFile); ok {
		return l, nil
	}
	data, err := os.ReadFile(nameOrFile)
	if err != nil {
		if os.IsNotExist(err) && !strings.ContainsAny(nameOrFile, "/.") {
			return Ladder{}, fmt.Errorf("ladder %q: no such built-in ladder (have %s) and no such file", nameOrFile, strings.Join(builtinNames(), ", "))
		}
		return Ladder{}, fmt.Errorf("ladder %q: %w", nameOrFile, err)
	}
	l, err := Parse(data)
	if err != nil {
		return Ladder{}, fmt.Errorf("ladder %q: %w", nameOrFile, err)
	}
	if l.Name == "" {
		l.Name = strings.TrimSuffix(nameOrFile, ".yaml")
	}
	return l, nil
}

func builtinNames() []string {
	var n []string
	for _, l := range Builtins() {
		n = append(n, l.Name)
	}
	return n
}

// Parse reads a YAML ladder and checks it.
func Parse(data []byte) (Ladder, error) {
	var l Ladder
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		return Ladder{}, fmt.Errorf("not a ladder: %v", err)
	}
	return l, l.Validate()
}

var (
	videoCodecs = map[string]bool{"h264": true, "hevc": true, "av1": true}
	audioCodecs = map[string]bool{"aac": true, "mp3": true, "opus": true}
)

// Validate checks the rungs.
func (l Ladder) Validate() error {
	if len(l.Rungs) == 0 {
		return fmt.Errorf("no rungs")
	}
	seen := map[string]bool{}
	for i, r := range l.Rungs {
		where := fmt.Sprintf("rung %d (%s)", i+1, r.Name)
		switch {
		case r.Name == "" || strings.ContainsAny(r.Name, `/\ `) || r.Name == "." || r.Name == "..":
			return fmt.Errorf("%s: name must be a plain folder name", where)
		case seen[r.Name]:
			return fmt.Errorf("%s: name used twice", where)
		case r.IsVideo() && r.Codec != "" && !videoCodecs[r.Codec]:
			return fmt.Errorf("%s: video codec %q not supported (h264, hevc, av1)", where, r.Codec)
		case r.IsVideo() && (r.Height < 16 || r.Bitrate <= 0):
			return fmt.Errorf("%s: a video rung needs height >= 16 and bitrate > 0", where)
		case !r.IsVideo() && r.AudioBitrate <= 0:
			return fmt.Errorf("%s: an audio rung needs audio_bitrate > 0", where)
		case r.AudioCodec != "" && !audioCodecs[r.AudioCodec]:
			return fmt.Errorf("%s: audio codec %q not supported (aac, mp3, opus)", where, r.AudioCodec)
		case r.AudioBitrate < 0 || r.AudioBitrate > 512:
			return fmt.Errorf("%s: audio_bitrate %d out of range", where, r.AudioBitrate)
		}
		seen[r.Name] = true
	}
	if l.SegmentTime < 0 {
		return fmt.Errorf("segment_time must be positive")
	}
	if err := l.Selection.Validate(); err != nil {
		return err
	}
	return l.Settings.Validate()
}
