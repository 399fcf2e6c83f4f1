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
	for _, x := range undescribed {
		if slices.Contains(described, x) {
			t.Errorf("route %s is described now: take it off undescribed", x)
		}
	}
	for _, x := range routed {
		if !slices.Contains(described, x) && !slices.Contains(undescribed, x) {
			t.Errorf("route %s is not in openapi.json", x)
		}
	}
	for _, x := range described {
		if !slices.Contains(routed, x) {
			t.Errorf("openapi.json describes %s, which is not routed", x)
		}
	}
}

// undescribed are routes of issue 12 (item 2, role grants) that openapi.json
// does not describe yet: it is being rewritten on another branch (item 9),
// which takes them in. The test fails once one is described, so that this
// list goes away with the merge.
var undescribed = []string{
	"GET /api/v1/role-grants",
	"GET /api/v1/users",
	"PATCH /api/v1/users/{id}",
	"POST /api/v1/role-grants/{id}/confirm",
}

func isAPIRoute(path string) bool {
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics", "/problems/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
