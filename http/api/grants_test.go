package api_test

import (
	"fmt"
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

// TestGrantRolesAndStates walks one application through every state and,
// at each, tries each action with the wrong role (403), another group
// (404), the wrong state (409), and the right one.
func TestGrantRolesAndStates(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{FundName: "Integrationsfonds Osnabrück"})
		group := ts.MustUser("verein@example.org", auth.Applicant)
		other := ts.MustUser("andere@example.org", auth.Applicant)
		var m []string
		for i := 0; i < 4; i++ {
			m = append(m, ts.MustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee))
		}
		k1, k2 := ts.MustUser("k1@example.org", auth.Treasurer), ts.MustUser("k2@example.org", auth.Treasurer)
		admin, auditor := ts.MustUser("admin@example.org", auth.Admin), ts.MustUser("pruefer@example.org", auth.Auditor)
		ts.BankDonation(k1, "800.00") // money enters the bank with its bank line

		expect := func(who, method, path, body string, want int) *testserver.Response {
			t.Helper()
			r := ts.JSON(method, path, who, body)
			if r.Code != want {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
			}
			return r
		}
		id := expect(group, "POST", "/api/v1/applications", testserver.ApplicationBody, 201).JSON["id"].(string)
		A := "/api/v1/applications/" + id
		expect(m[0], "POST", "/api/v1/applications", testserver.ApplicationBody, 403)
		expect(group, "POST", "/api/v1/applications", `{"title":"x"}`, 422)

		// draft
		for _, c := range []struct {
			who  string
			want int
		}{{group, 200}, {other, 404}, {m[0], 200}, {k1, 200}, {auditor, 200}, {admin, 200}, {"", 401}} {
			expect(c.who, "GET", A, "", c.want)
		}
		expect(group, "PATCH", A, `{"title":"Sprachcafé Schinkel"}`, 200)
		expect(other, "PATCH", A, `{"title":"x"}`, 404)
		expect(m[0], "PATCH", A, `{"title":"x"}`, 403)
		expect(group, "PATCH", A, `{"budget":[{"item":"Miete","amount":"1.00"}]}`, 422)
		expect(m[0], "POST", A+"/reviews", `{"score":4,"comment":"gut"}`, 409)
		expect(m[0], "POST", A+"/votes", `{"vote":"approve"}`, 409)
		expect(m[0], "POST", A+"/decision", `{"decision":"approved"}`, 409)
		expect(k1, "POST", A+"/disbursements", `{"amount":"1.00"}`, 409)
		expect(group, "POST", A+"/report", `{"spent":"1.00","report":"x"}`, 409)
		expect(k1, "POST", A+"/close", ``, 409)
		expect(other, "POST", A+"/submit", ``, 404)
		expect(m[0], "POST", A+"/submit", ``, 403)
		if r := expect(group, "POST", A+"/submit", ``, 200); r.JSON["status"] != "submitted" {
			t.Fatal(r.JSON)
		}
		expect(group, "POST", A+"/submit", ``, 409)
		expect(group, "PATCH", A, `{"title":"x"}`, 409)

		// submitted, in review
		expect(group, "POST", A+"/reviews", `{"score":4}`, 403)
		expect(k1, "POST", A+"/reviews", `{"score":4}`, 403)
		expect(m[0], "POST", A+"/reviews", `{"score":9}`, 422)
		if r := expect(m[0], "POST", A+"/reviews", `{"score":4,"comment":"gut"}`, 201); r.JSON["status"] != "in_review" {
			t.Fatal(r.JSON)
		}
		expect(m[3], "POST", A+"/reviews", `{"score":2,"comment":"mein Verein","conflict_of_interest":true}`, 201)
		expect(m[3], "POST", A+"/votes", `{"vote":"approve"}`, 403)
		expect(k1, "POST", A+"/votes", `{"vote":"approve"}`, 403)
		expect(m[0], "POST", A+"/votes", `{"vote":"maybe"}`, 422)
		for _, who := range m[:3] {
			expect(who, "POST", A+"/votes", `{"vote":"approve"}`, 201)
		}
		if r := expect(group, "GET", A, "", 200); r.JSON["votes"] != nil {
			t.Fatal("the group sees the votes")
		}
		if r := expect(auditor, "GET", A, "", 200); len(r.JSON["votes"].([]any)) != 3 {
			t.Fatal("the auditor does not see the votes")
		}
		expect(k1, "POST", A+"/decision", `{"decision":"approved"}`, 403)
		expect(m[3], "POST", A+"/decision", `{"decision":"approved"}`, 403) // declared a conflict
		expect(m[0], "POST", A+"/decision", `{"decision":"approved","amount":"500.01"}`, 422)
		expect(m[0], "POST", A+"/decision", `{"decision":"rejected"}`, 409)
		if r := expect(m[0], "POST", A+"/decision", `{"decision":"approved","amount":"400.00"}`, 200); r.JSON["status"] != "approved" || r.JSON["approved_amount"] != "400.00" {
			t.Fatal(r.JSON)
		}
		expect(group, "POST", A+"/withdraw", ``, 409)
		expect(m[1], "POST", A+"/decision", `{"decision":"approved"}`, 409)

		// approved: two instalments, four eyes
		expect(m[0], "POST", A+"/disbursements", `{"amount":"100.00"}`, 403)
		expect(group, "POST", A+"/disbursements", `{"amount":"100.00"}`, 403)
		expect(k1, "POST", A+"/disbursements", `{"amount":"400.01"}`, 422)
		d1 := expect(k1, "POST", A+"/disbursements", `{"amount":"250.00"}`, 201).JSON
		if d1["status"] != "pending" || d1["amount"] != "250.00" {
			t.Fatal(d1)
		}
		D1 := "/api/v1/disbursements/" + d1["id"].(string) + "/release"
		expect(k1, "POST", D1, ``, 403)
		expect(group, "POST", D1, ``, 403)
		expect(m[1], "POST", D1, ``, 403)
		if r := expect(k2, "POST", D1, ``, 200); r.JSON["status"] != "released" || r.JSON["ledger_entry_id"] != nil || r.JSON["end_to_end_id"] == "" {
			t.Fatal(r.JSON)
		}
		expect(k2, "POST", D1, ``, 409)
		ts.BankPays(k1)
		expect(k2, "POST", A+"/disbursements", `{"amount":"150.01"}`, 422)
		d2 := expect(k2, "POST", A+"/disbursements", `{"amount":"150.00"}`, 201).JSON
		expect(admin, "POST", "/api/v1/disbursements/"+d2["id"].(string)+"/release", ``, 200)
		ts.BankPays(k1)
		if r := expect(auditor, "GET", A, "", 200); r.JSON["status"] != "paid" || r.JSON["paid_amount"] != "400.00" {
			t.Fatal(r.JSON)
		}

		// paid: report, close
		expect(other, "POST", A+"/report", `{"spent":"380.00","report":"x"}`, 404)
		expect(k1, "POST", A+"/report", `{"spent":"380.00","report":"x"}`, 403)
		expect(group, "POST", A+"/report", `{"spent":"380.00"}`, 422)
		expect(group, "POST", A+"/report", `{"spent":"380.00","report":"Zwölf Treffen"}`, 200)
		expect(group, "POST", A+"/close", ``, 403)
		expect(auditor, "POST", A+"/close", ``, 403)
		expect(k1, "POST", A+"/close", `{"returned":"400.01"}`, 422)
		if r := expect(k1, "POST", A+"/close", `{"returned":"20.00"}`, 200); r.JSON["status"] != "closed" {
			t.Fatal(r.JSON)
		}
		expect(m[0], "POST", A+"/close", ``, 409)

		// Another application asks for more than is left.
		id2 := expect(group, "POST", "/api/v1/applications", testserver.ApplicationBody, 201).JSON["id"].(string)
		B := "/api/v1/applications/" + id2
		expect(group, "POST", B+"/submit", ``, 200)
		expect(m[0], "POST", B+"/reviews", `{"score":3}`, 201)
		for _, who := range m[:3] {
			expect(who, "POST", B+"/votes", `{"vote":"approve"}`, 201)
		}
		ts.JSON("POST", B+"/decision", m[0], `{"decision":"approved"}`).WantProblem(t, 409, "insufficient-funds")
		if r := expect(group, "GET", "/api/v1/applications?status=in_review", "", 200); len(r.JSON["items"].([]any)) != 1 {
			t.Fatal(r.JSON)
		}
		if r := expect(other, "GET", "/api/v1/applications", "", 200); len(r.JSON["items"].([]any)) != 0 {
			t.Fatal("another group lists this group's applications")
		}

		// Until the group's 20.00 are on the bank statement, the fund has
		// spent 400; then 380.
		if f := expect("", "GET", "/api/v1/fund", "", 200).JSON; f["grants_paid"] != "400.00" || f["available"] != "400.00" {
			t.Fatalf("fund before the pay-back %v", f)
		}
		day := fundus.DayOf(time.Now())
		ts.Do("POST", "/api/v1/bank/statements", k1, "application/xml", string(banktest.Camt053(banktest.Statement{
			ID: "BACK", IBAN: "DE89370400440532013000", From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{{Date: day, Minor: 2000, Name: "Verein", Remittance: "Rueckzahlung"}}}))).WantStatus(t, 201)
		line := expect(k1, "GET", "/api/v1/bank/transactions?status=queued", "", 200).JSON["items"].([]any)[0].(map[string]any)["id"].(string)
		expect(k1, "POST", "/api/v1/bank/transactions/"+line+"/assign", `{"disbursement_id":"`+d1["id"].(string)+`"}`, 200)

		f := expect("", "GET", "/api/v1/fund", "", 200).JSON
		// 800 in; 400 approved, 380 paid net (400 - 20 returned); available 800 - 380 = 420.
		if f["donations_received"] != "800.00" || f["grants_awarded"] != "380.00" || f["grants_paid"] != "380.00" || f["available"] != "420.00" || f["projects_funded"] != float64(1) {
			t.Fatalf("fund %v", f)
		}
		if p := expect("", "GET", "/api/v1/fund/projects", "", 200).JSON["items"].([]any); len(p) != 1 || p[0].(map[string]any)["approved_amount"] != "380.00" {
			t.Fatalf("projects %v", p)
		}

		// The annual report and the audit trail as CSV.
		year := fmt.Sprint(time.Now().In(fundus.Berlin).Year())
		rep := expect("", "GET", "/api/v1/fund/report?year="+year, "", 200).JSON
		if rep["grants_approved"] != "380.00" || rep["grants_paid"] != "380.00" || rep["available_at_year_end"] != "420.00" || len(rep["projects"].([]any)) != 1 {
			t.Fatalf("report %v", rep)
		}
		csvReport := expect("", "GET", "/api/v1/fund/report?year="+year+"&format=csv", "", 200)
		if !strings.Contains(csvReport.Body.String(), year+",grants total,,,380.00,380.00,,") || strings.Contains(csvReport.Body.String(), "verein@") {
			t.Fatalf("csv report:\n%s", csvReport.Body)
		}
		expect("", "GET", "/api/v1/fund/report?year=1999", "", 422)
		if page := expect("", "GET", "/report?year="+year, "", 200); !strings.Contains(page.Body.String(), `id="report-available"`) {
			t.Fatal("report page")
		}
		audit := expect(auditor, "GET", "/api/v1/audit?format=csv&object_id="+id, "", 200).Body.String()
		if !strings.HasPrefix(audit, "id,time,actor,action,object_type,object_id,details\n") || strings.Count(audit, "\n") < 10 || !strings.Contains(audit, "application.approve") {
			t.Fatalf("audit csv:\n%s", audit)
		}
		expect(k1, "GET", "/api/v1/audit?format=csv", "", 403)
	})
}
