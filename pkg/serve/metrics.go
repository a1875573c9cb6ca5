package serve

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// route labels requests in metrics. Files are labelled by what they are,
// so a dashboard tells playlist traffic from segment traffic.
type route uint8

const (
	routePlaylist route = iota
	routeMedia
	routeManifest
	routeKey
	routeIndex
	routeWatch
	routeAPITracks
	routeAPITrack
	routeAPIJob
	routeAPIJobs
	routeAsset
	routeHealthz
	routeReadyz
	routeMetrics
	routeOther
	numRoutes
)

var routeNames = [numRoutes]string{
	"playlist", "media", "manifest", "key", "index", "watch", "api_tracks",
	"api_track", "api_job", "api_jobs", "asset", "healthz", "readyz", "metrics", "other",
}

func fileRoute(k kind) route {
	switch k {
	case kindPlaylist:
		return routePlaylist
	case kindManifest:
		return routeManifest
	case kindKey:
		return routeKey
	}
	return routeMedia
}

type metrics struct {
	requests *prometheus.CounterVec
	routes   [numRoutes]routeStats
}

// routeStats holds the children of each vector for one route, looked up
// once, so recording a request costs a few atomic adds and no hashing.
type routeStats struct {
	name  string
	bytes prometheus.Counter
	dur   prometheus.Observer
	codes sync.Map // int -> prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "veza_serve_requests_total",
			Help: "HTTP requests answered, by route and status code.",
		}, []string{"route", "code"}),
	}
	bytes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "veza_serve_response_bytes_total",
		Help: "Response body bytes sent, by route.",
	}, []string{"route"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "veza_serve_request_duration_seconds",
		Help:    "Time to answer a request, by route (for files: until the last byte was handed to the kernel).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	reg.MustRegister(m.requests, bytes, dur)
	for i := range m.routes {
		r := &m.routes[i]
		r.name = routeNames[i]
		r.bytes = bytes.WithLabelValues(r.name)
		r.dur = dur.WithLabelValues(r.name)
	}
	return m
}

// observe records one answered request.
func (m *metrics) observe(rt route, code int, n int64, start time.Time) {
	r := &m.routes[rt]
	var c prometheus.Counter
	if v, ok := r.codes.Load(code); ok {
		c = v.(prometheus.Counter)
	} else {
		c = m.requests.WithLabelValues(r.name, strconv.Itoa(code))
		r.codes.Store(code, c)
	}
	c.Inc()
	if n > 0 {
		r.bytes.Add(float64(n))
	}
	r.dur.Observe(time.Since(start).Seconds())
}

// registerRuntime adds the Go runtime and process collectors, as a
// Prometheus endpoint is expected to.
func registerRuntime(reg prometheus.Registerer) {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}
