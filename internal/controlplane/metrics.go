package controlplane

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics observes ARM requests for /metrics.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aksnet_arm_requests_total",
			Help: "ARM requests answered, by method, resource type and status code.",
		}, []string{"method", "type", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aksnet_arm_request_duration_seconds",
			Help:    "Time to answer ARM requests, by method.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// Observe implements arm.Observer.
func (m *metrics) Observe(method, resourceType string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, resourceType, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method).Observe(d.Seconds())
}
