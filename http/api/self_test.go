package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/mail"
)

const newPassword = "another long enough password"

// tokenOf returns the token at the end of the link of the last mail to
// addr of kind.
func tokenOf(t *testing.T, ts *testserver.Server, addr, kind string) string {
	t.Helper()
	mails := ts.Mails.Sent()
	for i := len(mails) - 1; i >= 0; i-- {
		if m := mails[i]; m.To == addr && m.Kind == kind {
			path := m.Data["Path"].(string)
			return path[strings.LastIndex(path, "/")+1:]
		}
	}
	t.Fatalf("no %s mail to %s in %v", kind, addr, mails)
	return ""
}

func signInStatus(ts *testserver.Server, email, password string) *testserver.Response {
	return ts.JSON("POST", "/api/v1/sessions", "", `{"email":"`+email+`","password":"`+password+`"}`)
}

// sameAnswer fails unless a and b have the same status, body and headers
// (but the request's own id).
func sameAnswer(t *testing.T, what string, a, b *testserver.Response) {
	t.Helper()
	if a.Code != b.Code || a.Body.String() != b.Body.String() {
		t.Fatalf("%s: %d %s and %d %s differ", what, a.Code, a.Body, b.Code, b.Body)
	}
	for k := range a.Header() {
		if k != "X-Request-Id" && a.Header().Get(k) != b.Header().Get(k) {
			t.Fatalf("%s: header %s %q and %q differ", what, k, a.Header().Get(k), b.Header().Get(k))
		}
	}
	if len(a.Header()) != len(b.Header()) {
		t.Fatalf("%s: headers %v and %v differ", what, a.Header(), b.Header())
	}
}

