package ladder

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/language"
)

// Selection says which of the source's audio and subtitle streams a video
// ladder carries. The zero value carries every audio stream and every text
// subtitle stream.
type Selection struct {
	// Audio is "all" (the default), "first", or a comma-separated list of
	// languages ("en,fr"; ISO 639-2 codes are accepted).
	Audio string `yaml:"audio,omitempty" json:"audio,omitempty"`
	// Subtitles is "all" (the default), "none", or a comma-separated list
	// of languages.
	Subtitles string `yaml:"subtitles,omitempty" json:"subtitles,omitempty"`
}

// Validate checks the choices' syntax.
func (s Selection) Validate() error {
	for _, c := range []struct{ what, v, word string }{{"audio", s.Audio, "first"}, {"subtitles", s.Subtitles, "none"}} {
		if c.v == "" || c.v == "all" || c.v == c.word {
			continue
		}
		for _, l := range strings.Split(c.v, ",") {
			if language.Normalize(l) == language.Undetermined && strings.TrimSpace(l) != language.Undetermined {
				return fmt.Errorf("%s %q: %q is not a language (want all, %s or languages like en,fr)", c.what, c.v, l, c.word)
			}
		}
	}
	return nil
}

// Override returns s with the non-empty fields of o.
func (s Selection) Override(o Selection) Selection {
	if o.Audio != "" {
		s.Audio = o.Audio
	}
	if o.Subtitles != "" {
		s.Subtitles = o.Subtitles
	}
	return s
}

// Sidecar is a subtitle file given beside the input.
type Sidecar struct {
	Path string `json:"path"`
	// Language is the file's language; "" means undetermined (or, for a
	// file found beside the input, the language its name gives).
	Language string `json:"language,omitempty"`
}

// Track is an audio or subtitle stream a ladder carries.
type Track struct {
	// Type is "audio" or "subtitles".
	Type string `json:"type"`
	// Stream is the source's stream index; -1 for a sidecar file.
	Stream int `json:"stream"`
	// Nth is the stream's position among the source's streams of its type
	// (the N of ffmpeg's 0:a:N and 0:s:N).
	Nth int `json:"-"`
	// File is the sidecar subtitle file, when the track is one.
	File  string `json:"file,omitempty"`
	Codec string `json:"codec"`
	// Language is a BCP 47 tag, "und" when unknown.
	Language string `json:"language"`
	// Name is what players show: the stream's title, else the language.
	Name    string `json:"name"`
	Default bool   `json:"default"`
	Forced  bool   `json:"forced,omitempty"`
	// Channels is the source's channel count (audio).
	Channels int `json:"channels,omitempty"`
}

// NotCarried is a source stream the output leaves out, and why.
type NotCarried struct {
	// Stream is the source's stream index; -1 for a sidecar file.
	Stream int `json:"stream"`
	// File is the sidecar file, for one that could not be used.
	File     string `json:"file,omitempty"`
	Type     string `json:"type"`
	Codec    string `json:"codec,omitempty"`
	Language string `json:"language,omitempty"`
	Reason   string `json:"reason"`
}

func (n NotCarried) String() string {
	what := "stream " + strconv.Itoa(n.Stream)
	if n.File != "" {
		what = filepath.Base(n.File)
	}
	desc := strings.Join(strings.Fields(n.Type+" "+n.Codec+" "+n.Language), " ")
	return fmt.Sprintf("%s (%s) not carried: %s", what, desc, n.Reason)
}

// textSubtitles are the subtitle codecs ffmpeg converts to WebVTT.
var textSubtitles = map[string]bool{"subrip": true, "srt": true, "ass": true, "ssa": true, "webvtt": true,
	"mov_text": true, "text": true, "microdvd": true, "subviewer": true, "subviewer1": true, "sami": true,
	"realtext": true, "jacosub": true, "mpl2": true, "pjs": true, "vplayer": true, "stl": true}

