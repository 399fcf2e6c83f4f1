package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
)

// browserless is a cookie-keeping client for page tests without Chromium.
type browserless struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]string
	lang    string
}

func (b *browserless) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", b.lang)
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		b.cookies[c.Name] = c.Value
	}
	return rec
}

// signedIn returns a browserless client in lang signed in as email through
// the login form (its CSRF pair included).
func (ts *testServer) signedIn(email, lang string) *browserless {
	ts.t.Helper()
	b := &browserless{t: ts.t, h: ts.h, cookies: map[string]string{}, lang: lang}
	page := b.do("GET", "/login", nil)
	if r := b.do("POST", "/login", url.Values{"csrf_token": {b.csrf(page.Body.String())}, "email": {email}, "password": {password}}); r.Code != http.StatusSeeOther {
		ts.t.Fatalf("sign-in of %s: %d", email, r.Code)
	}
	return b
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browserless) csrf(page string) string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatal("no csrf_token in the page")
	}
	return m[1]
}

func TestPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := newTestServer(t, d, Config{})
		b := &browserless{t: t, h: ts.h, cookies: map[string]string{}, lang: "en-GB,en;q=0.9"}
		count := func() int {
			var n int
			d.Get(&n, "SELECT count(*) FROM donations")
			return n
		}

		form := b.do("GET", "/donate", nil)
		if form.Code != 200 || !strings.Contains(form.Body.String(), `<html lang="en">`) {
			t.Fatalf("English by Accept-Language: %d %s", form.Code, form.Body.String()[:200])
		}
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
			if form.Header().Get(h) == "" {
				t.Errorf("page lacks %s", h)
			}
		}
		token := b.csrf(form.Body.String())

		t.Run("CSRF", func(t *testing.T) {
			for _, tok := range []string{"", "forged"} {
				r := b.do("POST", "/donate", url.Values{"csrf_token": {tok}, "amount_preset": {"25"}})
				if r.Code != http.StatusForbidden || count() != 0 {
					t.Fatalf("token %q: %d, %d donations", tok, r.Code, count())
				}
			}
		})

		t.Run("hostile input comes back escaped", func(t *testing.T) {
			script := `<script>alert(1)</script>`
			r := b.do("POST", "/donate", url.Values{"csrf_token": {token}, "amount_other": {"oops"},
				"name": {script}, "city": {script}, "message": {script}, "email": {"bad"}, "postal_code": {"<b>"}})
			page := r.Body.String()
			if r.Code != http.StatusUnprocessableEntity || strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatalf("status %d; raw script in page: %v", r.Code, strings.Contains(page, "<script>alert"))
			}
			for _, id := range []string{"amount-error", "email-error", "postal_code-error"} {
				if !strings.Contains(page, `id="`+id+`"`) {
					t.Errorf("no %s beside its field", id)
				}
			}
			if count() != 0 {
				t.Fatal("a refused form stored a donation")
			}
		})

		t.Run("German amounts and the language switch", func(t *testing.T) {
			r := b.do("GET", "/lang?to=de&back=/donate", nil)
			if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/donate" {
				t.Fatalf("switch: %d %s", r.Code, r.Header().Get("Location"))
			}
			if r := b.do("GET", "/lang?to=de&back=//evil.example.org/", nil); r.Header().Get("Location") != "/" {
				t.Fatalf("open redirect: %s", r.Header().Get("Location"))
			}
			form := b.do("GET", "/donate", nil)
			key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(form.Body.String())[1]
			post := url.Values{"csrf_token": {b.csrf(form.Body.String())}, "idempotency_key": {key}, "amount_other": {"1234,50"}, "receipt_requested": {"1"},
				"name": {"Erika Mustermann"}, "street": {"Heger Str. 1"}, "postal_code": {"49074"}, "city": {"Osnabrück"}}
			r = b.do("POST", "/donate", post)
			if r.Code != 200 || !strings.Contains(r.Body.String(), "1.234,50\u00a0€") || !strings.Contains(r.Body.String(), "Vielen Dank!") {
				t.Fatalf("German pledge: %d", r.Code)
			}
			// Sent again (a reload): the same pledge, not a second one.
			again := b.do("POST", "/donate", post)
			ref := regexp.MustCompile(`id="reference">([^<]+)<`)
			if again.Code != 200 || ref.FindString(again.Body.String()) != ref.FindString(r.Body.String()) || count() != 1 {
				t.Fatalf("reload pledged again: %d donations", count())
			}
			// What the key keeps is the donation's id: no copy of the
			// donor's data outlives the donation's row, and no address of
			// the client either.
			var rec struct {
				Scope string `db:"scope"`
				Body  []byte `db:"body"`
			}
			if err := d.Get(&rec, `SELECT scope, body FROM idempotency_keys WHERE key = $1`, key); err != nil {
				t.Fatal(err)
			}
			var id string
			if err := d.Get(&id, `SELECT id FROM donations`); err != nil {
				t.Fatal(err)
			}
			if string(rec.Body) != `"`+id+`"` || strings.Contains(rec.Scope, "192.0.2") {
				t.Fatalf("the form's idempotency record holds %q under scope %q, want the donation's id alone", rec.Body, rec.Scope)
			}
		})

		t.Run("pages for people, problems for the API", func(t *testing.T) {
			r := b.do("GET", "/no-such-page", nil)
			if r.Code != 404 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("404 page: %d %s", r.Code, r.Header().Get("Content-Type"))
			}
			if r := b.do("GET", "/treasurer/donations", nil); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/login?next=") {
				t.Fatalf("treasurer page without sign-in: %d %s", r.Code, r.Header().Get("Location"))
			}
			if r := b.do("GET", "/static/style.css", nil); r.Code != 200 {
				t.Fatalf("css: %d", r.Code)
			}
		})
	})
}

