package queue

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/shard"
)

// JobVersion is the version of the job schema this veza writes and reads.
const JobVersion = 1

// KindLadder is the one kind of job so far: build an HLS ladder.
const KindLadder = "ladder"

// Job is one unit of work on the queue, sent as JSON:
//
//	{"v":1,"id":"…","kind":"ladder","source":"/srv/media/in/film.mkv",
//	 "output":"/srv/media/out","track":"film",
//	 "ladder":{"name":"audio","rungs":[{"name":"high","audio_bitrate":192}]},
//	 "options":{"format":"ts","segment_time":4,"preset":"veryfast","strategy":"auto"},
//	 "submitted":"2025-01-01T00:00:00Z"}
//
// Readers refuse a version they do not know rather than guess.
type Job struct {
	// V is the schema version, JobVersion.
	V int `json:"v"`
	// ID identifies the job's content (see NewJob); it is the message's
	// Nats-Msg-Id.
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Source is what to encode: an absolute path on storage every worker
	// mounts, or an http:// or https:// URL (s3:// URLs are accepted here
	// but this veza's workers refuse them).
	Source string `json:"source"`
	// SourceVersion is, for a web source, its ETag or Last-Modified date
	// when submitted (see SourceVersion); a worker refuses another version.
	SourceVersion string `json:"source_version,omitempty"`
	// Output is the absolute folder, on shared storage, the track goes
	// below (Output/<track>/).
	Output string `json:"output"`
	// TrackID is the track's id; empty lets the worker derive it from the
	// source's name.
	TrackID string `json:"track,omitempty"`
	// Publish, when set, is the s3://bucket/prefix the track is published
	// to once complete (Output/<track>/ goes to Publish/<track>/).
	Publish string `json:"publish,omitempty"`
	// Ladder is the full ladder definition, not a name: workers built from
	// another veza version might define a name differently.
	Ladder  ladder.Ladder `json:"ladder"`
	Options Options       `json:"options"`
	// Submitted is when the job was put on the queue.
	Submitted time.Time `json:"submitted"`
}

// Options are the encoding settings of a ladder job besides the ladder.
type Options struct {
	// Format is the segment container, "ts" or "fmp4".
	Format string `json:"format"`
	// SegmentTime is the target segment duration in seconds (the ladder's
	// own wins).
	SegmentTime float64 `json:"segment_time"`
	// Preset is the x264/x265 speed preset.
	Preset string `json:"preset"`
	// Strategy is "auto", "single" or "parallel".
	Strategy string `json:"strategy"`
	// Strict fails a damaged but decodable source.
	Strict bool `json:"strict,omitempty"`
}

// ErrBadJob is wrapped by every error ParseJob returns.
var ErrBadJob = errors.New("bad job")

// NewJob returns the job for source with its id set: a hash of the
// source's identity, the output, the track, the ladder's fingerprint, the
// options and ladder.PlanVersion. Two submits of the same work give the
// same id whatever the ladder's name or the time.
func NewJob(source, output, trackID string, l ladder.Ladder, o Options) Job {
	return NewPublishJob(source, output, trackID, "", l, o)
}

// NewPublishJob is NewJob for a track published to target, an
// s3://bucket/prefix, once complete; the target is part of the id.
func NewPublishJob(source, output, trackID, target string, l ladder.Ladder, o Options) Job {
	j := Job{V: JobVersion, Kind: KindLadder, Source: source, Output: output, TrackID: trackID, Publish: target,
		Ladder: l, Options: o, Submitted: time.Now().UTC()}
	j.ID = j.contentID()
	return j
}

// WithSourceVersion returns the job for version v of its source, with its
// id changed to match.
func (j Job) WithSourceVersion(v string) Job {
	j.SourceVersion = v
	j.ID = j.contentID()
	return j
}

