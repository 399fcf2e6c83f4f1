package ui_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// staff is a fund with named people, money, and an approved grant with
// one pending instalment prepared by the first treasurer.
type staff struct {
	ts                          *testserver.Server
	k1, k2, group, member, pruf string // API tokens
	appID, instalment           string
	reference                   string // a pledged donation of 50.00
	pledgeID                    string
}

func newStaff(t *testing.T, d *db.DB) *staff {
	t.Helper()
	ts := testserver.New(t, d, server.Config{})
	user := func(email, name string, roles ...auth.Role) string {
		if _, err := ts.Auth.CreateUserFromCommandLine(context.Background(), auth.NewUser{Email: email, Name: name, Password: testserver.Password, Roles: roles}); err != nil {
			t.Fatal(err)
		}
		return ts.SignIn(email)
	}
	s := &staff{ts: ts}
	s.group = user("verein@example.org", "Amina Yilmaz", auth.Applicant)
	var m []string
	for i := 0; i < 3; i++ {
		m = append(m, user(fmt.Sprintf("m%d@example.org", i), fmt.Sprintf("Mitglied %d", i), auth.Committee))
	}
	s.member = m[0]
	s.k1, s.k2 = user("k1@example.org", "Karla Kasse", auth.Treasurer), user("k2@example.org", "Kurt Zweit", auth.Treasurer)
	s.pruf = user("pruefer@example.org", "Paula Prüfer", auth.Auditor)
	ts.BankOpens(s.k1, 80000, "") // the money the fund holds, from the bank's line
	s.appID = ts.JSON("POST", "/api/v1/applications", s.group, testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)
	A := "/api/v1/applications/" + s.appID
	ts.JSON("POST", A+"/submit", s.group, "").WantStatus(t, 200)
	ts.JSON("POST", A+"/reviews", m[0], `{"score":4,"comment":"gut"}`).WantStatus(t, 201)
	for _, who := range m {
		ts.JSON("POST", A+"/votes", who, `{"vote":"approve"}`).WantStatus(t, 201)
	}
	ts.JSON("POST", A+"/decision", m[0], `{"decision":"approved"}`).WantStatus(t, 200)
	s.instalment = ts.JSON("POST", A+"/disbursements", s.k1, `{"amount":"250.00"}`).WantStatus(t, 201).JSON["id"].(string)
	p := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"50.00","donor":{"name":"=HYPERLINK(\"http://evil\")"}}`).WantStatus(t, 201).JSON
	s.pledgeID, s.reference = p["id"].(string), p["reference"].(string)
	return s
}

// readCSV fetches a list page as CSV and parses it.
func readCSV(t *testing.T, b *testserver.Browserless, path string) [][]string {
	t.Helper()
	r := b.Do("GET", path, nil)
	if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/csv") || !strings.Contains(r.Header().Get("Content-Disposition"), ".csv") {
		t.Fatalf("%s: %d %s %s\n%s", path, r.Code, r.Header().Get("Content-Type"), r.Header().Get("Content-Disposition"), r.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body.String())).ReadAll()
	if err != nil {
		t.Fatalf("%s is no CSV: %v", path, err)
	}
	return rows
}

var csvLink = regexp.MustCompile(`<p class="csv-link"><a href="([^"]+)" download>`)

// csvOf follows the CSV link of a list page.
func csvOf(t *testing.T, b *testserver.Browserless, page string) [][]string {
	t.Helper()
	r := b.Do("GET", page, nil)
	m := csvLink.FindStringSubmatch(r.Body.String())
	if r.Code != 200 || m == nil {
		t.Fatalf("%s: %d, no CSV link", page, r.Code)
	}
	return readCSV(t, b, strings.ReplaceAll(m[1], "&amp;", "&"))
}

