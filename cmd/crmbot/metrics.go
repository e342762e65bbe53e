package main

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/crmbot/crmbot/crm"
)

// metrics are the Prometheus series on /metrics, in a registry of their own.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	storeErrors prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmbot_requests_total", Help: "Requests handled, by command and outcome.",
		}, []string{"command", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "crmbot_request_duration_seconds", Help: "Time to answer a request, by command.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"command"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "crmbot_store_errors_total", Help: "Requests and health checks that failed in the store.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe is handlers.Config.Observe. Command words come from the fixed
// command table or "unknown", so the label set stays small.
func (m *metrics) observe(command, outcome string, d time.Duration) {
	if outcome == "" {
		outcome = "ok"
	}
	m.requests.WithLabelValues(command, outcome).Inc()
	m.latency.WithLabelValues(command).Observe(d.Seconds())
	if outcome == crm.EINTERNAL {
		m.storeErrors.Inc()
	}
}

// handler serves the series; with a token, only to a request that carries
// it as "Authorization: Bearer <token>" (compared in constant time).
func (m *metrics) handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
