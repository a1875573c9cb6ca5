package publish

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config is one publish.
type Config struct {
	// Dir is an output folder (its track folders are published one by
	// one) or one track folder. Its contents go under Target's prefix with
	// the same relative paths. Required.
	Dir string
	// Paths, when not empty, limits the publish to these files and folders,
	// given relative to Dir; each is a track of its own, published with
	// the same key it would have in a publish of all of Dir. Transcode
	// outputs are published this way, one as soon as it is renamed into
	// place.
	Paths []string
	// Target is where the output goes, as s3://bucket/prefix. Required.
	Target string
	// KeysTo is an s3://bucket/prefix for the AES-128 keys the playlists
	// name. It defaults to "": keys are not published at all, and
	// Result.KeyURIs says where the playlists expect them.
	KeysTo string

	// Endpoint is the S3 endpoint URL. It defaults to the SDK's standard
	// chain (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the shared config),
	// and then to AWS S3.
	Endpoint string
	// PathStyle addresses buckets as ENDPOINT/bucket rather than
	// bucket.ENDPOINT. It defaults to false (the SDK's setting).
	PathStyle bool
	// Region and credentials always come from the SDK's standard chain
	// (AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE
	// and the shared files, instance roles); the region defaults to
	// us-east-1 when the chain has none, which S3-compatible stores accept.

	// Delete removes the objects under Target's prefix that the output no
	// longer has, after the new playlists are up. It defaults to false and
	// is ignored with Paths.
	Delete bool
	// DryRun lists the bucket and reports what would be uploaded and
	// deleted (events with DryRun set) without changing anything.
	DryRun bool
	// UniqueNames says segment names are unique per build, so media
	// objects may be cached for a year; by default they are cached for an
	// hour, since a rebuild rewrites seg_00000.ts under the same name.
	UniqueNames bool
	// UploadJobs is how many requests run at once. It defaults to
	// DefaultUploadJobs.
	UploadJobs int
	// Attempts bounds the tries of one request (the first one included).
	// It defaults to 5.
	Attempts int
	// RetryDelay is the backoff before the second try; each later one
	// doubles it, up to 32 times RetryDelay, and a random part of it is
	// waited (full jitter). It defaults to 200 ms.
	RetryDelay time.Duration

	// MultipartSize is the size from which a file is uploaded in parts of
	// PartSize (large transcode outputs). They default to
	// DefaultMultipartSize and DefaultPartSize; PartSize is at least
	// MinPartSize. A Publisher's files are live segments and playlists,
	// always sent whole.
	MultipartSize, PartSize int64

	// Backlog is, for a Publisher, how many uploads may wait before the
	// ones whose objects left the playlist are given up. It defaults to
	// DefaultBacklog; Run ignores it.
	Backlog int

	// OnEvent receives what happened to each object. Calls never overlap.
	// It may be nil.
	OnEvent func(Event)
}

// DefaultUploadJobs is Config.UploadJobs's default: requests in flight hide
// a remote store's round trips. On loopback (BenchmarkPublish, 2 cores) 1
// to 16 jobs all published 50 MiB at 22–33 MB/s, the CPU being the limit;
// 8 was not tuned against a remote store.
const DefaultUploadJobs = 8

func (c *Config) defaults() {
	if c.UploadJobs <= 0 {
		c.UploadJobs = DefaultUploadJobs
	}
	if c.Attempts <= 0 {
		c.Attempts = 5
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = 200 * time.Millisecond
	}
	if c.MultipartSize <= 0 {
		c.MultipartSize = DefaultMultipartSize
	}
	if c.PartSize <= 0 {
		c.PartSize = DefaultPartSize
	}
	c.PartSize = max(c.PartSize, MinPartSize)
}

// Action is what happened to one object.
type Action string

const (
	Uploaded Action = "uploaded"
	// Skipped objects were already in the bucket with the same size and
	// MD5.
	Skipped Action = "skipped"
	Deleted Action = "deleted"
)

// Event is one object uploaded, skipped or deleted (and, from a
// Publisher, a queue falling behind or an object given up or failed).
type Event struct {
	Action Action
	// Bucket and Key locate the object; Track is the track folder's path
	// relative to Config.Dir ("." when Dir is a track folder).
	Bucket, Key, Track string
	// Kind is the object's kind (KindSegment, KindPlaylist…).
	Kind Kind
	// Size is the object's size in bytes and ETag its ETag without quotes
	// (for an upload or skip, the MD5 of the local file in hex).
	Size int64
	ETag string
	// DryRun marks what a dry run would have done.
	DryRun bool
	// Backlog is the length of a Publisher's queue, for Behind.
	Backlog int
	// Err is why a request failed, for Failed.
	Err error
	// Time is when it happened.
	Time time.Time
}

// Result is what a publish did.
type Result struct {
	// Uploaded, Skipped and Deleted count objects; Bytes counts the bytes
	// uploaded.
	Uploaded, Skipped, Deleted int
	Bytes                      int64
	// Tracks are the track folders, in the order published.
	Tracks []TrackResult
	// KeyURIs are the key URIs the playlists name, as written, when the
	// keys were not published.
	KeyURIs []string
}

// TrackResult is one track folder's part of a publish.
type TrackResult struct {
	// Track is the folder relative to Config.Dir ("." for Dir itself).
	Track string
	// Uploaded, Skipped and Bytes are counted as in Result.
	Uploaded, Skipped int
	Bytes             int64
	// Err is why the track's publish stopped; nil when it completed.
	Err error
}

// Failed counts the tracks whose publish did not complete.
func (r *Result) Failed() int {
	n := 0
	for _, t := range r.Tracks {
		if t.Err != nil {
			n++
		}
	}
	return n
}

// Errors Run returns before touching the bucket.
var (
	// ErrBadTarget is a target that is not an s3://bucket/prefix URL.
	ErrBadTarget = errors.New("not an s3://bucket/prefix URL")
	// ErrNothingToPublish is a folder with no playlist, MPD or media, or a
	// Paths entry that is not a media file or folder below Dir.
	ErrNothingToPublish = errors.New("no HLS or DASH output to publish")
	// ErrNoBucket is a bucket the store says does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrAccessDenied is a request the store refused: wrong or missing
	// credentials, or a policy that does not allow it.
	ErrAccessDenied = errors.New("access denied")
)

// Location is a bucket and a key prefix.
type Location struct {
	Bucket string
	// Prefix is the key prefix without leading or trailing slash; "" for
	// the whole bucket.
	Prefix string
}

// String is the location as an s3:// URL.
func (l Location) String() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// key is the object key of rel, a slash-separated path below the prefix.
func (l Location) key(rel string) string {
	if l.Prefix == "" {
		return rel
	}
	return l.Prefix + "/" + rel
}

// ParseLocation reads an s3://bucket/prefix URL.
func ParseLocation(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Location{}, fmt.Errorf("%q: %w", s, ErrBadTarget)
	}
	prefix := strings.Trim(u.Path, "/")
	if strings.Contains(prefix, "//") {
		return Location{}, fmt.Errorf("%q: %w (empty path segment)", s, ErrBadTarget)
	}
	return Location{Bucket: u.Host, Prefix: prefix}, nil
}
