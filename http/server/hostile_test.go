package server_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// nulBodies are valid bodies of the routes that read one; every string in
// them is replaced by one holding a NUL, one at a time.
var nulBodies = map[string]string{
	"POST /api/v1/register":                       `{"email":"nul@example.org","name":"N","password":"a long enough password","organisation":"O"}`,
	"POST /api/v1/sessions":                       `{"email":"nul@example.org","password":"a long enough password"}`,
	"POST /api/v1/users":                          `{"email":"nul2@example.org","name":"N","password":"a long enough password","organisation":"O","roles":["auditor"]}`,
	"POST /api/v1/ledger/entries":                 `{"memo":"m","postings":[{"account":"assets:clearing","amount":"1.00"},{"account":"income:interest","amount":"-1.00"}]}`,
	"POST /api/v1/ledger/entries/:id/reverse":     `{"reason":"r"}`,
	"POST /api/v1/donations":                      `{"amount":"5.00","currency":"EUR","donor":{"name":"N","email":"d@example.org","street":"S 1","postal_code":"49074","city":"C"},"message":"m"}`,
	"POST /api/v1/donations/:id/confirm":          `{"received_at":"2026-01-02"}`,
	"POST /api/v1/donations/:id/refund":           `{"reason":"r"}`,
	"POST /api/v1/applications":                   testserver.ApplicationBody,
	"PATCH /api/v1/applications/:id":              testserver.ApplicationBody,
	"POST /api/v1/applications/:id/reviews":       `{"score":3,"comment":"c","conflict_of_interest":false}`,
	"POST /api/v1/applications/:id/votes":         `{"vote":"approve","amount":"10.00","comment":"c"}`,
	"POST /api/v1/applications/:id/decision":      `{"decision":"approved","amount":"10.00","conditions":"c"}`,
	"POST /api/v1/applications/:id/disbursements": `{"amount":"1.00"}`,
	"POST /api/v1/applications/:id/report":        `{"spent":"1.00","report":"r"}`,
	"POST /api/v1/applications/:id/close":         `{"returned":"0.00"}`,
	"POST /donate":                                `{"amount_preset":"25","amount_other":"","anonymous":"1","receipt_requested":"1","name":"N","email":"d@example.org","street":"S","postal_code":"49074","city":"C","message":"m","idempotency_key":"k"}`,
	"POST /login":                                 `{"email":"e@example.org","password":"p","next":"/"}`,
	"POST /apply/register":                        `{"name":"N","organisation":"O","email":"r@example.org","password":"a long enough password"}`,
	"POST /apply/new":                             applicationForm,
	"POST /grants/:id/edit":                       applicationForm,
	"POST /grants/:id/:action":                    `{"spent":"1","report":"r","score":"3","comment":"c","vote":"approve","decision":"approved","conditions":"c","amount":"1","instalment_amount":"1","returned":"0"}`,
	"POST /treasurer/donations/:id/:action":       `{"received_at":"2026-01-02","reason":"r","idempotency_key":"k"}`,
	"POST /payouts/:id/release":                   `{"application_id":"x"}`,
	"GET /treasurer/donations/:id/:action":        ``,
	"POST /api/v1/applications/:id/submit":        ``,
	"POST /api/v1/applications/:id/withdraw":      ``,
	"POST /api/v1/disbursements/:id/release":      ``,
	"POST /api/v1/donations/:id/cancel":           ``,
	"POST /logout":                                ``,
	"GET /api/v1/donations/:id/:format":           ``,
}

const applicationForm = `{"title":"T","organisation":"O","summary":"S","description":"D","requested_amount":"10","starts_on":"2027-01-01","ends_on":"2027-02-01",
	"payee_holder":"H","payee_iban":"DE89370400440532013000","payee_bic":"COBADEFFXXX","budget_item_0":"I","budget_amount_0":"10"}`

// nulQuery names every query parameter a route reads.
var nulQuery = []string{"q", "status", "from", "to", "at", "limit", "cursor", "account", "actor", "action", "object_type", "object_id", "format", "year", "done", "ref", "received_at", "next", "back"}

// nulHeaders are the request headers the server reads.
var nulHeaders = []string{"Idempotency-Key", "Authorization", "Accept-Language", "X-Request-ID", "X-Forwarded-For", "X-Forwarded-Proto", "Content-Type"}

