package transcode

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/veza-media/veza/pkg/encode"
)

// Event is something that happened in a batch.
type Event struct {
	// Job is the 1-based index of the file in the batch; 0 for Planned.
	Job int
	// File is the input as given or found.
	File string
	// Time is when the event happened.
	Time time.Time
	// Data is what happened: one of encode's events (segments, progress,
	// warnings, errors, the muxing summary, the exit) for the file's
	// ffmpeg, with paths already the final ones; JobStarted or JobFinished
	// around them; Planned once before any job. Nil for a Message.
	Data encode.Event
	// Message is a note for people ("no audio: loudness and silence
	// settings ignored"); Debug marks the ones only useful when debugging
	// (the ffmpeg command line).
	Message string
	Debug   bool
}

// Planned is the first event of a batch, once the inputs are probed: the
// files about to be encoded. It has no line in the NDJSON schema.
type Planned struct {
	// Files counts the files to encode and Duration their media, in
	// seconds.
	Files    int     `json:"files"`
	Duration float64 `json:"duration"`
	// Jobs is how many files are encoded at once.
	Jobs int `json:"jobs"`
}

// JobStarted opens a file's encode events.
type JobStarted struct {
	// Output is the final output path, Preset the preset's name and
	// Duration the source's media seconds.
	Output   string  `json:"output"`
	Preset   string  `json:"preset"`
	Duration float64 `json:"duration"`
}

// JobFinished is a file's last event, whether it ran or was refused before
// starting; its fields are the Item's.
type JobFinished struct {
	// Status is encode's final status or StatusSkipped.
	Status   string  `json:"status"`
	Output   string  `json:"output,omitempty"`
	Bytes    int64   `json:"bytes"`
	Duration float64 `json:"duration"`
	Elapsed  float64 `json:"elapsed"`
	Speed    float64 `json:"speed"`
	// Segments counts the HLS segments.
	Segments int    `json:"segments,omitempty"`
	Error    string `json:"error,omitempty"`
	// Damage is what ffmpeg reported of a damaged source; nil when clean.
	Damage *encode.Damaged `json:"damage,omitempty"`
}

func (Planned) Type() string     { return "planned" }
func (JobStarted) Type() string  { return "job_started" }
func (JobFinished) Type() string { return "job_finished" }

func finished(it *Item) JobFinished {
	return JobFinished{Status: it.Status, Output: it.Output, Bytes: it.Bytes, Duration: it.Duration,
		Elapsed: it.Elapsed, Speed: it.Speed, Segments: it.Segments, Error: it.Error, Damage: it.Damage}
}

// SchemaVersion is the "v" of every NDJSON line.
const SchemaVersion = 1

// WriteNDJSON writes an event as one line of the NDJSON stream: an object
// with "v" (SchemaVersion), "type" and the event's own fields, then "time"
// (RFC 3339, UTC), "job" and "file". Planned and messages have no line:
// WriteNDJSON writes nothing for them.
func WriteNDJSON(w io.Writer, e Event) error {
	if e.Data == nil {
		return nil
	}
	if _, ok := e.Data.(Planned); ok {
		return nil
	}
	body, err := encode.MarshalEvent(e.Data)
	if err != nil {
		return err
	}
	file, _ := json.Marshal(e.File)
	var b strings.Builder
	fmt.Fprintf(&b, `{"v":%d,`, SchemaVersion)
	b.Write(body[1 : len(body)-1]) // "type":..., fields
	fmt.Fprintf(&b, `,"time":%q,"job":%d,"file":%s}`, e.Time.UTC().Format(time.RFC3339Nano), e.Job, file)
	b.WriteByte('\n')
	_, err = io.WriteString(w, b.String())
	return err
}
