package ui_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

func TestPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		b := ts.Browser(t, "en-GB,en;q=0.9")
		count := func() int {
			var n int
			d.Get(&n, "SELECT count(*) FROM donations")
			return n
		}

		form := b.Do("GET", "/donate", nil)
		if form.Code != 200 || !strings.Contains(form.Body.String(), `<html lang="en" dir="ltr">`) {
			t.Fatalf("English by Accept-Language: %d %s", form.Code, form.Body.String()[:200])
		}
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
			if form.Header().Get(h) == "" {
				t.Errorf("page lacks %s", h)
			}
		}
		token := b.CSRF(form.Body.String())

		t.Run("CSRF", func(t *testing.T) {
			for _, tok := range []string{"", "forged"} {
				r := b.Do("POST", "/donate", url.Values{"csrf_token": {tok}, "amount_preset": {"25"}})
				if r.Code != http.StatusForbidden || count() != 0 {
					t.Fatalf("token %q: %d, %d donations", tok, r.Code, count())
				}
			}
		})

		t.Run("hostile input comes back escaped", func(t *testing.T) {
			script := `<script>alert(1)</script>`
			r := b.Do("POST", "/donate", url.Values{"csrf_token": {token}, "amount_other": {"oops"},
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
			// The error summary opens the page, takes the focus and links to
			// each field (its label and message), in the form's order.
			summary := regexp.MustCompile(`(?s)<div class="error-summary"[^>]*autofocus>.*?</div>`).FindString(page)
			links := regexp.MustCompile(`href="#(\w+)">([^<]*)</a>`).FindAllStringSubmatch(summary, -1)
			var got []string
			for _, l := range links {
				if label, msg, ok := strings.Cut(l[2], ": "); !ok || label == "" || msg == "" {
					t.Errorf("the summary's link %q does not say the field's label and what is wrong", l[2])
				}
				got = append(got, l[1])
			}
			if want := []string{"amount_other", "email", "postal_code"}; !slices.Equal(got, want) ||
				!strings.Contains(page, "<title>Error: ") || strings.Index(page, "error-summary") > strings.Index(page, "<form") {
				t.Errorf("error summary links to %q, want %q, first on the page, with \"Error:\" in the title", got, want)
			}
			if count() != 0 {
				t.Fatal("a refused form stored a donation")
			}
		})

		t.Run("German amounts and the language switch", func(t *testing.T) {
			r := b.Do("GET", "/lang?to=de&back=/donate", nil)
			if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/donate" {
				t.Fatalf("switch: %d %s", r.Code, r.Header().Get("Location"))
			}
			if r := b.Do("GET", "/lang?to=de&back=//evil.example.org/", nil); r.Header().Get("Location") != "/" {
				t.Fatalf("open redirect: %s", r.Header().Get("Location"))
			}
			form := b.Do("GET", "/donate", nil)
			key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(form.Body.String())[1]
			post := url.Values{"csrf_token": {b.CSRF(form.Body.String())}, "idempotency_key": {key}, "amount_other": {"1234,50"}, "receipt_requested": {"1"},
				"name": {"Erika Mustermann"}, "street": {"Heger Str. 1"}, "postal_code": {"49074"}, "city": {"Osnabrück"}}
			r = b.Do("POST", "/donate", post)
			if r.Code != 200 || !strings.Contains(r.Body.String(), "1.234,50\u00a0€") || !strings.Contains(r.Body.String(), "Vielen Dank!") {
				t.Fatalf("German pledge: %d", r.Code)
			}
			// Sent again (a reload): the same pledge, not a second one.
			again := b.Do("POST", "/donate", post)
			ref := regexp.MustCompile(`id="reference">([^<]+)<`)
			if again.Code != 200 || ref.FindString(again.Body.String()) != ref.FindString(r.Body.String()) || count() != 1 {
				t.Fatalf("reload pledged again: %d donations", count())
			}
			// What the key keeps is the donation's id: no copy of the
			// donor's data outlives the donation's row, and no address of
			// the client either (the form's scope is the same for every
			// client, or the record would not be found under it).
			var rec struct {
				Body []byte `db:"body"`
			}
			if err := d.Get(&rec, `SELECT body FROM idempotency_keys WHERE key = $1`, commit.KeyDigest("donate-form", key)); err != nil {
				t.Fatal(err)
			}
			var id string
			if err := d.Get(&id, `SELECT id FROM donations`); err != nil {
				t.Fatal(err)
			}
			if string(rec.Body) != `"`+id+`"` {
				t.Fatalf("the form's idempotency record holds %q, want the donation's id alone", rec.Body)
			}
		})

		t.Run("pages for people, problems for the API", func(t *testing.T) {
			r := b.Do("GET", "/no-such-page", nil)
			if r.Code != 404 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("404 page: %d %s", r.Code, r.Header().Get("Content-Type"))
			}
			if r := b.Do("GET", "/treasurer/donations", nil); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/login?next=") {
				t.Fatalf("treasurer page without sign-in: %d %s", r.Code, r.Header().Get("Location"))
			}
			if r := b.Do("GET", "/static/style.css", nil); r.Code != 200 {
				t.Fatalf("css: %d", r.Code)
			}
		})
	})
}

// TestTranslationsComplete: both languages have the same messages, and
// every message a template asks for exists.
func TestTranslationsComplete(t *testing.T) {
	de, en := readKeys(t, "../../web/i18n/de.json"), readKeys(t, "../../web/i18n/en.json")
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
	files, _ := os.ReadDir("../../web/templates")
	for _, f := range files {
		b, err := os.ReadFile("../../web/templates/" + f.Name())
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
	keys := map[string]bool{}
	for k := range readMessages(t, path) {
		keys[k] = true
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
	ts := testserver.New(t, d, server.Config{})
	group := ts.MustUser("verein@example.org", auth.Applicant)
	member := ts.MustUser("m@example.org", auth.Committee)
	id := ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)
	ts.JSON("POST", "/api/v1/applications/"+id+"/submit", group, "").WantStatus(t, 200)
	ts.JSON("POST", "/api/v1/applications/"+id+"/reviews", member, `{"score":4}`).WantStatus(t, 201)
	// The decision form shows once the quorum (3) is reached.
	for _, m := range []string{member, ts.MustUser("m2@example.org", auth.Committee), ts.MustUser("m3@example.org", auth.Committee)} {
		ts.JSON("POST", "/api/v1/applications/"+id+"/votes", m, `{"vote":"approve"}`).WantStatus(t, 201)
	}
	b := ts.SignedIn("m@example.org", "en")
	page := b.Do("GET", "/grants/"+id, nil)
	r := b.Do("POST", "/grants/"+id+"/decide", url.Values{"csrf_token": {b.CSRF(page.Body.String())}, "decision": {"approved"}, "amount": {"1.005"}, "conditions": {"keep me"}})
	body := r.Body.String()
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="amount-error"`) || !strings.Contains(body, `value="1.005"`) || !strings.Contains(body, ">keep me</textarea>") {
		t.Fatalf("%d\n%s", r.Code, body)
	}
}