// withNUL returns every variant of a JSON body in which one string holds a
// NUL; it walks objects and arrays.
func withNUL(t *testing.T, body string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("template %s: %v", body, err)
	}
	var out []string
	var walk func(cur any, set func(any))
	walk = func(cur any, set func(any)) {
		switch x := cur.(type) {
		case map[string]any:
			for k, val := range x {
				walk(val, func(nv any) { x[k] = nv })
			}
		case []any:
			for i, val := range x {
				walk(val, func(nv any) { x[i] = nv })
			}
		case string:
			set("a\x00b")
			b, _ := json.Marshal(v)
			out = append(out, string(b))
			set(x)
		}
	}
	walk(v, func(any) {})
	sort.Strings(out)
	return out
}

// TestNULNeverReachesTheDatabase sends every route a NUL (and bytes that
// are not UTF-8) in each place it reads: path segments, query parameters,
// headers (NUL only), body fields (JSON and forms). Each answer is a 4xx, so nothing was stored; PostgreSQL, which
// refuses NUL in text, never turns one into a 500.
func TestNULNeverReachesTheDatabase(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		tokens := map[string]string{"anonymous": ""}
		for _, role := range []auth.Role{auth.Admin, auth.Treasurer, auth.Committee, auth.Auditor, auth.Applicant} {
			tokens[string(role)] = ts.MustUser(string(role)+"@example.org", role)
		}
		// A page session for the forms, with its CSRF pair.
		ts.MustUser("pages@example.org", auth.Treasurer, auth.Committee)
		b := ts.SignedIn("pages@example.org", "en")
		csrf := b.CSRF(b.Do("GET", "/donate", nil).Body.String())

		// Real ids, so that a request gets past "not found".
		pledge := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"5.00"}`).WantStatus(t, 201)
		app := ts.JSON("POST", "/api/v1/applications", tokens["applicant"], testserver.ApplicationBody).WantStatus(t, 201)
		ids := map[string]string{"id": pledge.JSON["id"].(string), "format": "girocode.png", "action": "confirm", "slug": "validation", "filepath": "/site.css"}
		appID := app.JSON["id"].(string)

		router, _ := ts.H.(*gin.Engine)
		if router == nil {
			t.Fatal("the handler is not a gin.Engine")
		}
		param := regexp.MustCompile(`[:*]([A-Za-z_]+)`)
		fill := func(route, badIn, bad string) string {
			return param.ReplaceAllStringFunc(route, func(m string) string {
				name := m[1:]
				if name == badIn {
					if m[0] == '*' {
						return "/" + bad
					}
					return bad
				}
				v := ids[name]
				if name == "id" && (strings.Contains(route, "applications") || strings.HasPrefix(route, "/grants")) {
					v = appID
				}
				if m[0] == '*' {
					return v
				}
				return url.PathEscape(v)
			})
		}

		type request struct {
			name, method, path, body, contentType string
			headers                               map[string]string
		}
		var reqs []request
		for _, rt := range router.Routes() {
			route := rt.Method + " " + rt.Path
			isForm := !strings.HasPrefix(rt.Path, "/api/")
			path := fill(rt.Path, "", "")
			for _, bad := range []string{"%00", "%FF", "a%00", "%C0%80"} { // NUL, not UTF-8, an overlong NUL
				for _, m := range param.FindAllStringSubmatch(rt.Path, -1) {
					reqs = append(reqs, request{name: route + " path " + m[1] + "=" + bad, method: rt.Method, path: fill(rt.Path, m[1], bad)})
				}
				for _, q := range nulQuery {
					reqs = append(reqs, request{name: route + " ?" + q + "=" + bad, method: rt.Method, path: path + "?" + q + "=" + bad})
				}
			}
			for _, h := range nulHeaders {
				reqs = append(reqs, request{name: route + " header " + h, method: rt.Method, path: path, headers: map[string]string{h: "a\x00b"}})
			}
			if rt.Method == http.MethodGet {
				continue
			}
			for _, body := range withNUL(t, cmp.Or(nulBodies[route], "{}")) {
				if !isForm {
					reqs = append(reqs, request{name: route + " body " + body, method: rt.Method, path: path, body: body, contentType: "application/json"})
					continue
				}
				var fields map[string]any
				json.Unmarshal([]byte(body), &fields)
				for _, bad := range []string{"\x00", "\xff"} {
					form := url.Values{"csrf_token": {csrf}}
					for k, v := range fields {
						form.Set(k, strings.ReplaceAll(v.(string), "\x00", bad))
					}
					reqs = append(reqs, request{name: route + " form " + strconv.Quote(form.Encode()), method: rt.Method, path: path, body: form.Encode(), contentType: "application/x-www-form-urlencoded"})
				}
			}
		}
		if len(reqs) < 500 {
			t.Fatalf("only %d requests: the routes were not found", len(reqs))
		}

		roles := make([]string, 0, len(tokens))
		for role := range tokens {
			roles = append(roles, role)
		}
		sort.Strings(roles)
		for _, r := range reqs {
			for _, role := range roles {
				if !strings.HasPrefix(r.path, "/api/") && role != "anonymous" {
					continue // pages sign in by cookie: below
				}
				req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
				if r.contentType != "" {
					req.Header.Set("Content-Type", r.contentType)
				}
				if tokens[role] != "" {
					req.Header.Set("Authorization", "Bearer "+tokens[role])
				}
				if !strings.HasPrefix(r.path, "/api/") {
					for k, v := range b.Cookies {
						req.AddCookie(&http.Cookie{Name: k, Value: v})
					}
				}
				for k, v := range r.headers {
					req.Header[k] = []string{v}
				}
				rec := httptest.NewRecorder()
				ts.H.ServeHTTP(rec, req)
				if rec.Code < 400 || rec.Code >= 500 {
					t.Errorf("%s as %s: %d %s", r.name, role, rec.Code, rec.Body.String()[:min(rec.Body.Len(), 200)])
				}
			}
		}
	})
}

// TestFreeTextRefusesControlAndBidi sends each free text of the API a
// control character and each bidi override or isolate: each is 422 naming
// the field, and nothing is stored. Multi-line texts keep line breaks and
// tabs.
func TestFreeTextRefusesControlAndBidi(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		tok := map[auth.Role]string{}
		for _, role := range []auth.Role{auth.Admin, auth.Treasurer, auth.Committee, auth.Applicant} {
			tok[role] = ts.MustUser(string(role)+"@example.org", role)
		}
		entry := ts.JSON("POST", "/api/v1/ledger/entries", tok[auth.Treasurer], nulBodies["POST /api/v1/ledger/entries"]).WantStatus(t, 201).JSON["id"].(string)
		donation := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"5.00"}`).WantStatus(t, 201).JSON["id"].(string)
		app := ts.JSON("POST", "/api/v1/applications", tok[auth.Applicant], testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)

		cases := []struct {
			role         auth.Role
			method, path string
			body         string // with X where the text goes
			field        string
			lines        bool
		}{
			{"", "POST", "/api/v1/register", `{"email":"r@example.org","name":"X","password":"a long enough password"}`, "name", false},
			{"", "POST", "/api/v1/register", `{"email":"r@example.org","name":"N","organisation":"X","password":"a long enough password"}`, "organisation", false},
			{"", "POST", "/api/v1/register", `{"email":"rX@example.org","name":"N","password":"a long enough password"}`, "email", false},
			{auth.Admin, "POST", "/api/v1/users", `{"email":"u@example.org","name":"X","password":"a long enough password","roles":["auditor"]}`, "name", false},
			{auth.Admin, "POST", "/api/v1/users", `{"email":"u@example.org","name":"N","organisation":"X","password":"a long enough password","roles":["auditor"]}`, "organisation", false},
			{"", "POST", "/api/v1/donations", `{"amount":"5.00","donor":{"name":"X"}}`, "donor.name", false},
			{"", "POST", "/api/v1/donations", `{"amount":"5.00","donor":{"name":"N","street":"X"}}`, "donor.street", false},
			{"", "POST", "/api/v1/donations", `{"amount":"5.00","donor":{"name":"N","city":"X"}}`, "donor.city", false},
			{"", "POST", "/api/v1/donations", `{"amount":"5.00","message":"X"}`, "message", true},
			{auth.Treasurer, "POST", "/api/v1/donations/" + donation + "/refund", `{"reason":"X"}`, "reason", false},
			{auth.Treasurer, "POST", "/api/v1/ledger/entries", `{"memo":"X","postings":[{"account":"assets:clearing","amount":"1.00"},{"account":"income:interest","amount":"-1.00"}]}`, "memo", false},
			{auth.Treasurer, "POST", "/api/v1/ledger/entries/" + entry + "/reverse", `{"reason":"X"}`, "reason", false},
			{auth.Committee, "POST", "/api/v1/applications/" + app + "/reviews", `{"score":3,"comment":"X"}`, "comment", true},
			{auth.Committee, "POST", "/api/v1/applications/" + app + "/votes", `{"vote":"approve","comment":"X"}`, "comment", true},
			{auth.Committee, "POST", "/api/v1/applications/" + app + "/decision", `{"decision":"approved","conditions":"X"}`, "conditions", true},
			{auth.Applicant, "POST", "/api/v1/applications/" + app + "/report", `{"spent":"1.00","report":"X"}`, "report", true},
		}
		for _, field := range []struct {
			name  string
			lines bool
		}{{"title", false}, {"organisation", false}, {"summary", true}, {"description", true}, {"budget[0].item", false}, {"payee.holder", false},
			{"recognition.notice", false}, {"recognition.authority", false}, {"recognition.sponsor", false}} {
			var v map[string]any
			json.Unmarshal([]byte(testserver.ApplicationBody), &v)
			switch field.name {
			case "budget[0].item":
				v["budget"].([]any)[0].(map[string]any)["item"] = "X"
			case "payee.holder":
				v["payee"].(map[string]any)["holder"] = "X"
			case "recognition.notice", "recognition.authority", "recognition.sponsor":
				v["recognition"].(map[string]any)[strings.TrimPrefix(field.name, "recognition.")] = "X"
			default:
				v[field.name] = "X"
			}
			b, _ := json.Marshal(v)
			cases = append(cases,
				struct {
					role         auth.Role
					method, path string
					body         string
					field        string
					lines        bool
				}{auth.Applicant, "POST", "/api/v1/applications", string(b), field.name, field.lines},
				struct {
					role         auth.Role
					method, path string
					body         string
					field        string
					lines        bool
				}{auth.Applicant, "PATCH", "/api/v1/applications/" + app, string(b), field.name, field.lines})
		}

		bad := []string{`\u0007`, `\u001b[31m`, `\u007f`, `\u0085`, `\u2028`}
		for r := 0x202A; r <= 0x202E; r++ {
			bad = append(bad, fmt.Sprintf(`\u%04x`, r))
		}
		for r := 0x2066; r <= 0x2069; r++ {
			bad = append(bad, fmt.Sprintf(`\u%04x`, r))
		}
		tables := []string{"users", "donations", "applications", "entries", "reviews", "votes", "mail_outbox"}
		for _, c := range cases {
			t.Run(c.method+" "+c.path+" "+c.field, func(t *testing.T) {
				refused := bad
				if !c.lines {
					refused = append(refused, `\n`, `\t`)
				}
				for _, x := range refused {
					before := dbtest.Dump(t, d, tables...)
					r := ts.JSON(c.method, c.path, tok[c.role], strings.Replace(c.body, "X", "Name"+x+"text", 1)).WantProblem(t, 422, "validation")
					if f := r.FieldErrors(); len(f) != 1 || f[0] != c.field {
						t.Fatalf("%s: fields %v, want %s", x, f, c.field)
					}
					if after := dbtest.Dump(t, d, tables...); after != before {
						t.Fatalf("%s: a refused request changed the database", x)
					}
				}
			})
		}
		// Multi-line texts keep their line breaks and tabs.
		ts.JSON("POST", "/api/v1/donations", "", `{"amount":"5.00","message":"Viel Erfolg!\n\tAnna"}`).WantStatus(t, 201)
		r := ts.JSON("POST", "/api/v1/applications", tok[auth.Applicant], strings.Replace(testserver.ApplicationBody, `"Treffen"`, `"Treffen\n\tjeden Montag"`, 1)).WantStatus(t, 201)
		if r.JSON["description"] != "Treffen\n\tjeden Montag" {
			t.Fatalf("description %q", r.JSON["description"])
		}
	})
}

