package dash

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/mp4"
)

// Rendition is one folder of fMP4 segments that Build describes as a
// Representation.
type Rendition struct {
	// ID is the Representation id (veza uses the rendition name, "720p").
	ID string
	// Init is the init section and Media the $Number$ template of the
	// media segments, both relative to the MPD's folder with forward
	// slashes ("720p/init.mp4", "720p/seg_$Number%05d$.m4s").
	Init, Media string
	// StartNumber is the first segment's number; Segments counts them.
	StartNumber uint64
	Segments    int
	// Bandwidth is the peak bit rate in bits per second (veza passes the
	// HLS BANDWIDTH, measured the same way).
	Bandwidth int64
	// Codecs is the RFC 6381 list of every codec in the files.
	Codecs string
	// Width and Height are zero for audio-only renditions.
	Width, Height int
	// FrameRate is "25" or "30000/1001"; empty for audio.
	FrameRate string
}

// timed is a Rendition with what its files say.
type timed struct {
	Rendition
	track     mp4.Track
	timescale uint64
	segs      []mp4.Timing
}

// Build reads every rendition's init section and segments under dir (the
// MPD's folder) and returns a static MPD describing them: one video
// AdaptationSet with a Representation per video rendition (their audio
// muxed in, as ffmpeg wrote it), one audio AdaptationSet for audio-only
// renditions, and per Representation a SegmentTemplate with a
// SegmentTimeline of the exact fragment times of its video track (its
// only track when audio-only).
func Build(dir string, rs []Rendition) (*MPD, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("dash: no rendition to describe")
	}
	var video, audio []*timed
	total := 0.0
	for _, r := range rs {
		t, err := readRendition(dir, r)
		if err != nil {
			return nil, err
		}
		var d uint64
		for _, s := range t.segs {
			d += s.Duration
		}
		total = max(total, float64(d)/float64(t.timescale))
		if r.Width > 0 {
			video = append(video, t)
		} else {
			audio = append(audio, t)
		}
	}
	m := &MPD{Profiles: ProfileLive, Type: "static", MediaPresentationDuration: Duration(total),
		MinBufferTime: 2}
	p := Period{ID: "0"}
	if len(video) > 0 {
		as := AdaptationSet{ID: "0", ContentType: "video", MimeType: "video/mp4", SegmentAlignment: true, StartWithSAP: 1}
		for _, t := range video {
			as.MaxWidth, as.MaxHeight = max(as.MaxWidth, t.Width), max(as.MaxHeight, t.Height)
			as.Representations = append(as.Representations, t.representation())
		}
		if fr := video[0].FrameRate; fr != "" && allFrameRate(video, fr) {
			as.MaxFrameRate = fr
		}
		p.AdaptationSets = append(p.AdaptationSets, as)
	}
	if len(audio) > 0 {
		as := AdaptationSet{ID: strconv.Itoa(len(p.AdaptationSets)), ContentType: "audio", MimeType: "audio/mp4",
			SegmentAlignment: true, StartWithSAP: 1}
		for _, t := range audio {
			rep := t.representation()
			rep.AudioSamplingRate = strconv.FormatUint(t.timescale, 10)
			as.Representations = append(as.Representations, rep)
		}
		p.AdaptationSets = append(p.AdaptationSets, as)
	}
	m.Periods = []Period{p}
	return m, nil
}

func allFrameRate(ts []*timed, fr string) bool {
	for _, t := range ts {
		if t.FrameRate != fr {
			return false
		}
	}
	return true
}

// readRendition reads the timing of one rendition's files.
func readRendition(dir string, r Rendition) (*timed, error) {
	if r.Segments <= 0 {
		return nil, fmt.Errorf("dash: rendition %s has no segments", r.ID)
	}
	initData, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(r.Init)))
	if err != nil {
		return nil, fmt.Errorf("dash: rendition %s: %w", r.ID, err)
	}
	tracks, err := mp4.ReadInit(initData)
	if err != nil {
		return nil, fmt.Errorf("dash: rendition %s: init section %s: %w", r.ID, r.Init, err)
	}
	t := &timed{Rendition: r, track: mp4.MainTrack(tracks)}
	t.timescale = uint64(t.track.Timescale)
	tmpl := SegmentTemplate{Media: r.Media}
	for i := range r.Segments {
		u, err := expand(tmpl.Media, r.ID, r.Bandwidth, r.StartNumber+uint64(i), 0, true)
		if err != nil {
			return nil, fmt.Errorf("dash: rendition %s: %w", r.ID, err)
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(u)))
		if err != nil {
			return nil, fmt.Errorf("dash: rendition %s: %w", r.ID, err)
		}
		tm, err := mp4.ReadFragment(data, tracks)
		if err != nil {
			return nil, fmt.Errorf("dash: rendition %s: segment %s: %w", r.ID, u, err)
		}
		st, ok := tm[t.track.ID]
		if !ok || st.Duration == 0 {
			return nil, fmt.Errorf("dash: rendition %s: segment %s has no samples of track %d", r.ID, u, t.track.ID)
		}
		t.segs = append(t.segs, st)
	}
	return t, nil
}

// representation builds the Representation with its own template and
// timeline: runs of equal durations become one S with r; a gap or
// overlap between fragments gets an explicit t.
func (t *timed) representation() Representation {
	start := t.StartNumber
	st := &SegmentTemplate{Timescale: t.timescale, Initialization: t.Init, Media: t.Media, StartNumber: &start,
		PresentationTimeOffset: t.segs[0].Start, Timeline: &SegmentTimeline{}}
	var next uint64
	for i, s := range t.segs {
		tl := st.Timeline
		if i > 0 && s.Start == next {
			last := &tl.S[len(tl.S)-1]
			if last.D == s.Duration {
				last.R++
				next = s.Start + s.Duration
				continue
			}
			tl.S = append(tl.S, S{D: s.Duration})
		} else {
			at := s.Start
			tl.S = append(tl.S, S{T: &at, D: s.Duration})
		}
		next = s.Start + s.Duration
	}
	return Representation{ID: t.ID, Bandwidth: t.Bandwidth, Codecs: t.Codecs, Width: t.Width, Height: t.Height,
		FrameRate: t.FrameRate, SegmentTemplate: st}
}

// WriteFile encodes m and writes it atomically to path.
func WriteFile(p string, m *MPD) error {
	data, err := m.Encode()
	if err != nil {
		return fmt.Errorf("write %q: %w", p, err)
	}
	return layout.WriteFile(p, data, 0o644)
}
