package serve

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/veza-media/veza/pkg/queue"
)

// apiQueueJob is one element of GET /api/jobs: a job of the work queue
// (see pkg/queue), with the fields of a catalog job's status.
type apiQueueJob struct {
	ID      string       `json:"id"`
	TrackID string       `json:"track_id"`
	Status  queue.Status `json:"status"`
	// Worker runs or ran the job's last delivery; Deliveries counts them.
	Worker     string  `json:"worker"`
	Deliveries int     `json:"deliveries"`
	Progress   float64 `json:"progress"` // 0 to 1
	// Output is where a done job's track was published or written.
	Output    string    `json:"output"`
	CreatedAt time.Time `json:"created_at"`
	// StartedAt and CompletedAt are null until the job starts and ends.
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Error       string     `json:"error"`
}

func newAPIQueueJob(s queue.State) apiQueueJob {
	j := apiQueueJob{ID: s.ID, TrackID: s.Track, Status: s.Status, Worker: s.Worker, Deliveries: s.Delivery,
		Progress: s.Progress, Output: s.Output, CreatedAt: s.Created, Error: s.Error}
	if !s.Started.IsZero() {
		j.StartedAt = &s.Started
	}
	if !s.Completed.IsZero() {
		j.CompletedAt = &s.Completed
	}
	return j
}

// queueJobs reads the queue's jobs within a few seconds.
func (h *Handler) queueJobs(ctx context.Context) ([]queue.State, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return h.cfg.Jobs(ctx)
}

// serveQueueJobs answers GET /api/jobs: every job of the queue, oldest
// first; 503 when the server has no queue or cannot read it.
func (h *Handler) serveQueueJobs(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Jobs == nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{"no job queue: start veza serve with --queue"})
		return
	}
	states, err := h.queueJobs(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{"job queue: " + err.Error()})
		return
	}
	out := make([]apiQueueJob, 0, len(states))
	for _, s := range states {
		out = append(out, newAPIQueueJob(s))
	}
	writeJSON(w, http.StatusOK, out)
}

// queueRow is one job in the index page's queue table.
type queueRow struct {
	ID, Track, Status, Worker, Progress, Created, Detail string
	Deliveries                                           int
}

// queueSection is the index page's queue table; nil without a queue.
type queueSection struct {
	APIURL, Error string
	Jobs          []queueRow
}

func (h *Handler) indexQueue(ctx context.Context, exp string) *queueSection {
	if h.cfg.Jobs == nil {
		return nil
	}
	sec := &queueSection{APIURL: h.link("/api/jobs", exp)}
	states, err := h.queueJobs(ctx)
	if err != nil {
		sec.Error = err.Error()
	}
	for _, s := range states {
		detail := s.Output
		if s.Status == queue.StatusFailed || s.Status == queue.StatusDead {
			detail = s.Error
		}
		sec.Jobs = append(sec.Jobs, queueRow{ID: s.ID, Track: s.Track, Status: string(s.Status), Worker: s.Worker,
			Deliveries: s.Delivery, Progress: fmt.Sprintf("%.0f%%", s.Progress*100),
			Created: s.Created.Local().Format("2006-01-02 15:04"), Detail: detail})
	}
	return sec
}
