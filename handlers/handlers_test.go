package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"fundus/audit"
	"fundus/commit"
	"fundus/ledger/ledgertest"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/grants"
	"fundus/ledger"
)

const password = "a long enough password"

type testServer struct {
	t      *testing.T
	h      http.Handler
	db     *db.DB
	auth   *auth.Service
	ledger *ledger.Service
}

func newTestServer(t *testing.T, d *db.DB, cfg Config) *testServer {
	t.Helper()
	w := writerOf(t, d)
	a := auth.NewService(d, w, time.Hour)
	l := &ledger.Service{DB: d, Writer: w, MaxAmount: 100000000}
	dons := &donations.Service{DB: d, Writer: w, MaxAmount: 100000000,
		Bank: donations.BankAccount{IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Holder: "Integrationsfonds Osnabrück"}}
	g := &grants.Service{DB: d, Writer: w, MaxAmount: 100000000, Quorum: 3}
	h, err := New(cfg, d, Services{Auth: a, Ledger: l, Audit: &audit.Service{DB: d}, Donations: dons, Grants: g}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, h: h, db: d, auth: a, ledger: l}
}

// writers holds the write path of each database: a database has one, and
// a test may start several servers on it.
var writers sync.Map

func writerOf(t *testing.T, d *db.DB) *commit.Writer {
	if w, ok := writers.Load(d); ok {
		return w.(*commit.Writer)
	}
	w := ledgertest.Writer(t, d, nil)
	writers.Store(d, w)
	t.Cleanup(func() { writers.Delete(d) })
	return w
}

type response struct {
	*httptest.ResponseRecorder
	body map[string]any
}

func (ts *testServer) do(method, path, token, contentType, body string) *response {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.serve(req)
}

// doWithHeaders is do with extra request headers.
func (ts *testServer) doWithHeaders(method, path, token, body string, headers map[string]string) *response {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return ts.serve(req)
}

// serve sends req to the server and checks the response against the
// contract, openapi.json: an API response that it does not describe (its
// route, status, headers or body) fails the test.
func (ts *testServer) serve(req *http.Request) *response {
	ts.t.Helper()
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	if err := checkContract(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		ts.t.Errorf("%s %s answered %d, which openapi.json does not allow: %v\nbody: %.2000s", req.Method, req.URL, rec.Code, err, rec.Body)
	}
	r := &response{ResponseRecorder: rec}
	json.Unmarshal(rec.Body.Bytes(), &r.body)
	return r
}

func (ts *testServer) json(method, path, token, body string) *response {
	ts.t.Helper()
	return ts.do(method, path, token, "application/json", body)
}

// wantProblem checks that r is a problem document with the given status and
// slug, and returns it.
func (r *response) wantProblem(t *testing.T, status int, slug string) *response {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d; body %s", r.Code, status, r.Body)
	}
	if ct := r.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	if r.body["type"] != "/problems/"+slug || r.body["status"] != float64(status) || r.body["title"] == "" {
		t.Fatalf("problem %v, want slug %s", r.body, slug)
	}
	return r
}

func (r *response) wantStatus(t *testing.T, status int) *response {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d; body %s", r.Code, status, r.Body)
	}
	return r
}