// bitmapSubtitles are pictures of text: WebVTT cannot carry them without
// OCR.
var bitmapSubtitles = map[string]bool{"hdmv_pgs_subtitle": true, "dvd_subtitle": true, "dvb_subtitle": true, "xsub": true}

// SubtitleExtensions are the sidecar files a run picks up beside its input.
var SubtitleExtensions = []string{".srt", ".vtt", ".ass", ".ssa"}

// Tracks is what a ladder carries of a source besides its picture.
type Tracks struct {
	Audio      []Track      `json:"audio,omitempty"`
	Subtitles  []Track      `json:"subtitles,omitempty"`
	NotCarried []NotCarried `json:"not_carried,omitempty"`
	// Notes say what was done that the user should know (sidecar files
	// found, styling dropped).
	Notes []string `json:"-"`
}

// SelectTracks decides which of the source's streams (and which sidecar
// subtitle files) a video ladder carries. Every stream of the source ends
// up in exactly one of: the picture (the first video stream), Audio,
// Subtitles or NotCarried.
func SelectTracks(r *ffprobe.Result, sel Selection, sidecars []Sidecar) (Tracks, error) {
	if err := sel.Validate(); err != nil {
		return Tracks{}, err
	}
	var t Tracks
	video := r.Video()
	var na, ns int
	for _, s := range r.Streams {
		nc := NotCarried{Stream: s.Index, Type: s.Type, Codec: s.Codec, Language: language.Normalize(s.Language)}
		switch {
		case video != nil && s.Index == video.Index:
			continue
		case s.Type == "video" && s.AttachedPic:
			nc.Reason = "cover art: HLS has no place for a still picture"
		case s.Type == "video":
			nc.Reason = "a ladder encodes one picture, the first video stream"
		case s.Type == "audio":
			tr := trackOf(s, "audio", na)
			na++
			tr.Channels = s.Channels
			t.Audio = append(t.Audio, tr)
			continue
		case s.Type == "subtitle" && textSubtitles[s.Codec]:
			tr := trackOf(s, "subtitles", ns)
			ns++
			t.Subtitles = append(t.Subtitles, tr)
			continue
		case s.Type == "subtitle" && bitmapSubtitles[s.Codec]:
			ns++
			nc.Reason = "bitmap subtitles (pictures of text) cannot become WebVTT"
		case s.Type == "subtitle" && s.Codec == "dvb_teletext":
			ns++
			nc.Reason = "teletext subtitles cannot become WebVTT"
		case s.Type == "subtitle":
			ns++
			nc.Reason = "subtitle codec " + orUnknown(s.Codec) + " cannot be converted to WebVTT"
		case s.Type == "attachment":
			nc.Reason = "attachment (a font or file): HLS carries no attachments"
		case s.Type == "data":
			nc.Reason = "data stream: HLS carries no data streams"
		default:
			nc.Reason = "stream of type " + orUnknown(s.Type) + ": nothing in HLS carries it"
		}
		t.NotCarried = append(t.NotCarried, nc)
	}
	for _, sc := range sidecars {
		codec := strings.TrimPrefix(strings.ToLower(filepath.Ext(sc.Path)), ".")
		if codec == "srt" {
			codec = "subrip"
		}
		if codec == "vtt" {
			codec = "webvtt"
		}
		lang := language.Normalize(sc.Language)
		tr := Track{Type: "subtitles", Stream: -1, File: sc.Path, Codec: codec, Language: lang, Name: displayName(lang, "")}
		t.Subtitles = append(t.Subtitles, tr)
	}
	t.Audio = choose(t.Audio, sel.Audio, "first", &t.NotCarried)
	t.Subtitles = choose(t.Subtitles, sel.Subtitles, "none", &t.NotCarried)
	t.Audio = settle(t.Audio)
	t.Subtitles = settle(t.Subtitles)
	for _, s := range t.Subtitles {
		if s.Codec == "ass" || s.Codec == "ssa" {
			t.Notes = append(t.Notes, fmt.Sprintf("subtitles %s (%s): ASS styling (fonts, colours, positions) is dropped; WebVTT keeps the text", s.Name, s.Language))
		}
	}
	return t, nil
}