// TestNotFoundCarriesSecurityHeaders: an unknown path, a page's or the
// API's, has the same security headers as every page.
func TestNotFoundCarriesSecurityHeaders(t *testing.T) {
	ts := testserver.New(t, dbtest.Open(t, db.SQLite), server.Config{})
	page := ts.Do("GET", "/donate", "", "", "").WantStatus(t, 200)
	for _, path := range []string{"/nothing-here", "/api/v1/nothing-here", "/static/nothing.css", "/api/v1/donations/%00"} {
		r := ts.Do("GET", path, "", "", "").WantStatus(t, 404)
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
			if want := page.Header().Get(h); want == "" || r.Header().Get(h) != want {
				t.Errorf("%s: %s is %q, on a page %q", path, h, r.Header().Get(h), want)
			}
		}
	}
}

// TestSearchTextOverLimit: a search text longer than donations.MaxQuery is
// 422 naming q, on the API and the treasurer's page, on both engines
// (SQLite refused patterns over 50,000 bytes as an internal error).
func TestSearchTextOverLimit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		ts.JSON("GET", "/api/v1/donations?q="+strings.Repeat("a", donations.MaxQuery), kasse, "").WantStatus(t, 200)
		for _, n := range []int{donations.MaxQuery + 1, 60000} {
			r := ts.JSON("GET", "/api/v1/donations?q="+strings.Repeat("%25", n), kasse, "").WantProblem(t, 422, "validation")
			if f := r.FieldErrors(); len(f) != 1 || f[0] != "q" {
				t.Fatalf("%d characters: fields %v", n, f)
			}
		}
		ts.MustUser("pages@example.org", auth.Treasurer)
		b := ts.SignedIn("pages@example.org", "en")
		if r := b.Do("GET", "/treasurer/donations?q="+strings.Repeat("a", 60000), nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("the treasurer's page: %d", r.Code)
		}
	})
}

