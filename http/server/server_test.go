package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

func TestOperations(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		d := dbtest.OpenUnmigrated(t, e)
		reg := prometheus.NewRegistry()
		ts := testserver.New(t, d, server.Config{Metrics: reg})
		ts.JSON("GET", "/healthz", "", "").WantStatus(t, 200)
		ts.JSON("GET", "/readyz", "", "").WantStatus(t, 503)
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		ts.JSON("GET", "/readyz", "", "").WantStatus(t, 200)

		ts.JSON("GET", "/api/v1/nothing-here", "", "").WantProblem(t, 404, "not-found")
		ts.JSON("GET", "/problems/validation", "", "").WantStatus(t, 200)
		ts.JSON("GET", "/problems/nonsense", "", "").WantProblem(t, 404, "not-found")

		// The metrics are served apart (FUNDUS_DEBUG_ADDR), never to the public.
		ts.JSON("GET", "/metrics", "", "").WantStatus(t, 404)
		m := httptest.NewRecorder()
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(m, httptest.NewRequest("GET", "/metrics", nil))
		for _, want := range []string{
			`fundus_http_requests_total{method="GET",route="/readyz",status="503"} 1`,
			`fundus_http_requests_total{method="GET",route="unmatched",status="404"} 2`,
			`fundus_http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
		} {
			if !strings.Contains(m.Body.String(), want) {
				t.Errorf("metrics lack %s", want)
			}
		}

		// A newer version migrated further: this one is not ready, and says why.
		if _, err := dbtest.Raw(t, d).Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, $2)`, 99999, true); err != nil {
			t.Fatal(err)
		}
		if r := ts.JSON("GET", "/readyz", "", "").WantStatus(t, 503); !strings.Contains(r.JSON["reason"].(string), "migrated further") {
			t.Fatalf("readyz of a database ahead: %v", r.JSON)
		}
	})
}

func TestRequestID(t *testing.T) {
	ts := testserver.New(t, dbtest.Open(t, db.SQLite), server.Config{})
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	rec := ts.Serve(req)
	// A refusal's body depends on the error alone (a repeat under an
	// Idempotency-Key gets the same bytes): the id is in the header; an
	// internal error's body names it too (TestPanicBecomesProblem).
	if rec.Header().Get("X-Request-ID") != "abc-123" || strings.Contains(rec.Body.String(), "request_id") {
		t.Fatalf("request id not carried in the header only: %v %s", rec.Header(), rec.Body)
	}
	r := ts.JSON("GET", "/healthz", "", "")
	if len(r.Header().Get("X-Request-ID")) < 16 {
		t.Fatal("no request id made")
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	var logs bytes.Buffer
	defaultLog := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(defaultLog)
	ts := testserver.New(t, dbtest.Open(t, db.SQLite), server.Config{BodyLimit: 1 << 10})
	r := ts.H.(*gin.Engine)
	r.GET("/boom", func(c *gin.Context) { panic("secret detail") })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	resp := testserver.Decode(rec)
	resp.WantProblem(t, 500, "internal")
	if id := rec.Header().Get("X-Request-ID"); id == "" || resp.JSON["request_id"] != id {
		t.Fatalf("an internal error's body names request id %v, header %q", resp.JSON["request_id"], id)
	}
	if strings.Contains(rec.Body.String(), "secret detail") {
		t.Fatal("the panic's detail reached the client")
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Fatal("the panic was not logged")
	}
	// The server still answers.
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("after a panic: %d", rec.Code)
	}
}
