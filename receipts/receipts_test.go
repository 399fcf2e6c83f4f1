package receipts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/internal/testtool"
	"fundus/ledger/ledgertest"
	"fundus/mail"
	"fundus/receipts"
)

var (
	treasurer = &auth.User{ID: "user-treasurer", Roles: []auth.Role{auth.Treasurer}}
	auditor   = &auth.User{ID: "user-auditor", Roles: []auth.Role{auth.Auditor}}
	applicant = &auth.User{ID: "user-applicant", Roles: []auth.Role{auth.Applicant}}
)

type fixture struct {
	d  *db.DB
	ds *donations.Service
	rs *receipts.Service
}

func setup(t *testing.T, e db.Engine) *fixture {
	t.Helper()
	d := dbtest.Open(t, e)
	w := ledgertest.Writer(t, d, nil)
	o, err := mail.NewOutbox("https://fonds.example", "Integrationsfonds Osnabrück")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		d: d,
		ds: &donations.Service{DB: d, Writer: w, MaxAmount: 100_000_000_00,
			Bank: donations.BankAccount{IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Holder: "Stadt Osnabrück"}},
		rs: &receipts.Service{DB: d, Writer: w, Mail: o, IssuerName: "Stadt Osnabrück", IssuerAddress: "Bierstraße 28, 49074 Osnabrück",
			Place: "Osnabrück", Purpose: receipts.DefaultPurpose},
	}
}

var ada = &donations.Donor{Name: "Ada Lovelace", Email: "ada@example.org", Street: "Hauptstraße 1", PostalCode: "49074", City: "Osnabrück"}

// donation pledges amount from donor, confirms that arrived (another
// amount when arrived is set) on day, and marks it accepted (as branch
// accept's decision would).
func (f *fixture) donation(t *testing.T, donor *donations.Donor, requested bool, amount, arrived, day string, accept bool) string {
	t.Helper()
	ctx := context.Background()
	p, err := ledgertest.Value(f.ds.Pledge(ctx, donations.Pledge{Amount: fundus.Amount(amount), Donor: donor, ReceiptRequested: requested, Lang: "en"}))
	if err != nil {
		t.Fatalf("pledge: %v", err)
	}
	c := donations.Confirmation{ReceivedAt: day}
	if arrived != "" {
		c.Amount = fundus.Amount(arrived)
	}
	if _, err := ledgertest.Value(f.ds.Confirm(ctx, treasurer, p.ID, c)); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	acceptance := "pending"
	if accept {
		acceptance = "accepted"
	}
	ledgertest.Exec(t, f.ds.Writer, `UPDATE donations SET acceptance = $1 WHERE id = $2`, acceptance, p.ID)
	return p.ID
}

// state is what a refusal must leave as it was.
func (f *fixture) state(t *testing.T) string {
	t.Helper()
	return dbtest.Dump(t, f.d, "receipts", "receipt_donations", "receipt_counters", "mail_outbox", "audit_log")
}

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

