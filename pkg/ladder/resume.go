package ladder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// resume records the track and sorts the plan's renditions: those complete
// and current are reused, the others (todo) are to encode; fps holds every
// rendition's fingerprint. When nothing needs encoding and the master (and
// MPD) exist, it sets the result's UpToDate.
func (run *runner) resume(ctx context.Context, hash string) (todo []Rendition, fps map[string]string, err error) {
	cfg, r := run.cfg, run.res
	probeJSON, _ := json.Marshal(run.src)
	source := cfg.Source
	if source == "" {
		source = cfg.Input
	}
	if err := run.rec.Track(ctx, catalog.Track{ID: run.trackID, SourcePath: source, ContentHash: hash, Probe: probeJSON}); err != nil {
		return nil, nil, err
	}
	fps = map[string]string{}
	for _, rd := range run.plan.Renditions {
		fps[rd.Name] = run.fingerprint(hash, rd)
		if !cfg.Force && run.complete(ctx, rd, fps[rd.Name]) {
			r.Reused = append(r.Reused, rd.Name)
			continue
		}
		todo = append(todo, rd)
	}
	mpd := filepath.Join(r.Dir, layout.Manifest)
	if len(todo) == 0 && (!cfg.DASH || exists(mpd)) {
		if _, err := os.Stat(r.Master); err == nil && !run.lacksIFrames() && run.thumbnailsCurrent(ctx) {
			// Nothing to measure again: the catalog holds what the master says.
			r.UpToDate = true
			if run.plan.Thumbnails != nil && run.plan.thumbnailCarrier() != nil {
				r.Thumbnails = filepath.Join(r.Dir, layout.Thumbnails)
			}
			if cfg.DASH {
				r.MPD = mpd
			}
		}
	}
	return todo, fps, nil
}

// lacksIFrames reports whether the master on disk was written before veza
// wrote I-frame playlists: its video variants have none although the
// renditions could. Such a ladder is not re-encoded; publishing it again
// adds them.
func (run *runner) lacksIFrames() bool {
	if run.keys != nil {
		return false // encrypted renditions get none
	}
	m, err := hls.ReadMaster(run.res.Master)
	if err != nil {
		return true
	}
	if len(m.IFrameVariants) > 0 {
		return false
	}
	for _, v := range m.Variants {
		if v.Resolution.Width > 0 {
			return true
		}
	}
	return false
}

// fingerprint identifies everything that decides a rendition's bytes.
func (run *runner) fingerprint(contentHash string, r Rendition) string {
	parts := []string{planVersion, contentHash, r.Rung.Fingerprint(), fmt.Sprint(r.Copy), fmt.Sprint(r.Width, "x", r.Height),
		run.plan.FPS.String(), fmt.Sprint(run.plan.GOP), fmt.Sprint(run.plan.SegmentTime),
		fmt.Sprint(run.plan.Deinterlace, run.plan.Audio), string(run.enc.Format), run.enc.Preset, run.ffmpegVersion}
	// Encryption and DASH count only when asked for, so clear HLS output
	// made before they existed stays current. Keys enter as a digest.
	if run.keys != nil {
		parts = append(parts, run.keys.fingerprint())
	}
	if run.cfg.DASH {
		parts = append(parts, "dash")
	}
	// The source stream counts only when it is not the first, so output
	// made before streams could be chosen stays current.
	if r.Track != nil {
		parts = append(parts, fmt.Sprint("a:", r.Track.Nth))
	} else if run.plan.AudioStream > 0 {
		parts = append(parts, fmt.Sprint("a:", run.plan.AudioStream))
	}
	if a := run.audio.Fingerprint(); a != "" {
		parts = append(parts, a)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(sum[:16])
}

// complete says whether rendition r can be reused: the catalog has it done
// with the same fingerprint, its playlist is final, every segment is on disk
// and the catalog lists exactly those segments.
func (run *runner) complete(ctx context.Context, r Rendition, fp string) bool {
	rs, err := run.cfg.Catalog.Rendition(ctx, run.trackID, r.Name)
	if err != nil || rs.Fingerprint != fp || rs.Status != catalog.StatusDone {
		return false
	}
	playlist := filepath.Join(run.res.Dir, r.Name, layout.Playlist)
	pl, err := hls.ReadMedia(playlist)
	if err != nil || !pl.EndList || len(pl.Segments) == 0 {
		return false
	}
	segs, err := run.rec.SegmentsOnDisk(pl, playlist)
	if err != nil {
		return false
	}
	rows, err := run.cfg.Catalog.Segments(ctx, run.trackID, r.Name)
	if err != nil || len(rows) != len(segs) || !run.keysOnDisk(pl) {
		return false
	}
	for i := range rows {
		if rows[i].Path != segs[i].Path || rows[i].Bytes != segs[i].Bytes {
			return false
		}
	}
	return true
}
