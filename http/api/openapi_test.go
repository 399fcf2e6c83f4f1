package api

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fundus/http/httpx"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

// TestOpenAPIMatchesRoutes keeps openapi.json true: every route of Routes
// is described, and every described operation is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var described []string
	for path, ops := range doc.Paths {
		for method := range ops {
			described = append(described, strings.ToUpper(method)+" "+path)
		}
	}

	r := gin.New()
	(&Handler{Limiter: httpx.NewRateLimiter(0)}).Routes(r)
	param := regexp.MustCompile(`[:*]([A-Za-z_]+)`)
	var routed []string
	for _, rt := range r.Routes() {
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

// TestOpenAPIIsAContract checks the rules openapi.json keeps beyond what an
// OpenAPI validator checks: every operation has a unique operationId, a
// declared tag and an explicit security (public ones say security: []);
// every 4xx and 5xx is a Problem (but /readyz's 503, which is its state);
// 429 and 503 carry Retry-After, idempotent writes Idempotent-Replayed;
// amounts in responses are strings only, and every object a response
// carries lists its required fields.
func TestOpenAPIIsAContract(t *testing.T) {
	for _, problem := range contractProblems(t, OpenAPI) {
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
		if err := json.Unmarshal(OpenAPI, &doc); err != nil {
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
