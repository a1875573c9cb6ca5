package ladder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/layout"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
	"github.com/veza-media/veza/pkg/thumbnail"
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

// planVersion changes whenever planning or encoder settings change in a way
// that makes earlier output stale.
const planVersion = "3"

// Config is one run of Run or Segment for one input.
type Config struct {
	// Input is the source file.
	Input string
	// Source is what the catalog records as the track's source. It
	// defaults to Input; it is set when Input is a temporary copy, such
	// as an object read from a bucket (its URL, ETag and size), so the
	// catalog never names a file that is gone. Resume decisions use the
	// content's hash, so the copy's path never enters them.
	Source string
	// OutDir is the output root: the track goes to OutDir/<TrackID>.
	OutDir string
	// TrackID defaults to a slug of the input's file name.
	TrackID string
	// Ladder is the ladder Run builds. The zero value picks "video", or
	// "audio" for a source without video. Segment uses only its audio
	// processing.
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
	// ToolCache is a folder where ffmpeg's version is remembered between
	// runs (encode.CachedVersion); empty asks ffmpeg every run.
	ToolCache string
	// Catalog records tracks, renditions, jobs and every segment (through
	// pkg/recorder). Required.
	Catalog *catalog.DB
	// CatalogRoot is the folder the catalog's paths are relative to. It
	// defaults to OutDir, where veza keeps the catalog unless told
	// otherwise.
	CatalogRoot string
	// Timeout bounds each ffmpeg process (encode.Job.Timeout semantics).
	Timeout time.Duration
	// AllowIndirect accepts a local input whose demuxer reads other files
	// named inside it (an HLS playlist, an ffconcat script); it defaults to
	// false, refusing it (ffprobe.ReasonIndirect).
	AllowIndirect bool
	// Strict fails the run when the source is damaged but decodable
	// (decode errors, corrupt packets, or an end before its header says):
	// the renditions are marked error and no master is written. It
	// defaults to false: the damage is reported and recorded, the output
	// kept.
	Strict bool
	// OnEvent receives the run's events, one at a time.
	OnEvent func(Event)
	// Encryption, when set, encrypts every segment with AES-128 (see
	// Encryption); nil writes clear segments.
	Encryption *Encryption
	// DASH also describes the fMP4 segments with a DASH manifest,
	// OutDir/<TrackID>/manifest.mpd. It needs Encoding.Format fmp4.
	DASH bool
	// Thumbnails, when set, draws seek-bar thumbnails of a video ladder
	// with this layout (zero fields take thumbnail.Layout's defaults):
	// JPEG sprite sheets and a WebVTT track pointing at their tiles, in the
	// track folder. They are drawn in the encode's own decode when a
	// rendition is encoded, else from the lowest rendition. nil draws none.
	// Encrypted ladders get none.
	Thumbnails *thumbnail.Layout
	// Audio overrides the ladder's loudness and silence settings field by
	// field (non-zero fields win); it is how flags reach `veza segment`,
	// which has no ladder.
	Audio audio.Settings
	// Tracks overrides the ladder's choice of audio and subtitle streams
	// (non-empty fields win). Run only.
	Tracks Selection
	// Subtitles are subtitle files to carry besides the source's own.
	Subtitles []Sidecar
	// NoSidecar turns off picking up the subtitle files beside the input
	// named after it (NAME.LANG.srt, .vtt, .ass); it defaults to false:
	// they are carried, and the run says so.
	NoSidecar bool
	// Publish, when not nil, uploads the track folder to object storage
	// once the track is complete: after its master and MPD are written, or
	// at once when it was already up to date, so a rerun finishes an
	// interrupted publish (see pkg/publish). Its Dir and Paths are set to
	// the track folder and its OnEvent is replaced: objects reach OnEvent
	// as Event.Object and the catalog. A publish that fails fails the run;
	// the output stays on disk. nil publishes nothing.
	Publish *publish.Config
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
	// Object is one object uploaded to (or found unchanged in) the bucket,
	// with Config.Publish.
	Object *publish.Event
}