// fieldErrors returns the field names of a validation problem.
func (r *response) fieldErrors() []string {
	var out []string
	list, _ := r.body["errors"].([]any)
	for _, e := range list {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

func (ts *testServer) mustUser(email string, roles ...auth.Role) string {
	ts.t.Helper()
	if _, err := ts.auth.CreateUserFromCommandLine(context.Background(), auth.NewUser{Email: email, Name: "N", Password: password, Roles: roles}); err != nil {
		ts.t.Fatal(err)
	}
	return ts.signIn(email)
}

func (ts *testServer) signIn(email string) string {
	ts.t.Helper()
	r := ts.json("POST", "/api/v1/sessions", "", `{"email":"`+email+`","password":"`+password+`"}`).wantStatus(ts.t, http.StatusCreated)
	return r.body["token"].(string)
}

// tableCounts returns the row count of every table, to check that a refused
// request changed nothing.
func (ts *testServer) tableCounts() map[string]int {
	ts.t.Helper()
	out := map[string]int{}
	for _, table := range []string{"users", "user_roles", "sessions", "signin_failures"} {
		var n int
		if err := ts.db.Get(&n, "SELECT count(*) FROM "+table); err != nil {
			ts.t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestAccountsFlow(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := newTestServer(t, d, Config{})

		r := ts.json("POST", "/api/v1/register", "", `{"email":"Verein@Example.org","name":"Café Lingua","password":"`+password+`","organisation":"Café Lingua e.V."}`).wantStatus(t, http.StatusCreated)
		if r.body["email"] != "verein@example.org" || r.body["id"] == "" || len(r.body["roles"].([]any)) != 1 || r.body["roles"].([]any)[0] != "applicant" {
			t.Fatalf("register: %v", r.body)
		}
		if _, ok := r.body["password"]; ok {
			t.Fatal("register echoes the password")
		}

		r = ts.json("POST", "/api/v1/sessions", "", `{"email":"verein@example.org","password":"`+password+`"}`).wantStatus(t, http.StatusCreated)
		token := r.body["token"].(string)
		if _, err := time.Parse(time.RFC3339, r.body["expires_at"].(string)); err != nil {
			t.Fatalf("expires_at: %v", err)
		}
		me := ts.json("GET", "/api/v1/me", token, "").wantStatus(t, http.StatusOK)
		if me.body["email"] != "verein@example.org" || me.body["name"] != "Café Lingua" {
			t.Fatalf("me: %v", me.body)
		}

		ts.json("DELETE", "/api/v1/sessions/current", token, "").wantStatus(t, http.StatusNoContent)
		ts.json("GET", "/api/v1/me", token, "").wantProblem(t, 401, "unauthenticated")
		ts.json("DELETE", "/api/v1/sessions/current", token, "").wantProblem(t, 401, "unauthenticated")

		t.Run("ErrWrongPassword", func(t *testing.T) {
			r := ts.json("POST", "/api/v1/sessions", "", `{"email":"verein@example.org","password":"not the password"}`).wantProblem(t, 401, "unauthenticated")
			if r.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			ts.json("POST", "/api/v1/sessions", "", `{"email":"nobody@example.org","password":"not the password"}`).wantProblem(t, 401, "unauthenticated")
		})
		t.Run("ErrGarbageToken", func(t *testing.T) {
			ts.json("GET", "/api/v1/me", "garbage", "").wantProblem(t, 401, "unauthenticated")
			ts.json("GET", "/api/v1/me", "", "").wantProblem(t, 401, "unauthenticated")
			req := httptest.NewRequest("GET", "/api/v1/me", nil)
			req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
			if rec := ts.serve(req); rec.Code != 401 {
				t.Fatalf("Basic auth: %d", rec.Code)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			applicant := ts.signIn("verein@example.org")
			before := ts.tableCounts()
			ts.json("POST", "/api/v1/users", applicant, `{"email":"x@example.org","name":"X","password":"`+password+`","roles":["admin"]}`).wantProblem(t, 403, "forbidden")
			if after := ts.tableCounts(); after["users"] != before["users"] {
				t.Fatal("a refused request created a user")
			}
		})
		t.Run("AdminCreatesUser", func(t *testing.T) {
			admin := ts.mustUser("admin@example.org", auth.Admin)
			r := ts.json("POST", "/api/v1/users", admin, `{"email":"kasse@example.org","name":"Kasse","password":"`+password+`","roles":["treasurer","auditor"]}`).wantStatus(t, http.StatusCreated)
			if len(r.body["roles"].([]any)) != 0 || len(r.body["pending_roles"].([]any)) != 2 {
				t.Fatalf("roles %v, pending %v: privileged roles wait for a second admin", r.body["roles"], r.body["pending_roles"])
			}
			second := ts.mustUser("admin2@example.org", auth.Admin)
			ts.json("POST", "/api/v1/role-grants/"+r.body["role_grant_id"].(string)+"/confirm", second, "").wantStatus(t, http.StatusOK)
			me := ts.json("GET", "/api/v1/me", ts.signIn("kasse@example.org"), "").wantStatus(t, http.StatusOK)
			if len(me.body["roles"].([]any)) != 2 {
				t.Fatalf("roles after the confirmation: %v", me.body["roles"])
			}
		})
		t.Run("RegisterNeverGivesOtherRoles", func(t *testing.T) {
			before := ts.tableCounts()
			r := ts.json("POST", "/api/v1/register", "", `{"email":"evil@example.org","name":"E","password":"`+password+`","roles":["admin"]}`).wantProblem(t, 400, "malformed-request")
			if got := r.fieldErrors(); len(got) != 1 || got[0] != "roles" {
				t.Fatalf("fields %v, want roles", got)
			}
			if after := ts.tableCounts(); after["users"] != before["users"] {
				t.Fatal("the refused registration created a user")
			}
		})
	})
}

func TestBadRequestsChangeNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := newTestServer(t, d, Config{})
		admin := ts.mustUser("admin@example.org", auth.Admin)
		ok := `{"email":"new@example.org","name":"New","password":"` + password + `","roles":["committee"]}`
		cases := []struct {
			name, contentType, body string
			status                  int
			slug                    string
			fields                  []string
		}{
			{"not JSON", "application/json", `{"email":`, 400, "malformed-request", nil},
			{"garbage", "application/json", `hello`, 400, "malformed-request", nil},
			{"array", "application/json", `[1,2]`, 400, "malformed-request", nil},
			{"two objects", "application/json", ok + ok, 400, "malformed-request", nil},
			{"wrong content type", "text/plain", ok, 400, "malformed-request", nil},
			{"form content type", "application/x-www-form-urlencoded", "email=x", 400, "malformed-request", nil},
			{"unknown field", "application/json", `{"email":"new@example.org","name":"New","password":"` + password + `","roles":["committee"],"is_admin":true}`, 400, "malformed-request", []string{"is_admin"}},
			{"too large", "application/json", `{"email":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "payload-too-large", nil},
			{"wrong type", "application/json", `{"email":5,"name":"New","password":"` + password + `","roles":["committee"]}`, 422, "validation", []string{"email"}},
			{"short password", "application/json", `{"email":"new@example.org","name":"New","password":"short","roles":["committee"]}`, 422, "validation", []string{"password"}},
			{"several fields", "application/json", `{"email":"nope","name":"","password":"` + password + `","roles":["king"]}`, 422, "validation", []string{"email", "name", "roles[0]"}},
			{"empty body", "application/json", ``, 400, "malformed-request", nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := ts.tableCounts()
				r := ts.do("POST", "/api/v1/users", admin, c.contentType, c.body).wantProblem(t, c.status, c.slug)
				if c.fields != nil {
					if got := r.fieldErrors(); strings.Join(got, ",") != strings.Join(c.fields, ",") {
						t.Fatalf("fields %v, want %v", got, c.fields)
					}
				}
				after := ts.tableCounts()
				for table, n := range before {
					if after[table] != n {
						t.Fatalf("%s went from %d to %d rows", table, n, after[table])
					}
				}
			})
		}
		// The valid body works, so the cases above failed for their own reason.
		ts.json("POST", "/api/v1/users", admin, ok).wantStatus(t, http.StatusCreated)
	})
}

func TestRateLimits(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Run("per address", func(t *testing.T) {
			ts := newTestServer(t, d, Config{RateLimit: 2})
			for i := 0; i < 2; i++ {
				ts.json("POST", "/api/v1/sessions", "", `{"email":"a@example.org","password":"wrong password!"}`).wantStatus(t, 401)
			}
			r := ts.json("POST", "/api/v1/sessions", "", `{"email":"a@example.org","password":"wrong password!"}`).wantProblem(t, 429, "rate-limited")
			if r.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		})
		t.Run("failed sign-ins", func(t *testing.T) {
			ts := newTestServer(t, d, Config{})
			ts.mustUser("b@example.org", auth.Auditor)
			for i := 0; i <= auth.DefaultThrottle.AccountFree; i++ {
				ts.json("POST", "/api/v1/sessions", "", `{"email":"b@example.org","password":"wrong password!"}`).wantStatus(t, 401)
			}
			r := ts.json("POST", "/api/v1/sessions", "", `{"email":"b@example.org","password":"`+password+`"}`).wantProblem(t, 429, "rate-limited")
			if r.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		})
	})
}

func TestOperations(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		d := dbtest.OpenUnmigrated(t, e)
		reg := prometheus.NewRegistry()
		ts := newTestServer(t, d, Config{Metrics: reg})
		ts.json("GET", "/healthz", "", "").wantStatus(t, 200)
		ts.json("GET", "/readyz", "", "").wantStatus(t, 503)
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		ts.json("GET", "/readyz", "", "").wantStatus(t, 200)

		ts.json("GET", "/api/v1/nothing-here", "", "").wantProblem(t, 404, "not-found")
		ts.json("GET", "/problems/validation", "", "").wantStatus(t, 200)
		ts.json("GET", "/problems/nonsense", "", "").wantProblem(t, 404, "not-found")

		// The metrics are served apart (FUNDUS_DEBUG_ADDR), never to the public.
		ts.json("GET", "/metrics", "", "").wantStatus(t, 404)
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
	})
}

func TestRequestID(t *testing.T) {
	ts := newTestServer(t, dbtest.Open(t, db.SQLite), Config{})
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	rec := ts.serve(req)
	// A refusal's body depends on the error alone (a repeat under an
	// Idempotency-Key gets the same bytes): the id is in the header; an
	// internal error's body names it too (TestPanicBecomesProblem).
	if rec.Header().Get("X-Request-ID") != "abc-123" || strings.Contains(rec.Body.String(), "request_id") {
		t.Fatalf("request id not carried in the header only: %v %s", rec.Header(), rec.Body)
	}
	r := ts.json("GET", "/healthz", "", "")
	if len(r.Header().Get("X-Request-ID")) < 16 {
		t.Fatal("no request id made")
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	var logs bytes.Buffer
	defaultLog := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(defaultLog)
	s := &Server{cfg: Config{BodyLimit: 1 << 10}, db: d, auth: auth.NewService(d, nil, time.Hour), log: slog.New(slog.NewTextHandler(&logs, nil)), limiter: newRateLimiter(0)}
	s.metrics = newMetrics(prometheus.NewRegistry())
	r, err := s.router()
	if err != nil {
		t.Fatal(err)
	}
	r.GET("/boom", func(c *gin.Context) { panic("secret detail") })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	resp := &response{ResponseRecorder: rec}
	json.Unmarshal(rec.Body.Bytes(), &resp.body)
	resp.wantProblem(t, 500, "internal")
	if id := rec.Header().Get("X-Request-ID"); id == "" || resp.body["request_id"] != id {
		t.Fatalf("an internal error's body names request id %v, header %q", resp.body["request_id"], id)
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
