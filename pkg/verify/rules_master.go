package verify

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/language"
	"github.com/veza-media/veza/pkg/webvtt"
)

// mediaCheck is one media playlist under verification.
type mediaCheck struct {
	path string
	dir  string
	pl   *hls.MediaPlaylist
	r    *PlaylistReport
	segs []segState
	// peak and average are MeasureBandwidth's figures (0 when it failed).
	peak, average int64
	// vtt holds the parsed segments of a WebVTT playlist (nil entries for
	// unreadable ones); nil for other playlists.
	vtt []*webvtt.File
}

// masterCheck is one multivariant playlist under verification; its variant
// and rendition entries point at their media checks (nil when unreadable).
type masterCheck struct {
	path       string
	pl         *hls.MasterPlaylist
	r          *PlaylistReport
	variants   []*mediaCheck
	renditions []*mediaCheck
	iframes    []*mediaCheck // by IFrameVariants, nil when unreadable
}

// addMedia checks a media playlist's text and files and registers its
// segments for probing.
func (v *verifier) addMedia(path string, data []byte, pl *hls.MediaPlaylist, r *PlaylistReport) *mediaCheck {
	if mc, ok := v.medias[filepath.Clean(path)]; ok {
		return mc
	}
	mc := &mediaCheck{path: path, dir: filepath.Dir(path), pl: pl, r: r}
	v.medias[filepath.Clean(path)] = mc
	v.order = append(v.order, mc)
	r.Segments = len(pl.Segments)
	checkMediaPlaylist(pl, r, false)
	if pl.IFramesOnly {
		// Byte ranges of single frames: P9 judges them, not the segment
		// rules.
		mc.segs = make([]segState, len(pl.Segments))
		v.addIFrames(mc)
		return mc
	}
	mc.segs = checkFiles(pl, mc.dir, r, v.initVerdicts())
	if mc.isWebVTT() {
		// Text, not media: W1 and W3 here, W2 with the master. Its few
		// bytes add nothing to a variant's bandwidth worth measuring.
		mc.checkWebVTT()
		return mc
	}
	if !v.opts.NoProbe {
		for i := range mc.segs {
			if mc.segs[i].present && !mc.segs[i].opaque {
				mc.segs[i].probe = v.probeFor(mc.segs[i], pl.Segments[i].Map, mc.dir)
			}
		}
	}
	if len(pl.Segments) > 0 && allPresent(mc.segs) {
		mc.peak, mc.average, _ = hls.MeasureBandwidth(pl, mc.dir)
	}
	return mc
}

func allPresent(segs []segState) bool {
	for _, s := range segs {
		if !s.present {
			return false
		}
	}
	return true
}

// initVerdicts is the per-run cache of EXT-X-MAP checks.
func (v *verifier) initVerdicts() map[string]error {
	if v.inits == nil {
		v.inits = map[string]error{}
	}
	return v.inits
}

// addMaster checks a multivariant playlist's text and reads every media
// playlist it names.
func (v *verifier) addMaster(path string, pl *hls.MasterPlaylist, r *PlaylistReport) {
	mc := &masterCheck{path: path, pl: pl, r: r}
	v.masters = append(v.masters, mc)
	r.Variants = len(pl.Variants)
	checkMasterPlaylist(pl, r, v.opts.RequireIFrames)
	dir := filepath.Dir(path)
	open := func(uri string) *mediaCheck {
		p, err := hls.ResolveURI(dir, uri)
		if err != nil {
			if _, remote := err.(*hls.RemoteURIError); remote {
				r.note("remote URIs (%s) are not checked: veza verify reads local files", clip(uri))
			} else {
				r.add("M10", Must, uri, "", "", "URI %q cannot be resolved: %v", clip(uri), err)
			}
			return nil
		}
		if m, ok := v.medias[filepath.Clean(p)]; ok {
			return m
		}
		if _, ok := v.reports[p]; ok {
			return nil // read before and found unreadable
		}
		if _, ok := localSection(dir, uri, nil, r, uri, "media playlist"); !ok {
			return nil
		}
		mr := v.playlistReport(p, "media")
		data, master, media := v.readPlaylist(p, mr)
		if master != nil {
			r.add("P6", Must, uri, "a multivariant playlist", "a media playlist", "%q names a multivariant playlist where a media playlist belongs", uri)
			return nil
		}
		if media == nil {
			return nil
		}
		return v.addMedia(p, data, media, mr)
	}
	for _, vr := range pl.Variants {
		mc.variants = append(mc.variants, open(vr.URI))
	}
	for _, rd := range pl.Renditions {
		if rd.URI == "" {
			mc.renditions = append(mc.renditions, nil)
			continue
		}
		mc.renditions = append(mc.renditions, open(rd.URI))
	}
	for _, vr := range pl.IFrameVariants {
		mc.iframes = append(mc.iframes, open(vr.URI))
	}
}

