package ui_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/audit"
	"fundus/auth"
	"fundus/bank"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/grants"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
	"fundus/web"
)

// The public pages of issue 15: the trust pages, the donor's thank-you
// page and the applicant's steps (withdrawal, report with receipts, the
// maximum grant).

// operator is a configured operator, none of whose details are examples.
var operator = web.Operator{
	Name: "Stadt Testhausen", Address: "Rathausplatz 7, 49999 Testhausen", Email: "fonds@testhausen.example",
	Phone: "0541 0000000", Representative: "Oberbürgermeister Karl Test", Responsible: "Fachdienst Integration, Frau Ada Test",
	DPO: "Datenschutz Testhausen, datenschutz@testhausen.example", Authority: "LfD Niedersachsen",
}

// publicServer is testserver.New with FUNDUS_MAX_GRANT = 1000.00 and the
// site's configuration in cfg.Site.
func publicServer(t *testing.T, d *db.DB, cfg server.Config) *testserver.Server {
	t.Helper()
	w := ledgertest.Writer(t, d, nil)
	a := auth.NewService(d, w, time.Hour)
	l := &ledger.Service{DB: d, Writer: w, MaxAmount: 100000000}
	dons := &donations.Service{DB: d, Writer: w, MaxAmount: 100000000,
		Bank: donations.BankAccount{IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Holder: "Integrationsfonds Osnabrück"}}
	g := &grants.Service{DB: d, Writer: w, MaxAmount: 100000000, MaxGrant: 100000, Quorum: 3}
	b := &bank.Service{DB: d, Writer: w, IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Holder: "Integrationsfonds Osnabrueck", MaxAmount: 100000000}
	h, err := server.New(cfg, d, server.Services{Auth: a, Ledger: l, Audit: &audit.Service{DB: d}, Donations: dons, Grants: g, Bank: b},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &testserver.Server{T: t, H: h, DB: d, Auth: a, Ledger: l}
}

// publicPaths are the pages anybody sees.
var publicPaths = []string{"/", "/donate", "/apply", "/report", "/login", "/impressum", "/datenschutz", "/kontakt"}

// TestTrustPages: the Impressum, the privacy policy and the contact page
// show the configured operator, in German and (explained) in English; every
// public page links them in its footer; the configured name, logo and
// colour are used, and the examples are marked as examples.
func TestTrustPages(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := publicServer(t, d, server.Config{Site: web.Site{FundName: "Testfonds Vielfalt", LogoURL: "https://cdn.testhausen.example/logo.svg",
		ColorPrimary: "#123456", Operator: operator}})
	for _, lang := range []string{"de", "en"} {
		b := ts.Browser(t, lang)
		for _, path := range publicPaths {
			r := b.Do("GET", path, nil)
			body := r.Body.String()
			if r.Code != 200 {
				t.Fatalf("%s %s: %d", lang, path, r.Code)
			}
			foot := body[strings.Index(body, "<footer"):]
			for _, link := range []string{`href="/impressum"`, `href="/datenschutz"`, `href="/kontakt"`, "Stadt Testhausen"} {
				if !strings.Contains(foot, link) {
					t.Errorf("%s %s: the footer lacks %s", lang, path, link)
				}
			}
			if !strings.Contains(body, `<img class="logo" src="https://cdn.testhausen.example/logo.svg"`) || !strings.Contains(body, "Testfonds Vielfalt</span>") ||
				!strings.Contains(body, `href="/theme.css"`) {
				t.Errorf("%s %s: no configured logo, name or colour", lang, path)
			}
			if csp := r.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' https://cdn.testhausen.example;") {
				t.Errorf("%s %s: the logo's host is not allowed: %s", lang, path, csp)
			}
			if strings.Contains(body, "example-operator") || strings.Contains(body, "BEISPIEL") {
				t.Errorf("%s %s: configured details marked as examples", lang, path)
			}
		}
		for path, want := range map[string][]string{
			"/impressum":   {operator.Name, operator.Address, operator.Email, operator.Phone, operator.Representative, operator.Responsible, "§ 5 DDG"},
			"/datenschutz": {operator.Name, operator.Address, operator.Email, operator.DPO, operator.Authority, "§ 147 AO", "Art. 15 DSGVO", "Art. 17", "Art. 18 DSGVO", "10 Jahre ab dem Ende des Jahres, in dem der Jahresabschluss"},
			"/kontakt":     {operator.Name, operator.Address, operator.Email, operator.Phone, operator.DPO},
		} {
			body := b.Do("GET", path, nil).Body.String()
			for _, w := range want {
				if !strings.Contains(body, strings.ReplaceAll(w, "&", "&amp;")) {
					t.Errorf("%s %s lacks %q", lang, path, w)
				}
			}
			// The legal texts are German; an English page explains them
			// first and then shows the German text.
			if path != "/kontakt" && lang == "en" && (!strings.Contains(body, `<section lang="en"`) || !strings.Contains(body, `<section lang="de"`) || !strings.Contains(body, "legally binding text is the German")) {
				t.Errorf("en %s: not an English explanation with the German text", path)
			}
			if path != "/kontakt" && lang == "de" && strings.Contains(body, `<section lang="en"`) {
				t.Errorf("de %s shows the English explanation", path)
			}
		}
	}
	css := ts.Browser(t, "de").Do("GET", "/theme.css", nil)
	if css.Code != 200 || !strings.HasPrefix(css.Header().Get("Content-Type"), "text/css") || !strings.Contains(css.Body.String(), "--accent: #123456;") {
		t.Fatalf("theme.css: %d %q", css.Code, css.Body.String())
	}

	// Without configuration: the examples, marked on the trust pages.
	ex := publicServer(t, dbtest.Open(t, db.SQLite), server.Config{}).Browser(t, "de")
	for _, path := range []string{"/impressum", "/datenschutz", "/kontakt"} {
		if body := ex.Do("GET", path, nil).Body.String(); !strings.Contains(body, `id="example-operator"`) || !strings.Contains(body, "Stadt Musterstadt (BEISPIEL)") {
			t.Errorf("%s: the example operator is not marked", path)
		}
	}
	if body := ex.Do("GET", "/", nil).Body.String(); strings.Contains(body, "theme.css") || strings.Contains(body, `class="logo"`) {
		t.Error("a colour or logo without configuration")
	}
}