// TestFarFutureDates: a to/at of 9999-12-31 means "up to the end of
// time" on both engines: every entry, every donation, today's balances.
func TestFarFutureDates(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		ts.JSON("POST", "/api/v1/ledger/entries", kasse, nulBodies["POST /api/v1/ledger/entries"]).WantStatus(t, 201)
		ts.JSON("POST", "/api/v1/donations", "", `{"amount":"5.00"}`).WantStatus(t, 201)

		for _, q := range []string{"to=9999-12-31", "to=9999-12-31T23:59:59Z", "from=0001-01-01&to=9999-12-31"} {
			r := ts.JSON("GET", "/api/v1/ledger/entries?"+q, kasse, "").WantStatus(t, 200)
			if n := len(r.JSON["items"].([]any)); n != 1 {
				t.Errorf("entries?%s: %d entries, want 1", q, n)
			}
			r = ts.JSON("GET", "/api/v1/donations?"+q, kasse, "").WantStatus(t, 200)
			if n := len(r.JSON["items"].([]any)); n != 1 {
				t.Errorf("donations?%s: %d donations, want 1", q, n)
			}
			x := ts.JSON("GET", "/api/v1/ledger/export?format=csv&"+q, kasse, "").WantStatus(t, 200)
			if n := strings.Count(x.Body.String(), "\n"); n != 3 { // the header and two postings
				t.Errorf("export?%s: %d lines:\n%s", q, n, x.Body)
			}
		}
		for _, at := range []string{"9999-12-31", "9999-12-31T23:59:59Z"} {
			r := ts.JSON("GET", "/api/v1/ledger/trial-balance?at="+at, kasse, "").WantStatus(t, 200)
			if r.JSON["total_debit"] != "1.00" || r.JSON["total_credit"] != "1.00" {
				t.Errorf("trial-balance?at=%s: %v", at, r.JSON)
			}
		}
	})
}