// run probes the segments and applies the rules that need the probes or
// several playlists at once.
func (v *verifier) run(ctx context.Context) error {
	if !v.opts.NoProbe {
		if err := v.runProbes(ctx); err != nil {
			return err
		}
		for _, mc := range v.order {
			checkProbed(mc)
		}
		if err := v.checkIFrameFragments(ctx); err != nil {
			return err
		}
	}
	for _, m := range v.masters {
		v.checkMasterMedia(m)
	}
	return nil
}

// checkMasterPlaylist applies the rules a master's text decides: P3, P6,
// M5 (PROGRAM-ID after version 6, INSTREAM-ID SERVICE before 7) and the
// text of P9 (see checkIFrameVariants). Without requireIFrames a master
// with video and no I-frame playlist gets the P8 SHOULD finding of old
// rather than P9's MUST.
func checkMasterPlaylist(pl *hls.MasterPlaylist, r *PlaylistReport, requireIFrames bool) {
	version := max(pl.Version, 1)
	if need := pl.MinVersion(); need > version {
		r.add("M5", Must, "", strconv.Itoa(version), fmt.Sprintf("≥ %d", need), "EXT-X-VERSION is %d but INSTREAM-ID=\"SERVICEn\" needs version %d", version, need)
	}
	hasVideo := false
	for _, vr := range pl.Variants {
		if vr.ProgramID != "" && version >= 6 {
			r.add("M5", Must, vr.URI, "PROGRAM-ID", "no PROGRAM-ID", "PROGRAM-ID was removed in protocol version 6, and the playlist declares version %d", version)
		}
		if vr.Bandwidth <= 0 {
			r.add("P1", Must, vr.URI, "", "BANDWIDTH", "the variant has no BANDWIDTH")
		}
		if vr.AverageBandwidth <= 0 {
			r.add("P3", Must, vr.URI, "", "AVERAGE-BANDWIDTH", "the variant has no AVERAGE-BANDWIDTH")
		}
		if vr.Codecs == "" {
			r.add("P4", Must, vr.URI, "", "CODECS", "the variant has no CODECS attribute")
		}
		for _, c := range hls.SplitCodecs(vr.Codecs) {
			if looksVideo(c) {
				hasVideo = true
			}
		}
	}

	// P6: EXT-X-MEDIA entries and the groups variants reference.
	groups := map[string]string{} // group id -> type
	defaults := map[string]int{}
	names := map[string]bool{}
	for _, rd := range pl.Renditions {
		label := rd.Name
		if label == "" {
			label = "line " + strconv.Itoa(rd.Line)
		}
		switch rd.Type {
		case "AUDIO", "VIDEO", "SUBTITLES", "CLOSED-CAPTIONS":
		case "":
			r.add("P6", Must, rd.URI, "", "TYPE", "EXT-X-MEDIA %q has no TYPE", label)
		default:
			r.add("P6", Must, rd.URI, rd.Type, "AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS", "EXT-X-MEDIA %q has TYPE %s", label, rd.Type)
		}
		if rd.GroupID == "" {
			r.add("P6", Must, rd.URI, "", "GROUP-ID", "EXT-X-MEDIA %q has no GROUP-ID", label)
		}
		if rd.Name == "" {
			r.add("P6", Must, rd.URI, "", "NAME", "EXT-X-MEDIA on line %d has no NAME", rd.Line)
		}
		if rd.Type == "AUDIO" && rd.Language == "" {
			r.add("P6", Must, rd.URI, "", "LANGUAGE", "audio EXT-X-MEDIA %q has no LANGUAGE", label)
		}
		if rd.Language != "" && !language.WellFormed(rd.Language) {
			r.add("P6", Must, rd.URI, rd.Language, "a BCP 47 tag (en, fr-CA, und)", "EXT-X-MEDIA %q has LANGUAGE %q, not a BCP 47 tag", label, rd.Language)
		}
		if rd.Type == "AUDIO" && rd.Channels == "" {
			r.add("P6", Must, rd.URI, "", "CHANNELS", "audio EXT-X-MEDIA %q has no CHANNELS", label)
		}
		if rd.Default && !rd.Autoselect {
			r.add("P6", Must, rd.URI, "AUTOSELECT=NO", "AUTOSELECT=YES", "EXT-X-MEDIA %q has DEFAULT=YES without AUTOSELECT=YES", label)
		}
		if rd.Type == "CLOSED-CAPTIONS" && rd.URI != "" {
			r.add("P6", Must, rd.URI, "URI", "no URI", "closed-captions EXT-X-MEDIA %q has a URI", label)
		}
		if rd.Type == "SUBTITLES" && rd.URI == "" {
			r.add("P6", Must, "", "", "URI", "subtitles EXT-X-MEDIA %q has no URI", label)
		}
		if rd.GroupID == "" {
			continue
		}
		if t, ok := groups[rd.GroupID]; ok && t != rd.Type {
			r.add("P6", Must, rd.URI, rd.Type, t, "group %q mixes %s and %s renditions", rd.GroupID, t, rd.Type)
		}
		groups[rd.GroupID] = rd.Type
		defaults[rd.GroupID] += 0 // every group is counted, with or without a default
		if rd.Default {
			defaults[rd.GroupID]++
		}
		key := rd.Type + "\x00" + rd.GroupID + "\x00" + rd.Name
		if names[key] {
			r.add("P6", Must, rd.URI, "", "", "group %q has two renditions named %q", rd.GroupID, rd.Name)
		}
		names[key] = true
	}
	for _, g := range sortedKeys(defaults) {
		if defaults[g] > 1 {
			r.add("P6", Must, "", strconv.Itoa(defaults[g]), "1", "group %q has %d renditions with DEFAULT=YES", g, defaults[g])
		}
		// Subtitles may all be off by default (RFC 8216 allows at most
		// one DEFAULT=YES); sound and picture need one to start with.
		if defaults[g] == 0 && (groups[g] == "AUDIO" || groups[g] == "VIDEO") {
			r.add("P6", Must, "", "0", "1", "group %q has no rendition with DEFAULT=YES: players may pick none", g)
		}
	}
	named := map[string]bool{}
	subs := map[string]bool{}
	for _, vr := range pl.Variants {
		named[vr.Audio], named[vr.Video], named[vr.Subtitles], named[vr.ClosedCaptions] = true, true, true, true
		subs[vr.Subtitles] = true
	}
	for _, g := range sortedKeys(groups) {
		if !named[g] {
			r.add("P6", Must, "", "", "a variant naming it", "group %q is named by no variant", g)
		}
	}
	if len(subs) > 1 {
		r.add("P6", Must, "", strings.Join(sortedKeys(subs), ", "), "one subtitle group", "the variants name different subtitle groups (SUBTITLES=)")
	}
	for _, vr := range pl.Variants {
		for _, ref := range []struct{ attr, typ, id string }{
			{"AUDIO", "AUDIO", vr.Audio}, {"VIDEO", "VIDEO", vr.Video}, {"SUBTITLES", "SUBTITLES", vr.Subtitles},
			{"CLOSED-CAPTIONS", "CLOSED-CAPTIONS", vr.ClosedCaptions},
		} {
			if ref.id == "" || (ref.attr == "CLOSED-CAPTIONS" && ref.id == "NONE") {
				continue
			}
			if t, ok := groups[ref.id]; !ok || t != ref.typ {
				r.add("P6", Must, vr.URI, "", fmt.Sprintf("an EXT-X-MEDIA TYPE=%s group %q", ref.typ, ref.id),
					"%s=%q names no %s group", ref.attr, ref.id, ref.typ)
			}
		}
	}
	checkIFrameVariants(pl, r)
	if hasVideo && len(pl.IFrameVariants) == 0 && !requireIFrames {
		r.add("P8", Should, "", "", "EXT-X-I-FRAME-STREAM-INF", "no I-frame playlists: players cannot show thumbnails while seeking")
	}
}

