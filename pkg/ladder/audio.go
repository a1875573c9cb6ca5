package ladder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// condition runs the analysis pass once for the source and works out what
// every rung gets. It records the measurement in the catalog.
func (run *runner) condition(ctx context.Context) error {
	ap := run.audio
	if !ap.Active() {
		return nil
	}
	if !run.src.Summary.HasAudio {
		run.note("the source has no audio: loudness and silence settings ignored")
		return nil
	}
	fps := 0.0
	if run.plan.FPS.Num > 0 && run.hasVideoRendition() {
		fps = run.plan.FPS.Float()
	}
	p, err := audio.Prepare(ctx, audio.PrepareConfig{FFmpeg: run.cfg.FFmpeg, Input: run.cfg.Input, Settings: ap,
		Duration: run.src.Summary.Duration, FrameRate: fps, Timeout: run.cfg.Timeout})
	if err != nil {
		return err
	}
	a, rep := p.Analysis, p.Report
	run.plan.Conditioning = p.Filters
	run.res.Loudness = rep
	msg := fmt.Sprintf("analysed %s: ", filepath.Base(run.cfg.Input))
	if a.Loudness != nil {
		msg += fmt.Sprintf("%.2f LUFS, true peak %.2f dBTP, LRA %.2f LU; ", a.Loudness.I, a.Loudness.TP, a.Loudness.LRA)
	}
	msg += fmt.Sprintf("%d silence(s) of %g s or more", len(a.Silences), ap.MinSilence())
	if rep.Cut > 0 {
		msg += fmt.Sprintf(", %.2f s cut", rep.Cut)
	}
	run.note(msg)
	if rep.Note != "" {
		run.note(rep.Note)
	}
	in := catalog.Analysis{TrackID: run.trackID, Kind: catalog.AnalysisInput, Normalization: rep.Normalization,
		Silences: catalogSilences(a.Silences)}
	if l := a.Loudness; l != nil {
		in.Integrated, in.TruePeak, in.LRA, in.Threshold, in.TargetOffset = &l.I, &l.TP, &l.LRA, &l.Thresh, &l.TargetOffset
	}
	return run.rec.Analysis(ctx, in)
}

func (run *runner) hasVideoRendition() bool {
	for _, r := range run.plan.Renditions {
		if r.Width > 0 && !r.Copy {
			return true
		}
	}
	return false
}

// outputDuration is the media duration the encode produces, for progress.
func (run *runner) outputDuration() time.Duration {
	d := run.src.Summary.Duration
	if keep := run.plan.Conditioning.Keep; keep != nil {
		d = audio.KeptDuration(keep, d)
	}
	return seconds(d)
}

// measureLoudness measures every encoded rendition that carries sound over
// its whole media playlist, and records the figures.
func (run *runner) measureLoudness(ctx context.Context, encoded []string) error {
	rep := run.res.Loudness
	if rep == nil {
		return nil
	}
	want := map[string]bool{}
	for _, n := range encoded {
		want[n] = true
	}
	for _, r := range run.plan.Renditions {
		if !want[r.Name] || r.AudioBitrate <= 0 || !run.plan.Audio {
			continue
		}
		playlist, done, err := run.clearPlaylist(filepath.Join(run.res.Dir, r.Name, layout.Playlist))
		if err != nil {
			return fmt.Errorf("rendition %s: %w", r.Name, err)
		}
		m, err := audio.Measure(ctx, audio.MeasureConfig{FFmpeg: run.cfg.FFmpeg, Path: playlist,
			SilenceMin: seconds(run.audio.MinSilence()), Timeout: run.cfg.Timeout})
		done()
		if err != nil {
			return fmt.Errorf("rendition %s: %w", r.Name, err)
		}
		m.Rendition = r.Name
		rep.Outputs = append(rep.Outputs, *m)
		out := catalog.Analysis{TrackID: run.trackID, Rendition: r.Name, Kind: catalog.AnalysisOutput,
			Integrated: m.Integrated, TruePeak: m.TruePeak, LRA: m.LRA, Threshold: m.Threshold,
			Normalization: rep.Normalization, Silences: catalogSilences(m.Silences)}
		if err := run.rec.Analysis(ctx, out); err != nil {
			return err
		}
		run.note(fmt.Sprintf("%s measured: %s LUFS, true peak %s dBTP, LRA %s LU over %.2f s", r.Name,
			audio.Figure(m.Integrated), audio.Figure(m.TruePeak), audio.Figure(m.LRA), m.Duration))
	}
	return nil
}

