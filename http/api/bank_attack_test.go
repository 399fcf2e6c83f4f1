package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"fundus"
	"fundus/auth"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

const attackIBAN = "DE89370400440532013000"

var bankTables = []string{"bank_statements", "bank_lines", "entries", "postings", "donations", "disbursements", "applications", "payment_files", "audit_log"}

type attack struct {
	t         *testing.T
	ts        *testserver.Server
	k1, k2    string
	auditor   string
	committee []string
	group     string
}

func newAttack(t *testing.T, d *db.DB) *attack {
	ts := testserver.New(t, d, server.Config{FundName: "Integrationsfonds Osnabrück"})
	a := &attack{t: t, ts: ts, k1: ts.MustUser("k1@example.org", auth.Treasurer), k2: ts.MustUser("k2@example.org", auth.Treasurer),
		auditor: ts.MustUser("pruefer@example.org", auth.Auditor), group: ts.MustUser("verein@example.org", auth.Applicant)}
	for i := range 3 {
		a.committee = append(a.committee, ts.MustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee))
	}
	return a
}

func (a *attack) expect(who, method, path, body string, want int) *testserver.Response {
	a.t.Helper()
	r := a.ts.JSON(method, path, who, body)
	if r.Code != want {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
	}
	return r
}

// fund puts money on the bank as a bank line booked as a donation.
func (a *attack) fund(minor int64) {
	a.t.Helper()
	a.upload(a.k1, banktest.Camt053(banktest.Statement{ID: "FUND", IBAN: attackIBAN, From: "2026-01-02", To: "2026-01-02", NoBalances: true,
		Lines: []banktest.Line{{Date: "2026-01-02", Minor: minor, Name: "Stadt", Remittance: "Zuweisung"}}}), 201)
	l := a.queued()[0]
	a.expect(a.k1, "POST", "/api/v1/bank/transactions/"+l+"/book-donation", `{}`, 200)
}

func (a *attack) upload(who string, file []byte, want int) *testserver.Response {
	a.t.Helper()
	r := a.ts.Do("POST", "/api/v1/bank/statements", who, "application/xml", string(file))
	if r.Code != want {
		a.t.Fatalf("upload: %d, want %d: %s", r.Code, want, r.Body)
	}
	return r
}

func (a *attack) queued() []string {
	a.t.Helper()
	r := a.expect(a.auditor, "GET", "/api/v1/bank/transactions?status=queued", "", 200)
	var ids []string
	for _, it := range r.JSON["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}

// released makes an approved application with a released instalment of amount and returns the instalment.
func (a *attack) released(amount string) map[string]any {
	a.t.Helper()
	id := a.expect(a.group, "POST", "/api/v1/applications", testserver.ApplicationBody, 201).JSON["id"].(string)
	A := "/api/v1/applications/" + id
	a.expect(a.group, "POST", A+"/submit", ``, 200)
	a.expect(a.committee[0], "POST", A+"/reviews", `{"score":4,"comment":"gut"}`, 201)
	for _, m := range a.committee {
		a.expect(m, "POST", A+"/votes", `{"vote":"approve"}`, 201)
	}
	a.expect(a.committee[0], "POST", A+"/decision", `{"decision":"approved","amount":"`+amount+`"}`, 200)
	d := a.expect(a.k1, "POST", A+"/disbursements", `{"amount":"`+amount+`"}`, 201).JSON
	return a.expect(a.k2, "POST", "/api/v1/disbursements/"+d["id"].(string)+"/release", ``, 200).JSON
}

func (a *attack) verify() {
	a.t.Helper()
	ledgertest.Verify(a.t, a.ts.DB)
}

func (a *attack) count(q string, args ...any) int {
	a.t.Helper()
	var n int
	if err := a.ts.DB.Get(&n, q, args...); err != nil {
		a.t.Fatal(err)
	}
	return n
}

func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); fn(i) }()
	}
	wg.Wait()
}

var _ = strings.Contains
var _ = context.Background
var _ = fundus.EUR
var _ = ledger.Bank
var _ = http.StatusOK