// variantMedia is everything a variant stream plays: its own playlist and
// the renditions of its groups.
type variantMedia struct {
	own    *mediaCheck
	groups []*mediaCheck
}

func (m *masterCheck) media(i int) variantMedia {
	vr := m.pl.Variants[i]
	vm := variantMedia{own: m.variants[i]}
	for j, rd := range m.pl.Renditions {
		if m.renditions[j] != nil && rd.GroupID != "" && (rd.GroupID == vr.Audio || rd.GroupID == vr.Video || rd.GroupID == vr.Subtitles) {
			vm.groups = append(vm.groups, m.renditions[j])
		}
	}
	return vm
}

// checkMasterMedia applies the rules that look at a master and its media
// together: P1, P2, P4, P5, P7, P8 and S3.
func (v *verifier) checkMasterMedia(m *masterCheck) {
	if v.opts.RequireIFrames {
		v.checkIFramesPresent(m)
	}
	r := m.r
	probed := !v.opts.NoProbe
	allIDR, anyVideo := true, false
	for i, vr := range m.pl.Variants {
		vm := m.media(i)
		if vm.own == nil {
			continue
		}
		checkBandwidth(vr, vm, r)
		if !probed {
			continue
		}
		found, video, ok := probedCodecs(vm)
		if !ok {
			continue
		}
		if vr.Codecs != "" {
			checkCodecs(vr, found, r)
		}
		if video != nil {
			anyVideo = true
			checkVideoAttrs(vr, video, r)
		}
		for _, s := range vm.own.segs {
			if p := s.probe; p.video() != nil && (p.first == nil || !p.first.KeyFrame || p.first.PictType != "I") {
				allIDR = false
			}
		}
	}
	if probed && anyVideo && allIDR && !m.pl.IndependentSegments {
		r.add("P8", Should, "", "", "EXT-X-INDEPENDENT-SEGMENTS", "every segment starts with an IDR frame but the master lacks EXT-X-INDEPENDENT-SEGMENTS")
	}
	checkVariantsAgree(m, r)
	checkTimestampMaps(m)
	if probed {
		checkAlignment(m, r)
	}
	for i, vr := range m.pl.IFrameVariants {
		if ic := m.iframes[i]; ic != nil {
			checkIFrameBandwidth(vr, ic, r)
		}
	}
}