// TestPasswordResetTellsNothing: asking for a reset answers the same for a
// registered, an unknown and a deactivated address; only the registered one
// gets a mail, whose token is not stored as it is.
func TestPasswordResetTellsNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		admin := ts.MustUser("admin@example.org", auth.Admin)
		ts.MustUser("admin2@example.org", auth.Admin)
		ts.MustUser("ada@example.org", auth.Applicant)
		ts.MustUser("gone@example.org", auth.Applicant)
		goneID := userID(t, ts, admin, "gone@example.org")
		ts.JSON("PATCH", "/api/v1/users/"+goneID, admin, `{"active":false}`).WantStatus(t, http.StatusOK)

		known := ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"Ada@example.org"}`).WantStatus(t, http.StatusAccepted)
		unknown := ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"nobody@example.org"}`)
		gone := ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"gone@example.org"}`)
		sameAnswer(t, "known and unknown", known, unknown)
		sameAnswer(t, "known and deactivated", known, gone)

		mails := ts.Mails.Sent()
		if len(mails) != 1 || mails[0].To != "ada@example.org" || mails[0].Kind != mail.PasswordReset ||
			!strings.HasPrefix(mails[0].Data["Path"].(string), "/password-reset/") {
			t.Fatalf("mails: %+v", mails)
		}
		token := tokenOf(t, ts, "ada@example.org", mail.PasswordReset)
		var raw int
		d.Get(&raw, `SELECT count(*) FROM user_tokens WHERE token_hash = $1`, token)
		if raw != 0 {
			t.Fatal("the reset token itself is stored")
		}
		ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"not an address"}`).WantStatus(t, http.StatusAccepted)
		ts.JSON("POST", "/api/v1/password-resets", "", `{}`).WantProblem(t, 422, "validation")

		// A mailbox cannot be flooded: past three live links no more is sent,
		// and the answer stays the same.
		for range 4 {
			sameAnswer(t, "again", known, ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"ada@example.org"}`))
		}
		if n := len(ts.Mails.Sent()); n != 3 {
			t.Fatalf("%d mails after six asks, want 3", n)
		}
	})
}

// TestPasswordReset: a reset link sets the password once; every session of
// the user ends; a used, an unknown and an expired link are refused and
// change nothing.
func TestPasswordReset(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		s1 := ts.MustUser("ada@example.org", auth.Applicant)
		s2 := ts.SignIn("ada@example.org")

		ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"ada@example.org"}`).WantStatus(t, http.StatusAccepted)
		token := tokenOf(t, ts, "ada@example.org", mail.PasswordReset)
		ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"ada@example.org"}`).WantStatus(t, http.StatusAccepted)
		second := tokenOf(t, ts, "ada@example.org", mail.PasswordReset)

		ts.JSON("POST", "/api/v1/password-resets/nope", "", `{"password":"`+newPassword+`"}`).WantProblem(t, 404, "not-found")
		r := ts.JSON("POST", "/api/v1/password-resets/"+token, "", `{"password":"short"}`).WantProblem(t, 422, "validation")
		if f := r.FieldErrors(); len(f) != 1 || f[0] != "password" {
			t.Fatalf("fields %v", f)
		}
		ts.JSON("GET", "/api/v1/me", s1, "").WantStatus(t, http.StatusOK) // a refusal ends nothing

		ts.JSON("POST", "/api/v1/password-resets/"+token, "", `{"password":"`+newPassword+`"}`).WantStatus(t, http.StatusNoContent)
		for _, s := range []string{s1, s2} {
			ts.JSON("GET", "/api/v1/me", s, "").WantProblem(t, 401, "unauthenticated")
		}
		signInStatus(ts, "ada@example.org", testserver.Password).WantProblem(t, 401, "unauthenticated")
		signInStatus(ts, "ada@example.org", newPassword).WantStatus(t, http.StatusCreated)

		t.Run("ErrUsedTwice", func(t *testing.T) {
			ts.JSON("POST", "/api/v1/password-resets/"+token, "", `{"password":"a third long password"}`).WantProblem(t, 404, "not-found")
			// The other link mailed before died with the first use.
			ts.JSON("POST", "/api/v1/password-resets/"+second, "", `{"password":"a third long password"}`).WantProblem(t, 404, "not-found")
			signInStatus(ts, "ada@example.org", newPassword).WantStatus(t, http.StatusCreated)
		})
		t.Run("ErrExpired", func(t *testing.T) {
			ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"ada@example.org"}`).WantStatus(t, http.StatusAccepted)
			token := tokenOf(t, ts, "ada@example.org", mail.PasswordReset)
			ts.Auth.Now = func() time.Time { return time.Now().Add(auth.DefaultResetTTL + time.Minute) }
			defer func() { ts.Auth.Now = time.Now }()
			ts.JSON("POST", "/api/v1/password-resets/"+token, "", `{"password":"a third long password"}`).WantProblem(t, 404, "not-found")
			ts.Auth.Now = time.Now
			signInStatus(ts, "ada@example.org", newPassword).WantStatus(t, http.StatusCreated)
		})

		var actions []string
		d.Select(&actions, `SELECT action FROM audit_log WHERE action LIKE 'password-reset%' OR action LIKE 'user.password%' ORDER BY seq`)
		if strings.Join(actions, ",") != "password-reset.ask,password-reset.ask,user.password-reset,password-reset.ask" {
			t.Fatalf("audit trail: %v", actions)
		}
	})
}

