package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/prometheus/client_golang/prometheus"

	"fundus/auth"
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
		if !slices.Contains(routed, x) {
			t.Errorf("openapi.json describes %s, which is not routed", x)
		}
	}
}

func isAPIRoute(path string) bool {
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/problems/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// contract is openapi.json, loaded and validated once, with a router that
// finds the operation of a request.
var contract = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPI)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	// Bodies that are files: validated as strings.
	for _, ct := range []string{"application/x-ndjson", "image/png", "image/svg+xml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	return gorillamux.NewRouter(doc)
})

// checkContract returns how the response to req breaks openapi.json: an
// undocumented route or status, a header or a body its schema does not
// allow. Responses outside the API (pages) are not checked; a request to a
// route the API does not have must be answered 404 with a problem.
func checkContract(req *http.Request, status int, header http.Header, body []byte) error {
	if !isAPIRoute(req.URL.Path) {
		return nil
	}
	router, err := contract()
	if err != nil {
		return fmt.Errorf("openapi.json: %w", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound && header.Get("Content-Type") == "application/problem+json" {
			return nil // the server refuses what the contract does not have
		}
		return fmt.Errorf("no operation in openapi.json: %w", err)
	}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// TestContractCatchesDrift shows that checkContract fails a response that
// drifts from openapi.json: each alteration of a real, valid response is
// reported.
func TestContractCatchesDrift(t *testing.T) {
	ts := newTestServer(t, dbtest.Open(t, db.SQLite), Config{})
	treasurer := ts.mustUser("kasse@example.org", auth.Treasurer)
	pledge := ts.json("POST", "/api/v1/donations", "", `{"amount":"25.00"}`).wantStatus(t, 201)
	confirmPath := "/api/v1/donations/" + pledge.body["id"].(string) + "/confirm"
	confirmed := ts.doWithHeaders("POST", confirmPath, treasurer, "", map[string]string{"Idempotency-Key": "k1"}).wantStatus(t, 200)
	fund := ts.json("GET", "/api/v1/fund", "", "").wantStatus(t, 200)

	alter := func(r *response, change func(map[string]any)) []byte {
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
		if err := checkContract(req, c.status, c.header, c.body); err == nil {
			t.Errorf("%s: the contract check passed %d %s", c.name, c.status, c.body)
		} else {
			t.Logf("%s: %.200v", c.name, err)
		}
	}
	// The unaltered responses pass.
	for _, r := range []struct {
		method, path string
		r            *response
	}{{"GET", "/api/v1/fund", fund}, {"POST", confirmPath, confirmed}} {
		if err := checkContract(httptest.NewRequest(r.method, r.path, nil), r.r.Code, r.r.Header(), r.r.Body.Bytes()); err != nil {
			t.Errorf("%s %s as answered: %v", r.method, r.path, err)
		}
	}
}

// TestOpenAPIIsAContract checks the rules openapi.json keeps beyond what an
// OpenAPI validator checks: every operation has a unique operationId, a
// declared tag and an explicit security (public ones say security: []);
// every 4xx and 5xx is a Problem (but /readyz's 503, which is its state);
// 429 and 503 carry Retry-After, idempotent writes Idempotent-Replayed;
// amounts in responses are strings only, and every object a response
// carries lists its required fields.
func TestOpenAPIIsAContract(t *testing.T) {
	for _, problem := range contractProblems(t, openAPI) {
		t.Error(problem)
	}

	// Each rule fails a document that breaks it.
	for _, c := range []struct {
		rule   string
		change func(doc map[string]any)
	}{
		{"no operationId", func(doc map[string]any) { delete(operation(doc, "/api/v1/fund", "get"), "operationId") }},
		{"no tags", func(doc map[string]any) { delete(operation(doc, "/api/v1/fund", "get"), "tags") }},
		{"no security", func(doc map[string]any) { delete(operation(doc, "/api/v1/fund", "get"), "security") }},
		{"no 500", func(doc map[string]any) {
			delete(operation(doc, "/api/v1/fund", "get")["responses"].(map[string]any), "500")
		}},
		{"a number in a response", func(doc map[string]any) {
			schema(doc, "Fund")["properties"].(map[string]any)["available"] = map[string]any{"type": "number"}
		}},
		{"an AmountInput in a response", func(doc map[string]any) {
			schema(doc, "Fund")["properties"].(map[string]any)["available"] = map[string]any{"$ref": "#/components/schemas/AmountInput"}
		}},
		{"an object without required fields", func(doc map[string]any) { delete(schema(doc, "Fund"), "required") }},
		{"no Idempotent-Replayed", func(doc map[string]any) {
			r := operation(doc, "/api/v1/donations/{id}/confirm", "post")["responses"].(map[string]any)["200"].(map[string]any)
			delete(r, "headers")
		}},
	} {
		var doc map[string]any
		if err := json.Unmarshal(openAPI, &doc); err != nil {
			t.Fatal(err)
		}
		c.change(doc)
		raw, _ := json.Marshal(doc)
		if len(contractProblems(t, raw)) == 0 {
			t.Errorf("a document with %s passes", c.rule)
		}
	}
}

func operation(doc map[string]any, path, method string) map[string]any {
	return doc["paths"].(map[string]any)[path].(map[string]any)[method].(map[string]any)
}

func schema(doc map[string]any, name string) map[string]any {
	return doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
}

func contractProblems(t *testing.T, raw []byte) []string {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatal(err)
	}
	var problems []string
	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			switch {
			case op.OperationID == "":
				problems = append(problems, name+": no operationId")
			case ids[op.OperationID] != "":
				problems = append(problems, name+": operationId "+op.OperationID+" also names "+ids[op.OperationID])
			}
			ids[op.OperationID] = name
			if len(op.Tags) == 0 {
				problems = append(problems, name+": no tags")
			}
			for _, tag := range op.Tags {
				if !tags[tag] {
					problems = append(problems, name+": tag "+tag+" is not declared")
				}
			}
			if op.Security == nil {
				problems = append(problems, name+": no security (a public operation says security: [])")
			}
			idempotent := false
			for _, p := range op.Parameters {
				idempotent = idempotent || p.Value.Name == "Idempotency-Key"
			}
			if op.Responses.Value("500") == nil {
				problems = append(problems, name+": no 500")
			}
			for status, resp := range op.Responses.Map() {
				r := resp.Value
				where := name + " " + status
				if status >= "400" && path != "/readyz" {
					if mt := r.Content.Get("application/problem+json"); mt == nil || len(r.Content) != 1 || mt.Schema.Ref != "#/components/schemas/Problem" {
						problems = append(problems, where+": not an application/problem+json Problem")
					}
				}
				if (status == "429" || status == "503") && path != "/readyz" && r.Headers["Retry-After"] == nil {
					problems = append(problems, where+": no Retry-After")
				}
				if idempotent && status < "300" && r.Headers["Idempotent-Replayed"] == nil {
					problems = append(problems, where+": no Idempotent-Replayed")
				}
				for ct, mt := range r.Content {
					if mt.Schema != nil {
						problems = append(problems, responseSchemaProblems(where+" "+ct, mt.Schema, map[*openapi3.Schema]bool{})...)
					}
				}
			}
		}
	}
	return problems
}

// responseSchemaProblems walks a response's schema: no numbers where an
// amount goes (no number at all: counts are integers), no AmountInput, and
// every object with properties lists its required fields.
func responseSchemaProblems(where string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) []string {
	if ref.Ref == "#/components/schemas/AmountInput" {
		return []string{where + ": AmountInput in a response (amounts are strings there)"}
	}
	s := ref.Value
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	var problems []string
	if s.Type.Is("number") || s.Type.Includes("number") {
		problems = append(problems, where+": a number in a response")
	}
	if len(s.Properties) > 0 && len(s.Required) == 0 {
		problems = append(problems, where+": an object without required fields")
	}
	for name, p := range s.Properties {
		problems = append(problems, responseSchemaProblems(where+"."+name, p, seen)...)
	}
	for _, sub := range slices.Concat(s.AllOf, s.OneOf, s.AnyOf) {
		problems = append(problems, responseSchemaProblems(where, sub, seen)...)
	}
	if s.Items != nil {
		problems = append(problems, responseSchemaProblems(where+"[]", s.Items, seen)...)
	}
	return problems
}
