package handlers

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
)

// grantFlow is a donor's money, a group, a committee and two treasurers.
type grantFlow struct {
	ts        *testServer
	group, k1 string
	k2        string
	members   []string
}

func newGrantFlow(t *testing.T, ts *testServer) *grantFlow {
	g := &grantFlow{ts: ts, group: ts.mustUser("verein@example.org", auth.Applicant),
		k1: ts.mustUser("k1@example.org", auth.Treasurer), k2: ts.mustUser("k2@example.org", auth.Treasurer)}
	for i := 0; i < 3; i++ {
		g.members = append(g.members, ts.mustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee))
	}
	return g
}

func (g *grantFlow) expect(who, method, path, body string, want int) map[string]any {
	g.ts.t.Helper()
	r := g.ts.json(method, path, who, body)
	if r.Code != want {
		g.ts.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
	}
	return r.body
}

// approve takes a new application through review and votes to approval
// of amount, and returns its path.
func (g *grantFlow) approve(amount string) string {
	g.ts.t.Helper()
	A := "/api/v1/applications/" + g.expect(g.group, "POST", "/api/v1/applications", applicationBody, 201)["id"].(string)
	g.expect(g.group, "POST", A+"/submit", ``, 200)
	g.expect(g.members[0], "POST", A+"/reviews", `{"score":4}`, 201)
	for _, m := range g.members {
		g.expect(m, "POST", A+"/votes", `{"vote":"approve"}`, 201)
	}
	g.expect(g.members[0], "POST", A+"/decision", `{"decision":"approved","amount":"`+amount+`"}`, 200)
	return A
}

// pay prepares an instalment (k1) and releases it (k2).
func (g *grantFlow) pay(A, amount string) {
	g.ts.t.Helper()
	d := g.expect(g.k1, "POST", A+"/disbursements", `{"amount":"`+amount+`"}`, 201)
	g.expect(g.k2, "POST", "/api/v1/disbursements/"+d["id"].(string)+"/release", ``, 200)
}

// TestFiguresAgreeAfterAReturn: after a group returns part of its grant,
// the fund API, the fund page, the project line and the annual report (JSON,
// CSV and page) all say the same granted and paid amounts, and the year's
// sums are those of the fund.
func TestFiguresAgreeAfterAReturn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := newTestServer(t, d, Config{FundName: "Integrationsfonds"})
		g := newGrantFlow(t, ts)
		kasse := &auth.User{ID: "x", Roles: []auth.Role{auth.Treasurer}}
		if _, err := ts.ledger.PostManual(t.Context(), kasse, ledger.ManualEntry{Memo: "donations", Postings: []ledger.ManualPosting{
			{Account: ledger.Bank, Amount: ledger.Amount("1000.00")}, {Account: ledger.Donations, Amount: ledger.Amount("-1000.00")}}}); err != nil {
			t.Fatal(err)
		}
		A := g.approve("450.50")
		g.pay(A, "450.50")
		g.expect(g.group, "POST", A+"/report", `{"spent":"430.00","report":"Zwölf Treffen"}`, 200)
		g.expect(g.k1, "POST", A+"/close", `{"returned":"20.50"}`, 200)
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
		page := ts.do("GET", "/", "", "", "").Body.String()
		for _, want := range []string{`id="total-granted">530,00`, `id="total-available">470,00`, `Café Lingua e.V.: 430,00`, `Café Lingua e.V.: 100,00`} {
			if !strings.Contains(strings.ReplaceAll(page, "\u00a0", " "), want) {
				t.Errorf("the fund page lacks %q", want)
			}
		}

		year := fmt.Sprint(time.Now().In(ledger.Berlin).Year())
		rep := g.expect("", "GET", "/api/v1/fund/report?year="+year, "", 200)
		lines := rep["projects"].([]any)
		if rep["grants_approved"] != "530.00" || rep["grants_paid"] != "470.00" || rep["available_at_year_end"] != "470.00" || len(lines) != 2 ||
			lines[0].(map[string]any)["approved"] != "430.00" || lines[0].(map[string]any)["paid"] != "430.00" ||
			lines[1].(map[string]any)["approved"] != "100.00" || lines[1].(map[string]any)["paid"] != "40.00" {
			t.Fatalf("report %v", rep)
		}
		csv := ts.do("GET", "/api/v1/fund/report?year="+year+"&format=csv", "", "", "").Body.String()
		for _, want := range []string{",430.00,430.00,,", ",100.00,40.00,,", year + ",grants total,,,530.00,470.00,,", year + ",available at year end,,,,,,470.00"} {
			if !strings.Contains(csv, want) {
				t.Errorf("the CSV report lacks %q:\n%s", want, csv)
			}
		}
		reportPage := strings.ReplaceAll(ts.do("GET", "/report?year="+year, "", "", "").Body.String(), "\u00a0", " ")
		cells := regexp.MustCompile(`<td class="num"[^>]*>([^<]*)<`).FindAllStringSubmatch(reportPage, -1)
		var got []string
		for _, c := range cells {
			got = append(got, c[1])
		}
		if strings.Join(got, " | ") != "430,00 € | 430,00 € | 100,00 € | 40,00 € | 530,00 € | 470,00 €" {
			t.Errorf("the report page's amounts: %q", got)
		}
	})
}
