package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// acceptanceBands are the bands of § 26 KomHKVO the acceptance tests run
// with: up to 100 EUR the administration, up to 2,000 EUR the committee,
// above the council.
var acceptanceBands = donations.Bands{AdminMax: 10000, CommitteeMax: 200000}

// gift is a donation of amount by donor (anonymous on public pages if
// anonymous), received at its pledged amount; its id and reference.
func gift(t *testing.T, ts *testserver.Server, kasse, amount, donor string, anonymous bool) (id, ref string) {
	t.Helper()
	body := `{"amount":"` + amount + `","donor":{"name":"` + donor + `","city":"Osnabrück"}`
	if anonymous {
		body += `,"anonymous":true`
	}
	p := ts.JSON("POST", "/api/v1/donations", "", body+"}").WantStatus(t, http.StatusCreated)
	id, ref = p.JSON["id"].(string), p.JSON["reference"].(string)
	ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{}`).WantStatus(t, http.StatusOK)
	return id, ref
}

// hiddenFields reads the hidden fields of the first POST form on page.
func hiddenFields(t *testing.T, page string) url.Values {
	t.Helper()
	form := regexp.MustCompile(`(?s)<form method="post" action="/admin/acceptance/decide">.*?</form>`).FindString(page)
	if form == "" {
		t.Fatalf("no decision form on the page:\n%s", page)
	}
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		v.Add(m[1], htmlUnescape(m[2]))
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#43;", "+").Replace(s)
}

// TestAcceptancePages: the admin's lists per body (with print view and
// CSV), the decision through its confirmation step, what a refused
// decision shows (and that it records nothing), the treasurer reading
// only, the roles that may not, and the yearly report with its CSV.
func TestAcceptancePages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.SetBands(acceptanceBands)
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		ts.MustUser("admin@example.org", auth.Admin)
		ts.MustUser("pruefer@example.org", auth.Auditor)
		ts.MustUser("m@example.org", auth.Committee)
		ts.MustUser("verein@example.org", auth.Applicant)

		small, smallRef := gift(t, ts, kasse, "50.00", "Klara Klein", false)
		_, c1Ref := gift(t, ts, kasse, "150.00", "Erika Mustermann", false)
		c2, c2Ref := gift(t, ts, kasse, "1500.00", "Ayşe Yılmaz", false)
		k1, k1Ref := gift(t, ts, kasse, "2500.00", "Stadtwerke Osnabrück AG", false)
		k2, k2Ref := gift(t, ts, kasse, "3000.00", "Max Verborgen", true) // anonymous in public: named here
		k3, k3Ref := gift(t, ts, kasse, "5000.00", "Hans Huber", false)
		today := fundus.DayOf(time.Now())
		todayDE := time.Now().In(fundus.Berlin).Format("02.01.2006")
		decisions := func() int {
			var n int
			if err := d.Get(&n, `SELECT count(*) FROM acceptance_decisions`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		acceptance := func(id string) (string, string, string) {
			t.Helper()
			j := ts.JSON("GET", "/api/v1/donations/"+id, kasse, "").WantStatus(t, 200).JSON
			s := func(k string) string { v, _ := j[k].(string); return v }
			return s("acceptance"), s("status"), s("refund_status")
		}

		admin := ts.SignedIn("admin@example.org", "de")
		var councilPage string
		t.Run("the list of each body", func(t *testing.T) {
			r := admin.Do("GET", "/admin/acceptance", nil)
			page := r.Body.String()
			if r.Code != 200 || !strings.Contains(page, c1Ref) || !strings.Contains(page, c2Ref) || strings.Contains(page, k1Ref) || strings.Contains(page, smallRef) {
				t.Fatalf("committee list (the default): %d\n%s", r.Code, page)
			}
			for _, want := range []string{`id="non-public"`, `aria-current="page">Verwaltungsausschuss<`, `href="/admin/acceptance?body=council"`,
				"2 Spenden, zusammen 1.650,00\u00a0€", "Erika Mustermann", "Ayşe Yılmaz",
				`name="choice-` + c2 + `" value="accept" id="choice-` + c2 + `-accept" checked`, `id="session_date"`, `id="session_ref"`,
				`href="/admin/acceptance/report"`, `href="/admin/acceptance/print?body=committee"`} {
				if !strings.Contains(page, want) {
					t.Errorf("committee list lacks %q", want)
				}
			}
			r = admin.Do("GET", "/admin/acceptance?body=council", nil)
			councilPage = r.Body.String()
			if r.Code != 200 || strings.Contains(councilPage, c1Ref) {
				t.Fatalf("council list: %d", r.Code)
			}
			for _, want := range []string{k1Ref, k2Ref, k3Ref, "Max Verborgen", "3 Spenden, zusammen 10.500,00\u00a0€", `aria-current="page">Rat<`,
				// Each row: reference, day received, donor, amount, purpose.
				todayDE, "5.000,00\u00a0€", fundus.DefaultDonationPurpose} {
				if !strings.Contains(councilPage, want) {
					t.Errorf("council list lacks %q", want)
				}
			}
			// In English.
			en := ts.SignedIn("admin@example.org", "en")
			enPage := en.Do("GET", "/admin/acceptance?body=council", nil).Body.String()
			for _, want := range []string{"List for the council&#39;s next session", "3 donations, €10,500.00 in all", " <span>Not dealt with</span></label>", "Not public: this list names the donors"} {
				if !strings.Contains(enPage, want) {
					t.Errorf("English council list lacks %q", want)
				}
			}
			if r := admin.Do("GET", "/admin/acceptance?body=administration", nil); r.Code != http.StatusUnprocessableEntity {
				t.Errorf("the administration's list: %d, want 422", r.Code)
			}
		})

		t.Run("print view and CSV", func(t *testing.T) {
			r := admin.Do("GET", "/admin/acceptance/print?body=council&date=2026-12-10", nil)
			page := r.Body.String()
			if r.Code != 200 || !strings.Contains(page, "Anlage (nichtöffentlich): Annahme von Zuwendungen – Rat – 10.12.2026</h1>") ||
				!strings.Contains(page, "Max Verborgen") || !strings.Contains(page, `id="print-sum">10.500,00`) || strings.Contains(page, `name="choice-`) {
				t.Fatalf("print view: %d\n%s", r.Code, page)
			}
			if r := admin.Do("GET", "/admin/acceptance/print?body=council&date=morgen", nil); r.Code != http.StatusUnprocessableEntity {
				t.Errorf("print view with a bad date: %d", r.Code)
			}
			r = admin.Do("GET", "/admin/acceptance?body=council&format=csv", nil)
			csv := r.Body.String()
			if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/csv") ||
				!strings.HasPrefix(csv, "reference,received,donor,purpose,amount,currency,band,donation_id\n") ||
				!strings.Contains(csv, k2Ref+","+today+",Max Verborgen,") || !strings.Contains(csv, ",3000.00,EUR,council,"+k2+"\n") || strings.Contains(csv, c1Ref) {
				t.Fatalf("CSV: %d %s\n%s", r.Code, r.Header().Get("Content-Type"), csv)
			}
		})

		// The council's form: k1 struck, k2 declined, k3 accepted.
		choices := func(date, ref string) url.Values {
			return url.Values{"csrf_token": {admin.CSRF(councilPage)}, "body": {"council"}, "session_date": {date}, "session_ref": {ref},
				"donation": {k1, k2, k3}, "choice-" + k1: {"strike"}, "choice-" + k2: {"decline"}, "choice-" + k3: {"accept"}}
		}
		t.Run("the form's errors, before the confirmation", func(t *testing.T) {
			r := admin.Do("POST", "/admin/acceptance/decide", choices("2999-01-01", " "))
			page := r.Body.String()
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="session_date-error"`) || !strings.Contains(page, "nicht in der Zukunft") ||
				!strings.Contains(page, `id="session_ref-error"`) || !strings.Contains(page, `class="error-summary"`) ||
				!strings.Contains(page, `name="choice-`+k2+`" value="decline" id="choice-`+k2+`-decline" checked`) {
				t.Fatalf("future session, no reference: %d\n%s", r.Code, page)
			}
			if r := admin.Do("POST", "/admin/acceptance/decide", choices(today, strings.Repeat("x", 101))); r.Code != http.StatusUnprocessableEntity ||
				!strings.Contains(r.Body.String(), `id="session_ref-error"`) || !strings.Contains(r.Body.String(), "Höchstens 100 Zeichen") {
				t.Fatalf("a reference too long: %d", r.Code)
			}
			all := choices(today, "Rat 12/2026")
			for _, id := range []string{k2, k3} {
				all.Set("choice-"+id, "strike")
			}
			if r := admin.Do("POST", "/admin/acceptance/decide", all); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="choices-error"`) {
				t.Fatalf("everything struck: %d", r.Code)
			}
			odd := choices(today, "Rat 12/2026")
			odd.Set("choice-"+k3, "maybe")
			if r := admin.Do("POST", "/admin/acceptance/decide", odd); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="choice-`+k3+`-error"`) {
				t.Fatalf("a choice that is none: %d", r.Code)
			}
			if n := decisions(); n != 0 {
				t.Fatalf("%d decisions recorded by refused forms", n)
			}
		})

		var confirm url.Values
		t.Run("the confirmation step records nothing", func(t *testing.T) {
			r := admin.Do("POST", "/admin/acceptance/decide", choices(today, "Rat 12/2026"))
			page := r.Body.String()
			if r.Code != 200 {
				t.Fatalf("confirmation step: %d\n%s", r.Code, page)
			}
			for _, want := range []string{"Angenommen: 1 Spende, zusammen 5.000,00\u00a0€", "Abgelehnt: 1 Spende, zusammen 3.000,00\u00a0€",
				"Nicht behandelt: 1 Spende", `id="refund-note"`, "Rat 12/2026", todayDE, `id="confirm-acceptance"`} {
				if !strings.Contains(page, want) {
					t.Errorf("confirmation step lacks %q", want)
				}
			}
			confirm = hiddenFields(t, page)
			if confirm.Get("accepted") != k3 || confirm.Get("declined") != k2 || len(confirm["accepted"])+len(confirm["declined"]) != 2 || confirm.Get("idempotency_key") == "" {
				t.Fatalf("the confirmation form sends %v", confirm)
			}
			if n := decisions(); n != 0 {
				t.Fatalf("showing the confirmation step recorded %d decisions", n)
			}
			// Back to the form: the choices are kept.
			back := url.Values{}
			for k, v := range confirm {
				back[k] = v
			}
			back.Set("edit", "1")
			r = admin.Do("POST", "/admin/acceptance/decide", back)
			if page := r.Body.String(); r.Code != 200 || !strings.Contains(page, `id="choice-`+k1+`-strike" checked`) || !strings.Contains(page, `id="choice-`+k2+`-decline" checked`) ||
				!strings.Contains(page, `value="Rat 12/2026"`) || decisions() != 0 {
				t.Fatalf("back to the form: %d", r.Code)
			}
		})

		t.Run("without CSRF token: 403, nothing recorded", func(t *testing.T) {
			post := url.Values{}
			for k, v := range confirm {
				post[k] = v
			}
			post.Set("confirmed", "1")
			for _, tok := range []string{"", "forged"} {
				post.Set("csrf_token", tok)
				if r := admin.Do("POST", "/admin/acceptance/decide", post); r.Code != http.StatusForbidden || decisions() != 0 {
					t.Fatalf("token %q: %d, %d decisions", tok, r.Code, decisions())
				}
			}
		})

		t.Run("a refused decision shows why and changes nothing", func(t *testing.T) {
			// A committee donation on the council's decision: named by its reference.
			post := url.Values{"csrf_token": {admin.CSRF(councilPage)}, "body": {"council"}, "session_date": {today}, "session_ref": {"Rat 12/2026"},
				"accepted": {k3, c2}, "confirmed": {"1"}, "idempotency_key": {"refused-band-0000000000000000001"}}
			r := admin.Do("POST", "/admin/acceptance/decide", post)
			page := r.Body.String()
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(page, c2Ref+": Über diese Spende entscheidet nach ihrem Betrag ein anderes Gremium") ||
				!strings.Contains(page, `class="error-summary"`) || !strings.Contains(page, `id="decision-form"`) {
				t.Fatalf("another band: %d\n%s", r.Code, page)
			}
			// One donation accepted and declined: the error beside its row.
			post = url.Values{"csrf_token": {admin.CSRF(councilPage)}, "body": {"council"}, "session_date": {today}, "session_ref": {"Rat 12/2026"},
				"accepted": {k3}, "declined": {k3}, "confirmed": {"1"}}
			r = admin.Do("POST", "/admin/acceptance/decide", post)
			if page := r.Body.String(); r.Code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="choice-`+k3+`-error"`) {
				t.Fatalf("twice: %d\n%s", r.Code, page)
			}
			if n := decisions(); n != 0 {
				t.Fatalf("a refused decision recorded %d", n)
			}
			for _, id := range []string{k3, c2} {
				if acc, _, _ := acceptance(id); acc != "pending" {
					t.Fatalf("after refused decisions %s is %s", id, acc)
				}
			}
		})

		t.Run("record: accepted, declined to a refund, struck stays", func(t *testing.T) {
			post := url.Values{}
			for k, v := range confirm {
				post[k] = v
			}
			post.Set("confirmed", "1")
			r := admin.Do("POST", "/admin/acceptance/decide", post)
			loc := r.Header().Get("Location")
			if r.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/acceptance?") || !strings.Contains(loc, "done=decided") {
				t.Fatalf("record: %d %s\n%s", r.Code, loc, r.Body)
			}
			// Sent twice (a double click): one decision.
			if again := admin.Do("POST", "/admin/acceptance/decide", post); again.Code != http.StatusSeeOther || decisions() != 1 {
				t.Fatalf("sent again: %d, %d decisions", again.Code, decisions())
			}
			page := admin.Do("GET", loc, nil).Body.String()
			flash := regexp.MustCompile(`(?s)id="acceptance-done"><p>(.*?)</p>`).FindStringSubmatch(page)
			if flash == nil || !strings.Contains(flash[1], "Der Beschluss ist eingetragen (Rat, Sitzung am "+todayDE+", Rat 12/2026).") ||
				!strings.Contains(flash[1], "Angenommen: 1 Spende (5.000,00\u00a0€).") || !strings.Contains(flash[1], "Abgelehnt: 1 Spende (3.000,00\u00a0€) – die Rückzahlung ist vorgemerkt") {
				t.Fatalf("after recording: %q\n%s", flash, page)
			}
			if !strings.Contains(page, k1Ref) || strings.Contains(page, k2Ref) || strings.Contains(page, k3Ref) || !strings.Contains(page, "1 Spende, zusammen 2.500,00") {
				t.Fatal("the list after the decision should hold the struck donation alone")
			}
			for id, want := range map[string][3]string{k1: {"pending", "received", ""}, k2: {"declined", "refunded", "owed"}, k3: {"accepted", "received", ""}} {
				if acc, st, refund := acceptance(id); acc != want[0] || st != want[1] || refund != want[2] {
					t.Errorf("%s: %s %s %s, want %v", id, acc, st, refund, want)
				}
			}
		})

		t.Run("the treasurer reads the list and sees the refund owed, but does not decide", func(t *testing.T) {
			b := ts.SignedIn("kasse@example.org", "de")
			r := b.Do("GET", "/admin/acceptance?body=council", nil)
			page := r.Body.String()
			if r.Code != 200 || !strings.Contains(page, k1Ref) || strings.Contains(page, `name="choice-`) || strings.Contains(page, `action="/admin/acceptance/decide"`) ||
				!strings.Contains(page, `id="read-only"`) || strings.Contains(page, `href="/admin/acceptance/report"`) {
				t.Fatalf("treasurer's list: %d\n%s", r.Code, page)
			}
			if r := b.Do("GET", "/admin/acceptance/print?body=council", nil); r.Code != 200 {
				t.Errorf("treasurer's print view: %d", r.Code)
			}
			if !strings.Contains(b.Do("GET", "/treasurer/donations", nil).Body.String(), `href="/admin/acceptance"`) {
				t.Error("the treasurer's page does not lead to the lists")
			}
			post := choices(today, "Rat 12/2026")
			post.Set("csrf_token", b.CSRF(page))
			post.Set("accepted", k1)
			post.Set("confirmed", "1")
			if r := b.Do("POST", "/admin/acceptance/decide", post); r.Code != http.StatusForbidden {
				t.Fatalf("the treasurer decides: %d", r.Code)
			}
			if acc, _, _ := acceptance(k1); acc != "pending" || decisions() != 1 {
				t.Fatalf("the treasurer's refused decision changed %s / %d decisions", acc, decisions())
			}
			refunds := b.Do("GET", "/treasurer/donations?status=refunded", nil).Body.String()
			row := regexp.MustCompile(`(?s)<tr role="row" id="donation-` + k2Ref + `">.*?</tr>`).FindString(refunds)
			if !strings.Contains(row, "Erstattung offen") {
				t.Fatalf("the declined donation in the treasurer's list: %q", row)
			}
			if r := b.Do("GET", "/admin/acceptance/report", nil); r.Code != http.StatusForbidden {
				t.Errorf("the treasurer reads the report: %d", r.Code)
			}
		})

		t.Run("committee and applicants may not; anonymous signs in", func(t *testing.T) {
			for _, email := range []string{"m@example.org", "verein@example.org"} {
				b := ts.SignedIn(email, "de")
				for _, path := range []string{"/admin/acceptance", "/admin/acceptance?body=council", "/admin/acceptance/print?body=council", "/admin/acceptance?format=csv", "/admin/acceptance/report"} {
					if r := b.Do("GET", path, nil); r.Code != http.StatusForbidden || strings.Contains(r.Body.String(), k1Ref) {
						t.Errorf("%s GET %s: %d", email, path, r.Code)
					}
				}
			}
			anon := ts.Browser(t, "de")
			if r := anon.Do("GET", "/admin/acceptance?body=council", nil); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/login?next=") {
				t.Errorf("anonymous: %d %s", r.Code, r.Header().Get("Location"))
			}
		})

		t.Run("the yearly report, for the admin and the auditor", func(t *testing.T) {
			year := today[:4]
			for _, email := range []string{"admin@example.org", "pruefer@example.org"} {
				b := ts.SignedIn(email, "de")
				r := b.Do("GET", "/admin/acceptance/report?year="+year, nil)
				page := r.Body.String()
				if r.Code != 200 {
					t.Fatalf("%s: report %d", email, r.Code)
				}
				rowOf := func(ref string) string {
					return regexp.MustCompile(`(?s)<tr role="row" id="report-` + ref + `">.*?</tr>`).FindString(page)
				}
				for ref, want := range map[string][]string{
					smallRef: {"Klara Klein", "Osnabrück", "50,00", "Verwaltung", "angenommen"},
					k3Ref:    {"Hans Huber", "5.000,00", ">Rat<", todayDE, "Rat 12/2026", "angenommen"},
					k2Ref:    {"Max Verborgen", ">Rat<", "abgelehnt"},
					k1Ref:    {">Rat<", "offen"},
					c2Ref:    {"Verwaltungsausschuss", "offen"},
				} {
					row := rowOf(ref)
					for _, w := range want {
						if !strings.Contains(row, w) {
							t.Errorf("%s: report row of %s lacks %q: %s", email, ref, w, row)
						}
					}
				}
				if !strings.Contains(page, `href="/admin/acceptance/report?format=csv&amp;year=`+year+`"`) {
					t.Errorf("%s: no CSV link", email)
				}
				// The navigation of each leads to the report.
				nav := "/admin/users"
				if email == "pruefer@example.org" {
					nav = "/auditor/ledger"
				}
				if !strings.Contains(b.Do("GET", nav, nil).Body.String(), `href="/admin/acceptance/report"`) {
					t.Errorf("%s: %s does not link to the report", email, nav)
				}
				csv := b.Do("GET", "/admin/acceptance/report?year="+year+"&format=csv", nil)
				if csv.Code != 200 || !strings.HasPrefix(csv.Header().Get("Content-Type"), "text/csv") ||
					!strings.Contains(csv.Body.String(), k3Ref+","+today+",Hans Huber,Osnabrück,5000.00,EUR,") ||
					!strings.Contains(csv.Body.String(), ",council,"+today+",Rat 12/2026,accepted\n") || !strings.Contains(csv.Body.String(), ",administration,,,accepted\n") {
					t.Fatalf("%s: report CSV %d\n%s", email, csv.Code, csv.Body)
				}
				bad := b.Do("GET", "/admin/acceptance/report?year=zwanzig", nil)
				if bad.Code != http.StatusUnprocessableEntity || !strings.Contains(bad.Body.String(), `id="year-error"`) {
					t.Errorf("%s: a bad year: %d", email, bad.Code)
				}
			}
			if b := ts.SignedIn("pruefer@example.org", "de"); b.Do("GET", "/admin/acceptance?body=council", nil).Code != http.StatusForbidden {
				t.Error("the auditor reads the session's list")
			}
			_ = small
		})
	})
}