// TestSiteChecks: the colour and the logo go into a style sheet and an
// attribute; anything but a plain value is refused.
func TestSiteChecks(t *testing.T) {
	for _, c := range []string{"red", "#12345", "#1234567", "#fff", "#123456;}body{display:none", "#ffffff", "#ffbf47", ""} {
		if web.CheckColor(c) == nil {
			t.Errorf("colour %q accepted", c)
		}
	}
	for _, c := range []string{"#0b5a8a", "#123456", "#000000"} {
		if err := web.CheckColor(c); err != nil {
			t.Errorf("colour %q refused: %v", c, err)
		}
	}
	for _, u := range []string{"javascript:alert(1)", "http://x.example/logo.png", "//evil.example/x.png", `/a" onerror="x`, "https://u:p@x.example/l.png", "data:image/png;base64,AAAA", "logo.png"} {
		if web.CheckLogoURL(u) == nil {
			t.Errorf("logo %q accepted", u)
		}
	}
	for _, u := range []string{"", "/branding/logo.svg", "https://cdn.example.org/logo.png"} {
		if err := web.CheckLogoURL(u); err != nil {
			t.Errorf("logo %q refused: %v", u, err)
		}
	}
}

// TestDonorThanksPage: an anonymous donor's name appears on no public page
// and in no public API answer; the thank-you page says what "anonymous"
// means and what happens with a receipt; switching its language keeps the
// reference.
func TestDonorThanksPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := publicServer(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		b := ts.Browser(t, "de")
		const name = "Zoltan Geheimspender"
		pledge := func(amount string, anonymous, receipt bool) (id, ref, page string) {
			form := b.Do("GET", "/donate", nil).Body.String()
			v := url.Values{"csrf_token": {b.CSRF(form)}, "amount_other": {amount}, "name": {name}, "email": {"zoltan@example.org"},
				"street": {"Geheimweg 1"}, "postal_code": {"49074"}, "city": {"Osnabrück"}, "message": {"von " + name}}
			if anonymous {
				v.Set("anonymous", "1")
			}
			if receipt {
				v.Set("receipt_requested", "1")
			}
			r := b.Do("POST", "/donate", v)
			page = r.Body.String()
			m := regexp.MustCompile(`href="/lang\?to=(?:en|de)&amp;back=%2fdonate%2fthanks%2f([0-9a-f-]+)"`).FindStringSubmatch(page)
			if r.Code != 200 || m == nil {
				t.Fatalf("pledge: %d, no language link to the thank-you page's address: %s", r.Code, regexp.MustCompile(`/lang[^"]*`).FindAllString(page, -1))
			}
			return m[1], regexp.MustCompile(`id="reference">([^<]+)<`).FindStringSubmatch(page)[1], page
		}
		id, ref, page := pledge("25", true, false)
		if !strings.Contains(page, "Sie spenden anonym") || !strings.Contains(page, "§ 50 Abs. 4 EStDV") {
			t.Fatalf("the thank-you page does not say what anonymous means or what happens with a receipt:\n%s", page)
		}

		// The language switch comes back to the same donation.
		r := b.Do("GET", "/lang?to=en&back=/donate/thanks/"+id, nil)
		if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/donate/thanks/"+id {
			t.Fatalf("switch: %d %s", r.Code, r.Header().Get("Location"))
		}
		en := b.Do("GET", "/donate/thanks/"+id, nil)
		if body := en.Body.String(); en.Code != 200 || !strings.Contains(body, `<html lang="en" dir="ltr">`) || !strings.Contains(body, `id="reference">`+ref+`<`) ||
			!strings.Contains(body, "You give anonymously") || !strings.Contains(body, "§ 50 (4) EStDV") || strings.Contains(body, name) {
			t.Fatalf("English thank-you page after the switch: %d\n%s", en.Code, body)
		}
		if r := b.Do("GET", "/donate/thanks/00000000-0000-7000-8000-000000000000", nil); r.Code != 404 {
			t.Fatalf("an unknown donation's thank-you page: %d", r.Code)
		}
		// Over 300 € with a receipt asked for: the official receipt.
		_, _, big := pledge("500", false, true)
		if !strings.Contains(big, `id="receipt-info">You will get an official donation receipt`) || !strings.Contains(big, "We never publish donors") {
			t.Fatalf("over 300 € with a receipt:\n%s", big)
		}

		// The money arrives; a project is funded; the name is still nowhere public.
		ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, "").WantStatus(t, 200)
		year := time.Now().In(fundus.Berlin).Year()
		anon := ts.Browser(t, "en")
		paths := append([]string{"/api/v1/fund", "/api/v1/fund/projects", fmt.Sprintf("/api/v1/fund/report?year=%d", year),
			fmt.Sprintf("/api/v1/fund/report?year=%d&format=csv", year), fmt.Sprintf("/report?year=%d", year), "/donate/thanks/" + id}, publicPaths...)
		for _, lang := range []string{"de", "en"} {
			anon.Lang = lang
			for _, p := range paths {
				r := anon.Do("GET", p, nil)
				if r.Code != 200 {
					t.Fatalf("%s: %d", p, r.Code)
				}
				if body := r.Body.String(); strings.Contains(body, "Zoltan") || strings.Contains(body, "Geheim") || strings.Contains(body, "zoltan@") {
					t.Errorf("%s %s shows the anonymous donor", lang, p)
				}
			}
		}
	})
}

