package api_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

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

// bankTables are what a refused bank file must leave as it was.
var bankTables = []string{"bank_statements", "bank_lines", "entries", "postings", "donations", "audit_log"}

// attack is a server with a treasurer and an auditor, for the tests of
// what attacks on the bank loop found.
type attack struct {
	t           *testing.T
	ts          *testserver.Server
	k1, auditor string
}

func newAttack(t *testing.T, d *db.DB) *attack {
	ts := testserver.New(t, d, server.Config{})
	return &attack{t: t, ts: ts, k1: ts.MustUser("k1@example.org", auth.Treasurer), auditor: ts.MustUser("pruefer@example.org", auth.Auditor)}
}

func (a *attack) expect(who, method, path, body string, want int) *testserver.Response {
	a.t.Helper()
	r := a.ts.JSON(method, path, who, body)
	if r.Code != want {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
	}
	return r
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

func (a *attack) verify() {
	a.t.Helper()
	ledgertest.Verify(a.t, a.ts.DB)
}

func (a *attack) pledge(amount string) (id, ref string) {
	p := a.expect("", "POST", "/api/v1/donations", `{"amount":"`+amount+`"}`, 201)
	return p.JSON["id"].(string), p.JSON["reference"].(string)
}

func (a *attack) balance(account string) int64 {
	a.t.Helper()
	var n int64
	if err := a.ts.DB.Get(&n, `SELECT COALESCE(SUM(amount), 0) FROM postings WHERE account = $1`, account); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// TestBankLineOfARefundedDonation: a donation confirmed by hand (its money
// in assets:clearing) and refunded before its statement came: its credit
// line still moves the money from assets:clearing to assets:bank, found by
// its reference or assigned by the treasurer.
func TestBankLineOfARefundedDonation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		id, ref := a.pledge("40.00")
		other, _ := a.pledge("15.00")
		for _, id := range []string{id, other} {
			a.expect(a.k1, "POST", "/api/v1/donations/"+id+"/confirm", `{}`, 200)
			a.expect(a.k1, "POST", "/api/v1/donations/"+id+"/refund", `{"reason":"Spender bat darum"}`, 200)
		}
		day := "2026-03-02"
		r := a.upload(a.k1, banktest.Camt053(banktest.Statement{ID: "R", IBAN: attackIBAN, From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{{Date: day, Minor: 4000, Name: "Erika", Remittance: ref}, {Date: day, Minor: 1500, Name: "Hans", Remittance: "Spende"}}}), 201)
		if r.JSON["matched"] != 1.0 {
			t.Fatalf("import %v: the line with the reference did not match", r.JSON)
		}
		q := a.queued()
		a.expect(a.k1, "POST", "/api/v1/bank/transactions/"+q[0]+"/assign", `{"donation_id":"`+other+`"}`, 200)
		if c, b := a.balance(ledger.Clearing), a.balance(ledger.Bank); c != 0 || b != 5500 {
			t.Fatalf("assets:clearing %d, assets:bank %d; want 0 and 5500", c, b)
		}
		a.verify()
	})
}

// TestBankCSVWithNUL: a NUL byte in a CSV-CAMT file, which no bank writes
// and PostgreSQL refuses in text, is refused as a broken file and changes
// nothing.
func TestBankCSVWithNUL(t *testing.T) {
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

// TestBankZeroLine: a line of 0.00 (Sparkassen's quarterly "Abschluss" notice, some banks'
// camt entries) moves no money: the file imports and the line is not kept,
// rather than the whole import failing as an internal error.
func TestBankZeroLine(t *testing.T) {
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

// TestBankDonationConfirmedBeforeTheBankLoop: a donation confirmed before
// the bank loop was booked to assets:bank at once (and a refund before it
// paid out of assets:bank at once). Its lines in the first statement
// imported after the upgrade are linked but book nothing again:
// assets:bank holds the money once.
func TestBankDonationConfirmedBeforeTheBankLoop(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		id, ref := a.pledge("30.00")
		rid, rref := a.pledge("20.00")
		// The entries as the confirm and the refund of then wrote them (no
		// manual entry may post to assets:bank now).
		e := ledgertest.PostBank(t, a.ts.Ledger.Writer, "", "Donation "+ref, ledger.Bank, "30.00", ledger.Donations, "-30.00")
		re := ledgertest.PostBank(t, a.ts.Ledger.Writer, "", "Donation "+rref, ledger.Bank, "20.00", ledger.Donations, "-20.00")
		back := ledgertest.PostBank(t, a.ts.Ledger.Writer, "", "Refund of donation "+rref, ledger.Donations, "20.00", ledger.Bank, "-20.00")
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

// TestBankLineAboveTheCeiling: a line above the fund's ceiling of any
// amount (FUNDUS_MAX_AMOUNT) is no file of this fund's bank: the file is
// refused and changes nothing, rather than booking a donation no pledge
// or ledger entry could hold.
func TestBankLineAboveTheCeiling(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		day := "2026-03-10"
		file := banktest.Camt053(banktest.Statement{ID: "H", IBAN: attackIBAN, From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{{Date: day, Minor: 100000001, Name: "X", Remittance: "viel"}}})
		before := dbtest.Dump(t, d, bankTables...)
		a.ts.Do("POST", "/api/v1/bank/statements", a.k1, "application/xml", string(file)).WantProblem(t, 422, "validation")
		if after := dbtest.Dump(t, d, bankTables...); after != before {
			t.Error("a refused file changed the database")
		}
	})
}

// TestBankStatementsOfOneFileOverlap: the statements of one file are read
// as files of their own, one after the other, so that a line two of them
// hold is stored once: a ZIP holding the same statement twice (a download
// saved twice), a camt.052 message with the day's reports at 10:00 and at
// 14:00 (each holding all of the day's lines so far).
func TestBankStatementsOfOneFileOverlap(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		day := "2026-03-02"
		f := banktest.Camt053(banktest.Statement{ID: "S", IBAN: attackIBAN, From: day, To: day,
			Lines: []banktest.Line{{Date: day, Minor: 700, Name: "Erika", Remittance: "Spende"}}})
		var zipped bytes.Buffer
		zw := zip.NewWriter(&zipped)
		for _, name := range []string{"2026-03-02.xml", "2026-03-02 (1).xml"} {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(f)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		a.ts.Do("POST", "/api/v1/bank/statements", a.k1, "application/zip", zipped.String()).WantStatus(t, 201)
		day = "2026-03-03"
		gift := banktest.Line{Date: day, Minor: 500, Name: "Hans", Remittance: "Spende"}
		reports := banktest.Camt053(banktest.Statement{ID: "R1", IBAN: attackIBAN, From: day, To: day, Lines: []banktest.Line{gift}},
			banktest.Statement{ID: "R2", IBAN: attackIBAN, From: day, To: day, Lines: []banktest.Line{gift, {Date: day, Minor: 100, Name: "Bank", Remittance: "Zinsen"}}})
		r := a.upload(a.k1, reports, 201)
		if r.JSON["new_lines"] != 2.0 || r.JSON["duplicate_lines"] != 1.0 {
			t.Errorf("reports %v", r.JSON)
		}
		var n int
		if err := d.Get(&n, `SELECT count(*) FROM bank_lines`); err != nil || n != 3 {
			t.Fatalf("%d lines stored (%v), want 3", n, err)
		}
	})
}