// Result says what a run did.
type Result struct {
	TrackID string `json:"track_id"`
	Dir     string `json:"dir"`
	Master  string `json:"master"`
	// MPD is the DASH manifest, with Config.DASH.
	MPD string `json:"mpd,omitempty"`
	// Thumbnails is the thumbnail VTT, with Config.Thumbnails.
	Thumbnails string `json:"thumbnails,omitempty"`
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
	// Subtitles are the WebVTT renditions of the subtitle group.
	Subtitles []Subtitles `json:"subtitles,omitempty"`
	// NotCarried lists every source stream (and sidecar file) the output
	// leaves out, with the reason.
	NotCarried []NotCarried `json:"not_carried"`
	Elapsed    float64      `json:"elapsed"`
	// Loudness reports the loudness and silence processing, when asked for.
	Loudness *audio.Report `json:"loudness,omitempty"`
	// Phases is where the wall time went, in seconds.
	Phases Phases `json:"phases"`
	// Damage is what ffmpeg reported of a damaged but decodable source;
	// nil when it decoded cleanly.
	Damage *encode.Damaged `json:"damage,omitempty"`
	// Published is the s3:// URL of the track folder in the bucket, with
	// Config.Publish, once its publish completed.
	Published string `json:"published,omitempty"`
}

// Phases splits a run's wall time: probing the source; hashing it and
// asking ffmpeg its version (what is left of it after the probe, which
// runs alongside); deciding what to resume and recording the track;
// encoding (with finalising each playlist and measuring its rendition);
// publishing (I-frame playlists, the master and MPD, keys, loudness).
type Phases struct {
	Probe   float64 `json:"probe"`
	Hash    float64 `json:"hash"`
	Resume  float64 `json:"resume"`
	Encode  float64 `json:"encode"`
	Publish float64 `json:"publish"`
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
	// IFrames is the rendition's I-frame playlist (URI relative to the
	// master, measured bandwidths); nil for audio and encrypted renditions.
	IFrames *IFrames `json:"iframes,omitempty"`
	// Media is set for an audio rendition of a demuxed ladder: the master
	// lists it in the audio group, not as a variant.
	Media *Media `json:"media,omitempty"`
}

// Media is how the master describes an EXT-X-MEDIA rendition.
type Media struct {
	Group    string `json:"group"`
	Language string `json:"language"`
	// Label is the NAME players show.
	Label    string `json:"label"`
	Default  bool   `json:"default"`
	Forced   bool   `json:"forced,omitempty"`
	Channels int    `json:"channels,omitempty"`
}

// Subtitles is a WebVTT rendition of the subtitle group.
type Subtitles struct {
	Name     string `json:"name"`
	URI      string `json:"uri"`
	Segments int    `json:"segments"`
	Cues     int    `json:"cues"`
	Media
}

// IFrames is a video rendition's I-frame playlist as the master lists it.
type IFrames struct {
	URI              string `json:"uri"`
	Bandwidth        int64  `json:"bandwidth"`
	AverageBandwidth int64  `json:"average_bandwidth"`
	Entries          int    `json:"entries"`
}

// Run builds the ladder for one input: it plans the renditions, reuses
// those complete on disk and in the catalog, encodes the rest while the
// catalog records every segment, finalises the media playlists and writes
// the master playlist from measured segments.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	return runPhases(ctx, cfg, "ladder", func(ctx context.Context, src *source, enc Encoding) (*Plan, audio.Settings, string, error) {
		l := cfg.Ladder
		if l.Name == "" {
			name := "video"
			if !src.probe.Summary.HasVideo {
				name = "audio"
			}
			l, _ = Builtin(name)
		}
		plan, err := NewPlan(SourceFromProbe(src.probe), l, cfg.SegmentTime)
		sound := l.Settings.Override(cfg.Audio)
		if err != nil {
			return nil, sound, "", err
		}
		sidecars, notes, err := sidecarsFor(cfg)
		if err != nil {
			return nil, sound, "", err
		}
		tracks, err := SelectTracks(src.probe, l.Selection.Override(cfg.Tracks), sidecars)
		if err != nil {
			return nil, sound, "", err
		}
		tracks.Notes = append(notes, tracks.Notes...)
		return plan, sound, "", plan.Carry(tracks, sound.Active(), sound.TrimSilence > 0)
	})
}

// sidecarsFor lists the subtitle files to carry: those given, then those
// found beside the input (unless turned off), each once.
func sidecarsFor(cfg Config) ([]Sidecar, []string, error) {
	out := append([]Sidecar(nil), cfg.Subtitles...)
	seen := map[string]bool{}
	for _, s := range out {
		if _, err := os.Stat(s.Path); err != nil {
			return nil, nil, fmt.Errorf("subtitles: %w", err)
		}
		seen[filepath.Clean(s.Path)] = true
	}
	if cfg.NoSidecar {
		return out, nil, nil
	}
	found, err := FindSidecars(cfg.Input)
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	for _, s := range found {
		if seen[filepath.Clean(s.Path)] {
			continue
		}
		out = append(out, s)
		notes = append(notes, fmt.Sprintf("carrying subtitles found beside the input: %s", filepath.Base(s.Path)))
	}
	return out, notes, nil
}

