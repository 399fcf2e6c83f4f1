package api_test

import (
	"fmt"
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
	"fundus/ledger"
)

// TestPasswordHashingIsBounded holds one hash in flight with a Hasher of one
// slot: a second request that needs a hash waits for the slot, is refused
// with 429, Retry-After and a problem document, and leaves nothing behind;
// once the first is done, the next one passes.
func TestPasswordHashingIsBounded(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		admin := ts.MustUser("admin@example.org", auth.Admin)
		ts.MustUser("kasse@example.org", auth.Auditor)

		entered, release := make(chan struct{}, 1), make(chan struct{})
		h := auth.NewHasher(1, time.Millisecond)
		h.KDF = func(password, salt []byte, _, _ uint32, _ uint8, keyLen uint32) []byte {
			select {
			case entered <- struct{}{}:
				<-release // the first hash stays in flight until the test lets it go
			default:
			}
			return make([]byte, keyLen) // not a key: the test only needs a slow hash
		}
		ts.Auth.Hasher = h

		first := make(chan int)
		go func() {
			req := httptest.NewRequest("POST", "/api/v1/register", strings.NewReader(`{"email":"first@example.org","name":"F","password":"`+testserver.Password+`"}`))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			ts.H.ServeHTTP(rec, req)
			first <- rec.Code
		}()
		<-entered

		for _, c := range []struct{ name, path, token, body string }{
			{"register", "/api/v1/register", "", `{"email":"second@example.org","name":"S","password":"` + testserver.Password + `"}`},
			{"sign-in", "/api/v1/sessions", "", `{"email":"kasse@example.org","password":"` + testserver.Password + `"}`},
			{"create user", "/api/v1/users", admin, `{"email":"third@example.org","name":"T","password":"` + testserver.Password + `","roles":["applicant"]}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				before, failures := ts.TableCounts(), signInFailures(ts)
				r := ts.JSON("POST", c.path, c.token, c.body).WantProblem(t, http.StatusTooManyRequests, "rate-limited")
				if r.Header().Get("Retry-After") != "1" {
					t.Fatalf("Retry-After %q, want 1", r.Header().Get("Retry-After"))
				}
				if after := ts.TableCounts(); after["users"] != before["users"] || after["sessions"] != before["sessions"] {
					t.Fatalf("a refused request changed %v to %v", before, after)
				}
				if n := signInFailures(ts); n != failures {
					t.Fatalf("a sign-in refused before its password was checked counted as a failure: %d, then %d", failures, n)
				}
			})
		}

		close(release)
		if code := <-first; code != http.StatusCreated {
			t.Fatalf("the first registration: %d", code)
		}
		ts.JSON("POST", "/api/v1/register", "", `{"email":"second@example.org","name":"S","password":"`+testserver.Password+`"}`).WantStatus(t, http.StatusCreated)
	})
}

// signInFailures is the number of failed sign-ins counted against all keys.
func signInFailures(ts *testserver.Server) int {
	ts.T.Helper()
	var n int
	if err := ts.DB.Get(&n, `SELECT COALESCE(sum(failures), 0) FROM signin_failures`); err != nil {
		ts.T.Fatal(err)
	}
	return n
}

// TestOneAdminCannotPayAlone is the attack of issue 12: one admin (ada)
// makes a fake applicant, three fake committee members and fake
// treasurers, and tries to pay the applicant's IBAN. Alone, none of the
// privileged roles takes effect. Even with an honest second admin (bob) who
// confirms every grant in good faith, and a sock-puppet admin of her own,
// every release that only ada's people (and ada) take part in is refused,
// and no money leaves the bank. A release by a treasurer outside ada's line
// passes, which shows that the refusals come from the rule.
func TestOneAdminCannotPayAlone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ada := ts.MustUser("ada@example.org", auth.Admin)
		bob := ts.MustUser("bob@example.org", auth.Admin)
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer) // honest, from the command line
		auditor := ts.MustUser("pruefer@example.org", auth.Auditor)
		ts.BankDonation(kasse, "1000.00") // money enters the bank with its bank line
		bank := func() string {
			t.Helper()
			r := ts.JSON("GET", "/api/v1/ledger/accounts", auditor, "").WantStatus(t, http.StatusOK)
			for _, a := range r.JSON["items"].([]any) {
				if a := a.(map[string]any); a["code"] == ledger.Bank {
					return a["balance"].(string)
				}
			}
			t.Fatal("no bank account")
			return ""
		}
		expect := func(who, method, path, body string, want int) *testserver.Response {
			t.Helper()
			r := ts.JSON(method, path, who, body)
			if r.Code != want {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
			}
			return r
		}
		// create makes a user over the API as ada and returns its grant.
		create := func(email, role string) string {
			t.Helper()
			r := expect(ada, "POST", "/api/v1/users", `{"email":"`+email+`","name":"N","password":"`+testserver.Password+`","roles":["`+role+`"]}`, 201)
			g, _ := r.JSON["role_grant_id"].(string)
			return g
		}

		// Alone.
		if g := create("verein@example.org", "applicant"); g != "" {
			t.Fatal("an applicant waits for a grant")
		}
		var grants []string
		for i := 0; i < 3; i++ {
			grants = append(grants, create(fmt.Sprintf("c%d@example.org", i), "committee"))
		}
		grants = append(grants, create("kasse2@example.org", "treasurer"))
		for _, g := range grants {
			expect(ada, "POST", "/api/v1/role-grants/"+g+"/confirm", "", 403)
		}
		me := ts.JSON("GET", "/api/v1/me", ada, "")
		expect(ada, "PATCH", "/api/v1/users/"+me.JSON["id"].(string), `{"roles":["admin","treasurer"]}`, 422)
		group, c0, kasse2 := ts.SignIn("verein@example.org"), ts.SignIn("c0@example.org"), ts.SignIn("kasse2@example.org")
		id := expect(group, "POST", "/api/v1/applications", strings.Replace(testserver.ApplicationBody, "DE89370400440532013000", "DE02120300000000202051", 1), 201).JSON["id"].(string)
		A := "/api/v1/applications/" + id
		expect(group, "POST", A+"/submit", ``, 200)
		expect(c0, "POST", A+"/reviews", `{"score":5}`, 403)

		// With an honest second admin who confirms everything, and a
		// sock-puppet admin (ada2) whose grant bob confirmed too.
		for _, g := range grants {
			expect(bob, "POST", "/api/v1/role-grants/"+g+"/confirm", "", 200)
		}
		expect(bob, "POST", "/api/v1/role-grants/"+create("ada2@example.org", "admin")+"/confirm", "", 200)
		ada2 := ts.SignIn("ada2@example.org")
		expect(ada2, "POST", "/api/v1/role-grants/"+create("kasse3@example.org", "treasurer")+"/confirm", "", 200)
		kasse3 := ts.SignIn("kasse3@example.org")

		expect(c0, "POST", A+"/reviews", `{"score":5}`, 201)
		for i := 0; i < 3; i++ {
			expect(ts.SignIn(fmt.Sprintf("c%d@example.org", i)), "POST", A+"/votes", `{"vote":"approve"}`, 201)
		}
		expect(c0, "POST", A+"/decision", `{"decision":"approved"}`, 200)

		byFake := expect(kasse2, "POST", A+"/disbursements", `{"amount":"300.00"}`, 201).JSON["id"].(string)
		byHonest := expect(kasse, "POST", A+"/disbursements", `{"amount":"200.00"}`, 201).JSON["id"].(string)
		before := bank()
		for _, c := range []struct {
			name, who, disbursement string
		}{
			{"ada releases what her treasurer prepared", ada, byFake},
			{"her second treasurer releases it", kasse3, byFake},
			{"her sock-puppet admin releases it", ada2, byFake},
			{"her treasurer releases what an honest one prepared", kasse2, byHonest},
			{"ada releases what an honest one prepared", ada, byHonest},
			{"her sock-puppet admin releases what an honest one prepared", ada2, byHonest},
			{"bob, who confirmed the committee, releases it", bob, byHonest},
		} {
			t.Run(c.name, func(t *testing.T) {
				ts.JSON("POST", "/api/v1/disbursements/"+c.disbursement+"/release", c.who, "").WantProblem(t, 403, "forbidden")
			})
		}
		if after := bank(); after != before {
			t.Fatalf("the bank went from %s to %s", before, after)
		}
		// Someone outside ada's line is a second pair of eyes.
		expect(kasse, "POST", "/api/v1/disbursements/"+byFake+"/release", "", 200)
	})
}

// TestPeopleAndAccounts checks the answers of docs/api.md's "People and
// accounts" for users and role grants.
func TestPeopleAndAccounts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ada := ts.MustUser("ada@example.org", auth.Admin)
		bob := ts.MustUser("bob@example.org", auth.Admin)
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		adaID := ts.JSON("GET", "/api/v1/me", ada, "").JSON["id"].(string)

		t.Run("ErrAdminAndTreasurer", func(t *testing.T) {
			before := ts.TableCounts()
			for _, roles := range []string{`["admin","treasurer"]`, `["committee","admin"]`} {
				r := ts.JSON("POST", "/api/v1/users", ada, `{"email":"x@example.org","name":"X","password":"`+testserver.Password+`","roles":`+roles+`}`).WantProblem(t, 422, "validation")
				if f := r.FieldErrors(); len(f) != 1 || f[0] != "roles" {
					t.Fatalf("fields %v, want roles", f)
				}
				r = ts.JSON("PATCH", "/api/v1/users/"+adaID, ada, `{"roles":`+roles+`}`).WantProblem(t, 422, "validation")
				if f := r.FieldErrors(); len(f) != 1 || f[0] != "roles" {
					t.Fatalf("fields %v, want roles", f)
				}
			}
			if after := ts.TableCounts(); after["users"] != before["users"] || after["user_roles"] != before["user_roles"] {
				t.Fatal("a refused request changed users or roles")
			}
		})

		r := ts.JSON("POST", "/api/v1/users", ada, `{"email":"neu@example.org","name":"Neu","password":"`+testserver.Password+`","roles":["committee"]}`).WantStatus(t, http.StatusCreated)
		userID, grantID := r.JSON["id"].(string), r.JSON["role_grant_id"].(string)
		if fmt.Sprint(r.JSON["roles"], r.JSON["pending_roles"], r.JSON["active"]) != "[] [committee] true" {
			t.Fatalf("created: %v", r.JSON)
		}
		r = ts.JSON("GET", "/api/v1/role-grants?status=pending", bob, "").WantStatus(t, http.StatusOK)
		items := r.JSON["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("pending: %v", r.JSON)
		}
		g := items[0].(map[string]any)
		if g["id"] != grantID || g["user_id"] != userID || g["asked_by"] != adaID || g["status"] != "pending" || fmt.Sprint(g["roles"]) != "[committee]" || g["asked_at"] == "" {
			t.Fatalf("grant: %v", g)
		}
		ts.JSON("GET", "/api/v1/role-grants?status=pending", kasse, "").WantProblem(t, 403, "forbidden")
		ts.JSON("GET", "/api/v1/role-grants?status=maybe", bob, "").WantProblem(t, 422, "validation")
		ts.JSON("POST", "/api/v1/role-grants/"+grantID+"/confirm", ada, "").WantProblem(t, 403, "forbidden")
		ts.JSON("POST", "/api/v1/role-grants/"+grantID+"/confirm", kasse, "").WantProblem(t, 403, "forbidden")
		ts.JSON("POST", "/api/v1/role-grants/nope/confirm", bob, "").WantProblem(t, 404, "not-found")
		r = ts.JSON("POST", "/api/v1/role-grants/"+grantID+"/confirm", bob, "").WantStatus(t, http.StatusOK)
		if r.JSON["status"] != "confirmed" || r.JSON["confirmed_by"] == "" {
			t.Fatalf("confirmed: %v", r.JSON)
		}
		ts.JSON("POST", "/api/v1/role-grants/"+grantID+"/confirm", bob, "").WantProblem(t, 409, "invalid-state")

		r = ts.JSON("GET", "/api/v1/users?role=committee", ada, "").WantStatus(t, http.StatusOK)
		if items := r.JSON["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != userID {
			t.Fatalf("committee: %v", r.JSON)
		}
		r = ts.JSON("GET", "/api/v1/users?q=KASSE", ada, "").WantStatus(t, http.StatusOK)
		if items := r.JSON["items"].([]any); len(items) != 1 || items[0].(map[string]any)["email"] != "kasse@example.org" {
			t.Fatalf("q=KASSE: %v", r.JSON)
		}
		ts.JSON("GET", "/api/v1/users", kasse, "").WantProblem(t, 403, "forbidden")

		t.Run("Deactivate", func(t *testing.T) {
			neu := ts.SignIn("neu@example.org")
			r := ts.JSON("PATCH", "/api/v1/users/"+userID, ada, `{"active":false,"name":"Neu Name"}`).WantStatus(t, http.StatusOK)
			if r.JSON["active"] != false || r.JSON["name"] != "Neu Name" {
				t.Fatalf("patched: %v", r.JSON)
			}
			ts.JSON("GET", "/api/v1/me", neu, "").WantProblem(t, 401, "unauthenticated")
			ts.JSON("POST", "/api/v1/sessions", "", `{"email":"neu@example.org","password":"`+testserver.Password+`"}`).WantProblem(t, 401, "unauthenticated")
		})
		t.Run("ErrLastAdmin", func(t *testing.T) {
			bobID := ts.JSON("GET", "/api/v1/me", bob, "").JSON["id"].(string)
			ts.JSON("PATCH", "/api/v1/users/"+bobID, ada, `{"active":false}`).WantStatus(t, http.StatusOK)
			ts.JSON("PATCH", "/api/v1/users/"+adaID, ada, `{"active":false}`).WantProblem(t, 409, "invalid-state")
			ts.JSON("PATCH", "/api/v1/users/"+adaID, ada, `{"roles":["auditor"]}`).WantProblem(t, 409, "invalid-state")
		})

		var actions []string
		d.Select(&actions, `SELECT action FROM audit_log WHERE object_id IN ($1, $2) ORDER BY seq`, userID, grantID)
		if strings.Join(actions, ",") != "user.create,role-grant.ask,role-grant.confirm,session.create,user.update" {
			t.Fatalf("audit trail: %v", actions)
		}
	})
}

// TestLastAdminUnderConcurrentRequests: two admins, the only ones,
// deactivate each other (or take each other's admin role) at the same
// moment: one of the two requests may pass, never both, so an active admin
// always remains.
func TestLastAdminUnderConcurrentRequests(t *testing.T) {
	for _, body := range []string{`{"active":false}`, `{"roles":["applicant"]}`} {
		t.Run(body, func(t *testing.T) {
			dbtest.Engines(t, func(t *testing.T, d *db.DB) {
				ts := testserver.New(t, d, server.Config{})
				a := ts.MustUser("a@example.org", auth.Admin)
				b := ts.MustUser("b@example.org", auth.Admin)
				ids := map[string]string{a: userID(t, ts, a, "a@example.org"), b: userID(t, ts, a, "b@example.org")}
				other := map[string]string{a: b, b: a}
				codes := make(chan int, 2)
				start := make(chan struct{})
				for _, tok := range []string{a, b} {
					go func() {
						req := httptest.NewRequest("PATCH", "/api/v1/users/"+ids[other[tok]], strings.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", "Bearer "+tok)
						rec := httptest.NewRecorder()
						<-start
						ts.H.ServeHTTP(rec, req)
						codes <- rec.Code
					}()
				}
				close(start)
				c1, c2 := <-codes, <-codes
				var n int
				if err := d.Get(&n, `SELECT count(*) FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'admin' WHERE u.active`); err != nil {
					t.Fatal(err)
				}
				if n < 1 {
					t.Fatalf("no active admin left: %d (answers %d, %d)", n, c1, c2)
				}
			})
		})
	}
}

// TestReactivationNeedsASecondAdmin: an account deactivated while holding
// a privileged role does not get it back from one admin alone by being
// activated again: it comes back active with its privileged roles waiting
// for a second admin, as giving them would.
func TestReactivationNeedsASecondAdmin(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		a := ts.MustUser("a@example.org", auth.Admin)
		b := ts.MustUser("b@example.org", auth.Admin)
		ts.MustUser("kasse@example.org", auth.Treasurer)
		id := userID(t, ts, a, "kasse@example.org")
		ts.JSON("PATCH", "/api/v1/users/"+id, b, `{"active":false}`).WantStatus(t, http.StatusOK)
		r := ts.JSON("PATCH", "/api/v1/users/"+id, a, `{"active":true}`).WantStatus(t, http.StatusOK)
		if roles := fmt.Sprint(r.JSON["roles"]); strings.Contains(roles, "treasurer") {
			t.Fatalf("one admin gave the treasurer role back by activating: roles %s, pending %v", roles, r.JSON["pending_roles"])
		}
		if pending := fmt.Sprint(r.JSON["pending_roles"]); !strings.Contains(pending, "treasurer") {
			t.Fatalf("pending roles %s, want the treasurer role waiting", pending)
		}
		grant := r.JSON["role_grant_id"].(string)
		ts.JSON("POST", "/api/v1/role-grants/"+grant+"/confirm", a, "").WantProblem(t, 403, "forbidden")
		ts.JSON("POST", "/api/v1/role-grants/"+grant+"/confirm", b, "").WantStatus(t, http.StatusOK)
		if roles := fmt.Sprint(ts.JSON("GET", "/api/v1/me", ts.SignIn("kasse@example.org"), "").JSON["roles"]); !strings.Contains(roles, "treasurer") {
			t.Fatalf("roles after the second admin confirmed: %s", roles)
		}
	})
}
