package handlers

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"fundus/db"
	"fundus/db/dbtest"
)

// TestOpenAPIMatchesRoutes keeps openapi.json true: every route of the
// router is described, and every described operation is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var described []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			described = append(described, strings.ToUpper(method)+" "+path)
		}
	}

	d := dbtest.Open(t, db.SQLite)
	s := &Server{db: d, limiter: newRateLimiter(0)}
	s.metrics = newMetrics(prometheus.NewRegistry())
	r, err := s.router()
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`[:*]([A-Za-z_]+)`)
	var routed []string
	for _, rt := range r.Routes() {
		if !isAPIRoute(rt.Path) {
			continue // pages for people are not part of the API
		}
		routed = append(routed, rt.Method+" "+param.ReplaceAllString(rt.Path, "{$1}"))
	}

	slices.Sort(described)
	slices.Sort(routed)
	for _, x := range routed {
		if !slices.Contains(described, x) {
			t.Errorf("route %s is not in openapi.json", x)
		}
	}
	for _, x := range described {
		if x == "GET /metrics" {
			continue // served on FUNDUS_DEBUG_ADDR, apart from this router (cmd/fundus)
		}
		if !slices.Contains(routed, x) {
			t.Errorf("openapi.json describes %s, which is not routed", x)
		}
	}
}

func isAPIRoute(path string) bool {
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics", "/problems/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
