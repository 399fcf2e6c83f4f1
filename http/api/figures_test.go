package api_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// grantFlow is a donor's money, a group, a committee and two treasurers.
type grantFlow struct {
	ts        *testserver.Server
	group, k1 string
	k2        string
	members   []string
}

func newGrantFlow(t *testing.T, ts *testserver.Server) *grantFlow {
	g := &grantFlow{ts: ts, group: ts.MustUser("verein@example.org", auth.Applicant),
		k1: ts.MustUser("k1@example.org", auth.Treasurer), k2: ts.MustUser("k2@example.org", auth.Treasurer)}
	for i := 0; i < 3; i++ {
		g.members = append(g.members, ts.MustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee))
	}
	return g
}

func (g *grantFlow) expect(who, method, path, body string, want int) map[string]any {
	g.ts.T.Helper()
	r := g.ts.JSON(method, path, who, body)
	if r.Code != want {
		g.ts.T.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
	}
	return r.JSON
}

// approve takes a new application through review and votes to approval
// of amount, and returns its path.
func (g *grantFlow) approve(amount string) string {
	g.ts.T.Helper()
	A := "/api/v1/applications/" + g.expect(g.group, "POST", "/api/v1/applications", testserver.ApplicationBody, 201)["id"].(string)
	g.expect(g.group, "POST", A+"/submit", ``, 200)
	g.expect(g.members[0], "POST", A+"/reviews", `{"score":4}`, 201)
	for _, m := range g.members {
		g.expect(m, "POST", A+"/votes", `{"vote":"approve"}`, 201)
	}
	g.expect(g.members[0], "POST", A+"/decision", `{"decision":"approved","amount":"`+amount+`"}`, 200)
	return A
}

// pay prepares an instalment (k1), releases it (k2), and lets the bank
// pay it (a payment file, the bank's debit line).
func (g *grantFlow) pay(A, amount string) {
	g.ts.T.Helper()
	d := g.expect(g.k1, "POST", A+"/disbursements", `{"amount":"`+amount+`"}`, 201)
	g.expect(g.k2, "POST", "/api/v1/disbursements/"+d["id"].(string)+"/release", ``, 200)
	g.ts.BankPays(g.k1)
}

// TestFiguresAgreeAfterAReturn: after a group returns part of its grant,
// the fund API, the fund page, the project line and the annual report (JSON,
// CSV and page) all say the same granted and paid amounts, and the year's
// sums are those of the fund.
func TestFiguresAgreeAfterAReturn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{FundName: "Integrationsfonds"})
		g := newGrantFlow(t, ts)
		ts.BankDonation(g.k1, "1000.00") // money enters the bank with its bank line
		A := g.approve("450.50")
		g.pay(A, "450.50")
		g.expect(g.group, "POST", A+"/report", `{"spent":"430.00","report":"Zwölf Treffen"}`, 200)
		g.expect(g.k1, "POST", A+"/close", `{"returned":"20.50"}`, 200)
		// The 20.50 count when the group's transfer is on the bank
		// statement and assigned to the grant.
		day := fundus.DayOf(time.Now())
		st := ts.Do("POST", "/api/v1/bank/statements", g.k1, "application/xml", string(banktest.Camt053(banktest.Statement{
			ID: "BACK", IBAN: "DE89370400440532013000", From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{{Date: day, Minor: 2050, Name: "Café Lingua e.V.", Remittance: "Rueckzahlung Sprachcafe"}}}))).WantStatus(t, 201)
		if st.JSON["queued"] != 1.0 {
			t.Fatalf("the pay-back's line %v", st.JSON)
		}
		line := g.expect(g.k1, "GET", "/api/v1/bank/transactions?status=queued", "", 200)["items"].([]any)[0].(map[string]any)["id"].(string)
		inst := g.expect(g.k1, "GET", A, "", 200)["disbursements"].([]any)[0].(map[string]any)["id"].(string)
		g.expect(g.k1, "POST", "/api/v1/bank/transactions/"+line+"/assign", `{"disbursement_id":"`+inst+`"}`, 200)
		// A second project, approved and paid in part, still open.
		B := g.approve("100.00")
		g.pay(B, "40.00")

		// Granted 450.50 - 20.50 returned + 100 = 530; paid 430 + 40 = 470;
		// available 1000 - 430 - 100 = 470.
		f := g.expect("", "GET", "/api/v1/fund", "", 200)
		if f["grants_awarded"] != "530.00" || f["grants_paid"] != "470.00" || f["available"] != "470.00" || f["projects_funded"] != float64(2) {
			t.Fatalf("fund %v", f)
		}
		ps := g.expect("", "GET", "/api/v1/fund/projects", "", 200)["items"].([]any)
		if len(ps) != 2 || ps[0].(map[string]any)["approved_amount"] != "100.00" || ps[1].(map[string]any)["approved_amount"] != "430.00" {
			t.Fatalf("projects %v", ps)
		}
		page := ts.Do("GET", "/", "", "", "").Body.String()
		for _, want := range []string{`id="total-granted">530,00`, `id="total-available">470,00`, `Café Lingua e.V.</bdi>: 430,00`, `Café Lingua e.V.</bdi>: 100,00`} {
			if !strings.Contains(strings.ReplaceAll(page, "\u00a0", " "), want) {
				t.Errorf("the fund page lacks %q", want)
			}
		}

		year := fmt.Sprint(time.Now().In(fundus.Berlin).Year())
		rep := g.expect("", "GET", "/api/v1/fund/report?year="+year, "", 200)
		lines := rep["projects"].([]any)
		if rep["grants_approved"] != "530.00" || rep["grants_paid"] != "470.00" || rep["available_at_year_end"] != "470.00" || len(lines) != 2 ||
			lines[0].(map[string]any)["approved"] != "430.00" || lines[0].(map[string]any)["paid"] != "430.00" ||
			lines[1].(map[string]any)["approved"] != "100.00" || lines[1].(map[string]any)["paid"] != "40.00" {
			t.Fatalf("report %v", rep)
		}
		csv := ts.Do("GET", "/api/v1/fund/report?year="+year+"&format=csv", "", "", "").Body.String()
		for _, want := range []string{",430.00,430.00,,", ",100.00,40.00,,", year + ",grants total,,,530.00,470.00,,", year + ",available at year end,,,,,,470.00"} {
			if !strings.Contains(csv, want) {
				t.Errorf("the CSV report lacks %q:\n%s", want, csv)
			}
		}
		reportPage := strings.ReplaceAll(ts.Do("GET", "/report?year="+year, "", "", "").Body.String(), "\u00a0", " ")
		cells := regexp.MustCompile(`<td[^>]*class="num"[^>]*>([^<]*)<`).FindAllStringSubmatch(reportPage, -1)
		var got []string
		for _, c := range cells {
			got = append(got, c[1])
		}
		if strings.Join(got, " | ") != "430,00 € | 430,00 € | 100,00 € | 40,00 € | 530,00 € | 470,00 €" {
			t.Errorf("the report page's amounts: %q", got)
		}
	})
}