// TestChangePassword: the current password is needed; the other sessions
// end, this one stays.
func TestChangePassword(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		here := ts.MustUser("ada@example.org", auth.Applicant)
		there := ts.SignIn("ada@example.org")

		ts.JSON("POST", "/api/v1/me/password", "", `{"current_password":"`+testserver.Password+`","new_password":"`+newPassword+`"}`).WantProblem(t, 401, "unauthenticated")
		r := ts.JSON("POST", "/api/v1/me/password", here, `{"current_password":"wrong password!","new_password":"`+newPassword+`"}`).WantProblem(t, 422, "validation")
		if f := r.FieldErrors(); len(f) != 1 || f[0] != "current_password" {
			t.Fatalf("fields %v", f)
		}
		r = ts.JSON("POST", "/api/v1/me/password", here, `{"current_password":"`+testserver.Password+`","new_password":"short"}`).WantProblem(t, 422, "validation")
		if f := r.FieldErrors(); len(f) != 1 || f[0] != "new_password" {
			t.Fatalf("fields %v", f)
		}
		ts.JSON("GET", "/api/v1/me", there, "").WantStatus(t, http.StatusOK)

		ts.JSON("POST", "/api/v1/me/password", here, `{"current_password":"`+testserver.Password+`","new_password":"`+newPassword+`"}`).WantStatus(t, http.StatusNoContent)
		ts.JSON("GET", "/api/v1/me", here, "").WantStatus(t, http.StatusOK)
		ts.JSON("GET", "/api/v1/me", there, "").WantProblem(t, 401, "unauthenticated")
		signInStatus(ts, "ada@example.org", testserver.Password).WantProblem(t, 401, "unauthenticated")
		signInStatus(ts, "ada@example.org", newPassword).WantStatus(t, http.StatusCreated)
	})
}

// TestSignOutEverywhere ends every session of the caller and no other
// user's.
func TestSignOutEverywhere(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		a1 := ts.MustUser("ada@example.org", auth.Applicant)
		a2 := ts.SignIn("ada@example.org")
		bob := ts.MustUser("bob@example.org", auth.Applicant)
		ts.JSON("DELETE", "/api/v1/sessions", "", "").WantProblem(t, 401, "unauthenticated")
		ts.JSON("DELETE", "/api/v1/sessions", a1, "").WantStatus(t, http.StatusNoContent)
		ts.JSON("GET", "/api/v1/me", a1, "").WantProblem(t, 401, "unauthenticated")
		ts.JSON("GET", "/api/v1/me", a2, "").WantProblem(t, 401, "unauthenticated")
		ts.JSON("GET", "/api/v1/me", bob, "").WantStatus(t, http.StatusOK)
	})
}

// TestDeactivatedSignInIsAWrongPassword: a deactivated user's right
// password is refused exactly as a wrong password is, and their sessions
// end.
func TestDeactivatedSignInIsAWrongPassword(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		admin := ts.MustUser("admin@example.org", auth.Admin)
		ts.MustUser("admin2@example.org", auth.Admin)
		sess := ts.MustUser("ada@example.org", auth.Applicant)
		ts.MustUser("bob@example.org", auth.Applicant)
		id := userID(t, ts, admin, "ada@example.org")
		ts.JSON("PATCH", "/api/v1/users/"+id, admin, `{"active":false}`).WantStatus(t, http.StatusOK)
		ts.JSON("GET", "/api/v1/me", sess, "").WantProblem(t, 401, "unauthenticated")
		deactivated := signInStatus(ts, "ada@example.org", testserver.Password).WantProblem(t, 401, "unauthenticated")
		wrong := signInStatus(ts, "bob@example.org", "not bob's password").WantProblem(t, 401, "unauthenticated")
		sameAnswer(t, "deactivated and wrong password", deactivated, wrong)

		ts.JSON("PATCH", "/api/v1/users/"+id, admin, `{"active":true}`).WantStatus(t, http.StatusOK)
		signInStatus(ts, "ada@example.org", testserver.Password).WantStatus(t, http.StatusCreated)
	})
}

// TestUserList: last_sign_in_at appears once a user signed in; filters by
// role and text.
func TestUserList(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		admin := ts.MustUser("admin@example.org", auth.Admin)
		if _, err := ts.Auth.CreateUserFromCommandLine(t.Context(), auth.NewUser{Email: "never@example.org", Name: "Never", Password: testserver.Password, Roles: []auth.Role{auth.Auditor}}); err != nil {
			t.Fatal(err)
		}
		r := ts.JSON("GET", "/api/v1/users", admin, "").WantStatus(t, http.StatusOK)
		for _, it := range r.JSON["items"].([]any) {
			u := it.(map[string]any)
			_, has := u["last_sign_in_at"]
			if has != (u["email"] == "admin@example.org") || u["active"] != true || u["created_at"] == nil {
				t.Fatalf("user %v", u)
			}
		}
		r = ts.JSON("GET", "/api/v1/users?role=auditor&q=NEV", admin, "").WantStatus(t, http.StatusOK)
		if items := r.JSON["items"].([]any); len(items) != 1 || items[0].(map[string]any)["email"] != "never@example.org" {
			t.Fatalf("role=auditor&q=NEV: %v", r.JSON)
		}
		ts.JSON("GET", "/api/v1/users?role=king", admin, "").WantProblem(t, 422, "validation")
	})
}

