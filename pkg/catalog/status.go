package catalog

import "fmt"

// Status is where a job or a rendition stands.
type Status string

// The statuses of jobs and renditions. A job starts pending, is encoding
// while ffmpeg runs, and ends in one of the four final statuses.
const (
	StatusPending   Status = "pending"
	StatusEncoding  Status = "encoding"
	StatusDone      Status = "done"
	StatusError     Status = "error"
	StatusTimeout   Status = "timeout"
	StatusCancelled Status = "cancelled"
)

// Valid says whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusEncoding, StatusDone, StatusError, StatusTimeout, StatusCancelled:
		return true
	}
	return false
}

// Final says whether s ends a job: done, error, timeout or cancelled.
func (s Status) Final() bool { return s.Valid() && s != StatusPending && s != StatusEncoding }

func (s Status) check() error {
	if !s.Valid() {
		return fmt.Errorf("catalog: unknown status %q (want pending, encoding, done, error, timeout or cancelled)", string(s))
	}
	return nil
}

// Kind is what a rendition carries.
type Kind string

// The kinds of rendition.
const (
	KindVideo Kind = "video" // video, possibly with muxed audio
	KindAudio Kind = "audio" // audio only
)

func (k Kind) check() error {
	if k != KindVideo && k != KindAudio {
		return fmt.Errorf("catalog: unknown rendition kind %q (want video or audio)", string(k))
	}
	return nil
}

// rollup is the status of a track from its renditions' statuses: work in
// progress shows first, then the worst failure, then work not started; a
// track is done only when every rendition is. A track with no renditions
// is pending.
func rollup(statuses []Status) Status {
	if len(statuses) == 0 {
		return StatusPending
	}
	has := map[Status]bool{}
	for _, s := range statuses {
		has[s] = true
	}
	for _, s := range []Status{StatusEncoding, StatusError, StatusTimeout, StatusCancelled, StatusPending} {
		if has[s] {
			return s
		}
	}
	return StatusDone
}