// TestTreasurerConfirmsWhatArrived: the confirm step asks for the amount
// (empty, the pledge shown beside it), reads it in the page's language,
// refuses a bad one naming the field and changing nothing, and books what
// arrived.
func TestTreasurerConfirmsWhatArrived(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newStaff(t, d)
		b := s.ts.SignedIn("k2@example.org", "de")
		path := "/treasurer/donations/" + s.pledgeID + "/confirm"
		page := b.Do("GET", path, nil).Body.String()
		if !strings.Contains(page, `id="amount" name="amount"`) || !regexp.MustCompile(`id="amount"[^>]*value=""`).MatchString(page) ||
			!strings.Contains(page, "Zugesagt waren 50,00\u00a0€") {
			t.Fatalf("the confirm step has no empty amount field with the pledge beside it:\n%s", page)
		}
		before := s.ts.TableCounts()
		for _, bad := range []string{"", "1,250", "zwölf", "0"} {
			r := b.Do("POST", path, url.Values{"csrf_token": {b.CSRF(page)}, "amount": {bad}, "received_at": {"2026-11-02"}})
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="amount-error"`) {
				t.Fatalf("amount %q: %d, want 422 with the error beside the field", bad, r.Code)
			}
		}
		if after := s.ts.TableCounts(); fmt.Sprint(after["donations"], after["entries"]) != fmt.Sprint(before["donations"], before["entries"]) {
			t.Fatalf("refusals changed something: %v / %v", before, after)
		}
		r := b.Do("POST", path, url.Values{"csrf_token": {b.CSRF(page)}, "amount": {"45,50"}, "received_at": {"2026-11-02"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("confirm 45,50: %d\n%s", r.Code, r.Body)
		}
		got := s.ts.JSON("GET", "/api/v1/donations/"+s.pledgeID, s.pruf, "").WantStatus(t, 200).JSON
		if got["status"] != "received" || got["received_amount"] != "45.50" {
			t.Fatalf("after confirming 45,50: %v", got)
		}
		// On an English page "1,250" is a thousand two hundred and fifty.
		en := s.ts.SignedIn("k1@example.org", "en")
		other := s.ts.JSON("POST", "/api/v1/donations", "", `{"amount":"1000.00"}`).WantStatus(t, 201).JSON["id"].(string)
		form := en.Do("GET", "/treasurer/donations/"+other+"/confirm", nil).Body.String()
		if r := en.Do("POST", "/treasurer/donations/"+other+"/confirm", url.Values{"csrf_token": {en.CSRF(form)}, "amount": {"1,250"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("confirm 1,250 on an English page: %d", r.Code)
		}
		if got := s.ts.JSON("GET", "/api/v1/donations/"+other, s.pruf, "").JSON; got["received_amount"] != "1250.00" {
			t.Fatalf("after confirming 1,250 in English: %v", got)
		}
		list := b.Do("GET", "/treasurer/donations?status=all", nil).Body.String()
		if !strings.Contains(list, "45,50\u00a0€") || !strings.Contains(list, "zugesagt: 50,00\u00a0€") {
			t.Fatal("the list does not show what arrived beside the pledge")
		}
	})
}

// TestAmountSearchInBothLanguages: the treasurer's search finds an amount
// as each page's language writes it, both forms on both pages, and the
// ambiguous "1.250" / "1,250" as the page's language reads it.
func TestAmountSearchInBothLanguages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newStaff(t, d)
		ref := func(amount string) string {
			return s.ts.JSON("POST", "/api/v1/donations", "", `{"amount":"`+amount+`"}`).WantStatus(t, 201).JSON["reference"].(string)
		}
		big, round, small := ref("1250.50"), ref("1250.00"), ref("1.25")
		for _, c := range []struct {
			lang, q string
			want    []string
		}{
			{"de", "1.250,50", []string{big}}, {"de", "1,250.50", []string{big}}, {"de", "1250,50", []string{big}},
			{"en", "1,250.50", []string{big}}, {"en", "1.250,50", []string{big}}, {"en", "1250.50", []string{big}},
			{"de", "1.250", []string{round}}, {"en", "1,250", []string{round}},
			{"de", "1,25", []string{small}}, {"en", "1,25", []string{small}}, {"en", "1.25", []string{small}},
		} {
			b := s.ts.SignedIn("k1@example.org", c.lang)
			page := b.Do("GET", "/treasurer/donations?status=all&q="+url.QueryEscape(c.q), nil).Body.String()
			for _, r := range []string{big, round, small} {
				found, want := strings.Contains(page, `id="donation-`+r+`"`), strings.Contains(strings.Join(c.want, " "), r)
				if found != want {
					t.Errorf("%s %q: %s found %v, want %v", c.lang, c.q, r, found, want)
				}
			}
		}
	})
}

// TestInstalmentsWaitingForRelease: the list shows group, payee, IBAN,
// amount and who prepared it; the one who prepared it gets no release
// link and the domain refuses them anyway; the second treasurer releases
// it through the confirmation step; its CSV has the row.
func TestInstalmentsWaitingForRelease(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newStaff(t, d)
		maker := s.ts.SignedIn("k1@example.org", "de")
		page := maker.Do("GET", "/treasurer/instalments", nil)
		body := page.Body.String()
		row := regexp.MustCompile(`(?s)<tr id="instalment-` + s.instalment + `"[^>]*>.*?</tr>`).FindString(body)
		for _, want := range []string{"Sprachcafé", "Café Lingua e.V.", "DE89 3704 0044 0532 0130 00", "250,00\u00a0€", "Karla Kasse", "Von Ihnen vorbereitet"} {
			if !strings.Contains(row, want) {
				t.Fatalf("the maker's row lacks %q:\n%s", want, row)
			}
		}
		if strings.Contains(row, "/release") {
			t.Fatal("the maker is offered the release")
		}
		// Going to the release by hand is refused, and nothing changes.
		confirm := maker.Do("GET", "/payouts/"+s.instalment+"/release?application="+s.appID, nil).Body.String()
		if !strings.Contains(confirm, "Von Ihnen vorbereitet") || strings.Contains(confirm, `class="button release"`) {
			t.Fatal("the maker's confirmation step offers the release")
		}
		if r := maker.Do("POST", "/payouts/"+s.instalment+"/release", url.Values{"csrf_token": {maker.CSRF(confirm)}, "application_id": {s.appID}}); r.Code != http.StatusForbidden {
			t.Fatalf("the maker's release: %d, want 403", r.Code)
		}

		checker := s.ts.SignedIn("k2@example.org", "en")
		row = regexp.MustCompile(`(?s)<tr id="instalment-` + s.instalment + `"[^>]*>.*?</tr>`).FindString(checker.Do("GET", "/treasurer/instalments", nil).Body.String())
		link := regexp.MustCompile(`href="(/payouts/[^"]+/release\?application=[^"]+)"`).FindStringSubmatch(row)
		if link == nil || !strings.Contains(row, "€250.00") || !strings.Contains(row, "Karla Kasse") {
			t.Fatalf("the second treasurer's row:\n%s", row)
		}
		rows := csvOf(t, checker, "/treasurer/instalments")
		if len(rows) != 2 || rows[0][6] != "amount" || rows[1][6] != "250.00" || rows[1][4] != "DE89370400440532013000" || rows[1][7] != "Karla Kasse" {
			t.Fatalf("instalments CSV: %v", rows)
		}
		confirm = checker.Do("GET", strings.ReplaceAll(link[1], "&amp;", "&"), nil).Body.String()
		if r := checker.Do("POST", "/payouts/"+s.instalment+"/release", url.Values{"csrf_token": {checker.CSRF(confirm)}, "application_id": {s.appID}}); r.Code != http.StatusSeeOther {
			t.Fatalf("the second treasurer's release: %d", r.Code)
		}
		if list := checker.Do("GET", "/treasurer/instalments", nil).Body.String(); strings.Contains(list, "instalment-"+s.instalment) || !strings.Contains(list, "No instalment waits") {
			t.Fatal("a released instalment is still listed")
		}
		// Others may not see the list.
		for _, email := range []string{"m0@example.org", "verein@example.org", "pruefer@example.org"} {
			if r := s.ts.SignedIn(email, "en").Do("GET", "/treasurer/instalments", nil); r.Code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", email, r.Code)
			}
		}
	})
}

// TestListsAsCSV: every treasurer's list page links its CSV; the CSV has
// the rows, defuses a formula a donor typed, and keeps the filter.
func TestListsAsCSV(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newStaff(t, d)
		b := s.ts.SignedIn("k1@example.org", "de")
		rows := csvOf(t, b, "/treasurer/donations?status=pledged")
		if len(rows) != 2 || rows[1][1] != s.reference || rows[1][4] != "50.00" || rows[1][9] != `'=HYPERLINK("http://evil")` {
			t.Fatalf("donations CSV: %v", rows)
		}
		if rows := readCSV(t, b, "/treasurer/donations?status=received&format=csv"); len(rows) != 1 {
			t.Fatalf("the filter is not kept: %v", rows)
		}
		if rows := csvOf(t, b, "/treasurer/grants"); len(rows) != 2 || rows[1][0] != s.appID || rows[1][5] != "500.00" {
			t.Fatalf("payouts CSV: %v", rows)
		}
	})
}