// TestNewRoutesRoles: who may call the new routes and who may not.
func TestNewRoutesRoles(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		tokens := map[auth.Role]string{}
		for _, r := range auth.Roles {
			tokens[r] = ts.MustUser(string(r)+"@example.org", r)
		}
		admin := tokens[auth.Admin]
		id := userID(t, ts, admin, "applicant@example.org")
		for _, r := range auth.Roles {
			want := http.StatusForbidden
			if r == auth.Admin {
				want = http.StatusOK
			}
			for _, c := range []struct{ method, path, body string }{
				{"GET", "/api/v1/users", ""},
				{"PATCH", "/api/v1/users/" + id, `{"name":"Neu"}`},
				{"GET", "/api/v1/role-grants", ""},
			} {
				if got := ts.JSON(c.method, c.path, tokens[r], c.body).Code; got != want {
					t.Errorf("%s %s as %s: %d, want %d", c.method, c.path, r, got, want)
				}
			}
		}
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/api/v1/users", ""},
			{"PATCH", "/api/v1/users/" + id, `{"name":"Neu"}`},
			{"GET", "/api/v1/role-grants", ""},
			{"POST", "/api/v1/role-grants/x/confirm", ""},
			{"POST", "/api/v1/me/password", `{"current_password":"x","new_password":"` + newPassword + `"}`},
			{"POST", "/api/v1/me/address-confirmation", ""},
			{"DELETE", "/api/v1/sessions", ""},
		} {
			ts.JSON(c.method, c.path, "", c.body).WantProblem(t, 401, "unauthenticated")
		}
	})
}