// checkBandwidth applies P1 and P2 with MeasureBandwidth: BANDWIDTH must
// not understate the measured peak (its audio renditions added) by more
// than 10 % (P1), and for VOD the peak and the average must be within 10 %
// of BANDWIDTH and AVERAGE-BANDWIDTH (P2). Understatement is reported once,
// under P1.
func checkBandwidth(vr hls.Variant, vm variantMedia, r *PlaylistReport) {
	if vm.own.peak == 0 {
		return
	}
	peak, avg := vm.own.peak, vm.own.average
	var groupPeak, groupAvg int64
	for _, g := range vm.groups {
		if g.peak > groupPeak {
			groupPeak, groupAvg = g.peak, g.average
		}
	}
	peak, avg = peak+groupPeak, avg+groupAvg
	if vr.Bandwidth > 0 && float64(peak) > 1.1*float64(vr.Bandwidth) {
		r.add("P1", Must, vr.URI, strconv.FormatInt(peak, 10), fmt.Sprintf("≤ %d (BANDWIDTH + 10 %%)", vr.Bandwidth*11/10),
			"measured peak %d bit/s is %.0f %% above BANDWIDTH %d", peak, pct(peak, vr.Bandwidth), vr.Bandwidth)
	}
	if vm.own.pl.Type != hls.TypeVOD {
		return
	}
	if vr.Bandwidth > 0 && float64(peak) < 0.9*float64(vr.Bandwidth) {
		r.add("P2", Must, vr.URI, strconv.FormatInt(peak, 10), fmt.Sprintf("%d ± 10 %%", vr.Bandwidth),
			"measured peak %d bit/s is %.0f %% below BANDWIDTH %d", peak, -pct(peak, vr.Bandwidth), vr.Bandwidth)
	}
	if vr.AverageBandwidth > 0 && math.Abs(pct(avg, vr.AverageBandwidth)) > 10 {
		r.add("P2", Must, vr.URI, strconv.FormatInt(avg, 10), fmt.Sprintf("%d ± 10 %%", vr.AverageBandwidth),
			"measured average %d bit/s is %+.0f %% off AVERAGE-BANDWIDTH %d", avg, pct(avg, vr.AverageBandwidth), vr.AverageBandwidth)
	}
}