func (a *attack) uploadWithKey(who string, file []byte, key string) *testserver.Response {
	req, _ := http.NewRequest("POST", "/api/v1/bank/statements", strings.NewReader(string(file)))
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Authorization", "Bearer "+who)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return a.ts.Serve(req)
}

func (a *attack) pledge(amount string) (id, ref string) {
	p := a.expect("", "POST", "/api/v1/donations", `{"amount":"`+amount+`"}`, 201)
	return p.JSON["id"].(string), p.JSON["reference"].(string)
}

func TestAttackConcurrentImports(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		id, ref := a.pledge("25.00")
		day := "2026-03-02"
		line := func(minor int64, rem string) banktest.Line {
			return banktest.Line{Date: day, Minor: minor, Name: "Erika", IBAN: "DE02120300000000202051", Remittance: rem}
		}
		f := banktest.Camt053(banktest.Statement{ID: "S1", IBAN: attackIBAN, From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{line(2500, "Spende "+ref), line(700, "x"), line(700, "x")}})
		codes := make([]int, 8)
		parallel(8, func(i int) {
			key := ""
			if i%2 == 0 {
				key = "same-key"
			}
			codes[i] = a.uploadWithKey(a.k1, f, key).Code
		})
		t.Log(codes)
		if n := a.count(`SELECT count(*) FROM bank_lines`); n != 3 {
			t.Fatalf("%d lines stored, want 3", n)
		}
		if n := a.count(`SELECT count(*) FROM entries e JOIN postings p ON p.entry_id = e.id WHERE p.account = 'income:donations'`); n != 1 {
			t.Fatalf("%d donation postings, want 1", n)
		}
		// two files sharing a line, at once
		g1 := banktest.Camt053(banktest.Statement{ID: "G1", IBAN: attackIBAN, From: "2026-03-03", To: "2026-03-03", NoBalances: true,
			Lines: []banktest.Line{{Date: "2026-03-03", Minor: 100, Remittance: "a"}, {Date: "2026-03-03", Minor: 200, Remittance: "b"}}})
		g2 := banktest.Camt053(banktest.Statement{ID: "G2", IBAN: attackIBAN, From: "2026-03-03", To: "2026-03-03", NoBalances: true,
			Lines: []banktest.Line{{Date: "2026-03-03", Minor: 200, Remittance: "b"}, {Date: "2026-03-03", Minor: 300, Remittance: "c"}}})
		parallel(6, func(i int) {
			if i%2 == 0 {
				a.uploadWithKey(a.k1, g1, "")
			} else {
				a.uploadWithKey(a.k2, g2, "")
			}
		})
		if n := a.count(`SELECT count(*) FROM bank_lines WHERE booking_date = '2026-03-03'`); n != 3 {
			t.Fatalf("%d lines stored of 2026-03-03, want 3", n)
		}
		_ = id
		a.verify()
	})
}

func TestAttackConcurrentAssign(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		id, _ := a.pledge("10.00")
		day := "2026-03-02"
		a.upload(a.k1, banktest.Camt053(banktest.Statement{ID: "S1", IBAN: attackIBAN, From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{{Date: day, Minor: 1000, Remittance: "one"}, {Date: day, Minor: 1000, Remittance: "two"}}}), 201)
		q := a.queued()
		codes := make([]int, 6)
		parallel(6, func(i int) {
			who := a.k1
			if i%2 == 1 {
				who = a.k2
			}
			codes[i] = a.ts.JSON("POST", "/api/v1/bank/transactions/"+q[i%2]+"/assign", who, `{"donation_id":"`+id+`"}`).Code
		})
		ok := 0
		for _, c := range codes {
			if c == 200 {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("codes %v: %d assigns succeeded, want 1", codes, ok)
		}
		if n := a.count(`SELECT count(*) FROM bank_lines WHERE match_id = $1`, id); n != 1 {
			t.Fatalf("%d lines matched to the donation", n)
		}
		if n := a.count(`SELECT count(*) FROM postings WHERE account = 'income:donations'`); n != 1 {
			t.Fatalf("%d donation postings, want 1", n)
		}
		a.verify()
	})
}