func (j Job) contentID() string {
	h := sha256.New()
	opts, _ := json.Marshal(j.Options)
	for _, part := range []string{j.Kind, shard.Identity(j.Source), filepath.Clean(j.Output), j.TrackID,
		ladderFingerprint(j.Ladder), string(opts), ladder.PlanVersion} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	// Added after the first jobs: a job without them keeps its id.
	if j.Publish != "" {
		h.Write([]byte("publish\x00" + j.Publish))
	}
	if j.SourceVersion != "" {
		h.Write([]byte("\x00version\x00" + j.SourceVersion))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// ladderFingerprint identifies what a ladder makes: its rungs with their
// defaults, its segment time and its audio settings, not its name.
func ladderFingerprint(l ladder.Ladder) string {
	var parts []string
	for _, r := range l.Rungs {
		parts = append(parts, r.Fingerprint())
	}
	parts = append(parts, fmt.Sprint(l.SegmentTime), l.Settings.Fingerprint())
	return strings.Join(parts, "|")
}

// ParseJob reads and checks one job message.
func ParseJob(data []byte) (Job, error) {
	var j Job
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&j); err != nil {
		return Job{}, fmt.Errorf("%w: not a job: %v", ErrBadJob, err)
	}
	if dec.More() {
		return Job{}, fmt.Errorf("%w: trailing data after the job", ErrBadJob)
	}
	if err := j.Validate(); err != nil {
		return Job{}, err
	}
	return j, nil
}

// Validate checks a job before it is sent or run.
func (j Job) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrBadJob, j.ID, fmt.Sprintf(format, args...))
	}
	switch {
	case j.V != JobVersion:
		return fmt.Errorf("%w: schema version %d, this veza reads %d", ErrBadJob, j.V, JobVersion)
	case j.ID == "" || len(j.ID) > 64 || strings.ContainsAny(j.ID, " \t\r\n"):
		return fmt.Errorf("%w: id %q: want 1 to 64 characters without spaces", ErrBadJob, j.ID)
	case j.Kind != KindLadder:
		return bad("kind %q: this veza runs %q", j.Kind, KindLadder)
	case strings.ContainsRune(j.Source+j.Output, 0):
		return bad("a NUL in the source or output")
	}
	if err := checkSource(j.Source); err != nil {
		return bad("%v", err)
	}
	if j.Publish != "" {
		if _, err := publish.ParseLocation(j.Publish); err != nil {
			return bad("publish target: %v", err)
		}
	}
	if !filepath.IsAbs(j.Output) {
		return bad("output %q: want an absolute path on shared storage", j.Output)
	}
	if j.TrackID != "" {
		if err := catalog.CheckTrackID(j.TrackID); err != nil {
			return bad("%v", err)
		}
	}
	if err := j.Ladder.Validate(); err != nil {
		return bad("ladder %q: %v", j.Ladder.Name, err)
	}
	o := j.Options
	switch {
	case o.Format != "ts" && o.Format != "fmp4":
		return bad("format %q: want ts or fmp4", o.Format)
	case !(o.SegmentTime > 0 && o.SegmentTime <= 60):
		return bad("segment time %v: want more than 0 and at most 60 seconds", o.SegmentTime)
	case o.Strategy != "auto" && o.Strategy != "single" && o.Strategy != "parallel":
		return bad("strategy %q: want auto, single or parallel", o.Strategy)
	case o.Preset == "" || strings.ContainsAny(o.Preset, " \t\r\n/"):
		return bad("preset %q: want one word", o.Preset)
	}
	return nil
}

// checkSource accepts an absolute path or an s3, http or https URL.
func checkSource(src string) error {
	scheme, rest, isURL := strings.Cut(src, "://")
	switch {
	case src == "":
		return errors.New("no source")
	case !isURL && filepath.IsAbs(src):
		return nil
	case !isURL:
		return fmt.Errorf("source %q: want an absolute path on shared storage or a URL", src)
	case scheme != "s3" && scheme != "http" && scheme != "https":
		return fmt.Errorf("source %q: want an s3, http or https URL", src)
	case rest == "" || strings.HasPrefix(rest, "/"):
		return fmt.Errorf("source %q: no host or bucket", src)
	}
	return nil
}