// pct is how far got is from want, in percent of want.
func pct(got, want int64) float64 { return 100 * (float64(got) - float64(want)) / float64(want) }

// probedCodecs collects the RFC 6381 strings of every stream of a variant
// and its renditions, and the variant's own video stream. ok is false when
// a segment could not be probed.
func probedCodecs(vm variantMedia) (codecs []string, video *probedVideo, ok bool) {
	seen := map[string]bool{}
	for ci, mc := range append([]*mediaCheck{vm.own}, vm.groups...) {
		if mc.vtt != nil {
			continue // WebVTT has no RFC 6381 codec string to list
		}
		for _, s := range mc.segs {
			if s.probe == nil || s.probe.err != nil || s.probe.res == nil {
				return nil, nil, false
			}
			for _, st := range s.probe.res.Streams {
				if (st.Type == "video" && !st.AttachedPic) || st.Type == "audio" {
					if st.CodecString != "" && !seen[strings.ToLower(st.CodecString)] {
						seen[strings.ToLower(st.CodecString)] = true
						codecs = append(codecs, st.CodecString)
					}
				}
			}
			if vs := s.probe.video(); vs != nil && ci == 0 {
				if video == nil {
					video = &probedVideo{}
				}
				video.width = max(video.width, vs.Width)
				video.height = max(video.height, vs.Height)
				video.fps = max(video.fps, vs.FrameRate)
			}
		}
	}
	return codecs, video, true
}

type probedVideo struct {
	width, height int
	fps           float64
}

