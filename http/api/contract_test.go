package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestContractCatchesDrift shows that testserver.CheckContract fails a response that
// drifts from openapi.json: each alteration of a real, valid response is
// reported.
func TestContractCatchesDrift(t *testing.T) {
	ts := testserver.New(t, dbtest.Open(t, db.SQLite), server.Config{})
	treasurer := ts.MustUser("kasse@example.org", auth.Treasurer)
	pledge := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"25.00"}`).WantStatus(t, 201)
	confirmPath := "/api/v1/donations/" + pledge.JSON["id"].(string) + "/confirm"
	confirmed := ts.DoWithHeaders("POST", confirmPath, treasurer, "", map[string]string{"Idempotency-Key": "k1"}).WantStatus(t, 200)
	fund := ts.JSON("GET", "/api/v1/fund", "", "").WantStatus(t, 200)

	alter := func(r *testserver.Response, change func(map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		b, _ := json.Marshal(m)
		return b
	}
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for _, c := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body               []byte
	}{
		{"an amount as a number", "GET", "/api/v1/fund", 200, jsonHeader,
			alter(fund, func(m map[string]any) { m["available"] = 25.5 })},
		{"an amount with three fraction digits", "GET", "/api/v1/fund", 200, jsonHeader,
			alter(fund, func(m map[string]any) { m["available"] = "25.000" })},
		{"a required field missing", "POST", confirmPath, 200, jsonHeader,
			alter(confirmed, func(m map[string]any) { delete(m, "reference") })},
		{"a status not in the enum", "POST", confirmPath, 200, jsonHeader,
			alter(confirmed, func(m map[string]any) { m["status"] = "confirmed" })},
		{"an undocumented status", "GET", "/api/v1/fund", 418, jsonHeader, fund.Body.Bytes()},
		{"a refusal as 200 with a problem", "POST", confirmPath, 200, jsonHeader,
			[]byte(`{"type":"/problems/invalid-state","title":"Invalid state","status":409}`)},
		{"a problem as application/json", "POST", confirmPath, 409, jsonHeader,
			[]byte(`{"type":"/problems/invalid-state","title":"Invalid state","status":409}`)},
		{"a bad Retry-After", "POST", "/api/v1/sessions", 429,
			http.Header{"Content-Type": {"application/problem+json"}, "Retry-After": {"soon"}},
			[]byte(`{"type":"/problems/rate-limited","title":"Too many requests","status":429}`)},
		{"an undocumented route", "GET", "/api/v1/funds", 200, jsonHeader, fund.Body.Bytes()},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		if err := testserver.CheckContract(req, c.status, c.header, c.body); err == nil {
			t.Errorf("%s: the contract check passed %d %s", c.name, c.status, c.body)
		} else {
			t.Logf("%s: %.200v", c.name, err)
		}
	}
	// The unaltered responses pass.
	for _, r := range []struct {
		method, path string
		r            *testserver.Response
	}{{"GET", "/api/v1/fund", fund}, {"POST", confirmPath, confirmed}} {
		if err := testserver.CheckContract(httptest.NewRequest(r.method, r.path, nil), r.r.Code, r.r.Header(), r.r.Body.Bytes()); err != nil {
			t.Errorf("%s %s as answered: %v", r.method, r.path, err)
		}
	}
}
