package api_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/internal/testtool"
	"fundus/mail"
)

// receiptDonor is a donor with all a receipt needs.
const receiptDonor = `{"name":"Erika Mustermann","email":"erika@example.org","street":"Hauptstraße 1","postal_code":"49074","city":"Osnabrück"}`

// receiptState is what a refused receipt request must leave as it was.
func receiptState(t *testing.T, d *db.DB) string {
	t.Helper()
	return dbtest.Dump(t, d, "receipts", "receipt_donations", "receipt_counters", "mail_outbox")
}

func TestReceiptsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		auditor := ts.MustUser("pruefung@example.org", auth.Auditor)
		admin := ts.MustUser("admin@example.org", auth.Admin)
		group := ts.MustUser("verein@example.org", auth.Applicant)
		year := strconv.Itoa(time.Now().In(fundus.Berlin).Year())

		id := ts.ReceivedDonation(kasse, receiptDonor, "250.00", "accepted")
		ts.JSON("POST", "/api/v1/donations/"+id+"/receipt", auditor, "").WantProblem(t, 403, "forbidden")
		ts.JSON("POST", "/api/v1/donations/nope/receipt", kasse, "").WantProblem(t, 404, "not-found")
		r := ts.JSON("POST", "/api/v1/donations/"+id+"/receipt", kasse, "").WantStatus(t, http.StatusCreated)
		first := r.JSON["id"].(string)
		if r.JSON["number"] != "ZB-"+year+"-00001" || r.JSON["donation_id"] != id || r.JSON["amount"] != "250.00" || r.JSON["kind"] != "single" ||
			r.JSON["status"] != "valid" || first == "" {
			t.Fatalf("issued: %v", r.JSON)
		}
		if _, err := time.Parse(time.RFC3339, r.JSON["issued_at"].(string)); err != nil {
			t.Fatalf("issued_at: %v", err)
		}
		var mails int
		if err := d.Get(&mails, `SELECT COUNT(*) FROM mail_outbox WHERE kind = $1 AND to_address = $2`, mail.DonationReceipt, "erika@example.org"); err != nil || mails != 1 {
			t.Fatalf("receipt mails to the donor: %d %v", mails, err)
		}

		t.Run("ErrRefusedChangeNothing", func(t *testing.T) {
			pledged := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"80.00","donor":`+receiptDonor+`}`).WantStatus(t, http.StatusCreated).JSON["id"].(string)
			pending := ts.ReceivedDonation(kasse, receiptDonor, "3000.00", "pending")
			noAddress := ts.ReceivedDonation(kasse, `{"name":"Bob","email":"bob@example.org"}`, "120.00", "accepted")
			before := receiptState(t, d)
			ts.JSON("POST", "/api/v1/donations/"+id+"/receipt", kasse, "").WantProblem(t, 409, "invalid-state")
			ts.JSON("POST", "/api/v1/donations/"+pledged+"/receipt", kasse, "").WantProblem(t, 409, "invalid-state")
			ts.JSON("POST", "/api/v1/donations/"+pending+"/receipt", kasse, "").WantProblem(t, 409, "invalid-state")
			p := ts.JSON("POST", "/api/v1/donations/"+noAddress+"/receipt", kasse, "").WantProblem(t, 422, "validation")
			if got := strings.Join(p.FieldErrors(), ","); got != "donor.street,donor.postal_code,donor.city" {
				t.Errorf("fields %s, want the missing address", got)
			}
			ts.JSON("POST", "/api/v1/donations/"+id+"/receipt", kasse, `{"x":1}`).WantProblem(t, 400, "malformed-request")
			// A refusal under a key is answered again, byte for byte.
			h := map[string]string{"Idempotency-Key": "receipt-pending-1"}
			a := ts.DoWithHeaders("POST", "/api/v1/donations/"+pending+"/receipt", kasse, "", h).WantProblem(t, 409, "invalid-state")
			b := ts.DoWithHeaders("POST", "/api/v1/donations/"+pending+"/receipt", kasse, "", h).WantProblem(t, 409, "invalid-state")
			if a.Body.String() != b.Body.String() || b.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("the repeat answered %s (replayed %q), the first %s", b.Body, b.Header().Get("Idempotent-Replayed"), a.Body)
			}
			if after := receiptState(t, d); after != before {
				t.Fatalf("refused requests changed the receipts, counters or outbox:\nbefore %s\nafter %s", before, after)
			}
		})

		t.Run("ReadAndPDF", func(t *testing.T) {
			for _, token := range []string{kasse, auditor, admin} {
				g := ts.JSON("GET", "/api/v1/receipts/"+first, token, "").WantStatus(t, 200)
				if g.JSON["number"] != "ZB-"+year+"-00001" || g.JSON["donor"].(map[string]any)["name"] != "Erika Mustermann" {
					t.Fatalf("get: %v", g.JSON)
				}
			}
			ts.JSON("GET", "/api/v1/receipts/"+first, group, "").WantProblem(t, 403, "forbidden")
			ts.JSON("GET", "/api/v1/receipts/nope", kasse, "").WantProblem(t, 404, "not-found")
			ts.JSON("GET", "/api/v1/receipts/"+first+"/pdf", group, "").WantProblem(t, 403, "forbidden")
			p := ts.JSON("GET", "/api/v1/receipts/"+first+"/pdf", auditor, "").WantStatus(t, 200)
			if ct := p.Header().Get("Content-Type"); ct != "application/pdf" || !strings.HasPrefix(p.Body.String(), "%PDF-") {
				t.Fatalf("Content-Type %q, body starts %.8q", ct, p.Body.String())
			}
			txt := pdfText(t, p.Body.Bytes())
			for _, want := range []string{"ZB-" + year + "-00001", "Erika Mustermann", "zweihundertfünfzig Euro", "250,00"} {
				if !strings.Contains(txt, want) {
					t.Errorf("the PDF lacks %q:\n%s", want, txt)
				}
			}
		})

		var second string
		t.Run("CancelThenReissue", func(t *testing.T) {
			before := receiptState(t, d)
			p := ts.JSON("POST", "/api/v1/receipts/"+first+"/cancel", kasse, `{"reason":"  "}`).WantProblem(t, 422, "validation")
			if got := p.FieldErrors(); len(got) != 1 || got[0] != "reason" {
				t.Fatalf("fields %v, want reason", got)
			}
			ts.JSON("POST", "/api/v1/receipts/"+first+"/cancel", auditor, `{"reason":"Tippfehler"}`).WantProblem(t, 403, "forbidden")
			if after := receiptState(t, d); after != before {
				t.Fatal("a refused cancel changed the receipts")
			}
			c := ts.JSON("POST", "/api/v1/receipts/"+first+"/cancel", kasse, `{"reason":"Anschrift falsch"}`).WantStatus(t, 200)
			if c.JSON["status"] != "cancelled" || c.JSON["cancel_reason"] != "Anschrift falsch" || c.JSON["number"] != "ZB-"+year+"-00001" {
				t.Fatalf("cancelled: %v", c.JSON)
			}
			ts.JSON("POST", "/api/v1/receipts/"+first+"/cancel", kasse, `{"reason":"noch einmal"}`).WantProblem(t, 409, "invalid-state")
			n := ts.JSON("POST", "/api/v1/donations/"+id+"/receipt", kasse, "").WantStatus(t, http.StatusCreated)
			if n.JSON["number"] != "ZB-"+year+"-00002" || n.JSON["id"] == first {
				t.Fatalf("reissued: %v", n.JSON)
			}
			second = n.JSON["id"].(string)
		})

		t.Run("AnnualRun", func(t *testing.T) {
			ts.JSON("POST", "/api/v1/receipts/annual", kasse, `{}`).WantProblem(t, 422, "validation")
			p := ts.JSON("POST", "/api/v1/receipts/annual", kasse, `{"year":1999}`).WantProblem(t, 422, "validation")
			if got := p.FieldErrors(); len(got) != 1 || got[0] != "year" {
				t.Fatalf("fields %v, want year", got)
			}
			ts.JSON("POST", "/api/v1/receipts/annual", auditor, `{"year":`+year+`}`).WantProblem(t, 403, "forbidden")
			max := `{"name":"Max Muster","email":"max@example.org","street":"Domhof 2","postal_code":"49074","city":"Osnabrück"}`
			a := ts.ReceivedDonation(kasse, max, "40.00", "accepted")
			b := ts.ReceivedDonation(kasse, max, "60.50", "accepted")
			h := map[string]string{"Idempotency-Key": "annual-" + year}
			r := ts.DoWithHeaders("POST", "/api/v1/receipts/annual", kasse, `{"year":`+year+`}`, h).WantStatus(t, http.StatusCreated)
			created := r.JSON["created"].([]any)
			if len(created) != 1 {
				t.Fatalf("created %v, want one collective receipt for Max (Erika's donation has its receipt)", created)
			}
			c := created[0].(map[string]any)
			items := c["items"].([]any)
			if c["kind"] != "collective" || c["amount"] != "100.50" || len(items) != 2 || c["number"] != "ZB-"+year+"-00003" ||
				items[0].(map[string]any)["donation_id"] != a || items[1].(map[string]any)["donation_id"] != b {
				t.Fatalf("collective receipt: %v", c)
			}
			again := ts.DoWithHeaders("POST", "/api/v1/receipts/annual", kasse, `{"year":`+year+`}`, h).WantStatus(t, http.StatusCreated)
			if again.Body.String() != r.Body.String() {
				t.Fatal("the repeat under the key answered otherwise")
			}
			none := ts.JSON("POST", "/api/v1/receipts/annual", kasse, `{"year":`+year+`}`).WantStatus(t, http.StatusCreated)
			if len(none.JSON["created"].([]any)) != 0 {
				t.Fatalf("a second run issued again: %v", none.JSON)
			}
		})

		t.Run("List", func(t *testing.T) {
			all := ts.JSON("GET", "/api/v1/receipts", auditor, "").WantStatus(t, 200)
			items := all.JSON["items"].([]any)
			if len(items) != 3 || items[0].(map[string]any)["number"] != "ZB-"+year+"-00003" || all.JSON["next_cursor"] != nil {
				t.Fatalf("list: %v", all.JSON)
			}
			cancelled := ts.JSON("GET", "/api/v1/receipts?status=cancelled&year="+year, admin, "").WantStatus(t, 200).JSON["items"].([]any)
			if len(cancelled) != 1 || cancelled[0].(map[string]any)["id"] != first {
				t.Fatalf("cancelled: %v", cancelled)
			}
			of := ts.JSON("GET", "/api/v1/receipts?donation_id="+id, kasse, "").WantStatus(t, 200).JSON["items"].([]any)
			if len(of) != 2 || of[0].(map[string]any)["id"] != second {
				t.Fatalf("the donation's receipts: %v", of)
			}
			if got := ts.JSON("GET", "/api/v1/receipts?status=lost", kasse, "").WantProblem(t, 422, "validation").FieldErrors(); len(got) != 1 || got[0] != "status" {
				t.Fatalf("fields %v, want status", got)
			}
			if got := ts.JSON("GET", "/api/v1/receipts?year=soon", kasse, "").WantProblem(t, 422, "validation").FieldErrors(); len(got) != 1 || got[0] != "year" {
				t.Fatalf("fields %v, want year", got)
			}
			ts.JSON("GET", "/api/v1/receipts", group, "").WantProblem(t, 403, "forbidden")
		})
	})
}

// pdfText is the text of a PDF, read by pdftotext (poppler-utils); the
// test is skipped, loudly, without it.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	totext := testtool.Require(t, "pdftotext", "poppler-utils")
	file := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(totext, file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
