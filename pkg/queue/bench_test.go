package queue

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkSubmit10k submits 10,000 jobs (the default --max-pending) to a
// fresh stream and then lists their states as `veza jobs` does; it
// reports jobs/s for the submit and the listing's seconds.
func BenchmarkSubmit10k(b *testing.B) {
	const n = DefaultMaxPending
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		q, err := Open(ctx, startServer(b))
		if err != nil {
			b.Fatal(err)
		}
		srcs := make([]string, n)
		for i := range srcs {
			srcs[i] = fmt.Sprintf("/srv/in/title%05d.wav", i)
		}
		jobs := jobsFor(srcs, "/srv/out")
		b.StartTimer()
		start := time.Now()
		res, err := q.Submit(ctx, jobs, 0)
		submit := time.Since(start)
		if err != nil || res.Queued != n {
			b.Fatalf("submit: %+v, %v", res, err)
		}
		start = time.Now()
		states, err := q.States(ctx)
		list := time.Since(start)
		if err != nil || len(states) != n {
			b.Fatalf("states: %d, %v", len(states), err)
		}
		b.ReportMetric(float64(n)/submit.Seconds(), "jobs/s")
		b.ReportMetric(list.Seconds(), "list-s")
		q.Close()
	}
}

// BenchmarkSubmitToStart measures the queue's own latency: from a submit
// to an idle worker starting the job (where the ladder's probe and ffmpeg
// would begin), one job at a time; it reports the median and the p90.
func BenchmarkSubmitToStart(b *testing.B) {
	ctx := context.Background()
	url := startServer(b)
	q, err := Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	wq, err := Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer wq.Close()
	started := make(chan time.Time, 1)
	w := &Worker{Queue: wq, Name: "bench", Run: func(context.Context, Job, func(float64)) (string, error) {
		started <- time.Now()
		return "/out", nil
	}}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Work(wctx) }()
	defer func() { cancel(); <-done }()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		j := jobsFor([]string{fmt.Sprintf("/srv/in/t%d.wav", i)}, "/srv/out")
		i++
		sent := time.Now()
		if _, err := q.Submit(ctx, j, 0); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-started:
			lat = append(lat, at.Sub(sent))
		case <-time.After(30 * time.Second):
			b.Fatal("the worker did not start the job")
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
}
