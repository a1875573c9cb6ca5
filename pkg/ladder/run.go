package ladder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/recorder"
)

// Strategy is how a ladder's renditions are spread over ffmpeg processes.
type Strategy string

const (
	// StrategyAuto picks single or parallel from the encoders and cores.
	StrategyAuto Strategy = "auto"
	// StrategySingle runs one ffmpeg process: one decode, split to every rung.
	StrategySingle Strategy = "single"
	// StrategyParallel runs several processes at once, each with its share
	// of the rungs.
	StrategyParallel Strategy = "parallel"
)

// MasterName is the master playlist's file name in the track folder.
const MasterName = "master.m3u8"

// planVersion changes whenever planning or encoder settings change in a way
// that makes earlier output stale.
const planVersion = "2"

// Config is one ladder run for one input.
type Config struct {
	// Input is the source file.
	Input string
	// OutDir is the output root: the track goes to OutDir/<TrackID>.
	OutDir string
	// TrackID defaults to a slug of the input's file name.
	TrackID string
	// Ladder is the ladder to build. The zero value picks "video", or
	// "audio" for a source without video.
	Ladder Ladder
	// Encoding sets the container and encoder preset (default ts, veryfast).
	Encoding Encoding
	// SegmentTime in seconds; it defaults to 4 (the ladder's own wins).
	SegmentTime float64
	// Strategy defaults to StrategyAuto.
	Strategy Strategy
	// Jobs is how many ffmpeg processes may run at once with the parallel
	// strategy. It defaults to the number of CPUs.
	Jobs int
	// Force rebuilds every rendition even when it is complete and current.
	Force bool
	// FFmpeg and FFprobe are the binaries; they default to names on PATH.
	FFmpeg, FFprobe string
	// Catalog records tracks, renditions, jobs and every segment (through
	// pkg/recorder). Required.
	Catalog *catalog.DB
	// CatalogRoot is the folder the catalog's paths are relative to. It
	// defaults to OutDir, where veza keeps the catalog unless told
	// otherwise.
	CatalogRoot string
	// Timeout bounds each ffmpeg process (encode.Job.Timeout semantics).
	Timeout time.Duration
	// OnEvent receives the run's events, one at a time.
	OnEvent func(Event)
	// Segment makes the run `veza segment`: one rendition, stream-copied
	// when the source allows (SegmentAuto) or as asked. Empty builds the
	// ladder.
	Segment SegmentMode
	// Encryption, when set, encrypts every segment with AES-128 (see
	// Encryption); nil writes clear segments.
	Encryption *Encryption
	// DASH also describes the fMP4 segments with a DASH manifest,
	// OutDir/<TrackID>/manifest.mpd. It needs Encoding.Format fmp4.
	DASH bool
	// Audio overrides the ladder's loudness and silence settings field by
	// field (non-zero fields win); it is how flags reach `veza segment`,
	// which has no ladder.
	Audio AudioProcessing
}

// Event is something that happened during a ladder run: a note for people
// (Message) or an encode event of one ffmpeg process (Encode).
type Event struct {
	TrackID string
	// Renditions are the renditions the ffmpeg process writes.
	Renditions []string
	// JobID is the catalog job of that process.
	JobID   string
	Encode  encode.Event
	Message string
}