// TestReceivedAtBeforeTheFund: the API and the treasurer's page refuse a
// received_at before the fund's first day (by default the euro's) or days
// ahead with 422 naming received_at; the donation stays pledged.
func TestReceivedAtBeforeTheFund(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		id := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"5.00"}`).WantStatus(t, 201).JSON["id"].(string)
		for _, at := range []string{"1998-12-31", "0001-01-01", time.Now().AddDate(0, 0, 3).Format(time.DateOnly)} {
			r := ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"received_at":"`+at+`"}`).WantProblem(t, 422, "validation")
			if f := r.FieldErrors(); len(f) != 1 || f[0] != "received_at" {
				t.Fatalf("%s: fields %v", at, f)
			}
		}
		ts.MustUser("pages@example.org", auth.Treasurer)
		b := ts.SignedIn("pages@example.org", "en")
		page := b.Do("GET", "/treasurer/donations/"+id+"/confirm", nil)
		r := b.Do("POST", "/treasurer/donations/"+id+"/confirm", url.Values{"csrf_token": {b.CSRF(page.Body.String())}, "received_at": {"1998-12-31"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), "the fund&#39;s first day, 1999-01-01") {
			t.Fatalf("the page: %d %s", r.Code, r.Body)
		}
		if got := ts.JSON("GET", "/api/v1/donations/"+id, kasse, "").WantStatus(t, 200); got.JSON["status"] != "pledged" {
			t.Fatalf("status %v", got.JSON["status"])
		}
		ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"received_at":"1999-01-01"}`).WantStatus(t, 200)
	})
}