// clearPlaylist returns a media playlist ffmpeg can read from start to end
// without keys: the playlist itself, or for an encrypted rendition (whose
// key URIs may point at a server) a decrypted copy in a temporary folder.
// done removes the copy.
func (run *runner) clearPlaylist(playlist string) (path string, done func(), err error) {
	if run.keys == nil {
		return playlist, func() {}, nil
	}
	pl, err := hls.ReadMedia(playlist)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "veza-clear-")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.RemoveAll(tmp) }
	dir := filepath.Dir(playlist)
	maps := map[string]*hls.Map{} // one copy per init section, shared like the original
	for i := range pl.Segments {
		s := &pl.Segments[i]
		data, err := os.ReadFile(filepath.Join(dir, s.URI))
		if err != nil {
			done()
			return "", nil, err
		}
		if k := s.Key; k != nil && k.Method == "AES-128" {
			key, ok := run.keyFor(k.URI)
			iv, ivErr := pl.SegmentIV(i, k)
			if !ok || ivErr != nil {
				done()
				return "", nil, fmt.Errorf("segment %s: no key to read it with", s.URI)
			}
			if data, err = hls.DecryptSegment(key, iv, data); err != nil {
				done()
				return "", nil, fmt.Errorf("segment %s: %w", s.URI, err)
			}
		}
		s.Key = nil
		name := layout.SegmentName(uint64(i), filepath.Ext(s.URI))
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o600); err != nil {
			done()
			return "", nil, err
		}
		s.URI = name
		if m := s.Map; m != nil {
			c, ok := maps[m.URI]
			if !ok {
				c = &hls.Map{URI: fmt.Sprintf("init_%d.mp4", len(maps)), ByteRange: m.ByteRange}
				init, err := os.ReadFile(filepath.Join(dir, m.URI))
				if err == nil {
					err = os.WriteFile(filepath.Join(tmp, c.URI), init, 0o600)
				}
				if err != nil {
					done()
					return "", nil, err
				}
				maps[m.URI] = c
			}
			s.Map = c
		}
	}
	out := filepath.Join(tmp, layout.Playlist)
	if err := hls.WriteMedia(out, pl); err != nil {
		done()
		return "", nil, err
	}
	return out, done, nil
}

// loudnessFromCatalog rebuilds the report of an earlier run from the
// catalog, for a ladder found up to date.
func (run *runner) loudnessFromCatalog(ctx context.Context) {
	if !run.audio.Active() {
		return
	}
	as, err := run.cfg.Catalog.Analyses(ctx, run.trackID)
	if err != nil || len(as) == 0 {
		return
	}
	rep := &audio.Report{Settings: run.audio, Silences: []audio.Silence{}}
	for _, a := range as {
		switch a.Kind {
		case catalog.AnalysisInput:
			rep.Normalization = a.Normalization
			rep.Silences = audioSilences(a.Silences)
			if a.Integrated != nil && a.TruePeak != nil && a.LRA != nil && a.Threshold != nil && a.TargetOffset != nil {
				rep.Input = &audio.Loudness{I: *a.Integrated, TP: *a.TruePeak, LRA: *a.LRA, Thresh: *a.Threshold, TargetOffset: *a.TargetOffset}
			}
		case catalog.AnalysisOutput:
			o := audio.Output{Rendition: a.Rendition, Integrated: a.Integrated, TruePeak: a.TruePeak, LRA: a.LRA,
				Threshold: a.Threshold, Silences: audioSilences(a.Silences)}
			rep.Outputs = append(rep.Outputs, o)
		}
	}
	run.res.Loudness = rep
}

func catalogSilences(s []audio.Silence) []catalog.Silence {
	out := make([]catalog.Silence, len(s))
	for i, x := range s {
		out[i] = catalog.Silence{Start: x.Start, End: x.End}
	}
	return out
}

func audioSilences(s []catalog.Silence) []audio.Silence {
	out := make([]audio.Silence, len(s))
	for i, x := range s {
		out[i] = audio.Silence{Start: x.Start, End: x.End}
	}
	return out
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