// TestRefundAccountSeparationOfDuties: the treasurer who sets the account
// a refund is paid to cannot make the payment file that pays it, neither
// in this session nor in a second one; another treasurer can. A refused
// account changes nothing.
func TestRefundAccountSeparationOfDuties(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a := newAttack(t, d)
		k2 := a.ts.MustUser("k2@example.org", auth.Treasurer)
		id, _ := a.pledge("40.00")
		a.expect(a.k1, "POST", "/api/v1/donations/"+id+"/confirm", `{}`, 200)
		path := "/api/v1/donations/" + id + "/refund-account"
		a.expect(a.k1, "POST", path, `{"name":"Erika Mustermann","iban":"DE02500105170137075030"}`, 409) // not refunded
		a.expect(a.k1, "POST", "/api/v1/donations/"+id+"/refund", `{"reason":"Spenderin bat darum"}`, 200)
		// No bank line named the donor's IBAN: nothing to pay yet.
		a.ts.JSON("POST", "/api/v1/payment-files", a.k1, "").WantProblem(t, 409, "invalid-state")
		a.ts.JSON("POST", path, a.auditor, `{"name":"Erika Mustermann","iban":"DE02500105170137075030"}`).WantProblem(t, 403, "forbidden")
		bad := a.ts.JSON("POST", path, a.k1, `{"name":"Erika Mustermann","iban":"DE02500105170137075031"}`).WantProblem(t, 422, "validation")
		if errors := bad.JSON["errors"].([]any); len(errors) != 1 || errors[0].(map[string]any)["field"] != "iban" {
			t.Fatalf("errors %v", bad.JSON)
		}
		if got := a.expect(a.k1, "GET", "/api/v1/donations/"+id, "", 200); got.JSON["refund_payee"] != nil || got.JSON["refund_status"] != "owed" {
			t.Fatalf("after a refused account: %v", got.JSON)
		}
		set := a.expect(a.k1, "POST", path, `{"name":"Erika Mustermann","iban":"DE02 5001 0517 0137 0750 30"}`, 200)
		if p, _ := set.JSON["refund_payee"].(map[string]any); p["iban"] != "DE02500105170137075030" || p["name"] != "Erika Mustermann" {
			t.Fatalf("set %v", set.JSON)
		}
		for _, token := range []string{a.k1, a.ts.SignIn("k1@example.org")} {
			r := a.ts.JSON("POST", "/api/v1/payment-files", token, "").WantProblem(t, 403, "forbidden")
			if detail, _ := r.JSON["detail"].(string); !strings.Contains(detail, "separation of duties") {
				t.Fatalf("the refusal does not name the rule: %v", r.JSON)
			}
		}
		f := a.expect(k2, "POST", "/api/v1/payment-files", "", 201)
		if ids := f.JSON["refund_donation_ids"].([]any); len(ids) != 1 || ids[0] != id {
			t.Fatalf("the other treasurer's file %v", f.JSON)
		}
		if got := a.expect(a.k1, "GET", "/api/v1/donations/"+id, "", 200); got.JSON["refund_status"] != "sent" {
			t.Fatalf("in a file: %v", got.JSON)
		}
		a.expect(k2, "POST", path, `{"name":"Erika Mustermann","iban":"DE02120300000000202051"}`, 409) // in a file
		a.verify()
	})
}