// TestRegistrationConfirm: with addresses confirmed by mail, registering
// answers 202 alike for a new and a known address (the known one is told
// by mail); the new group cannot submit before it follows its link.
func TestRegistrationConfirm(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.Auth.ConfirmAddresses = true
		ts.MustUser("known@example.org", auth.Applicant)
		body := func(email string) string {
			return `{"email":"` + email + `","name":"Café Lingua","password":"` + testserver.Password + `"}`
		}
		fresh := ts.JSON("POST", "/api/v1/register", "", body("new@example.org")).WantStatus(t, http.StatusAccepted)
		known := ts.JSON("POST", "/api/v1/register", "", body("Known@example.org"))
		sameAnswer(t, "new and known address", fresh, known)
		ts.JSON("POST", "/api/v1/register", "", `{"email":"x@example.org","name":"X","password":"short"}`).WantProblem(t, 422, "validation")

		mails := ts.Mails.Sent()
		if len(mails) != 2 || mails[0].To != "new@example.org" || mails[0].Kind != mail.ConfirmAddress ||
			mails[1].To != "known@example.org" || mails[1].Kind != mail.AddressTaken {
			t.Fatalf("mails: %+v", mails)
		}
		// The one who tried did not get the known account.
		signInStatus(ts, "known@example.org", testserver.Password).WantStatus(t, http.StatusCreated)

		// An unconfirmed account does not sign in (TestRegistrationConfirmNoEnumeration);
		// a session from before confirmation was required still cannot submit.
		signInStatus(ts, "new@example.org", testserver.Password).WantProblem(t, 401, "unauthenticated")
		ts.Auth.ConfirmAddresses = false
		group := ts.SignIn("new@example.org")
		ts.Auth.ConfirmAddresses = true
		app := ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, http.StatusCreated)
		appID := app.JSON["id"].(string)
		r := ts.JSON("POST", "/api/v1/applications/"+appID+"/submit", group, "").WantProblem(t, 409, "invalid-state")
		if !regexp.MustCompile(`confirm your email address`).MatchString(r.JSON["detail"].(string)) {
			t.Fatalf("detail %q does not say what to do", r.JSON["detail"])
		}

		ts.JSON("POST", "/api/v1/me/address-confirmation", group, "").WantStatus(t, http.StatusAccepted)
		token := tokenOf(t, ts, "new@example.org", mail.ConfirmAddress)
		ts.JSON("POST", "/api/v1/address-confirmations/nope", "", "").WantProblem(t, 404, "not-found")
		ts.JSON("POST", "/api/v1/address-confirmations/"+token, "", "").WantStatus(t, http.StatusNoContent)
		ts.JSON("POST", "/api/v1/address-confirmations/"+token, "", "").WantProblem(t, 404, "not-found")
		ts.JSON("POST", "/api/v1/me/address-confirmation", group, "").WantProblem(t, 409, "invalid-state")
		ts.JSON("POST", "/api/v1/applications/"+appID+"/submit", group, "").WantStatus(t, http.StatusOK)

		t.Run("Off", func(t *testing.T) {
			ts.Auth.ConfirmAddresses = false
			defer func() { ts.Auth.ConfirmAddresses = true }()
			ts.JSON("POST", "/api/v1/register", "", body("other@example.org")).WantStatus(t, http.StatusCreated)
			ts.JSON("POST", "/api/v1/register", "", body("other@example.org")).WantProblem(t, 422, "validation")
		})
	})
}

// userID finds the id of the user with email, as admin.
func userID(t *testing.T, ts *testserver.Server, admin, email string) string {
	t.Helper()
	r := ts.JSON("GET", "/api/v1/users?q="+email, admin, "").WantStatus(t, http.StatusOK)
	for _, it := range r.JSON["items"].([]any) {
		if u := it.(map[string]any); u["email"] == email {
			return u["id"].(string)
		}
	}
	t.Fatalf("no user %s", email)
	return ""
}

