package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
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
)

func countReceipts(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Get(&n, `SELECT COUNT(*) FROM receipts`); err != nil {
		t.Fatal(err)
	}
	return n
}

var idemField = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// formOf is what a browser sends with the form on page: its CSRF token
// and idempotency key, and fields.
func formOf(b *testserver.Browserless, page string, fields url.Values) url.Values {
	b.T.Helper()
	if fields == nil {
		fields = url.Values{}
	}
	fields.Set("csrf_token", b.CSRF(page))
	if m := idemField.FindStringSubmatch(page); m != nil {
		fields.Set("idempotency_key", m[1])
	}
	return fields
}

// TestTreasurerReceipts: the treasurer issues a receipt from a donation's
// receipt step (which says why where it cannot), finds it on the receipts
// page with its PDF, runs the annual run and cancels with a reason after
// a confirmation step.
func TestTreasurerReceipts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		year := strconv.Itoa(time.Now().In(fundus.Berlin).Year())
		erika := `{"name":"Erika Mustermann","email":"erika@example.org","street":"Hauptstraße 1","postal_code":"49074","city":"Osnabrück"}`
		id := ts.ReceivedDonation(kasse, erika, "250.00", "accepted")
		pending := ts.ReceivedDonation(kasse, erika, "3000.00", "pending")
		b := ts.SignedIn("kasse@example.org", "de")

		list := b.Do("GET", "/treasurer/donations?status=received", nil).Body.String()
		if !strings.Contains(list, `href="/treasurer/donations/`+id+`/receipt"`) || !strings.Contains(list, `href="/treasurer/receipts"`) {
			t.Fatalf("the donations list links neither the receipt step nor the receipts page:\n%s", list)
		}

		// Not accepted: the step says why and offers no button.
		step := b.Do("GET", "/treasurer/donations/"+pending+"/receipt", nil)
		if step.Code != 200 || !strings.Contains(step.Body.String(), "wenn die Annahme der Spende beschlossen ist") ||
			strings.Contains(step.Body.String(), `action="/treasurer/donations/`+pending+`/receipt"`) {
			t.Fatalf("the pending donation's step: %d\n%s", step.Code, step.Body)
		}
		// Posted anyway: refused with its reason, nothing issued.
		other := b.Do("GET", "/treasurer/donations/"+id+"/receipt", nil).Body.String()
		r := b.Do("POST", "/treasurer/donations/"+pending+"/receipt", formOf(b, other, nil))
		if r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "Annahme der Spende beschlossen") || countReceipts(t, d) != 0 {
			t.Fatalf("issuing for a pending donation: %d, %d receipts\n%s", r.Code, countReceipts(t, d), r.Body)
		}

		// Accepted: the button; without a CSRF token nothing happens.
		ok := b.Do("GET", "/treasurer/donations/"+id+"/receipt", nil).Body.String()
		if !strings.Contains(ok, `action="/treasurer/donations/`+id+`/receipt"`) || !strings.Contains(ok, "Erika Mustermann") {
			t.Fatalf("the accepted donation's step has no button:\n%s", ok)
		}
		if r := b.Do("POST", "/treasurer/donations/"+id+"/receipt", url.Values{}); r.Code != http.StatusForbidden || countReceipts(t, d) != 0 {
			t.Fatalf("without a CSRF token: %d, %d receipts", r.Code, countReceipts(t, d))
		}
		form := formOf(b, ok, nil)
		r = b.Do("POST", "/treasurer/donations/"+id+"/receipt", form)
		number := "ZB-" + year + "-00001"
		if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/treasurer/receipts?done=issued&number="+number {
			t.Fatalf("issue: %d %s\n%s", r.Code, r.Header().Get("Location"), r.Body)
		}
		// A second click of the same form (its key) issues nothing more.
		if r := b.Do("POST", "/treasurer/donations/"+id+"/receipt", form); r.Code != http.StatusSeeOther || countReceipts(t, d) != 1 {
			t.Fatalf("the same form again: %d, %d receipts", r.Code, countReceipts(t, d))
		}
		page := b.Do("GET", "/treasurer/receipts?done=issued&number="+number, nil).Body.String()
		if !strings.Contains(page, "Die Zuwendungsbestätigung "+number+" ist ausgestellt.") || !strings.Contains(page, `id="receipt-`+number+`"`) ||
			!strings.Contains(page, "Einzelbestätigung") || !strings.Contains(page, "250,00") || !strings.Contains(page, "gültig") {
			t.Fatalf("receipts page after issuing:\n%s", page)
		}
		rid := ts.JSON("GET", "/api/v1/receipts?donation_id="+id, kasse, "").WantStatus(t, 200).JSON["items"].([]any)[0].(map[string]any)["id"].(string)
		if !strings.Contains(page, `href="/treasurer/receipts/`+rid+`/pdf"`) {
			t.Fatal("the receipts page has no PDF link")
		}
		if pdf := b.Do("GET", "/treasurer/receipts/"+rid+"/pdf", nil); pdf.Code != 200 || pdf.Header().Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(pdf.Body.String(), "%PDF-") {
			t.Fatalf("PDF download: %d %s", pdf.Code, pdf.Header().Get("Content-Type"))
		}
		// The step now names the receipt and why no second one.
		if again := b.Do("GET", "/treasurer/donations/"+id+"/receipt", nil).Body.String(); !strings.Contains(again, number) || !strings.Contains(again, "schon eine gültige Zuwendungsbestätigung") {
			t.Fatalf("the step after issuing:\n%s", again)
		}

		t.Run("AnnualRun", func(t *testing.T) {
			max := `{"name":"Max Muster","email":"max@example.org","street":"Domhof 2","postal_code":"49074","city":"Osnabrück"}`
			ts.ReceivedDonation(kasse, max, "40.00", "accepted")
			ts.ReceivedDonation(kasse, max, "60.50", "accepted")
			page := b.Do("GET", "/treasurer/receipts", nil).Body.String()
			if !strings.Contains(page, `action="/treasurer/receipts/annual"`) || !strings.Contains(page, `value="`+year+`"`) {
				t.Fatalf("no annual run form for this year:\n%s", page)
			}
			for _, bad := range []string{"soon", "1999"} {
				r := b.Do("POST", "/treasurer/receipts/annual", formOf(b, page, url.Values{"year": {bad}}))
				if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), "Bitte ein Jahr von 2000 bis zum laufenden Jahr.") || countReceipts(t, d) != 1 {
					t.Fatalf("year %q: %d, %d receipts\n%s", bad, r.Code, countReceipts(t, d), r.Body)
				}
			}
			r := b.Do("POST", "/treasurer/receipts/annual", formOf(b, page, url.Values{"year": {year}}))
			if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/treasurer/receipts?done=annual&run="+year+"&count=1" {
				t.Fatalf("annual run: %d %s\n%s", r.Code, r.Header().Get("Location"), r.Body)
			}
			after := b.Do("GET", r.Header().Get("Location"), nil).Body.String()
			if !strings.Contains(after, "Für "+year+" wurde 1 Bestätigung ausgestellt.") || !strings.Contains(after, "Sammelbestätigung") ||
				!strings.Contains(after, "2 Spenden") || !strings.Contains(after, "100,50") || !strings.Contains(after, "Max Muster") {
				t.Fatalf("after the annual run:\n%s", after)
			}
		})

		t.Run("Cancel", func(t *testing.T) {
			confirm := b.Do("GET", "/treasurer/receipts/"+rid+"/cancel", nil)
			if confirm.Code != 200 || !strings.Contains(confirm.Body.String(), `name="reason"`) || !strings.Contains(confirm.Body.String(), number) {
				t.Fatalf("the confirmation step: %d\n%s", confirm.Code, confirm.Body)
			}
			if got := ts.JSON("GET", "/api/v1/receipts/"+rid, kasse, "").JSON["status"]; got != "valid" {
				t.Fatalf("showing the confirmation step cancelled: %v", got)
			}
			r := b.Do("POST", "/treasurer/receipts/"+rid+"/cancel", formOf(b, confirm.Body.String(), url.Values{"reason": {" "}}))
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="reason-error"`) {
				t.Fatalf("without a reason: %d\n%s", r.Code, r.Body)
			}
			if got := ts.JSON("GET", "/api/v1/receipts/"+rid, kasse, "").JSON["status"]; got != "valid" {
				t.Fatalf("a refused cancel cancelled: %v", got)
			}
			r = b.Do("POST", "/treasurer/receipts/"+rid+"/cancel", formOf(b, confirm.Body.String(), url.Values{"reason": {"Anschrift falsch"}}))
			if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/treasurer/receipts?done=cancelled&number="+number {
				t.Fatalf("cancel: %d %s\n%s", r.Code, r.Header().Get("Location"), r.Body)
			}
			page := b.Do("GET", r.Header().Get("Location"), nil).Body.String()
			row := page[strings.Index(page, `id="receipt-`+number+`"`):]
			row = row[:strings.Index(row, "</tr>")]
			if !strings.Contains(page, "Die Zuwendungsbestätigung "+number+" ist storniert.") || !strings.Contains(row, "storniert") ||
				!strings.Contains(row, "Anschrift falsch") || strings.Contains(row, "/cancel") {
				t.Fatalf("the cancelled receipt's row:\n%s", row)
			}
			// The donation may get a new receipt now.
			if step := b.Do("GET", "/treasurer/donations/"+id+"/receipt", nil).Body.String(); !strings.Contains(step, `action="/treasurer/donations/`+id+`/receipt"`) {
				t.Fatalf("no new receipt offered after the cancel:\n%s", step)
			}
		})

		t.Run("English", func(t *testing.T) {
			en := ts.SignedIn("kasse@example.org", "en")
			page := en.Do("GET", "/treasurer/receipts", nil).Body.String()
			if !strings.Contains(page, "Donation receipts") || !strings.Contains(page, "collective receipt") || !strings.Contains(page, "cancelled") {
				t.Fatalf("English receipts page:\n%s", page)
			}
		})
	})
}