// TestTranslationsComplete: both languages have the same messages, and
// every message a template asks for exists.
func TestTranslationsComplete(t *testing.T) {
	de, en := readKeys(t, "../web/i18n/de.json"), readKeys(t, "../web/i18n/en.json")
	for k := range de {
		if !en[k] {
			t.Errorf("en lacks %s", k)
		}
	}
	for k := range en {
		if !de[k] {
			t.Errorf("de lacks %s", k)
		}
	}
	used := regexp.MustCompile(`\bt "([a-z_.0-9]+)"`)
	files, _ := os.ReadDir("../web/templates")
	for _, f := range files {
		b, err := os.ReadFile("../web/templates/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if !de[m[1]] {
				t.Errorf("%s uses %s, which has no translation", f.Name(), m[1])
			}
		}
	}
}

func readKeys(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*"([^"]+)":`).FindAllStringSubmatch(string(b), -1) {
		keys[m[1]] = true
	}
	if len(keys) < 50 {
		t.Fatalf("%s: only %d keys read", path, len(keys))
	}
	return keys
}

// TestGrantFormErrorsBesideTheirFields: a bad amount in the decision form is
// shown beside that field, with what was typed kept.
func TestGrantFormErrorsBesideTheirFields(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := newTestServer(t, d, Config{})
	group := ts.mustUser("verein@example.org", auth.Applicant)
	member := ts.mustUser("m@example.org", auth.Committee)
	id := ts.json("POST", "/api/v1/applications", group, applicationBody).wantStatus(t, 201).body["id"].(string)
	ts.json("POST", "/api/v1/applications/"+id+"/submit", group, "").wantStatus(t, 200)
	ts.json("POST", "/api/v1/applications/"+id+"/reviews", member, `{"score":4}`).wantStatus(t, 201)
	b := ts.signedIn("m@example.org", "en")
	page := b.do("GET", "/grants/"+id, nil)
	r := b.do("POST", "/grants/"+id+"/decide", url.Values{"csrf_token": {b.csrf(page.Body.String())}, "decision": {"approved"}, "amount": {"1.005"}, "conditions": {"keep me"}})
	body := r.Body.String()
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="amount-error"`) || !strings.Contains(body, `value="1.005"`) || !strings.Contains(body, ">keep me</textarea>") {
		t.Fatalf("%d\n%s", r.Code, body)
	}
}
