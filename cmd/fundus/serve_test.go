package main

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"fundus/audit"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/server"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// TestMetricsOnlyOnTheDebugAddress: the application's handler has no
// /metrics (404); the debug listener's handler serves the application's
// metrics.
func TestMetricsOnlyOnTheDebugAddress(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w := ledgertest.Writer(t, d, nil)
	metrics := prometheus.NewRegistry()
	h, err := server.New(server.Config{Metrics: metrics}, d, server.Services{
		Auth: auth.NewService(d, w, time.Hour), Ledger: &ledger.Service{DB: d, Writer: w}, Audit: &audit.Service{DB: d},
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	public := httptest.NewRecorder()
	h.ServeHTTP(public, httptest.NewRequest("GET", "/metrics", nil))
	if public.Code != 404 || strings.Contains(public.Body.String(), "go_goroutines") {
		t.Fatalf("public /metrics: %d %.200s", public.Code, public.Body)
	}
	debug := httptest.NewRecorder()
	debugHandler(metrics).ServeHTTP(debug, httptest.NewRequest("GET", "/metrics", nil))
	if debug.Code != 200 || !strings.Contains(debug.Body.String(), `fundus_http_requests_total{method="GET",route="unmatched",status="404"} 1`) ||
		!strings.Contains(debug.Body.String(), "go_goroutines") {
		t.Fatalf("debug /metrics: %d %.500s", debug.Code, debug.Body)
	}
	prof := httptest.NewRecorder()
	debugHandler(metrics).ServeHTTP(prof, httptest.NewRequest("GET", "/debug/pprof/", nil))
	if prof.Code != 200 {
		t.Fatalf("pprof: %d", prof.Code)
	}
}
