package verify

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"sync"

	"github.com/veza-media/veza/pkg/hls"
)

// liveSegment is a segment of a live playlist as the sampling first saw it.
type liveSegment struct {
	uri           string
	duration      float64
	discontinuity bool
	bytes         int64 // 0 when the file could not be read
}

// Apple's live tolerances (HLS-RULES L6): over the sampled window, the
// measured average may reach 110 % of what the master declares and the
// measured peak 125 % of BANDWIDTH.
const (
	liveAverageTolerance = 1.10
	livePeakTolerance    = 1.25
)

// alignSlack is how far the same segment's duration may differ between
// renditions: a frame at 20 fps.
const alignSlack = 0.05

// liveMaster samples every variant of live master m at once, each checked
// as Live checks one media playlist, then checks L6 on the master: each
// variant's measured bit rates against what it declares, and the variants'
// media sequence numbers and discontinuities against each other.
func liveMaster(ctx context.Context, path string, m *hls.MasterPlaylist, opts LiveOptions) (*Report, error) {
	mr := &PlaylistReport{Path: path, Kind: "master", Findings: []Finding{}}
	checkMasterPlaylist(m, mr, false)
	v := &verifier{reports: map[string]*PlaylistReport{path: mr}}
	type sampled struct {
		variant hls.Variant
		r       *PlaylistReport
		lc      *liveChecker
		err     error
	}
	out := make([]sampled, len(m.Variants))
	var wg sync.WaitGroup
	for i, vr := range m.Variants {
		out[i].variant = vr
		p, err := hls.ResolveURI(filepath.Dir(path), vr.URI)
		if err != nil {
			out[i].err = err
			continue
		}
		wg.Go(func() { out[i].r, out[i].lc, out[i].err = sampleLive(ctx, p, opts) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ok []sampled
	for _, s := range out {
		if s.err != nil {
			mr.add("M10", Must, s.variant.URI, "", "a readable live playlist", "variant %s: %v", s.variant.URI, s.err)
			continue
		}
		v.reports[s.r.Path] = s.r
		checkLiveBandwidth(s.variant, s.lc, mr)
		ok = append(ok, s)
	}
	for i := 1; i < len(ok); i++ {
		checkLiveAlignment(ok[0].variant.URI, ok[0].lc.segs, ok[i].variant.URI, ok[i].lc.segs, mr)
	}
	return v.report(), nil
}

// checkLiveBandwidth compares a variant's measured peak and average over
// the segments sampled with its BANDWIDTH and AVERAGE-BANDWIDTH (L6).
func checkLiveBandwidth(vr hls.Variant, lc *liveChecker, r *PlaylistReport) {
	seqs := sortedSeqs(lc.segs)
	var sizes []int64
	var durs []float64
	for _, q := range seqs {
		s := lc.segs[q]
		if s.bytes == 0 {
			continue
		}
		sizes, durs = append(sizes, s.bytes), append(durs, s.duration)
	}
	if len(sizes) == 0 || vr.Bandwidth <= 0 {
		return
	}
	peak, avg := hls.PeakAndAverage(sizes, durs, lc.target)
	declared := vr.AverageBandwidth
	if declared <= 0 {
		declared = vr.Bandwidth
	}
	if limit := int64(math.Floor(float64(declared) * liveAverageTolerance)); avg > limit {
		r.add("L6", Must, vr.URI, strconv.FormatInt(avg, 10), fmt.Sprintf("≤ %d (110 %% of %d)", limit, declared),
			"measured average %d bit/s over %d segments is %.0f %% of the declared %d", avg, len(sizes), 100*float64(avg)/float64(declared), declared)
	}
	if limit := int64(math.Floor(float64(vr.Bandwidth) * livePeakTolerance)); peak > limit {
		r.add("L6", Must, vr.URI, strconv.FormatInt(peak, 10), fmt.Sprintf("≤ %d (125 %% of BANDWIDTH %d)", limit, vr.Bandwidth),
			"measured peak %d bit/s over %d segments is %.0f %% of BANDWIDTH %d", peak, len(sizes), 100*float64(peak)/float64(vr.Bandwidth), vr.Bandwidth)
	}
}

// checkLiveAlignment compares two variants' segments by media sequence
// number: where both have one, it must have the same discontinuity and
// the same duration (within alignSlack) (L6).
func checkLiveAlignment(aURI string, a map[uint64]liveSegment, bURI string, b map[uint64]liveSegment, r *PlaylistReport) {
	common := 0
	for _, q := range sortedSeqs(a) {
		sb, ok := b[q]
		if !ok {
			continue
		}
		common++
		sa := a[q]
		if sa.discontinuity != sb.discontinuity {
			r.add("L6", Must, bURI, fmt.Sprintf("discontinuity %v", sb.discontinuity), fmt.Sprintf("discontinuity %v", sa.discontinuity),
				"segment %d: %s and %s disagree on EXT-X-DISCONTINUITY", q, aURI, bURI)
			return
		}
		if math.Abs(sa.duration-sb.duration) > alignSlack {
			r.add("L6", Must, bURI, fmt.Sprintf("%.3f s", sb.duration), fmt.Sprintf("%.3f s", sa.duration),
				"segment %d lasts %.3f s in %s and %.3f s in %s: the renditions are not cut at the same times", q, sa.duration, aURI, sb.duration, bURI)
			return
		}
	}
	if common == 0 && len(a) > 0 && len(b) > 0 {
		r.add("L6", Must, bURI, "no common sequence number", "the same media sequence numbers",
			"%s and %s share no media sequence number over the sampled window", aURI, bURI)
	}
}

func sortedSeqs(m map[uint64]liveSegment) []uint64 {
	out := make([]uint64, 0, len(m))
	for q := range m {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
