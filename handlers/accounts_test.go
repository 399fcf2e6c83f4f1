package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
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
