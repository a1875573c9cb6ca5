package serve

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// QueueJob is one job of a work queue (pkg/queue's State) as GET
// /api/jobs lists it, with the fields of a catalog job's status.
type QueueJob struct {
	ID      string `json:"id"`
	TrackID string `json:"track_id"`
	// Status is queued, running, failed, done or dead.
	Status string `json:"status"`
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

// queueJobs reads the queue's jobs within a few seconds.
func (h *Handler) queueJobs(ctx context.Context) ([]QueueJob, error) {
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
	jobs, err := h.queueJobs(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{"job queue: " + err.Error()})
		return
	}
	if jobs == nil {
		jobs = []QueueJob{}
	}
	writeJSON(w, http.StatusOK, jobs)
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
	jobs, err := h.queueJobs(ctx)
	if err != nil {
		sec.Error = err.Error()
	}
	for _, j := range jobs {
		detail := j.Output
		if j.Error != "" {
			detail = j.Error
		}
		sec.Jobs = append(sec.Jobs, queueRow{ID: j.ID, Track: j.TrackID, Status: j.Status, Worker: j.Worker,
			Deliveries: j.Deliveries, Progress: fmt.Sprintf("%.0f%%", j.Progress*100),
			Created: j.CreatedAt.Local().Format("2006-01-02 15:04"), Detail: detail})
	}
	return sec
}