func contains(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

type outboxRow struct {
	Kind        string `db:"kind"`
	Lang        string `db:"lang"`
	To          string `db:"to_address"`
	Subject     string `db:"subject"`
	Text        string `db:"body_text"`
	Attachments string `db:"attachments"`
}

func receiptMails(t *testing.T, d *db.DB) []outboxRow {
	t.Helper()
	var rows []outboxRow
	if err := d.Select(&rows, `SELECT kind, lang, to_address, subject, body_text, attachments FROM mail_outbox WHERE kind = $1 ORDER BY seq`, mail.DonationReceipt); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestIssueSingle(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		// 500.00 pledged, 512.34 arrived: the receipt is for what arrived.
		id := f.donation(t, ada, true, "500.00", "512.34", "2026-03-02", true)
		r, err := ledgertest.Value(f.rs.Issue(ctx, treasurer, id))
		if err != nil {
			t.Fatal(err)
		}
		if r.Number != "ZB-2026-00001" || r.Kind != receipts.Single || r.Status != receipts.Valid || r.Amount.Minor != 51234 ||
			r.Date != "2026-03-02" || r.DonationID != id || r.Donor.Name != "Ada Lovelace" || len(r.Items) != 1 || r.Year != 2026 {
			t.Fatalf("receipt %+v", r)
		}
		got, err := f.rs.Find(ctx, auditor, r.ID)
		if err != nil || got.Number != r.Number || got.DonationID != id || got.Amount.Minor != 51234 {
			t.Fatalf("find: %+v %v", got, err)
		}
		n, body, err := f.rs.PDF(ctx, auditor, r.ID)
		if err != nil || n != r.Number {
			t.Fatalf("pdf: %q %v", n, err)
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != r.PDFSHA256 {
			t.Error("the stored PDF's hash is not the receipt's")
		}
		txt := pdfText(t, body)
		contains(t, "PDF", txt, "ZB-2026-00001", "Ada Lovelace", "Hauptstraße 1", "49074 Osnabrück", "512,34", "02.03.2026", "Stadt Osnabrück")
		if strings.Contains(txt, "500,00") {
			t.Error("the PDF shows the pledged amount, not what arrived")
		}
		// The donor's mail, in the donation's language, with the PDF.
		mails := receiptMails(t, f.d)
		if len(mails) != 1 || mails[0].To != "ada@example.org" || mails[0].Lang != "en" || !strings.Contains(mails[0].Subject, "ZB-2026-00001") {
			t.Fatalf("mails %+v", mails)
		}
		var att []mail.Attachment
		if err := json.Unmarshal([]byte(mails[0].Attachments), &att); err != nil || len(att) != 1 || att[0].ContentType != "application/pdf" ||
			att[0].Name != "Zuwendungsbestaetigung-ZB-2026-00001.pdf" || string(att[0].Data) != string(body) {
			t.Fatalf("attachment: %v %d", err, len(att))
		}
		contains(t, "mail", mails[0].Text, "ZB-2026-00001", "512.34")
		// Audited.
		var audits int
		if err := f.d.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE action = 'receipt.issue' AND object_id = $1`, r.ID); err != nil || audits != 1 {
			t.Fatalf("audit records %d %v", audits, err)
		}
		// Reading needs a role that reads donations; issuing the treasurer's.
		if _, err := f.rs.Find(ctx, applicant, r.ID); !errs.Is(errs.Forbidden, err) {
			t.Errorf("applicant find: %v", err)
		}
		if _, err := f.rs.Issue(ctx, auditor, id); !errs.Is(errs.Forbidden, err) {
			t.Errorf("auditor issue: %v", err)
		}
	})
}

func TestIssueRefusals(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		pledged, err := ledgertest.Value(f.ds.Pledge(ctx, donations.Pledge{Amount: fundus.Amount("400.00"), Donor: ada}))
		if err != nil {
			t.Fatal(err)
		}
		pending := f.donation(t, ada, true, "3000.00", "", "2026-03-02", false)
		noAddress := f.donation(t, &donations.Donor{Name: "Bob", Email: "bob@example.org"}, false, "400.00", "", "2026-03-02", true)
		refunded := f.donation(t, ada, true, "400.00", "", "2026-03-02", true)
		if _, err := ledgertest.Value(f.ds.Refund(ctx, treasurer, refunded, donations.Refund{Reason: "asked back"})); err != nil {
			t.Fatal(err)
		}
		done := f.donation(t, ada, true, "400.00", "", "2026-03-02", true)
		if _, err := ledgertest.Value(f.rs.Issue(ctx, treasurer, done)); err != nil {
			t.Fatal(err)
		}
		before := f.state(t)
		for _, c := range []struct {
			name, id string
			kind     errs.Kind
			fields   []string
		}{
			{"pledged", pledged.ID, errs.InvalidState, nil},
			{"pending", pending, errs.InvalidState, nil},
			{"no address", noAddress, errs.Invalid, []string{"donor.street", "donor.postal_code", "donor.city"}},
			{"refunded", refunded, errs.InvalidState, nil},
			{"second", done, errs.InvalidState, nil},
			{"missing", "no-such-donation", errs.NotFound, nil},
		} {
			_, err := f.rs.Issue(ctx, treasurer, c.id)
			if !errs.Is(c.kind, err) {
				t.Errorf("%s: %v, want %v", c.name, err, c.kind)
				continue
			}
			var fields []string
			for _, fe := range errs.FieldsOf(err) {
				fields = append(fields, fe.Field)
			}
			if !slices.Equal(fields, c.fields) {
				t.Errorf("%s: fields %v, want %v", c.name, fields, c.fields)
			}
			if c.kind != errs.NotFound {
				refused, err := f.rs.Refusal(ctx, treasurer, c.id)
				if err != nil || !errs.Is(c.kind, refused) {
					t.Errorf("%s: Refusal says %v (%v)", c.name, refused, err)
				}
			}
		}
		if after := f.state(t); after != before {
			t.Errorf("refusals changed the database:\n%s\n---\n%s", before, after)
		}
	})
}

func TestCancelAndReissue(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		id := f.donation(t, ada, false, "2500.00", "", "2026-05-20", true)
		first, err := ledgertest.Value(f.rs.Issue(ctx, treasurer, id))
		if err != nil {
			t.Fatal(err)
		}
		before := f.state(t)
		if _, err := f.rs.Cancel(ctx, treasurer, first.ID, receipts.Cancellation{Reason: " "}); !errs.Is(errs.Invalid, err) || errs.FieldsOf(err)[0].Field != "reason" {
			t.Fatalf("cancel without reason: %v", err)
		}
		if f.state(t) != before {
			t.Fatal("a refused cancel changed the database")
		}
		c, err := ledgertest.Value(f.rs.Cancel(ctx, treasurer, first.ID, receipts.Cancellation{Reason: "Wrong address"}))
		if err != nil || c.Status != receipts.Cancelled || c.CancelReason != "Wrong address" || c.CancelledAt == nil {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		if _, err := f.rs.Cancel(ctx, treasurer, first.ID, receipts.Cancellation{Reason: "again"}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("cancel twice: %v", err)
		}
		second, err := ledgertest.Value(f.rs.Issue(ctx, treasurer, id))
		if err != nil || second.Number != "ZB-2026-00002" {
			t.Fatalf("reissue: %+v %v", second, err)
		}
		old, err := f.rs.Find(ctx, treasurer, first.ID)
		if err != nil || old.Status != receipts.Cancelled || old.Number != "ZB-2026-00001" {
			t.Fatalf("old receipt: %+v %v", old, err)
		}
		_, body, err := f.rs.PDF(ctx, treasurer, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		contains(t, "cancelled PDF", pdfText(t, body), "ZB-2026-00001", "STORNIERT")
		all, err := f.rs.List(ctx, auditor, receipts.Filter{DonationID: id})
		if err != nil || len(all) != 2 || all[0].Number != "ZB-2026-00002" || all[1].Status != receipts.Cancelled {
			t.Fatalf("list: %v %v", all, err)
		}
	})
}

func TestAnnualRun(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		// Ada gives three times in 2025, spelling herself differently once.
		a1 := f.donation(t, ada, true, "100.00", "", "2025-02-01", true)
		a2 := f.donation(t, &donations.Donor{Name: "ada  LOVELACE", Email: "ada@new.example", Street: "hauptstraße 1", PostalCode: "49 074", City: "OSNABRÜCK"}, true, "50.50", "", "2025-06-30", true)
		a3 := f.donation(t, ada, true, "200.00", "199.99", "2025-12-31", true)
		// Not in the run: another year, not asked, pending, a receipt already.
		f.donation(t, ada, true, "70.00", "", "2024-12-31", true)
		f.donation(t, ada, false, "70.00", "", "2025-03-01", true)
		f.donation(t, ada, true, "7000.00", "", "2025-03-01", false)
		got := f.donation(t, ada, true, "80.00", "", "2025-04-01", true)
		if _, err := ledgertest.Value(f.rs.Issue(ctx, treasurer, got)); err != nil {
			t.Fatal(err)
		}
		// Bob gives once: a single receipt.
		bob := &donations.Donor{Name: "Bob Builder", Street: "Weg 2", PostalCode: "10115", City: "Berlin"}
		b1 := f.donation(t, bob, true, "30.00", "", "2025-08-08", true)

		if _, err := f.rs.RunAnnual(ctx, treasurer, receipts.Annual{Year: 2999}); !errs.Is(errs.Invalid, err) {
			t.Fatalf("future year: %v", err)
		}
		res, err := ledgertest.Value(f.rs.RunAnnual(ctx, treasurer, receipts.Annual{Year: 2025}))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Created) != 2 {
			t.Fatalf("created %d receipts, want 2: %+v", len(res.Created), res.Created)
		}
		coll, single := res.Created[0], res.Created[1]
		if coll.Kind != receipts.Collective || coll.Number != "ZB-2025-00002" || coll.PeriodFrom != "2025-01-01" || coll.PeriodTo != "2025-12-31" {
			t.Fatalf("collective %+v", coll)
		}
		var sum int64
		var ids []string
		for _, it := range coll.Items {
			sum += it.Amount.Minor
			ids = append(ids, it.DonationID)
		}
		if sum != coll.Amount.Minor || coll.Amount.Minor != 10000+5050+19999 || !slices.Equal(ids, []string{a1, a2, a3}) {
			t.Fatalf("items %v sum %d, amount %d", coll.Items, sum, coll.Amount.Minor)
		}
		// The latest donation's address and mail address.
		if coll.Donor.Name != "Ada Lovelace" {
			t.Errorf("donor %+v", coll.Donor)
		}
		if single.Kind != receipts.Single || single.DonationID != b1 || single.Number != "ZB-2025-00003" || single.Amount.Minor != 3000 {
			t.Fatalf("single %+v", single)
		}
		_, body, err := f.rs.PDF(ctx, treasurer, coll.ID)
		if err != nil {
			t.Fatal(err)
		}
		contains(t, "collective PDF", pdfText(t, body), "ZB-2025-00002", "Ada Lovelace", "350,49", "100,00", "50,50", "199,99")
		mails := receiptMails(t, f.d)
		if len(mails) != 2 || mails[1].To != "ada@example.org" { // Bob gave no mail address
			t.Fatalf("mails %+v", mails)
		}
		// Again: nothing left to issue.
		again, err := ledgertest.Value(f.rs.RunAnnual(ctx, treasurer, receipts.Annual{Year: 2025}))
		if err != nil || len(again.Created) != 0 {
			t.Fatalf("second run: %+v %v", again, err)
		}
	})
}

// Many treasurers issuing at once get gapless numbers, and a donation
// never gets two valid receipts.
func TestIssueConcurrently(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		const n = 24
		ids := make([]string, n)
		for i := range ids {
			ids[i] = f.donation(t, &donations.Donor{Name: fmt.Sprintf("Donor %d", i), Street: "Weg 1", PostalCode: "49074", City: "Osnabrück"},
				false, "400.00", "", "2026-02-01", true)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var numbers []string
		issued := map[string]int{}
		for i := range 3 * n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := ids[i%n]
				r, err := ledgertest.Value(f.rs.Issue(ctx, treasurer, id))
				if err != nil {
					if !errs.Is(errs.InvalidState, err) {
						t.Errorf("issue: %v", err)
					}
					return
				}
				mu.Lock()
				numbers = append(numbers, r.Number)
				issued[id]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(numbers)
		if len(numbers) != n {
			t.Fatalf("%d receipts for %d donations", len(numbers), n)
		}
		for i, num := range numbers {
			if want := fmt.Sprintf("ZB-2026-%05d", i+1); num != want {
				t.Fatalf("number %d is %s, want %s", i, num, want)
			}
		}
		for id, c := range issued {
			if c != 1 {
				t.Errorf("donation %s got %d receipts", id, c)
			}
		}
	})
}

// The database refuses a second valid receipt for a donation even when
// the check before it is bypassed.
func TestOneValidReceiptInDatabase(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		f := setup(t, e)
		id := f.donation(t, ada, false, "400.00", "", "2026-02-01", true)
		r, err := ledgertest.Value(f.rs.Issue(context.Background(), treasurer, id))
		if err != nil {
			t.Fatal(err)
		}
		raw := dbtest.Raw(t, f.d)
		_, err = raw.Exec(`INSERT INTO receipts (id, number, year, year_seq, kind, status, donor_name, donor_street, donor_postal_code, donor_city,
			amount, issued_at, issued_by, pdf_sha256) VALUES ('x', 'ZB-2026-00099', 2026, 99, 'single', 'valid', '', '', '', '', 1, $1, 'u', '')`, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`INSERT INTO receipt_donations (receipt_id, donation_id, amount, donation_date, valid) VALUES ('x', $1, 1, '2026-02-01', $2)`, id, true); !db.IsUniqueViolation(err) {
			t.Fatalf("a second valid receipt row: %v", err)
		}
		if _, err := raw.Exec(`INSERT INTO receipt_donations (receipt_id, donation_id, amount, donation_date, valid) VALUES ('x', $1, 1, '2026-02-01', $2)`, id, false); err != nil {
			t.Fatalf("a cancelled receipt row: %v", err)
		}
		_ = r
	})
}

func TestEraseDue(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		old, err := ledgertest.Value(f.rs.Issue(ctx, treasurer, f.donation(t, ada, false, "400.00", "", "2025-02-01", true)))
		if err != nil {
			t.Fatal(err)
		}
		cur, err := ledgertest.Value(f.rs.Issue(ctx, treasurer, f.donation(t, ada, false, "400.00", "", "2026-02-01", true)))
		if err != nil {
			t.Fatal(err)
		}
		n, err := receipts.EraseDue(ctx, dbtest.Raw(t, f.d), 2025)
		if err != nil || n != 1 {
			t.Fatalf("erased %d, %v", n, err)
		}
		if n, err := receipts.EraseDue(ctx, dbtest.Raw(t, f.d), 2025); err != nil || n != 0 {
			t.Fatalf("erased again %d, %v", n, err)
		}
		got, err := f.rs.Find(ctx, auditor, old.ID)
		if err != nil || !got.Erased || got.Donor != (receipts.Donor{}) || got.Number != old.Number || got.Amount != old.Amount || got.Date != old.Date {
			t.Fatalf("erased receipt %+v %v", got, err)
		}
		if _, _, err := f.rs.PDF(ctx, auditor, old.ID); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("erased PDF: %v", err)
		}
		if got, _ := f.rs.Find(ctx, auditor, cur.ID); got.Erased || got.Donor.Name == "" {
			t.Fatalf("current receipt erased: %+v", got)
		}
	})
}