// planner plans one entry's renditions from the probed source. It returns
// the audio processing the plan applies and, when the entry decides how
// to encode by itself, why (which then replaces the strategy's reason).
type planner func(ctx context.Context, src *source, enc Encoding) (*Plan, audio.Settings, string, error)

// runPhases is what Run and Segment share, phase by phase: the source, the plan,
// what can be resumed, the encode and the publication.
func runPhases(ctx context.Context, cfg Config, what string, plan planner) (*Result, error) {
	start := time.Now()
	if cfg.Catalog == nil {
		return nil, errors.New("ladder: no catalog")
	}
	src, err := openSource(ctx, cfg, what)
	if err != nil {
		return nil, err
	}
	probed := time.Now()
	enc := cfg.Encoding.withDefaults()
	p, sound, planWhy, err := plan(ctx, src, enc)
	if err == nil {
		err = sound.Validate()
	}
	if err == nil {
		err = p.CheckFormat(enc.Format)
	}
	if err == nil && cfg.DASH {
		err = checkDASH(enc.Format, cfg.Encryption)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, cfg.Input, err)
	}
	trackID := cfg.TrackID
	if trackID == "" {
		trackID = Slug(cfg.Input)
	} else if err := catalog.CheckTrackID(trackID); err != nil {
		// The id names a folder that --force empties: "../x" would reach
		// outside the output folder.
		return nil, fmt.Errorf("%s %q: %w", what, cfg.Input, err)
	}
	root := cfg.CatalogRoot
	if root == "" {
		root = cfg.OutDir
	}
	r := &Result{TrackID: trackID, Dir: filepath.Join(cfg.OutDir, trackID), Dropped: p.Dropped,
		NotCarried: append([]NotCarried{}, p.Tracks.NotCarried...)}
	r.Master = filepath.Join(r.Dir, layout.Master)
	run := &runner{cfg: cfg, rec: &recorder.Recorder{DB: cfg.Catalog, Root: root}, plan: p, enc: enc, prober: src.prober,
		res: r, trackID: trackID, src: src.probe, audio: sound,
		probeSlots: make(chan struct{}, runtime.NumCPU()), measured: map[string]Variant{}}
	if cfg.Encryption != nil {
		if run.keys, err = openKeyring(*cfg.Encryption, r.Dir); err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, cfg.Input, err)
		}
	}
	for _, n := range p.Tracks.Notes {
		run.note(n)
	}
	for _, n := range p.Tracks.NotCarried {
		run.note(n.String())
	}
	run.planThumbnails()
	hash, version, err := src.identity()
	if err != nil {
		return nil, err
	}
	r.Phases.Probe = probed.Sub(start).Seconds()
	r.Phases.Hash = time.Since(probed).Seconds()
	phase := time.Now()
	lap := func(d *float64) { now := time.Now(); *d = now.Sub(phase).Seconds(); phase = now }
	run.ffmpegVersion = version

	todo, fps, err := run.resume(ctx, hash)
	if err != nil {
		return nil, err
	}
	lap(&r.Phases.Resume)
	if r.UpToDate {
		run.loudnessFromCatalog(ctx)
		run.damageFromCatalog(ctx)
		if err := run.upload(ctx); err != nil {
			return r, err
		}
		r.Elapsed = time.Since(start).Seconds()
		return r, nil
	}
	if err := run.encode(ctx, todo, fps, planWhy); err != nil {
		return r, err
	}
	lap(&r.Phases.Encode)
	if len(todo) == 0 {
		// Nothing was decoded: an earlier report stands.
		run.damageFromCatalog(ctx)
	} else if err := run.checkDamage(ctx, todo); err != nil {
		return r, fmt.Errorf("%s %q: %w", what, cfg.Input, err)
	}
	if err := run.publish(ctx); err != nil {
		return r, err
	}
	lap(&r.Phases.Publish)
	// The upload is not one of Phases: they time veza's own work.
	if err := run.upload(ctx); err != nil {
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
	audio audio.Settings
	mu    sync.Mutex // serialises OnEvent
	keys  *keyring   // nil: segments stay clear
	// probeSlots bounds the ffprobe processes measuring runs at once.
	probeSlots chan struct{}
	// measured keeps each rendition's measurement, made once.
	measured   map[string]Variant
	measuredMu sync.Mutex
	// thumbsDrawn is set once an encode drew the thumbnail sheets.
	thumbsDrawn atomic.Bool
	// damage is the worst damage report of the run's ffmpeg processes
	// (each decodes the same source); guarded by mu.
	damage *encode.Damaged
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