// paidApplication is an application of group (signed in on pages as
// verein@example.org) approved for 500.00 and paid in full.
func paidApplication(t *testing.T, ts *testserver.Server) (id string) {
	t.Helper()
	k1, k2 := ts.MustUser("k1@example.org", auth.Treasurer), ts.MustUser("k2@example.org", auth.Treasurer)
	ts.BankOpens(k1, 100000, "") // the money the fund holds, from the bank's line
	group := ts.MustUser("verein@example.org", auth.Applicant)
	id = ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)
	A := "/api/v1/applications/" + id
	ts.JSON("POST", A+"/submit", group, "").WantStatus(t, 200)
	var members []string
	for i := range 3 {
		m := ts.MustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee)
		members = append(members, m)
		ts.JSON("POST", A+"/reviews", m, `{"score":4}`).WantStatus(t, 201)
		ts.JSON("POST", A+"/votes", m, `{"vote":"approve"}`).WantStatus(t, 201)
	}
	ts.JSON("POST", A+"/decision", members[0], `{"decision":"approved"}`).WantStatus(t, 200)
	d := ts.JSON("POST", A+"/disbursements", k1, `{"amount":"500.00"}`).WantStatus(t, 201).JSON["id"].(string)
	ts.JSON("POST", "/api/v1/disbursements/"+d+"/release", k2, "").WantStatus(t, 200)
	ts.BankPays(k1)
	return id
}

