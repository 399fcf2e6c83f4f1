package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
			{Account: ledger.Bank, Amount: ledger.Amount("1000.00")}, {Account: ledger.Donations, Amount: ledger.Amount("-1000.00")}}}); err != nil {
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
