package api_test

import (
	"net/http"
	"testing"

	"fundus/auth"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestBankAPI: a treasurer uploads a statement as it came; its credit
// with a pledge's reference confirms the pledge, the rest is queued; the
// same file again is 200 with no new lines; a file of another account is
// 422 wrong-account; the queue is resolved and the reconciliation shows no
// difference. An auditor reads but may not upload.
func TestBankAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		pruefer := ts.MustUser("pruefer@example.org", auth.Auditor)
		p := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"25.00"}`).WantStatus(t, http.StatusCreated)
		ref, donation := p.JSON["reference"].(string), p.JSON["id"].(string)
		const iban = "DE89370400440532013000"
		file := banktest.Camt053(banktest.Statement{ID: "S1", IBAN: iban, From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{
			{Date: "2026-03-02", Minor: 2500, Name: "Erika", Remittance: "Spende " + ref},
			{Date: "2026-03-02", Minor: 800, Name: "Stadtwerke", Remittance: "Zinsen"},
		}})
		upload := func(token string, body []byte, contentType string) *testserver.Response {
			return ts.Do("POST", "/api/v1/bank/statements", token, contentType, string(body))
		}
		upload(pruefer, file, "application/xml").WantProblem(t, 403, "forbidden")
		upload(kasse, file, "application/json").WantProblem(t, 400, "malformed-request")
		r := upload(kasse, file, "application/xml").WantStatus(t, http.StatusCreated)
		if r.JSON["new_lines"] != 2.0 || r.JSON["matched"] != 1.0 || r.JSON["queued"] != 1.0 || r.JSON["closing_balance"] != "33.00" {
			t.Fatalf("import %v", r.JSON)
		}
		if again := upload(kasse, file, "application/xml").WantStatus(t, http.StatusOK); again.JSON["new_lines"] != 0.0 || again.JSON["duplicate_lines"] != 2.0 {
			t.Fatalf("again %v", again.JSON)
		}
		if d := ts.JSON("GET", "/api/v1/donations/"+donation, kasse, "").WantStatus(t, 200); d.JSON["status"] != "received" {
			t.Fatalf("the pledge is %v", d.JSON["status"])
		}
		other := banktest.Camt053(banktest.Statement{ID: "X", IBAN: "DE02120300000000202051", From: "2026-03-02", To: "2026-03-02"})
		upload(kasse, other, "application/xml").WantProblem(t, 422, "wrong-account")
		upload(kasse, []byte(":20:STARTUMSE\n:25:37040044/0532013000\n-"), "text/csv").WantProblem(t, 422, "unsupported-file")

		q := ts.JSON("GET", "/api/v1/bank/transactions?status=queued", pruefer, "").WantStatus(t, 200)
		items := q.JSON["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("queued %v", q.JSON)
		}
		line := items[0].(map[string]any)["id"].(string)
		ts.JSON("GET", "/api/v1/bank/transactions/"+line, pruefer, "").WantStatus(t, 200)
		ts.JSON("POST", "/api/v1/bank/transactions/"+line+"/book", kasse, `{"account":"assets:bank","memo":"x"}`).WantProblem(t, 422, "validation")
		b := ts.JSON("POST", "/api/v1/bank/transactions/"+line+"/book", kasse, `{"account":"income:interest","memo":"Zinsen"}`).WantStatus(t, 200)
		if b.JSON["status"] != "booked" {
			t.Fatalf("booked %v", b.JSON)
		}
		ts.JSON("POST", "/api/v1/bank/transactions/"+line+"/book", kasse, `{"account":"income:interest","memo":"Zinsen"}`).WantProblem(t, 409, "invalid-state")
		rec := ts.JSON("GET", "/api/v1/bank/reconciliation", pruefer, "").WantStatus(t, 200)
		if rec.JSON["difference"] != "0.00" || rec.JSON["statement_balance"] != "33.00" || rec.JSON["queued_lines"] != 0.0 {
			t.Fatalf("reconciliation %v", rec.JSON)
		}
		if sts := ts.JSON("GET", "/api/v1/bank/statements", pruefer, "").WantStatus(t, 200); len(sts.JSON["items"].([]any)) != 2 {
			t.Fatalf("statements %v", sts.JSON)
		}
	})
}