func pngFile(t *testing.T) []byte {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.Black)
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegFile(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var pdfFile = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// TestReportReceipts: the report takes receipts, checked by their content:
// a PDF named .png, a program named .pdf, a file over the limit and an
// empty one are refused with a message beside the field and nothing
// stored; good ones are stored with the report and offered as downloads to
// the group and the committee, not to another group. Then the page says
// what must be paid back, to which account, with which reference.
func TestReportReceipts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := publicServer(t, d, server.Config{})
		id := paidApplication(t, ts)
		b := ts.SignedIn("verein@example.org", "en")
		page := b.Do("GET", "/grants/"+id, nil).Body.String()
		if !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `name="receipts"`) {
			t.Fatal("the report form takes no receipts")
		}
		fields := url.Values{"csrf_token": {b.CSRF(page)}, "spent": {"420.50"}, "report": {"Twenty evenings"}}
		exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0}, 200)...)
		for _, c := range []struct {
			name string
			data []byte
			want string
		}{
			{"invoice.png", pdfFile, "does not fit its content"},
			{"invoice.pdf", exe, "is not a PDF, JPEG or PNG"},
			{"fake.jpg", []byte("\xff\xd8\xff\xe0 not really a jpeg"), "is not a PDF, JPEG or PNG"},
			{"huge.pdf", append(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), grants.MaxReceiptSize)...), []byte("\n%%EOF\n")...), "at most 5 MB"},
			{"empty.pdf", nil, "at most 5 MB"},
		} {
			r := b.Upload("/grants/"+id+"/report", fields, "receipts", c.name, c.data)
			body := r.Body.String()
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="receipts-error"`) || !strings.Contains(body, c.want) {
				t.Fatalf("%s: %d, want 422 with %q beside the field\n%.3000s", c.name, r.Code, c.want, body)
			}
			var n int
			d.Get(&n, `SELECT count(*) FROM report_receipts`)
			if st := ts.JSON("GET", "/api/v1/applications/"+id, ts.SignIn("verein@example.org"), "").JSON["status"]; n != 0 || st != "paid" {
				t.Fatalf("%s: a refused report stored %d receipts, status %v", c.name, n, st)
			}
		}

		// A PNG, a JPEG and a PDF in one report.
		body, ct := multipartBody(t, fields, map[string][]byte{"bon.png": pngFile(t), "Rechnung.JPG": jpegFile(t), "../../etc/miete.pdf": pdfFile})
		req, _ := http.NewRequest("POST", "/grants/"+id+"/report", body)
		req.Header.Set("Content-Type", ct)
		r := sendAs(b, req)
		if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/grants/"+id+"?done=report" {
			t.Fatalf("report: %d %s", r.Code, r.Header().Get("Location"))
		}
		page = b.Do("GET", "/grants/"+id+"?done=report", nil).Body.String()
		links := regexp.MustCompile(`href="(/grants/[^/]+/receipts/[^"]+)" download>(?:<bdi>)?([^<]+)<`).FindAllStringSubmatch(page, -1)
		if len(links) != 3 || !strings.Contains(page, "Report sent. The committee reviews it") {
			t.Fatalf("the page lists %d receipts, flash?\n%s", len(links), page)
		}
		// What is owed back reads as a duty, with the fund's account and a reference.
		if !strings.Contains(page, `id="owed"`) || !strings.Contains(page, "You must pay the rest, €79.50, back") ||
			!strings.Contains(page, "DE89 3704 0044 0532 0130 00") || !strings.Contains(page, `id="payback-reference">FONDS-R-`) {
			t.Fatalf("no duty to pay back:\n%s", page)
		}
		types := map[string]string{"bon.png": "image/png", "Rechnung.JPG": "image/jpeg", "miete.pdf": "application/pdf"}
		member := ts.SignedIn("m0@example.org", "de")
		other := ts.SignedIn(func() string { ts.MustUser("andere@example.org", auth.Applicant); return "andere@example.org" }(), "de")
		for _, l := range links {
			for who, c := range map[string]*testserver.Browserless{"group": b, "committee": member} {
				r := c.Do("GET", l[1], nil)
				if r.Code != 200 || r.Header().Get("Content-Type") != types[l[2]] || !strings.HasPrefix(r.Header().Get("Content-Disposition"), "attachment") ||
					!strings.Contains(r.Header().Get("Content-Security-Policy"), "sandbox") {
					t.Fatalf("%s downloads %s: %d %v", who, l[2], r.Code, r.Header())
				}
			}
			if r := other.Do("GET", l[1], nil); r.Code != 404 {
				t.Fatalf("another group downloads %s: %d", l[2], r.Code)
			}
		}
		if !strings.Contains(member.Do("GET", "/grants/"+id, nil).Body.String(), "zurückzuzahlen: 79,50") {
			t.Error("the committee's closing form does not show what is owed back")
		}
	})
}