func TestAttackConcurrentPaymentFiles(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		a.fund(80000)
		x := a.released("300.00")
		xid := x["id"].(string)
		a.expect(a.k1, "POST", "/api/v1/payment-files", `{"disbursement_ids":["`+xid+`","`+xid+`"]}`, 422)
		codes := make([]int, 4)
		parallel(4, func(i int) {
			codes[i] = a.ts.JSON("POST", "/api/v1/payment-files", a.k1, "").Code
			if i == 0 {
				day := "2026-03-05"
				a.uploadWithKey(a.k2, banktest.Camt053(banktest.Statement{ID: "P", IBAN: attackIBAN, From: day, To: day, NoBalances: true,
					Lines: []banktest.Line{{Date: day, Minor: 30000, Debit: true, Name: "Verein", EndToEndID: x["end_to_end_id"].(string)}}}), "")
			}
		})
		t.Log(codes)
		if n := a.count(`SELECT count(*) FROM payment_files`); n > 1 {
			t.Fatalf("%d payment files", n)
		}
		if n := a.count(`SELECT count(*) FROM postings WHERE account = 'liabilities:grants-payable' AND amount > 0`); n != 1 {
			t.Fatalf("%d payouts booked, want 1", n)
		}
		if n := a.count(`SELECT count(*) FROM disbursements WHERE status = 'paid'`); n != 1 {
			t.Fatalf("%d paid", n)
		}
		a.verify()
	})
}

func (a *attack) balance(account string) int64 {
	a.t.Helper()
	var n int64
	if err := a.ts.DB.Get(&n, `SELECT COALESCE(SUM(amount), 0) FROM postings WHERE account = $1`, account); err != nil {
		a.t.Fatal(err)
	}
	return n
}

func TestAttackMatching(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		a.fund(100000)
		id10, ref10 := a.pledge("10.00")
		id20, ref20 := a.pledge("20.00")
		idC, refC := a.pledge("5.00")
		a.expect(a.k1, "POST", "/api/v1/donations/"+idC+"/cancel", ``, 200)
		x := a.released("300.00")
		// pending instalment of a second application
		id := a.expect(a.group, "POST", "/api/v1/applications", testserver.ApplicationBody, 201).JSON["id"].(string)
		A := "/api/v1/applications/" + id
		a.expect(a.group, "POST", A+"/submit", ``, 200)
		a.expect(a.committee[0], "POST", A+"/reviews", `{"score":4,"comment":"gut"}`, 201)
		for _, m := range a.committee {
			a.expect(m, "POST", A+"/votes", `{"vote":"approve"}`, 201)
		}
		a.expect(a.committee[0], "POST", A+"/decision", `{"decision":"approved","amount":"200.00"}`, 200)
		p := a.expect(a.k1, "POST", A+"/disbursements", `{"amount":"200.00"}`, 201).JSON
		day := "2026-03-02"
		lines := []banktest.Line{
			{Date: day, Minor: 3000, Name: "Both", Remittance: ref10 + " und " + ref20},                      // two refs, sum: queued
			{Date: day, Minor: 500, Name: "Cancelled", Remittance: refC},                                     // cancelled: queued
			{Date: day, Minor: 29999, Name: "Verein", EndToEndID: x["end_to_end_id"].(string)},               // credit, e2e, other amount: queued
			{Date: day, Minor: 1000, Debit: true, Name: "Debit", Remittance: ref10},                          // debit with a reference: queued
			{Date: day, Minor: 20000, Debit: true, Name: "Pending", EndToEndID: p["end_to_end_id"].(string)}, // e2e of a pending instalment
			{Date: day, Minor: 30000, Debit: true, Name: "Other amount", EndToEndID: x["end_to_end_id"].(string) + "X"},
		}
		r := a.upload(a.k1, banktest.Camt053(banktest.Statement{ID: "M", IBAN: attackIBAN, From: day, To: day, NoBalances: true, Lines: lines}), 201)
		if r.JSON["matched"] != 0.0 || r.JSON["queued"] != 6.0 {
			t.Fatalf("import %v", r.JSON)
		}
		q := a.queued()[1:] // the first is the fund's line... booked already
		_ = q
		if n := a.count(`SELECT count(*) FROM donations WHERE status = 'received' AND id IN ($1, $2, $3)`, id10, id20, idC); n != 0 {
			t.Fatalf("%d donations received", n)
		}
		if n := a.count(`SELECT count(*) FROM disbursements WHERE status = 'paid'`); n != 0 {
			t.Fatalf("%d paid", n)
		}
		var pendingLine, cancelledLine string
		a.ts.DB.Get(&pendingLine, `SELECT id FROM bank_lines WHERE counterparty_name = 'Pending'`)
		a.ts.DB.Get(&cancelledLine, `SELECT id FROM bank_lines WHERE counterparty_name = 'Cancelled'`)
		a.expect(a.k1, "POST", "/api/v1/bank/transactions/"+pendingLine+"/assign", `{"disbursement_id":"`+p["id"].(string)+`"}`, 409)
		a.expect(a.k1, "POST", "/api/v1/bank/transactions/"+cancelledLine+"/assign", `{"donation_id":"`+idC+`"}`, 409)
		// one ref, exact amount, twice in one remittance and twice in the file: once.
		r = a.upload(a.k1, banktest.Camt053(banktest.Statement{ID: "M2", IBAN: attackIBAN, From: "2026-03-03", To: "2026-03-03", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-03-03", Minor: 1000, Name: "A", Remittance: ref10 + " " + strings.ToLower(ref10)},
			{Date: "2026-03-03", Minor: 1000, Name: "B", Remittance: ref10},
		}}), 201)
		if r.JSON["matched"] != 1.0 || r.JSON["queued"] != 1.0 {
			t.Fatalf("import %v", r.JSON)
		}
		a.verify()
	})
}

