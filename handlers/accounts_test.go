package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
)

// TestPasswordHashingIsBounded holds one hash in flight with a Hasher of one
// slot: a second request that needs a hash waits for the slot, is refused
// with 429, Retry-After and a problem document, and leaves nothing behind;
// once the first is done, the next one passes.
func TestPasswordHashingIsBounded(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := newTestServer(t, d, Config{})
		admin := ts.mustUser("admin@example.org", auth.Admin)
		ts.mustUser("kasse@example.org", auth.Auditor)

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
		ts.auth.Hasher = h

		first := make(chan int)
		go func() {
			req := httptest.NewRequest("POST", "/api/v1/register", strings.NewReader(`{"email":"first@example.org","name":"F","password":"`+password+`"}`))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			ts.h.ServeHTTP(rec, req)
			first <- rec.Code
		}()
		<-entered

		for _, c := range []struct{ name, path, token, body string }{
			{"register", "/api/v1/register", "", `{"email":"second@example.org","name":"S","password":"` + password + `"}`},
			{"sign-in", "/api/v1/sessions", "", `{"email":"kasse@example.org","password":"` + password + `"}`},
			{"create user", "/api/v1/users", admin, `{"email":"third@example.org","name":"T","password":"` + password + `","roles":["applicant"]}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				before, failures := ts.tableCounts(), ts.signInFailures()
				r := ts.json("POST", c.path, c.token, c.body).wantProblem(t, http.StatusTooManyRequests, "rate-limited")
				if r.Header().Get("Retry-After") != "1" {
					t.Fatalf("Retry-After %q, want 1", r.Header().Get("Retry-After"))
				}
				if after := ts.tableCounts(); after["users"] != before["users"] || after["sessions"] != before["sessions"] {
					t.Fatalf("a refused request changed %v to %v", before, after)
				}
				if n := ts.signInFailures(); n != failures {
					t.Fatalf("a sign-in refused before its password was checked counted as a failure: %d, then %d", failures, n)
				}
			})
		}

		close(release)
		if code := <-first; code != http.StatusCreated {
			t.Fatalf("the first registration: %d", code)
		}
		ts.json("POST", "/api/v1/register", "", `{"email":"second@example.org","name":"S","password":"`+password+`"}`).wantStatus(t, http.StatusCreated)
	})
}

// signInFailures is the number of failed sign-ins counted against all keys.
func (ts *testServer) signInFailures() int {
	ts.t.Helper()
	var n int
	if err := ts.db.Get(&n, `SELECT COALESCE(sum(failures), 0) FROM signin_failures`); err != nil {
		ts.t.Fatal(err)
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
		ts := newTestServer(t, d, Config{})
		ada := ts.mustUser("ada@example.org", auth.Admin)
		bob := ts.mustUser("bob@example.org", auth.Admin)
		kasse := ts.mustUser("kasse@example.org", auth.Treasurer) // honest, from the command line
		auditor := ts.mustUser("pruefer@example.org", auth.Auditor)
		fund := &auth.User{ID: "x", Roles: []auth.Role{auth.Treasurer}}
		if _, err := ts.ledger.PostManual(context.Background(), fund, ledger.ManualEntry{Memo: "donations", Postings: []ledger.ManualPosting{
			{Account: ledger.Bank, Amount: fundus.Amount("1000.00")}, {Account: ledger.Donations, Amount: fundus.Amount("-1000.00")}}}); err != nil {
			t.Fatal(err)
		}
		bank := func() string {
			t.Helper()
			r := ts.json("GET", "/api/v1/ledger/accounts", auditor, "").wantStatus(t, http.StatusOK)
			for _, a := range r.body["items"].([]any) {
				if a := a.(map[string]any); a["code"] == ledger.Bank {
					return a["balance"].(string)
				}
			}
			t.Fatal("no bank account")
			return ""
		}
		expect := func(who, method, path, body string, want int) *response {
			t.Helper()
			r := ts.json(method, path, who, body)
			if r.Code != want {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
			}
			return r
		}
		// create makes a user over the API as ada and returns its grant.
		create := func(email, role string) string {
			t.Helper()
			r := expect(ada, "POST", "/api/v1/users", `{"email":"`+email+`","name":"N","password":"`+password+`","roles":["`+role+`"]}`, 201)
			g, _ := r.body["role_grant_id"].(string)
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
		me := ts.json("GET", "/api/v1/me", ada, "")
		expect(ada, "PATCH", "/api/v1/users/"+me.body["id"].(string), `{"roles":["admin","treasurer"]}`, 422)
		group, c0, kasse2 := ts.signIn("verein@example.org"), ts.signIn("c0@example.org"), ts.signIn("kasse2@example.org")
		id := expect(group, "POST", "/api/v1/applications", strings.Replace(applicationBody, "DE89370400440532013000", "DE02120300000000202051", 1), 201).body["id"].(string)
		A := "/api/v1/applications/" + id
		expect(group, "POST", A+"/submit", ``, 200)
		expect(c0, "POST", A+"/reviews", `{"score":5}`, 403)

		// With an honest second admin who confirms everything, and a
		// sock-puppet admin (ada2) whose grant bob confirmed too.
		for _, g := range grants {
			expect(bob, "POST", "/api/v1/role-grants/"+g+"/confirm", "", 200)
		}
		expect(bob, "POST", "/api/v1/role-grants/"+create("ada2@example.org", "admin")+"/confirm", "", 200)
		ada2 := ts.signIn("ada2@example.org")
		expect(ada2, "POST", "/api/v1/role-grants/"+create("kasse3@example.org", "treasurer")+"/confirm", "", 200)
		kasse3 := ts.signIn("kasse3@example.org")

		expect(c0, "POST", A+"/reviews", `{"score":5}`, 201)
		for i := 0; i < 3; i++ {
			expect(ts.signIn(fmt.Sprintf("c%d@example.org", i)), "POST", A+"/votes", `{"vote":"approve"}`, 201)
		}
		expect(c0, "POST", A+"/decision", `{"decision":"approved"}`, 200)

		byFake := expect(kasse2, "POST", A+"/disbursements", `{"amount":"300.00"}`, 201).body["id"].(string)
		byHonest := expect(kasse, "POST", A+"/disbursements", `{"amount":"200.00"}`, 201).body["id"].(string)
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
				ts.json("POST", "/api/v1/disbursements/"+c.disbursement+"/release", c.who, "").wantProblem(t, 403, "forbidden")
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
		ts := newTestServer(t, d, Config{})
		ada := ts.mustUser("ada@example.org", auth.Admin)
		bob := ts.mustUser("bob@example.org", auth.Admin)
		kasse := ts.mustUser("kasse@example.org", auth.Treasurer)
		adaID := ts.json("GET", "/api/v1/me", ada, "").body["id"].(string)

		t.Run("ErrAdminAndTreasurer", func(t *testing.T) {
			before := ts.tableCounts()
			for _, roles := range []string{`["admin","treasurer"]`, `["committee","admin"]`} {
				r := ts.json("POST", "/api/v1/users", ada, `{"email":"x@example.org","name":"X","password":"`+password+`","roles":`+roles+`}`).wantProblem(t, 422, "validation")
				if f := r.fieldErrors(); len(f) != 1 || f[0] != "roles" {
					t.Fatalf("fields %v, want roles", f)
				}
				r = ts.json("PATCH", "/api/v1/users/"+adaID, ada, `{"roles":`+roles+`}`).wantProblem(t, 422, "validation")
				if f := r.fieldErrors(); len(f) != 1 || f[0] != "roles" {
					t.Fatalf("fields %v, want roles", f)
				}
			}
			if after := ts.tableCounts(); after["users"] != before["users"] || after["user_roles"] != before["user_roles"] {
				t.Fatal("a refused request changed users or roles")
			}
		})

		r := ts.json("POST", "/api/v1/users", ada, `{"email":"neu@example.org","name":"Neu","password":"`+password+`","roles":["committee"]}`).wantStatus(t, http.StatusCreated)
		userID, grantID := r.body["id"].(string), r.body["role_grant_id"].(string)
		if fmt.Sprint(r.body["roles"], r.body["pending_roles"], r.body["active"]) != "[] [committee] true" {
			t.Fatalf("created: %v", r.body)
		}
		r = ts.json("GET", "/api/v1/role-grants?status=pending", bob, "").wantStatus(t, http.StatusOK)
		items := r.body["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("pending: %v", r.body)
		}
		g := items[0].(map[string]any)
		if g["id"] != grantID || g["user_id"] != userID || g["asked_by"] != adaID || g["status"] != "pending" || fmt.Sprint(g["roles"]) != "[committee]" || g["asked_at"] == "" {
			t.Fatalf("grant: %v", g)
		}
		ts.json("GET", "/api/v1/role-grants?status=pending", kasse, "").wantProblem(t, 403, "forbidden")
		ts.json("GET", "/api/v1/role-grants?status=maybe", bob, "").wantProblem(t, 422, "validation")
		ts.json("POST", "/api/v1/role-grants/"+grantID+"/confirm", ada, "").wantProblem(t, 403, "forbidden")
		ts.json("POST", "/api/v1/role-grants/"+grantID+"/confirm", kasse, "").wantProblem(t, 403, "forbidden")
		ts.json("POST", "/api/v1/role-grants/nope/confirm", bob, "").wantProblem(t, 404, "not-found")
		r = ts.json("POST", "/api/v1/role-grants/"+grantID+"/confirm", bob, "").wantStatus(t, http.StatusOK)
		if r.body["status"] != "confirmed" || r.body["confirmed_by"] == "" {
			t.Fatalf("confirmed: %v", r.body)
		}
		ts.json("POST", "/api/v1/role-grants/"+grantID+"/confirm", bob, "").wantProblem(t, 409, "invalid-state")

		r = ts.json("GET", "/api/v1/users?role=committee", ada, "").wantStatus(t, http.StatusOK)
		if items := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != userID {
			t.Fatalf("committee: %v", r.body)
		}
		r = ts.json("GET", "/api/v1/users?q=KASSE", ada, "").wantStatus(t, http.StatusOK)
		if items := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["email"] != "kasse@example.org" {
			t.Fatalf("q=KASSE: %v", r.body)
		}
		ts.json("GET", "/api/v1/users", kasse, "").wantProblem(t, 403, "forbidden")

		t.Run("Deactivate", func(t *testing.T) {
			neu := ts.signIn("neu@example.org")
			r := ts.json("PATCH", "/api/v1/users/"+userID, ada, `{"active":false,"name":"Neu Name"}`).wantStatus(t, http.StatusOK)
			if r.body["active"] != false || r.body["name"] != "Neu Name" {
				t.Fatalf("patched: %v", r.body)
			}
			ts.json("GET", "/api/v1/me", neu, "").wantProblem(t, 401, "unauthenticated")
			ts.json("POST", "/api/v1/sessions", "", `{"email":"neu@example.org","password":"`+password+`"}`).wantProblem(t, 401, "unauthenticated")
		})
		t.Run("ErrLastAdmin", func(t *testing.T) {
			bobID := ts.json("GET", "/api/v1/me", bob, "").body["id"].(string)
			ts.json("PATCH", "/api/v1/users/"+bobID, ada, `{"active":false}`).wantStatus(t, http.StatusOK)
			ts.json("PATCH", "/api/v1/users/"+adaID, ada, `{"active":false}`).wantProblem(t, 409, "invalid-state")
			ts.json("PATCH", "/api/v1/users/"+adaID, ada, `{"roles":["auditor"]}`).wantProblem(t, 409, "invalid-state")
		})

		var actions []string
		d.Select(&actions, `SELECT action FROM audit_log WHERE object_id IN ($1, $2) ORDER BY seq`, userID, grantID)
		if strings.Join(actions, ",") != "user.create,role-grant.ask,role-grant.confirm,session.create,user.update" {
			t.Fatalf("audit trail: %v", actions)
		}
	})
}