// Result says what a run did.
type Result struct {
	TrackID string `json:"track_id"`
	Dir     string `json:"dir"`
	Master  string `json:"master"`
	// MPD is the DASH manifest, with Config.DASH.
	MPD string `json:"mpd,omitempty"`
	// Keys counts the AES-128 keys of an encrypted track.
	Keys int `json:"keys,omitempty"`
	// UpToDate is set when nothing needed encoding.
	UpToDate bool `json:"up_to_date"`
	// Strategy is the one used and Reason why it was chosen.
	Strategy Strategy `json:"strategy,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	// Encoded lists the renditions encoded by this run; Reused those kept.
	Encoded  []string  `json:"encoded"`
	Reused   []string  `json:"reused"`
	Dropped  []string  `json:"dropped,omitempty"`
	Variants []Variant `json:"variants"`
	Elapsed  float64   `json:"elapsed"`
	// Loudness reports the loudness and silence processing, when asked for.
	Loudness *LoudnessReport `json:"loudness,omitempty"`
}

// Variant is one rendition as the master playlist describes it.
type Variant struct {
	Name             string  `json:"name"`
	URI              string  `json:"uri"`
	Bandwidth        int64   `json:"bandwidth"`
	AverageBandwidth int64   `json:"average_bandwidth"`
	Codecs           string  `json:"codecs"`
	Width            int     `json:"width,omitempty"`
	Height           int     `json:"height,omitempty"`
	FrameRate        float64 `json:"frame_rate,omitempty"`
	Segments         int     `json:"segments"`
	Duration         float64 `json:"duration"`
	// Independent is set when every segment starts with a keyframe.
	Independent bool `json:"independent"`
}

// Run builds the ladder for one input: it plans the renditions, reuses
// those complete on disk and in the catalog, encodes the rest while the
// catalog records every segment, finalises the media playlists and writes
// the master playlist from measured segments.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	what := "ladder"
	if cfg.Segment != "" {
		what = "segment"
	}
	if cfg.Catalog == nil {
		return nil, errors.New("ladder: no catalog")
	}
	prober := &ffprobe.Prober{Path: cfg.FFprobe}
	// The content hash and ffmpeg's version are needed only once the plan
	// stands; they are worked out while ffprobe runs.
	type answer struct {
		val string
		err error
	}
	hashC, versionC := make(chan answer, 1), make(chan answer, 1)
	go func() {
		h, err := HashFile(cfg.Input)
		hashC <- answer{h, err}
	}()
	go func() {
		v, err := encode.Version(ctx, cfg.FFmpeg)
		versionC <- answer{v, err}
	}()
	src, err := prober.Probe(ctx, cfg.Input)
	if err != nil {
		return nil, err
	}
	if !src.Summary.Usable {
		return nil, fmt.Errorf("%s %q: not usable as a source: %s", what, cfg.Input, strings.Join(src.Summary.Problems, "; "))
	}
	enc := cfg.Encoding.withDefaults()
	var plan *Plan
	var planWhy string
	audio := cfg.Ladder.AudioProcessing.Override(cfg.Audio)
	if cfg.Segment != "" {
		mode := cfg.Segment
		if audio.Active() {
			// Cutting and normalising change the sound: nothing to copy.
			if mode == SegmentCopy {
				return nil, fmt.Errorf("%s %q: cannot stream-copy: %s", what, cfg.Input, processingNote(audio))
			}
			mode = SegmentEncode
		}
		plan, planWhy, err = segmentPlan(ctx, prober, src, mode, cfg.SegmentTime, enc.Format)
		if err == nil && audio.Active() {
			planWhy = "encode: " + processingNote(audio)
		}
	} else {
		l := cfg.Ladder
		if l.Name == "" {
			name := "video"
			if !src.Summary.HasVideo {
				name = "audio"
			}
			l, _ = Builtin(name)
		}
		audio = l.AudioProcessing.Override(cfg.Audio)
		plan, err = NewPlan(SourceFromProbe(src), l, cfg.SegmentTime)
	}
	if err == nil {
		err = audio.Validate()
	}
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, cfg.Input, err)
	}
	if err := plan.CheckFormat(enc.Format); err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, cfg.Input, err)
	}
	trackID := cfg.TrackID
	if trackID == "" {
		trackID = Slug(cfg.Input)
	}
	if cfg.DASH {
		if err := checkDASH(enc.Format, cfg.Encryption); err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, cfg.Input, err)
		}
	}
	r := &Result{TrackID: trackID, Dir: filepath.Join(cfg.OutDir, trackID), Dropped: plan.Dropped}
	r.Master = filepath.Join(r.Dir, MasterName)
	mpd := filepath.Join(r.Dir, MPDName)
	root := cfg.CatalogRoot
	if root == "" {
		root = cfg.OutDir
	}
	run := &runner{cfg: cfg, rec: &recorder.Recorder{DB: cfg.Catalog, Root: root}, plan: plan, enc: enc, prober: prober, res: r, trackID: trackID, src: src, audio: audio,
		probeSlots: make(chan struct{}, runtime.NumCPU()), measured: map[string]Variant{}}
	if cfg.Encryption != nil {
		var err error
		if run.keys, err = openKeyring(*cfg.Encryption, r.Dir); err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, cfg.Input, err)
		}
	}

	h := <-hashC
	if h.err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, cfg.Input, h.err)
	}
	hash := h.val
	v := <-versionC
	if v.err != nil {
		return nil, v.err
	}
	run.ffmpegVersion = v.val
	probeJSON, _ := json.Marshal(src)
	if err := run.rec.Track(ctx, catalog.Track{ID: trackID, SourcePath: cfg.Input, ContentHash: hash, Probe: probeJSON}); err != nil {
		return nil, err
	}

	// Which renditions are complete and current?
	var todo []Rendition
	fps := map[string]string{}
	for _, rd := range plan.Renditions {
		fps[rd.Name] = run.fingerprint(hash, rd)
		if !cfg.Force && run.complete(ctx, rd, fps[rd.Name]) {
			r.Reused = append(r.Reused, rd.Name)
			continue
		}
		todo = append(todo, rd)
	}
	if len(todo) == 0 && (!cfg.DASH || exists(mpd)) {
		if _, err := os.Stat(r.Master); err == nil {
			// Nothing to measure again: the catalog holds what the master says.
			r.UpToDate = true
			if cfg.DASH {
				r.MPD = mpd
			}
			run.loudnessFromCatalog(ctx)
			r.Elapsed = time.Since(start).Seconds()
			return r, nil
		}
	}

	// One analysis of the source serves every rung (and every process).
	if len(todo) > 0 {
		if err := run.condition(ctx); err != nil {
			return r, err
		}
	}

	// Nothing may point at renditions about to be rebuilt.
	if err := removeIfExists(r.Master); err != nil {
		return nil, err
	}
	if err := removeIfExists(mpd); err != nil {
		return nil, err
	}
	for _, rd := range todo {
		if err := os.RemoveAll(filepath.Join(r.Dir, rd.Name)); err != nil {
			return nil, err
		}
		if err := run.rec.Rendition(ctx, catalog.Rendition{
			TrackID: trackID, Name: rd.Name, Kind: recorder.Kind(rd.Width, "", catalog.KindAudio), Width: rd.Width, Height: rd.Height,
			PlaylistPath: filepath.Join(r.Dir, rd.Name, PlaylistName),
			Status:       catalog.StatusPending, Fingerprint: fps[rd.Name],
		}); err != nil {
			return nil, err
		}
	}
	groups, strategy, why := run.groups(todo)
	r.Strategy, r.Reason = strategy, why
	if planWhy != "" {
		r.Reason = planWhy
		run.note(planWhy)
	}
	if len(todo) > 0 && planWhy == "" {
		run.note(fmt.Sprintf("encoding %d rendition(s) of %s with the %s strategy: %s", len(todo), trackID, strategy, why))
	}
	if err := run.encodeGroups(ctx, groups, fps); err != nil {
		return r, err
	}
	for _, rd := range todo {
		r.Encoded = append(r.Encoded, rd.Name)
	}
	if r.Variants, err = run.measureAll(ctx); err != nil {
		return r, err
	}
	if err := writeMaster(r.Master, r.Variants); err != nil {
		return r, err
	}
	if cfg.DASH {
		if err := run.writeMPD(mpd, r.Variants); err != nil {
			return r, err
		}
		r.MPD = mpd
	}
	if err := run.recordKeys(ctx); err != nil {
		return r, err
	}
	if err := run.measureLoudness(ctx, r.Encoded); err != nil {
		return r, err
	}
	r.Elapsed = time.Since(start).Seconds()
	return r, nil
}

type runner struct {
	cfg           Config
	rec           *recorder.Recorder
	plan          *Plan
	enc           Encoding
	prober        *ffprobe.Prober
	res           *Result
	trackID       string
	src           *ffprobe.Result
	ffmpegVersion string
	// audio is the loudness and silence processing asked for.
	audio AudioProcessing
	mu    sync.Mutex // serialises OnEvent
	keys  *keyring   // nil: segments stay clear
	// probeSlots bounds the ffprobe processes measuring runs at once.
	probeSlots chan struct{}
	// measured keeps each rendition's measurement, made once.
	measured   map[string]Variant
	measuredMu sync.Mutex
}

func (run *runner) emit(ev Event) {
	if run.cfg.OnEvent == nil {
		return
	}
	ev.TrackID = run.trackID
	run.mu.Lock()
	defer run.mu.Unlock()
	run.cfg.OnEvent(ev)
}

func (run *runner) note(msg string) { run.emit(Event{Message: msg}) }

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
	if a := run.audio.fingerprint(); a != "" {
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
	playlist := filepath.Join(run.res.Dir, r.Name, PlaylistName)
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

// groups splits the renditions to encode over ffmpeg processes.
func (run *runner) groups(todo []Rendition) ([][]Rendition, Strategy, string) {
	if len(todo) == 0 {
		return nil, "", ""
	}
	jobs := run.cfg.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	video := false
	for _, r := range todo {
		video = video || r.Width > 0
	}
	s := run.cfg.Strategy
	why := "forced by --strategy"
	if s == "" || s == StrategyAuto {
		if video || len(todo) == 1 || jobs == 1 {
			s = StrategySingle
			why = "one decode feeds every rung and the video encoders already use every core"
			if !video {
				why = "one rung or one core: nothing to run side by side"
			}
		} else {
			s = StrategyParallel
			why = fmt.Sprintf("audio encoders use one core each: %d processes on %d cores", min(jobs, len(todo)), runtime.NumCPU())
		}
	}
	if s == StrategySingle {
		return [][]Rendition{todo}, s, why
	}
	return spread(todo, min(jobs, len(todo))), s, why
}

// spread deals renditions out to n processes so that each gets a similar
// share of the work: costliest first, in a snake order (0,1,…,n-1,n-1,…,0),
// so the heaviest and the lightest rungs share a process.
func spread(rs []Rendition, n int) [][]Rendition {
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	cost := func(r Rendition) int { return r.Width*r.Height + r.Bitrate + r.AudioBitrate }
	sort.SliceStable(order, func(a, b int) bool { return cost(rs[order[a]]) > cost(rs[order[b]]) })
	member := make([]int, len(rs))
	for k, i := range order {
		g := k % (2 * n)
		if g >= n {
			g = 2*n - 1 - g
		}
		member[i] = g
	}
	groups := make([][]Rendition, n)
	for i, r := range rs { // ladder order inside each process
		groups[member[i]] = append(groups[member[i]], r)
	}
	return groups
}

func (run *runner) encodeGroups(ctx context.Context, groups [][]Rendition, fps map[string]string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run.encodeGroup(ctx, g, fps)
			if errs[i] != nil {
				cancel() // one failed process fails the ladder; stop the others
			}
		}()
	}
	wg.Wait()
	// Report the first real failure, not the cancellations it caused.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

// encodeGroup runs one ffmpeg process for renditions rs.
func (run *runner) encodeGroup(ctx context.Context, rs []Rendition, fps map[string]string) error {
	cmd := run.plan.Build(rs, run.res.Dir, run.enc)
	job := &encode.Job{
		FFmpeg:        run.cfg.FFmpeg,
		FFprobe:       run.cfg.FFprobe,
		Inputs:        []encode.Input{{Path: run.cfg.Input}},
		FilterComplex: cmd.FilterComplex,
		Overwrite:     true,
		Duration:      run.outputDuration(),
		Timeout:       run.cfg.Timeout,
	}
	names := make([]string, len(cmd.Outputs))
	for i, o := range cmd.Outputs {
		names[i] = o.Rendition.Name
		job.Outputs = append(job.Outputs, encode.Output{
			Path: o.Playlist, Maps: o.Maps, Args: o.Args,
			HLS: &encode.HLSOptions{
				SegmentTime:     time.Duration(cmd.SegmentTime * float64(time.Second)),
				SegmentFilename: o.SegmentPattern,
				// EVENT while encoding: ffmpeg rewrites the playlist after
				// every segment (it writes a VOD one only at the end), so
				// the catalog gets each segment the moment it is complete.
				// Finalising turns it into VOD.
				PlaylistType: "event",
				Flags:        []string{"independent_segments", "temp_file"},
				FMP4:         cmd.Format == FormatFMP4,
				InitFilename: InitName,
			},
		})
	}
	cj := catalog.Job{TrackID: run.trackID, Kind: "ladder", Args: job.Args(), FFmpegVersion: run.ffmpegVersion}
	if len(rs) == 1 {
		cj.Rendition = rs[0].Name
	}
	tr, err := run.rec.Start(ctx, cj)
	if err != nil {
		return err
	}
	tr.Outputs = names
	// Segments ffmpeg completes while stopping are real: record them even
	// after ctx is cancelled.
	recordCtx := context.WithoutCancel(ctx)
	job.OnEvent = func(ev encode.Event) {
		tr.Handle(recordCtx, ev)
		run.emit(Event{Renditions: names, JobID: tr.ID, Encode: ev})
	}
	for _, n := range names {
		_ = run.rec.RenditionStatus(ctx, run.trackID, n, catalog.StatusEncoding)
	}
	runErr := job.Run(ctx)
	if runErr == nil {
		runErr = run.finalise(ctx, tr, cmd, fps)
	}
	if runErr == nil {
		runErr = tr.Err()
	}
	status := catalog.Status(job.Status())
	if runErr != nil && (status == catalog.StatusDone || !status.Final()) {
		status = catalog.StatusError
	}
	// The catalog must say what really happened even when ctx is gone.
	bg := context.WithoutCancel(ctx)
	errText := ""
	if runErr != nil {
		errText = runErr.Error()
	}
	if err := tr.Finished(bg, status, errText); err != nil && runErr == nil {
		runErr = err
	}
	for _, n := range names {
		if status != catalog.StatusDone {
			_ = run.rec.RenditionStatus(bg, run.trackID, n, status)
		}
	}
	return runErr
}

// finalise turns each EVENT playlist ffmpeg wrote into the final VOD one
// (atomically, never with TARGETDURATION 0) and reconciles the catalog.
func (run *runner) finalise(ctx context.Context, tr *recorder.Job, cmd Command, fps map[string]string) error {
	rs := make([]Rendition, len(cmd.Outputs))
	for i, o := range cmd.Outputs {
		rs[i] = o.Rendition
		pl, err := hls.ReadMedia(o.Playlist)
		if err != nil {
			return fmt.Errorf("rendition %s: %w", o.Rendition.Name, err)
		}
		if len(pl.Segments) == 0 {
			return fmt.Errorf("rendition %s: ffmpeg wrote no segments", o.Rendition.Name)
		}
		pl.Type = hls.TypeVOD
		pl.EndList = true
		pl.IndependentSegments = true
		for _, s := range pl.Segments {
			pl.TargetDuration = max(pl.TargetDuration, hls.RoundHalfUp(s), 1)
		}
		if run.keys != nil {
			if err := run.keys.encryptPlaylist(ctx, pl, filepath.Dir(o.Playlist)); err != nil {
				return fmt.Errorf("rendition %s: encrypting: %w", o.Rendition.Name, err)
			}
		}
		if err := hls.WriteMedia(o.Playlist, pl); err != nil {
			return err
		}
		if _, err := tr.Reconcile(ctx, o.Rendition.Name, o.Playlist); err != nil {
			return err
		}
	}
	vs, err := run.measureMany(ctx, rs)
	if err != nil {
		return err
	}
	for i, o := range cmd.Outputs {
		v := vs[i]
		if err := run.rec.Rendition(ctx, catalog.Rendition{
			TrackID: run.trackID, Name: o.Rendition.Name, Kind: recorder.Kind(o.Rendition.Width, v.Codecs, catalog.KindAudio),
			Codecs: v.Codecs, Bandwidth: v.Bandwidth, Width: v.Width, Height: v.Height,
			PlaylistPath: o.Playlist, Status: catalog.StatusDone, Fingerprint: fps[o.Rendition.Name],
		}); err != nil {
			return err
		}
	}
	return nil
}

// Slug makes a track id from a file name: lower-case letters, digits and
// dashes.
func Slug(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	s := catalog.Slug(base)
	if s == "" {
		sum := sha256.Sum256([]byte(base))
		s = "track-" + hex.EncodeToString(sum[:4])
	}
	return s
}

// HashFile returns the SHA-256 of a file's content.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func removeIfExists(p string) error {
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
