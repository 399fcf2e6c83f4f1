package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

func TestAccountsFlow(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})

		r := ts.JSON("POST", "/api/v1/register", "", `{"email":"Verein@Example.org","name":"Café Lingua","password":"`+testserver.Password+`","organisation":"Café Lingua e.V."}`).WantStatus(t, http.StatusCreated)
		if r.JSON["email"] != "verein@example.org" || r.JSON["id"] == "" || len(r.JSON["roles"].([]any)) != 1 || r.JSON["roles"].([]any)[0] != "applicant" {
			t.Fatalf("register: %v", r.JSON)
		}
		if _, ok := r.JSON["password"]; ok {
			t.Fatal("register echoes the password")
		}

		r = ts.JSON("POST", "/api/v1/sessions", "", `{"email":"verein@example.org","password":"`+testserver.Password+`"}`).WantStatus(t, http.StatusCreated)
		token := r.JSON["token"].(string)
		if _, err := time.Parse(time.RFC3339, r.JSON["expires_at"].(string)); err != nil {
			t.Fatalf("expires_at: %v", err)
		}
		me := ts.JSON("GET", "/api/v1/me", token, "").WantStatus(t, http.StatusOK)
		if me.JSON["email"] != "verein@example.org" || me.JSON["name"] != "Café Lingua" {
			t.Fatalf("me: %v", me.JSON)
		}

		ts.JSON("DELETE", "/api/v1/sessions/current", token, "").WantStatus(t, http.StatusNoContent)
		ts.JSON("GET", "/api/v1/me", token, "").WantProblem(t, 401, "unauthenticated")
		ts.JSON("DELETE", "/api/v1/sessions/current", token, "").WantProblem(t, 401, "unauthenticated")

		t.Run("ErrWrongPassword", func(t *testing.T) {
			r := ts.JSON("POST", "/api/v1/sessions", "", `{"email":"verein@example.org","password":"not the password"}`).WantProblem(t, 401, "unauthenticated")
			if r.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			ts.JSON("POST", "/api/v1/sessions", "", `{"email":"nobody@example.org","password":"not the password"}`).WantProblem(t, 401, "unauthenticated")
		})
		t.Run("ErrGarbageToken", func(t *testing.T) {
			ts.JSON("GET", "/api/v1/me", "garbage", "").WantProblem(t, 401, "unauthenticated")
			ts.JSON("GET", "/api/v1/me", "", "").WantProblem(t, 401, "unauthenticated")
			req := httptest.NewRequest("GET", "/api/v1/me", nil)
			req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
			if rec := ts.Serve(req); rec.Code != 401 {
				t.Fatalf("Basic auth: %d", rec.Code)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			applicant := ts.SignIn("verein@example.org")
			before := ts.TableCounts()
			ts.JSON("POST", "/api/v1/users", applicant, `{"email":"x@example.org","name":"X","password":"`+testserver.Password+`","roles":["admin"]}`).WantProblem(t, 403, "forbidden")
			if after := ts.TableCounts(); after["users"] != before["users"] {
				t.Fatal("a refused request created a user")
			}
		})
		t.Run("AdminCreatesUser", func(t *testing.T) {
			admin := ts.MustUser("admin@example.org", auth.Admin)
			r := ts.JSON("POST", "/api/v1/users", admin, `{"email":"kasse@example.org","name":"Kasse","password":"`+testserver.Password+`","roles":["treasurer","auditor"]}`).WantStatus(t, http.StatusCreated)
			if len(r.JSON["roles"].([]any)) != 0 || len(r.JSON["pending_roles"].([]any)) != 2 {
				t.Fatalf("roles %v, pending %v: privileged roles wait for a second admin", r.JSON["roles"], r.JSON["pending_roles"])
			}
			second := ts.MustUser("admin2@example.org", auth.Admin)
			ts.JSON("POST", "/api/v1/role-grants/"+r.JSON["role_grant_id"].(string)+"/confirm", second, "").WantStatus(t, http.StatusOK)
			me := ts.JSON("GET", "/api/v1/me", ts.SignIn("kasse@example.org"), "").WantStatus(t, http.StatusOK)
			if len(me.JSON["roles"].([]any)) != 2 {
				t.Fatalf("roles after the confirmation: %v", me.JSON["roles"])
			}
		})
		t.Run("RegisterNeverGivesOtherRoles", func(t *testing.T) {
			before := ts.TableCounts()
			r := ts.JSON("POST", "/api/v1/register", "", `{"email":"evil@example.org","name":"E","password":"`+testserver.Password+`","roles":["admin"]}`).WantProblem(t, 400, "malformed-request")
			if got := r.FieldErrors(); len(got) != 1 || got[0] != "roles" {
				t.Fatalf("fields %v, want roles", got)
			}
			if after := ts.TableCounts(); after["users"] != before["users"] {
				t.Fatal("the refused registration created a user")
			}
		})
	})
}

func TestBadRequestsChangeNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		admin := ts.MustUser("admin@example.org", auth.Admin)
		ok := `{"email":"new@example.org","name":"New","password":"` + testserver.Password + `","roles":["committee"]}`
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
			{"unknown field", "application/json", `{"email":"new@example.org","name":"New","password":"` + testserver.Password + `","roles":["committee"],"is_admin":true}`, 400, "malformed-request", []string{"is_admin"}},
			{"too large", "application/json", `{"email":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "payload-too-large", nil},
			{"wrong type", "application/json", `{"email":5,"name":"New","password":"` + testserver.Password + `","roles":["committee"]}`, 422, "validation", []string{"email"}},
			{"short password", "application/json", `{"email":"new@example.org","name":"New","password":"short","roles":["committee"]}`, 422, "validation", []string{"password"}},
			{"several fields", "application/json", `{"email":"nope","name":"","password":"` + testserver.Password + `","roles":["king"]}`, 422, "validation", []string{"email", "name", "roles[0]"}},
			{"empty body", "application/json", ``, 400, "malformed-request", nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := ts.TableCounts()
				r := ts.Do("POST", "/api/v1/users", admin, c.contentType, c.body).WantProblem(t, c.status, c.slug)
				if c.fields != nil {
					if got := r.FieldErrors(); strings.Join(got, ",") != strings.Join(c.fields, ",") {
						t.Fatalf("fields %v, want %v", got, c.fields)
					}
				}
				after := ts.TableCounts()
				for table, n := range before {
					if after[table] != n {
						t.Fatalf("%s went from %d to %d rows", table, n, after[table])
					}
				}
			})
		}
		// The valid body works, so the cases above failed for their own reason.
		ts.JSON("POST", "/api/v1/users", admin, ok).WantStatus(t, http.StatusCreated)
	})
}

func TestRateLimits(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Run("per address", func(t *testing.T) {
			ts := testserver.New(t, d, server.Config{RateLimit: 2})
			for i := 0; i < 2; i++ {
				ts.JSON("POST", "/api/v1/sessions", "", `{"email":"a@example.org","password":"wrong password!"}`).WantStatus(t, 401)
			}
			r := ts.JSON("POST", "/api/v1/sessions", "", `{"email":"a@example.org","password":"wrong password!"}`).WantProblem(t, 429, "rate-limited")
			if r.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		})
		t.Run("failed sign-ins", func(t *testing.T) {
			ts := testserver.New(t, d, server.Config{})
			ts.MustUser("b@example.org", auth.Auditor)
			for i := 0; i <= auth.DefaultThrottle.AccountFree; i++ {
				ts.JSON("POST", "/api/v1/sessions", "", `{"email":"b@example.org","password":"wrong password!"}`).WantStatus(t, 401)
			}
			r := ts.JSON("POST", "/api/v1/sessions", "", `{"email":"b@example.org","password":"`+testserver.Password+`"}`).WantProblem(t, 429, "rate-limited")
			if r.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		})
	})
}