// TestYearBoundaryByBerlinDay: a donation received on 31 December (Berlin)
// is in that year in the annual report, the ledger's entries, its export
// and the trial balance; one received at 23:30 UTC on 31 December (00:30 on
// 1 January in Berlin) is in the next year everywhere.
func TestYearBoundaryByBerlinDay(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		confirm := func(amount, receivedAt string) {
			t.Helper()
			id := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"`+amount+`"}`).WantStatus(t, 201).JSON["id"].(string)
			ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"received_at":"`+receivedAt+`"}`).WantStatus(t, 200)
		}
		confirm("10.00", "2025-12-31")           // a date: that day
		confirm("20.00", "2025-12-31T22:59:59Z") // 23:59:59 in Berlin
		confirm("40.00", "2025-12-31T23:30:00Z") // 00:30 on 1 January in Berlin
		confirm("80.00", "2026-01-02T10:00:00+01:00")

		year := func(y string) (count any, sum any) {
			r := ts.JSON("GET", "/api/v1/fund/report?year="+y, "", "").WantStatus(t, 200).JSON
			don := r["donations"].(map[string]any)
			return don["count"], don["sum"]
		}
		if c, s := year("2025"); c != float64(2) || s != "30.00" {
			t.Errorf("report 2025: %v donations, %v", c, s)
		}
		if c, s := year("2026"); c != float64(2) || s != "120.00" {
			t.Errorf("report 2026: %v donations, %v", c, s)
		}

		entries := ts.JSON("GET", "/api/v1/ledger/entries?from=2025-01-01&to=2025-12-31", kasse, "").WantStatus(t, 200).JSON["items"].([]any)
		var dates []string
		for _, e := range entries {
			dates = append(dates, e.(map[string]any)["date"].(string))
		}
		if strings.Join(dates, " ") != "2025-12-31 2025-12-31" {
			t.Errorf("entries of 2025 dated %v", dates)
		}
		if n := len(ts.JSON("GET", "/api/v1/ledger/entries?from=2026-01-01", kasse, "").JSON["items"].([]any)); n != 2 {
			t.Errorf("%d entries from 2026", n)
		}
		// A time stands for its Berlin day; a "to" time is excluded.
		if n := len(ts.JSON("GET", "/api/v1/ledger/entries?to=2026-01-01T00:00:00%2B01:00", kasse, "").JSON["items"].([]any)); n != 2 {
			t.Errorf("%d entries to the end of 2025 in Berlin", n)
		}

		export := ts.JSON("GET", "/api/v1/ledger/export?format=hledger&from=2025-01-01&to=2025-12-31", kasse, "").WantStatus(t, 200).Body.String()
		if strings.Count(export, "2025-12-31 (") != 2 || strings.Contains(export, "2026-01-01 (") || !strings.Contains(export, "= 30.00 EUR") {
			t.Errorf("hledger export of 2025:\n%s", export)
		}
		csv := ts.JSON("GET", "/api/v1/ledger/export?format=csv&from=2026-01-01&to=2026-12-31", kasse, "").WantStatus(t, 200).Body.String()
		if strings.Count(csv, ",2026-01-01,donation,") != 2 || strings.Count(csv, ",2026-01-02,donation,") != 2 || strings.Contains(csv, ",2025-12-31,") {
			t.Errorf("csv export of 2026:\n%s", csv)
		}
		tb := ts.JSON("GET", "/api/v1/ledger/trial-balance?at=2025-12-31", kasse, "").WantStatus(t, 200).JSON
		if tb["at"] != "2025-12-31" || tb["total_debit"] != "30.00" {
			t.Errorf("trial balance at the end of 2025: %v", tb)
		}
		if r := ts.JSON("GET", "/api/v1/fund/report?year=2025", "", "").JSON; r["available_at_year_end"] != "30.00" {
			t.Errorf("available at the end of 2025: %v", r["available_at_year_end"])
		}
		if r := ts.JSON("GET", "/api/v1/ledger/verify", ts.MustUser("pruefer@example.org", auth.Auditor), "").JSON; r["ok"] != true {
			t.Errorf("verify: %v", r)
		}
	})
}
