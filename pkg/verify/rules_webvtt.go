package verify

import (
	"fmt"
	"path"
	"strings"

	"github.com/veza-media/veza/pkg/webvtt"
)

// isWebVTT says whether a media playlist's segments are WebVTT files (a
// subtitle rendition): ffprobe's media rules do not apply to them, W1–W3
// do.
func (mc *mediaCheck) isWebVTT() bool {
	if len(mc.pl.Segments) == 0 {
		return false
	}
	for _, s := range mc.pl.Segments {
		p, _, _ := strings.Cut(s.URI, "?")
		switch strings.ToLower(path.Ext(p)) {
		case ".vtt", ".webvtt":
		default:
			return false
		}
	}
	return true
}

// cueSlack is how far a cue may lie outside its segment's time range
// before W3 calls it misplaced: a cue that overlaps the segment belongs
// there, and rounding of EXTINF values is allowed for.
const cueSlack = 0.5

// checkWebVTT applies W1 (every segment starts with WEBVTT and parses,
// cue start times never go back) and the cue half of W3 (each cue
// overlaps its segment's time range on the playlist's timeline, after the
// LOCAL offset of X-TIMESTAMP-MAP) to a subtitle playlist, and keeps the
// parsed segments for W2.
func (mc *mediaCheck) checkWebVTT() {
	r := mc.r
	mc.vtt = make([]*webvtt.File, len(mc.pl.Segments))
	start := 0.0
	for i, s := range mc.pl.Segments {
		end := start + s.Duration
		st := mc.segs[i]
		if !st.present || st.opaque {
			start = end
			continue
		}
		data, err := st.sec.read(-1)
		if err != nil {
			r.add("W1", Must, s.URI, "", "", "cannot read the WebVTT segment: %v", err)
			start = end
			continue
		}
		f, err := webvtt.Parse(data)
		if err != nil {
			r.add("W1", Must, s.URI, "", "WEBVTT", "%v", err)
			start = end
			continue
		}
		mc.vtt[i] = f
		local := 0.0
		if m := f.TimestampMap(); m != "" {
			if local, err = localOffset(m); err != nil {
				r.add("W2", Must, s.URI, m, "MPEGTS:<ticks>,LOCAL:<time>", "X-TIMESTAMP-MAP: %v", err)
			}
		}
		prev := -1.0
		for _, c := range f.Cues {
			if c.Start < prev {
				r.add("W1", Must, s.URI, webvtt.FormatTime(c.Start), "≥ "+webvtt.FormatTime(prev), "cue times go back")
				break
			}
			prev = c.Start
			cs, ce := c.Start-local, c.End-local
			if ce < start-cueSlack || cs > end+cueSlack {
				r.add("W3", Must, s.URI, fmt.Sprintf("%s --> %s", webvtt.FormatTime(cs), webvtt.FormatTime(ce)),
					fmt.Sprintf("within %.3f–%.3f s", start, end), "a cue lies outside its segment's time range")
				break
			}
		}
		start = end
	}
}

// localOffset reads the LOCAL time of an X-TIMESTAMP-MAP value and checks
// that MPEGTS is a number.
func localOffset(m string) (float64, error) {
	var mpegts, local string
	for _, part := range strings.Split(m, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), ":")
		switch k {
		case "MPEGTS":
			mpegts = v
		case "LOCAL":
			local = v
		}
	}
	if mpegts == "" || strings.Trim(mpegts, "0123456789") != "" {
		return 0, fmt.Errorf("MPEGTS %q is not a number of 90 kHz ticks", mpegts)
	}
	t, err := webvtt.ParseTime(local)
	if err != nil {
		return 0, fmt.Errorf("LOCAL: %v", err)
	}
	return t, nil
}

// checkTimestampMaps applies W2 to a master: when its variants are
// MPEG-TS, every WebVTT segment of its subtitle renditions carries
// X-TIMESTAMP-MAP, or players cannot place the cues on the video's
// timeline.
func checkTimestampMaps(m *masterCheck) {
	ts := false
	for _, mc := range m.variants {
		if mc != nil && len(mc.segs) > 0 && mc.segs[0].kind == containerTS {
			ts = true
		}
	}
	if !ts {
		return
	}
	for i, mc := range m.renditions {
		if mc == nil || m.pl.Renditions[i].Type != "SUBTITLES" || mc.vtt == nil {
			continue
		}
		for j, f := range mc.vtt {
			if f != nil && f.TimestampMap() == "" {
				mc.r.add("W2", Must, mc.pl.Segments[j].URI, "no X-TIMESTAMP-MAP", "X-TIMESTAMP-MAP=MPEGTS:…,LOCAL:…",
					"a WebVTT segment beside MPEG-TS media has no X-TIMESTAMP-MAP")
				break // one finding per playlist: the others are made the same way
			}
		}
	}
}