// checkCodecs applies P4: CODECS lists exactly the codecs of the media, as
// RFC 6381 strings from the bitstream, compared case-insensitively.
func checkCodecs(vr hls.Variant, found []string, r *PlaylistReport) {
	declared := map[string]bool{}
	for _, c := range hls.SplitCodecs(vr.Codecs) {
		declared[strings.ToLower(c)] = true
	}
	have := map[string]bool{}
	var missing []string
	for _, c := range found {
		have[strings.ToLower(c)] = true
		if !declared[strings.ToLower(c)] {
			missing = append(missing, c)
		}
	}
	var extra []string
	for _, c := range hls.SplitCodecs(vr.Codecs) {
		if !have[strings.ToLower(c)] {
			extra = append(extra, c)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		msg := fmt.Sprintf("CODECS %q does not match the media (%s)", vr.Codecs, strings.Join(found, ","))
		if len(missing) > 0 {
			msg += "; missing " + strings.Join(missing, ",")
		}
		if len(extra) > 0 {
			msg += "; not in the media " + strings.Join(extra, ",")
		}
		r.add("P4", Must, vr.URI, vr.Codecs, strings.Join(found, ","), "%s", msg)
	}
}

// checkVideoAttrs applies P5: RESOLUTION and FRAME-RATE on a video variant,
// matching the stream.
func checkVideoAttrs(vr hls.Variant, pv *probedVideo, r *PlaylistReport) {
	want := fmt.Sprintf("%dx%d", pv.width, pv.height)
	switch {
	case vr.Resolution.IsZero():
		r.add("P5", Must, vr.URI, "", want, "the video variant has no RESOLUTION (the stream is %s)", want)
	case vr.Resolution.Width != pv.width || vr.Resolution.Height != pv.height:
		got := fmt.Sprintf("%dx%d", vr.Resolution.Width, vr.Resolution.Height)
		r.add("P5", Must, vr.URI, got, want, "RESOLUTION %s does not match the stream's %s", got, want)
	}
	if pv.fps <= 0 {
		return
	}
	wantFPS := strconv.FormatFloat(pv.fps, 'f', 3, 64)
	switch {
	case vr.FrameRate == 0:
		r.add("P5", Must, vr.URI, "", wantFPS, "the video variant has no FRAME-RATE (the stream runs at %s)", wantFPS)
	case math.Abs(vr.FrameRate-pv.fps) > 0.0015:
		r.add("P5", Must, vr.URI, strconv.FormatFloat(vr.FrameRate, 'f', 3, 64), wantFPS,
			"FRAME-RATE %.3f does not match the stream's %s", vr.FrameRate, wantFPS)
	}
}

// p7Tolerance is how far total durations and discontinuity times of the
// variants may drift apart: half a second, since audio and video renditions
// cut at different frame boundaries.
const p7Tolerance = 0.5

// checkVariantsAgree applies P7 to every media playlist of a master (I-frame
// playlists aside): one target duration, one total duration, discontinuities
// at the same times.
func checkVariantsAgree(m *masterCheck, r *PlaylistReport) {
	var all []*mediaCheck
	var uris []string
	for i, mc := range m.variants {
		if mc != nil {
			all, uris = append(all, mc), append(uris, m.pl.Variants[i].URI)
		}
	}
	for i, mc := range m.renditions {
		if mc != nil {
			all, uris = append(all, mc), append(uris, m.pl.Renditions[i].URI)
		}
	}
	if len(all) < 2 {
		return
	}
	ref, refURI := all[0], uris[0]
	refDisc := discontinuityTimes(ref.pl)
	for i, mc := range all[1:] {
		uri := uris[i+1]
		if mc == ref {
			continue
		}
		if mc.pl.TargetDuration != ref.pl.TargetDuration {
			r.add("P7", Must, uri, strconv.Itoa(mc.pl.TargetDuration), strconv.Itoa(ref.pl.TargetDuration),
				"EXT-X-TARGETDURATION %d differs from %q's %d", mc.pl.TargetDuration, refURI, ref.pl.TargetDuration)
		}
		if d, rd := mc.pl.Duration(), ref.pl.Duration(); math.Abs(d-rd) > p7Tolerance {
			r.add("P7", Must, uri, fmt.Sprintf("%.3f s", d), fmt.Sprintf("%.3f s", rd),
				"total duration %.3f s differs from %q's %.3f s", d, refURI, rd)
		}
		disc := discontinuityTimes(mc.pl)
		same := len(disc) == len(refDisc)
		for j := 0; same && j < len(disc); j++ {
			same = math.Abs(disc[j]-refDisc[j]) <= p7Tolerance
		}
		if !same {
			r.add("P7", Must, uri, fmtTimes(disc), fmtTimes(refDisc),
				"discontinuities at %s, but %q has them at %s", fmtTimes(disc), refURI, fmtTimes(refDisc))
		}
	}
}

func discontinuityTimes(pl *hls.MediaPlaylist) []float64 {
	var out []float64
	t := 0.0
	for _, s := range pl.Segments {
		if s.Discontinuity {
			out = append(out, t)
		}
		t += s.Duration
	}
	return out
}

func fmtTimes(ts []float64) string {
	if len(ts) == 0 {
		return "none"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%.3f s", t)
	}
	return strings.Join(parts, ", ")
}

// checkAlignment applies S3: segment N of every video variant starts at the
// same time, within one frame.
func checkAlignment(m *masterCheck, r *PlaylistReport) {
	var ref *mediaCheck
	refURI := ""
	for i, mc := range m.variants {
		if mc == nil || !hasVideoProbe(mc) {
			continue
		}
		if ref == nil {
			ref, refURI = mc, m.pl.Variants[i].URI
			continue
		}
		if mc == ref {
			continue
		}
		for n := 0; n < min(len(mc.segs), len(ref.segs)); n++ {
			a, b := mc.segs[n].probe, ref.segs[n].probe
			if a == nil || b == nil || a.err != nil || b.err != nil || a.first == nil || b.first == nil {
				continue
			}
			frame := max(a.frame(), b.frame())
			if d := a.start() - b.start(); math.Abs(d) > frame+0.001 {
				r.add("S3", Must, mc.pl.Segments[n].URI, fmt.Sprintf("%.3f s", a.start()), fmt.Sprintf("%.3f s", b.start()),
					"segment %d of %q starts at %.3f s, %.3f s from segment %d of %q (more than one frame)",
					n, m.pl.Variants[i].URI, a.start(), d, n, refURI)
				break // one finding per variant: later segments usually follow
			}
		}
	}
}

func hasVideoProbe(mc *mediaCheck) bool {
	for _, s := range mc.segs {
		if s.probe != nil && s.probe.first != nil {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