// TestRegistrationConfirmNoEnumeration: with addresses confirmed by mail,
// registering must not tell whether an address is known through what
// follows either. The password of a fresh registration would open the
// account at once, while the same password on a known address fails: so
// an account whose address is not confirmed yet does not sign in (401, as
// a wrong password) until its link is followed, and registering again
// mails a known but unconfirmed address a new link.
func TestRegistrationConfirmNoEnumeration(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.Auth.ConfirmAddresses = true
		ts.MustUser("known@example.org", auth.Applicant)
		const guess = "attacker-chosen-pass"
		body := func(email string) string {
			return `{"email":"` + email + `","name":"Probe","password":"` + guess + `"}`
		}
		ts.JSON("POST", "/api/v1/register", "", body("new@example.org")).WantStatus(t, http.StatusAccepted)
		ts.JSON("POST", "/api/v1/register", "", body("known@example.org")).WantStatus(t, http.StatusAccepted)
		fresh := signInStatus(ts, "new@example.org", guess)
		known := signInStatus(ts, "known@example.org", guess)
		if fresh.Code != known.Code || fresh.Code != http.StatusUnauthorized {
			t.Fatalf("sign-in after registering tells the addresses apart: new %d, known %d", fresh.Code, known.Code)
		}
		sameAnswer(t, "sign-in of a new and a known address", fresh, known)

		// Registering again sends the unconfirmed address a new link.
		ts.JSON("POST", "/api/v1/register", "", body("new@example.org")).WantStatus(t, http.StatusAccepted)
		var links int
		for _, m := range ts.Mails.Sent() {
			if m.To == "new@example.org" && m.Kind == mail.ConfirmAddress {
				links++
			}
		}
		if links != 2 {
			t.Fatalf("%d confirmation links to the unconfirmed address, want 2", links)
		}
		token := tokenOf(t, ts, "new@example.org", mail.ConfirmAddress)
		ts.JSON("POST", "/api/v1/address-confirmations/"+token, "", "").WantStatus(t, http.StatusNoContent)
		signInStatus(ts, "new@example.org", guess).WantStatus(t, http.StatusCreated)

		// A group registered before confirmation was required gets in
		// through a password reset, whose link confirms the address.
		ts.Auth.ConfirmAddresses = false
		ts.JSON("POST", "/api/v1/register", "", body("old@example.org")).WantStatus(t, http.StatusCreated)
		ts.Auth.ConfirmAddresses = true
		signInStatus(ts, "old@example.org", guess).WantProblem(t, 401, "unauthenticated")
		ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"old@example.org"}`).WantStatus(t, http.StatusAccepted)
		reset := tokenOf(t, ts, "old@example.org", mail.PasswordReset)
		ts.JSON("POST", "/api/v1/password-resets/"+reset, "", `{"password":"`+testserver.Password+`"}`).WantStatus(t, http.StatusNoContent)
		signInStatus(ts, "old@example.org", testserver.Password).WantStatus(t, http.StatusCreated)
	})
}

// TestRegistrationConfirmMailsBounded: registering again and again with a
// known address does not fill its mailbox: at most three "someone tried
// to register" mails an hour, as with reset links, and the answer stays
// the same.
func TestRegistrationConfirmMailsBounded(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.Auth.ConfirmAddresses = true
		ts.MustUser("known@example.org", auth.Applicant)
		for i := 0; i < 6; i++ {
			ts.JSON("POST", "/api/v1/register", "", `{"email":"known@example.org","name":"X","password":"`+testserver.Password+`"}`).
				WantStatus(t, http.StatusAccepted)
		}
		n := 0
		for _, m := range ts.Mails.Sent() {
			if m.To == "known@example.org" {
				n++
			}
		}
		if n > 3 {
			t.Fatalf("%d mails to the known address for 6 registrations, want at most 3", n)
		}
	})
}

// TestResetLinkDiesWithPasswordChange: a reset link mailed before the
// password was changed no longer works, and an address confirmation link
// is not a reset link (nor the other way round).
func TestResetLinkDiesWithPasswordChange(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		tok := ts.MustUser("ada@example.org", auth.Applicant)
		ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"ada@example.org"}`).WantStatus(t, http.StatusAccepted)
		reset := tokenOf(t, ts, "ada@example.org", mail.PasswordReset)
		const changed = "a-new-long-password-1"
		ts.JSON("POST", "/api/v1/me/password", tok, `{"current_password":"`+testserver.Password+`","new_password":"`+changed+`"}`).
			WantStatus(t, http.StatusNoContent)
		ts.JSON("POST", "/api/v1/password-resets/"+reset, "", `{"password":"attacker-password-1"}`).WantProblem(t, 404, "not-found")
		signInStatus(ts, "ada@example.org", changed).WantStatus(t, http.StatusCreated)

		ts.Auth.ConfirmAddresses = true
		ts.JSON("POST", "/api/v1/register", "", `{"email":"bea@example.org","name":"Bea","password":"`+testserver.Password+`"}`).
			WantStatus(t, http.StatusAccepted)
		confirm := tokenOf(t, ts, "bea@example.org", mail.ConfirmAddress)
		ts.JSON("POST", "/api/v1/password-resets/"+confirm, "", `{"password":"attacker-password-1"}`).WantProblem(t, 404, "not-found")
		ts.JSON("POST", "/api/v1/password-resets", "", `{"email":"ada@example.org"}`).WantStatus(t, http.StatusAccepted)
		reset = tokenOf(t, ts, "ada@example.org", mail.PasswordReset)
		ts.JSON("POST", "/api/v1/address-confirmations/"+reset, "", "").WantProblem(t, 404, "not-found")
	})
}