// A donation confirmed by hand (its money in assets:clearing) and refunded
// before its statement came: its credit line must still move the money
// from assets:clearing to assets:bank.
func TestAttackRefundedBeforeItsLine(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		id, ref := a.pledge("40.00")
		a.expect(a.k1, "POST", "/api/v1/donations/"+id+"/confirm", `{}`, 200)
		a.expect(a.k1, "POST", "/api/v1/donations/"+id+"/refund", `{"reason":"Spender bat darum"}`, 200)
		day := "2026-03-02"
		r := a.upload(a.k1, banktest.Camt053(banktest.Statement{ID: "R", IBAN: attackIBAN, From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{{Date: day, Minor: 4000, Name: "Erika", Remittance: ref}}}), 201)
		t.Log(r.JSON)
		if r.JSON["matched"] != 1.0 {
			q := a.queued()
			a.expect(a.k1, "POST", "/api/v1/bank/transactions/"+q[0]+"/assign", `{"donation_id":"`+id+`"}`, 200)
		}
		if c, b := a.balance(ledger.Clearing), a.balance(ledger.Bank); c != 0 || b != 4000 {
			t.Fatalf("assets:clearing %d, assets:bank %d; want 0 and 4000", c, b)
		}
		a.verify()
	})
}

// A NUL byte in a CSV-CAMT file, which no bank writes and PostgreSQL
// refuses in text, is refused as a broken file and changes nothing.
func TestAttackNULInCSV(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		k1 := ts.MustUser("k1@example.org", auth.Treasurer)
		day := "2026-03-02"
		csv := banktest.CSVCAMT(banktest.Statement{ID: "S", IBAN: attackIBAN, From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{{Date: day, Minor: 100, Name: "Erika", Remittance: "Spende"}}})
		before := dbtest.Dump(t, d, bankTables...)
		ts.Do("POST", "/api/v1/bank/statements", k1, "text/csv", string(bytes.Replace(csv, []byte("Erika"), []byte("Er\x00ka"), 1))).
			WantProblem(t, 422, "validation")
		if after := dbtest.Dump(t, d, bankTables...); after != before {
			t.Error("a refused file changed the database")
		}
	})
}