func multipartBody(t *testing.T, fields url.Values, files map[string][]byte) (io.Reader, string) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for name, data := range files {
		part, err := w.CreateFormFile("receipts", name)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(data)
	}
	w.Close()
	return &body, w.FormDataContentType()
}

// TestWithdrawalNeedsConfirmation: the application's page offers a way to
// the confirmation step, not a button that withdraws; the confirmation
// withdraws, the timeline shows it, and the message says what comes next.
func TestWithdrawalNeedsConfirmation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := publicServer(t, d, server.Config{})
		group := ts.MustUser("verein@example.org", auth.Applicant)
		id := ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)
		ts.JSON("POST", "/api/v1/applications/"+id+"/submit", group, "").WantStatus(t, 200)
		b := ts.SignedIn("verein@example.org", "de")
		page := b.Do("GET", "/grants/"+id, nil).Body.String()
		if strings.Contains(page, `action="/grants/`+id+`/withdraw"`) || !strings.Contains(page, `href="/grants/`+id+`/withdraw"`) {
			t.Fatal("the application's page withdraws in one click, or offers no way to withdraw")
		}
		confirm := b.Do("GET", "/grants/"+id+"/withdraw", nil)
		body := confirm.Body.String()
		if confirm.Code != 200 || !strings.Contains(body, `action="/grants/`+id+`/withdraw"`) || !strings.Contains(body, "endgültig") || !strings.Contains(body, `id="keep-application"`) {
			t.Fatalf("confirmation step: %d\n%s", confirm.Code, body)
		}
		if st := ts.JSON("GET", "/api/v1/applications/"+id, group, "").JSON["status"]; st != "submitted" {
			t.Fatalf("showing the confirmation withdrew: %v", st)
		}
		r := b.Do("POST", "/grants/"+id+"/withdraw", url.Values{"csrf_token": {b.CSRF(body)}})
		if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/grants/"+id+"?done=withdraw" {
			t.Fatalf("withdraw: %d %s", r.Code, r.Header().Get("Location"))
		}
		page = b.Do("GET", "/grants/"+id+"?done=withdraw", nil).Body.String()
		if !strings.Contains(page, `id="timeline-withdrawn">Zurückgezogen`) || !strings.Contains(page, "Antrag zurückgezogen. Er wird nicht mehr geprüft") {
			t.Fatalf("no withdrawal on the timeline or no message:\n%s", page)
		}
		if a := ts.JSON("GET", "/api/v1/applications/"+id, group, "").JSON; a["status"] != "withdrawn" || a["withdrawn_at"] == nil {
			t.Fatalf("the API's application after withdrawing: %v", a)
		}
		if !strings.Contains(b.Do("GET", "/grants/"+id+"/withdraw", nil).Body.String(), "nicht mehr zurückgezogen werden") {
			t.Error("the confirmation step of a withdrawn application offers to withdraw")
		}
		if r := b.Do("POST", "/grants/"+id+"/withdraw", url.Values{"csrf_token": {b.CSRF(body)}}); r.Code != http.StatusConflict {
			t.Fatalf("withdrawing twice: %d", r.Code)
		}
	})
}