func trackOf(s ffprobe.Stream, typ string, nth int) Track {
	lang := language.Normalize(s.Language)
	return Track{Type: typ, Stream: s.Index, Nth: nth, Codec: s.Codec, Language: lang,
		Name: displayName(lang, s.Title), Default: s.Default, Forced: s.Forced}
}

// choose keeps the tracks the choice asks for ("all", the word that means
// first or none, or languages) and lists the others as not carried.
func choose(ts []Track, choice, word string, nc *[]NotCarried) []Track {
	if choice == "" || choice == "all" {
		return ts
	}
	want := map[string]bool{}
	for _, l := range strings.Split(choice, ",") {
		want[language.Normalize(l)] = true
	}
	var keep []Track
	for i, t := range ts {
		var ok bool
		switch choice {
		case "first":
			ok = i == 0
		case "none":
		default:
			ok = want[t.Language] || want[primary(t.Language)]
		}
		if ok {
			keep = append(keep, t)
			continue
		}
		*nc = append(*nc, NotCarried{Stream: t.Stream, File: t.File, Type: sourceType(t.Type), Codec: t.Codec,
			Language: t.Language, Reason: "not among the " + t.Type + " asked for (" + choice + ")"})
	}
	return keep
}

func sourceType(t string) string {
	if t == "subtitles" {
		return "subtitle"
	}
	return t
}

// settle makes names unique within a group and leaves at most one
// default track: the first the source marks default. An audio group
// always gets one (the first track when the source marks none); subtitles
// marked by none stay off until the viewer picks them.
func settle(ts []Track) []Track {
	def := -1
	for i, t := range ts {
		if t.Default && def < 0 {
			def = i
		}
	}
	if def < 0 && len(ts) > 0 && ts[0].Type == "audio" {
		def = 0
	}
	seen := map[string]int{}
	for i := range ts {
		ts[i].Default = i == def
		seen[ts[i].Name]++
		if n := seen[ts[i].Name]; n > 1 {
			ts[i].Name = fmt.Sprintf("%s (%d)", ts[i].Name, n)
		}
	}
	return ts
}

func primary(tag string) string {
	p, _, _ := strings.Cut(tag, "-")
	return p
}

var languageNames = map[string]string{"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español",
	"it": "Italiano", "pt": "Português", "nl": "Nederlands", "ja": "日本語", "zh": "中文", "ko": "한국어",
	"ru": "Русский", "ar": "العربية", "sv": "Svenska", "pl": "Polski", "tr": "Türkçe"}

// displayName is a track's NAME: its title, else its language's own name,
// else the tag.
func displayName(lang, title string) string {
	if t := strings.TrimSpace(title); t != "" {
		return t
	}
	if n, ok := languageNames[primary(lang)]; ok {
		return n
	}
	if lang == language.Undetermined {
		return "Unknown language"
	}
	return lang
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// FindSidecars lists the subtitle files beside input named after it,
// NAME.LANG.ext (LANG optional), sorted by name.
func FindSidecars(input string) ([]Sidecar, error) {
	dir := filepath.Dir(input)
	base := strings.TrimSuffix(filepath.Base(input), filepath.Ext(input))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Sidecar
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || !contains(SubtitleExtensions, ext) {
			continue
		}
		stem := strings.TrimSuffix(name, filepath.Ext(name))
		if stem != base && !strings.HasPrefix(stem, base+".") {
			continue
		}
		lang := strings.TrimPrefix(strings.TrimPrefix(stem, base), ".")
		out = append(out, Sidecar{Path: filepath.Join(dir, name), Language: lang})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