// A line of 0.00 (Sparkassen's quarterly "Abschluss" notice, some banks'
// camt entries) moves no money: the file imports and the line is not kept,
// rather than the whole import failing as an internal error.
func TestAttackZeroLine(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		k1 := ts.MustUser("k1@example.org", auth.Treasurer)
		day := "2026-03-31"
		st := banktest.Statement{ID: "S", IBAN: attackIBAN, From: day, To: day, Lines: []banktest.Line{
			{Date: day, Minor: 0, Debit: true, Name: "Sparkasse", Remittance: "Abschluss"},
			{Date: day, Minor: 1500, Name: "Erika", Remittance: "Spende"},
		}}
		for _, f := range []struct{ ct, body string }{{"text/csv", string(banktest.CSVCAMT(st))}, {"application/xml", string(banktest.Camt053(st))}} {
			r := ts.Do("POST", "/api/v1/bank/statements", k1, f.ct, f.body)
			if r.Code != 201 && r.Code != 200 {
				t.Fatalf("%s: %d %s", f.ct, r.Code, r.Body)
			}
		}
		var n int
		if err := d.Get(&n, `SELECT count(*) FROM bank_lines`); err != nil || n != 1 {
			t.Fatalf("%d lines stored (%v), want 1", n, err)
		}
	})
}

// A donation confirmed before the bank loop was booked to assets:bank at
// once (and a refund before it paid out of assets:bank at once). Its line
// in the first statement imported after the upgrade is linked but books
// nothing again: assets:bank holds the money once.
func TestAttackDonationConfirmedBeforeTheBankLoop(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		id, ref := a.pledge("30.00")
		rid, rref := a.pledge("20.00")
		e := ledgertest.Post(t, a.ts.Ledger, "Donation "+ref, ledger.Bank, "30.00", ledger.Donations, "-30.00")
		re := ledgertest.Post(t, a.ts.Ledger, "Donation "+rref, ledger.Bank, "20.00", ledger.Donations, "-20.00")
		back := ledgertest.Post(t, a.ts.Ledger, "Refund of donation "+rref, ledger.Donations, "20.00", ledger.Bank, "-20.00")
		raw := dbtest.Raw(t, d)
		raw.MustExec(`UPDATE donations SET status = 'received', received_at = created_at, ledger_entry_id = $1 WHERE id = $2`, e.ID, id)
		raw.MustExec(`UPDATE donations SET status = 'refunded', received_at = created_at, refunded_at = created_at, refund_reason = 'r', ledger_entry_id = $1, refund_entry_id = $2 WHERE id = $3`, re.ID, back.ID, rid)
		day := "2026-03-02"
		a.upload(a.k1, banktest.Camt053(banktest.Statement{ID: "U", IBAN: attackIBAN, From: day, To: day, NoBalances: true, Lines: []banktest.Line{
			{Date: day, Minor: 3000, Name: "Erika", Remittance: ref},
			{Date: day, Minor: 2000, Name: "Hans", Remittance: rref},
			{Date: day, Minor: 2000, Debit: true, Name: "Hans", Remittance: "Erstattung " + rref},
		}}), 201)
		for _, q := range a.queued() {
			var debit bool
			if err := d.Get(&debit, `SELECT direction = 'debit' FROM bank_lines WHERE id = $1`, q); err != nil {
				t.Fatal(err)
			}
			if debit {
				a.expect(a.k1, "POST", "/api/v1/bank/transactions/"+q+"/assign", `{"donation_id":"`+rid+`"}`, 200)
			} else {
				a.expect(a.k1, "POST", "/api/v1/bank/transactions/"+q+"/assign", `{"donation_id":"`+id+`"}`, 200)
			}
		}
		if b, c := a.balance(ledger.Bank), a.balance(ledger.Clearing); b != 3000 || c != 0 {
			t.Fatalf("assets:bank %d, assets:clearing %d; want 3000 and 0", b, c)
		}
		if q := a.queued(); len(q) != 0 {
			t.Fatalf("%d lines still queued", len(q))
		}
		a.verify()
	})
}