// TestAuditorPages: an auditor, signed in with the session only, sees
// the entries with filters, an entry with its postings and cause, the
// trial balance, the exports, the verification and the audit trail with
// names; a committee member, a group and a treasurer get 403.
func TestAuditorPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newStaff(t, d)
		s.ts.JSON("POST", "/api/v1/donations/"+s.pledgeID+"/confirm", s.k1, `{"amount":"45.50"}`).WantStatus(t, 200)
		for _, email := range []string{"m0@example.org", "verein@example.org", "k1@example.org"} {
			b := s.ts.SignedIn(email, "de")
			for _, path := range []string{"/auditor/ledger", "/auditor/ledger/trial-balance", "/auditor/ledger/export?format=csv", "/auditor/ledger/verify?run=1", "/auditor/audit"} {
				if r := b.Do("GET", path, nil); r.Code != http.StatusForbidden {
					t.Errorf("%s %s: %d, want 403", email, path, r.Code)
				}
			}
		}
		if r := s.ts.Browser(t, "de").Do("GET", "/auditor/ledger", nil); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/login") {
			t.Fatalf("anonymous: %d %s", r.Code, r.Header().Get("Location"))
		}

		b := s.ts.SignedIn("pruefer@example.org", "de")
		if home := b.Do("GET", "/", nil).Body.String(); !strings.Contains(home, `href="/auditor/ledger"`) {
			t.Fatal("no menu entry for the auditor")
		}
		all := b.Do("GET", "/auditor/ledger", nil).Body.String()
		if !strings.Contains(all, "Anfangsbestand") || !strings.Contains(all, "Donation "+s.reference) {
			t.Fatal("the entries page lacks entries")
		}
		for q, want := range map[string][2]bool{ // memo text, account: [finds the donation, finds the opening]
			"q=" + s.reference:              {true, false},
			"q=anfangs":                     {false, true},
			"account=assets:clearing":       {true, false},
			"from=2000-01-01&to=2000-12-31": {false, false},
		} {
			page := b.Do("GET", "/auditor/ledger?"+q, nil).Body.String()
			if strings.Contains(page, "Donation "+s.reference) != want[0] || strings.Contains(page, "Anfangsbestand") != want[1] {
				t.Errorf("filter %s: donation %v, opening %v, want %v", q, strings.Contains(page, "Donation "+s.reference), strings.Contains(page, "Anfangsbestand"), want)
			}
		}
		if r := b.Do("GET", "/auditor/ledger?from=gestern", nil); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="from-error"`) {
			t.Fatalf("a bad date: %d", r.Code)
		}
		rows := csvOf(t, b, "/auditor/ledger?account=assets:clearing")
		if len(rows) != 3 || rows[1][9] != "assets:clearing" || rows[1][10] != "45.50" || rows[1][8] != "Karla Kasse" {
			t.Fatalf("entries CSV: %v", rows)
		}

		// The donation's entry: its postings, who booked it, what caused it.
		id := regexp.MustCompile(`href="/auditor/ledger/entries/([^"]+)">Nr\. 3<`).FindStringSubmatch(all)
		if id == nil {
			t.Fatalf("no link to entry 3:\n%s", all)
		}
		entry := b.Do("GET", "/auditor/ledger/entries/"+id[1], nil).Body.String()
		for _, want := range []string{"assets:clearing", "income:donations", "45,50\u00a0€", "Karla Kasse", s.reference, "donation.confirm", "eingegangen: 45,50\u00a0€"} {
			if !strings.Contains(entry, want) {
				t.Errorf("the entry page lacks %q", want)
			}
		}
		if r := b.Do("GET", "/auditor/ledger/entries/nope", nil); r.Code != http.StatusNotFound {
			t.Errorf("an unknown entry: %d", r.Code)
		}

		tb := b.Do("GET", "/auditor/ledger/trial-balance", nil).Body.String()
		if !strings.Contains(tb, `id="tb-debit">1.345,50`) || !strings.Contains(tb, `id="tb-credit">1.345,50`) {
			t.Fatalf("trial balance totals:\n%s", tb)
		}
		if rows := csvOf(t, b, "/auditor/ledger/trial-balance"); rows[len(rows)-1][0] != "total" || rows[len(rows)-1][2] != "1345.50" {
			t.Fatalf("trial balance CSV: %v", rows)
		}

		if form := b.Do("GET", "/auditor/ledger/export", nil).Body.String(); !strings.Contains(form, `value="hledger"`) {
			t.Fatal("the export form offers no hledger")
		}
		for format, want := range map[string]string{"csv": "assets:clearing", "hledger": "assets:clearing", "beancount": "Assets:Clearing", "jsonl": `"hash"`} {
			r := b.Do("GET", "/auditor/ledger/export?format="+format, nil)
			if r.Code != 200 || !strings.Contains(r.Header().Get("Content-Disposition"), "attachment") || !strings.Contains(r.Body.String(), want) {
				t.Errorf("export %s: %d %s", format, r.Code, r.Header().Get("Content-Disposition"))
			}
		}
		if r := b.Do("GET", "/auditor/ledger/export?format=xls", nil); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="format-error"`) {
			t.Errorf("an unknown format: %d", r.Code)
		}

		if v := b.Do("GET", "/auditor/ledger/verify?run=1", nil).Body.String(); !strings.Contains(v, `id="verify-result"`) || !strings.Contains(v, "In Ordnung: 3 Buchungen") {
			t.Fatalf("verify:\n%s", v)
		}

		trail := b.Do("GET", "/auditor/audit", nil).Body.String()
		if !strings.Contains(trail, "Karla Kasse") || !strings.Contains(trail, "Mitglied 0") {
			t.Fatal("the audit trail does not name people")
		}
		var k2 string
		d.Get(&k2, "SELECT id FROM users WHERE email = 'k1@example.org'")
		byKarla := b.Do("GET", "/auditor/audit?action=donation.confirm&actor="+k2, nil).Body.String()
		if n := strings.Count(byKarla, `class="audit-person"`); n != 1 {
			t.Fatalf("filtered by person and action: %d records, want 1", n)
		}
		if r := b.Do("GET", "/auditor/audit?to=morgen", nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("a bad date: %d", r.Code)
		}
		rows = csvOf(t, b, "/auditor/audit?action=donation.confirm")
		if len(rows) != 2 || rows[1][3] != "Karla Kasse" {
			t.Fatalf("audit CSV: %v", rows)
		}
	})
}

// TestVerifyShowsTheFirstBrokenEntry: a tampered entry is named on the
// verify page.
func TestVerifyShowsTheFirstBrokenEntry(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newStaff(t, d)
		// The ledger's own triggers keep entries append-only: tampering
		// means dropping them first, as an attacker with the database would.
		stmts := []string{"DROP TRIGGER entries_append_only_update"}
		if d.Engine == db.Postgres {
			stmts = []string{"DROP TRIGGER entries_append_only ON entries"}
		}
		stmts = append(stmts, `UPDATE entries SET memo = 'geändert' WHERE seq = 1`)
		for _, stmt := range stmts {
			if _, err := dbtest.Raw(t, d).Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		v := s.ts.SignedIn("pruefer@example.org", "en").Do("GET", "/auditor/ledger/verify?run=1", nil).Body.String()
		if !strings.Contains(v, "The chain is broken.") || !strings.Contains(v, "First broken entry: no. 1.") {
			t.Fatalf("verify a tampered ledger:\n%s", v)
		}
	})
}