// TestMaxGrant: the apply page states the maximum grant, quorum and who may
// apply; a request above FUNDUS_MAX_GRANT is refused by the domain, over the
// API (naming requested_amount) and on the form (beside the field), and
// nothing is stored.
func TestMaxGrant(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := publicServer(t, d, server.Config{})
		apply := ts.Browser(t, "de").Do("GET", "/apply", nil).Body.String()
		if !strings.Contains(apply, `id="max-grant">Höchstens 1.000,00`) || !strings.Contains(apply, "mindestens 3 Stimmen") || !strings.Contains(apply, "Befangenheit") {
			t.Fatalf("the apply page does not say the maximum, quorum or conflicts:\n%s", apply)
		}
		group := ts.MustUser("verein@example.org", auth.Applicant)
		over := strings.NewReplacer(`"500.00"`, `"1000.01"`, `"300.00"`, `"800.01"`).Replace(testserver.ApplicationBody)
		r := ts.JSON("POST", "/api/v1/applications", group, over).WantProblem(t, 422, "validation")
		if f := r.FieldErrors(); len(f) != 1 || f[0] != "requested_amount" {
			t.Fatalf("fields %v, want requested_amount", f)
		}
		exact := strings.NewReplacer(`"500.00"`, `"1000.00"`, `"300.00"`, `"800.00"`).Replace(testserver.ApplicationBody)
		ts.JSON("POST", "/api/v1/applications", group, exact).WantStatus(t, 201)
		b := ts.SignedIn("verein@example.org", "de")
		form := b.Do("GET", "/apply/new", nil).Body.String()
		page := b.Do("POST", "/apply/new", url.Values{"csrf_token": {b.CSRF(form)}, "title": {"Zu groß"}, "organisation": {"V"}, "summary": {"s"},
			"description": {"d"}, "starts_on": {"2027-01-01"}, "ends_on": {"2027-02-01"}, "budget_item_0": {"Miete"}, "budget_amount_0": {"1500"},
			"payee_holder": {"V"}, "payee_iban": {"DE89370400440532013000"}})
		if page.Code != 422 || !strings.Contains(page.Body.String(), `id="requested_amount-error"`) || !strings.Contains(page.Body.String(), "höchstens 1.000,00") {
			t.Fatalf("form: %d\n%s", page.Code, page.Body.String())
		}
		var n int
		d.Get(&n, `SELECT count(*) FROM applications`)
		if n != 1 {
			t.Fatalf("%d applications stored, want the one at the limit", n)
		}
	})
}

// sendAs sends req as the Browserless client b would: its language and
// cookies.
func sendAs(b *testserver.Browserless, req *http.Request) *httptest.ResponseRecorder {
	req.Header.Set("Accept-Language", b.Lang)
	for k, v := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	b.H.ServeHTTP(rec, req)
	return rec
}
