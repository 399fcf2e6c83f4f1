package retention_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fundus"
	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
	"fundus/mail"
	"fundus/receipts"
	"fundus/retention"
)

const (
	fundIBAN = "DE89370400440532013000"
	// The personal data the test seeds everywhere and looks for after.
	secretName = "Zyxwa Qorblin"
	secretIBAN = "DE02120300000000202051"
)

var (
	treasurer = ledgertest.Actor{ID: "user-treasurer", Actions: []fundus.Action{fundus.HandleBank, fundus.ReadBank, fundus.HandleDonations, fundus.ReadDonations}}
	admin     = ledgertest.Actor{ID: "user-admin", Actions: []fundus.Action{fundus.EraseDonations}}
)

// clock is a test's time, set by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}
func (c *clock) set(day string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := fundus.DayStart(day)
	if err != nil {
		panic(err)
	}
	c.t = t.Add(time.Hour)
}

type world struct {
	t     *testing.T
	d     *db.DB
	clock *clock
	ret   *retention.Service
	dons  *donations.Service
	bank  *bank.Service
	w     func(q string, args ...any)
	// seeded
	received, cancelled *donations.Donation
}

// seed makes a world in 2026 whose personal data is secretName and
// secretIBAN in every place API.md lists: donors (a received donation, a
// cancelled pledge), a receipt, bank lines, the mail outbox, a payment file, an
// application withdrawn with its payee and an upload, and an audit record
// that repeats a refund payee.
func seed(t *testing.T, d *db.DB) *world {
	ctx := context.Background()
	c := &clock{}
	c.set("2026-03-10")
	w := ledgertest.Writer(t, d, c.now)
	outbox, err := mail.NewOutbox("http://fundus.test", "Fonds")
	if err != nil {
		t.Fatal(err)
	}
	wo := &world{t: t, d: d, clock: c,
		ret:  &retention.Service{DB: d, Writer: w, Years: 10},
		dons: &donations.Service{DB: d, Writer: w, MaxAmount: 100000000, Mail: outbox, Bank: donations.BankAccount{IBAN: fundIBAN, BIC: "COBADEFFXXX", Holder: "Fonds"}},
		bank: &bank.Service{DB: d, Writer: w, IBAN: fundIBAN, MaxAmount: 100000000, Mail: outbox},
		w:    func(q string, args ...any) { t.Helper(); ledgertest.Exec(t, w, q, args...) },
	}
	donor := &donations.Donor{Name: secretName, Email: "zyxwa.qorblin@example.org", Street: "Qorblinweg 7", PostalCode: "49074", City: "Osnabrück"}
	p1, err := ledgertest.Value(wo.dons.Pledge(ctx, donations.Pledge{Amount: fundus.Amount("2500.00"), Donor: donor, Message: "Von " + secretName}))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := ledgertest.Value(wo.dons.Pledge(ctx, donations.Pledge{Amount: fundus.Amount("30.00"), Donor: donor}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wo.dons.Cancel(ctx, treasurer, p2.Donation.ID); err != nil {
		t.Fatal(err)
	}
	file := banktest.Camt053(banktest.Statement{ID: "S1", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{
		{Date: "2026-03-02", Minor: 250000, Name: secretName, IBAN: secretIBAN, Remittance: "Spende " + p1.Donation.Reference},
		{Date: "2026-03-02", Minor: 1234, Name: secretName, IBAN: secretIBAN, Remittance: "Gruss von " + secretName},
	}})
	st, err := ledgertest.Value(wo.bank.Import(ctx, treasurer, file))
	if err != nil {
		t.Fatal(err)
	}
	if st.Matched != 1 || st.Queued != 1 {
		t.Fatalf("import: %+v, want one matched and one queued", st)
	}
	// Accepted (by the body the law names), it gets a receipt, mailed.
	wo.w(`UPDATE donations SET acceptance = 'accepted', accepting_body = 'council' WHERE id = $1`, p1.Donation.ID)
	rs := &receipts.Service{DB: d, Writer: w, Mail: outbox, IssuerName: "Stadt Osnabrück", IssuerAddress: "Bierstraße 28, 49074 Osnabrück",
		Place: "Osnabrück", Purpose: receipts.DefaultPurpose, Now: c.now}
	if _, err := rs.Issue(ctx, treasurer, p1.Donation.ID); err != nil {
		t.Fatal(err)
	}
	now := db.Time(c.now())
	wo.w(`UPDATE mail_outbox SET sent_at = $1`, now)
	wo.w(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('user-applicant', 'group@example.org', 'Gruppe', 'x', $1)`, now)
	wo.w(`INSERT INTO applications (id, owner_id, status, title, organisation, summary, description, requested_amount, currency, budget,
		starts_on, ends_on, payee_holder, payee_iban, created_at, withdrawn_at)
		VALUES ('app-1', 'user-applicant', 'withdrawn', 'Sprachcafé', 'Verein', 's', 'd', 100000, 'EUR', '[]', '2026-04-01', '2026-12-31', $1, $2, $3, $3)`,
		secretName, secretIBAN, now)
	wo.w(`INSERT INTO report_receipts (id, application_id, name, content_type, size, sha256, data, uploaded_by, uploaded_at)
		VALUES ('rr-1', 'app-1', $1, 'application/pdf', 20, 'abc', $2, 'user-applicant', $3)`, secretName+" Beleg.pdf", []byte("%PDF "+secretName), now)
	wo.w(`INSERT INTO payment_files (id, message_id, created_by, created_at, execution_date, count, total, document)
		VALUES ('pf-1', 'MSG1', 'user-treasurer', $1, '2026-03-10', 1, 100, $2)`, now, "<Cdtr><Nm>"+secretName+"</Nm></Cdtr><IBAN>"+secretIBAN+"</IBAN>")
	wo.w(`UPDATE donations SET refund_payee_name = $1, refund_payee_iban = $2 WHERE id = $3`, secretName, secretIBAN, p1.Donation.ID)
	wo.w(`INSERT INTO audit_log (id, time, actor, action, object_type, object_id, details) VALUES ($4, $1, 'user-treasurer', 'donation.refund-account', 'donation', $2, $3)`,
		now, p1.Donation.ID, fmt.Sprintf(`{"name":%q,"iban":%q,"to":"owed"}`, secretName, secretIBAN), db.NewID())
	var err2 error
	if wo.received, err2 = wo.dons.Find(ctx, ledgertest.Actor{ID: "x", Actions: []fundus.Action{fundus.ReadDonations}}, p1.Donation.ID); err2 != nil {
		t.Fatal(err2)
	}
	if wo.received.Status != donations.Received {
		t.Fatalf("the 2,500 € donation is %s, want received", wo.received.Status)
	}
	wo.cancelled = p2.Donation
	return wo
}

// found lists the places (table.column) where any of needles is stored,
// over every table of the schema (case-insensitive).
func found(t *testing.T, d *db.DB, needles ...string) []string {
	t.Helper()
	raw := dbtest.Raw(t, d)
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if d.Engine == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	if err := raw.Select(&tables, q); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 20 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	var out []string
	for _, table := range tables {
		rows, err := raw.Queryx(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			m := map[string]any{}
			if err := rows.MapScan(m); err != nil {
				t.Fatal(err)
			}
			for col, v := range m {
				var s string
				switch x := v.(type) {
				case string:
					s = x
				case []byte:
					s = string(x)
				default:
					continue
				}
				for _, n := range needles {
					if strings.Contains(strings.ToLower(s), strings.ToLower(n)) {
						out = append(out, table+"."+col)
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// exports is the ledger in every export format.
func exports(t *testing.T, d *db.DB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{"csv", "jsonl", "hledger", "beancount"} {
		var b bytes.Buffer
		if err := ledger.ExportDB(context.Background(), d, &b, f, "", ""); err != nil {
			t.Fatal(err)
		}
		if b.Len() == 0 {
			t.Fatalf("the %s export is empty", f)
		}
		out[f] = b.Bytes()
	}
	return out
}

func counts(r retention.Report) map[string]int64 {
	m := map[string]int64{}
	for _, c := range r.Counts {
		m[c.Kind] = c.N
	}
	return m
}

func dump(t *testing.T, d *db.DB) string {
	return dbtest.Dump(t, d, "donations", "bank_lines", "mail_outbox", "payment_files", "applications", "report_receipts", "audit_log", "fiscal_years", "entries")
}

func TestEraseDueReachesEveryPlace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		wo := seed(t, d)
		if places := found(t, d, secretName, secretIBAN); len(places) < 10 {
			t.Fatalf("the seed stored the secret in only %v", places)
		}
		// A pledge of 2027, a year whose accounts are never adopted here.
		wo.clock.set("2027-02-01")
		if _, err := wo.dons.Pledge(ctx, donations.Pledge{Amount: fundus.Amount("10.00"), Donor: &donations.Donor{Name: "Xylophon Later"}}); err != nil {
			t.Fatal(err)
		}
		before := exports(t, d)

		// Years pass; the accounts of 2026 are not adopted: nothing goes.
		wo.clock.set("2045-06-01")
		r, err := wo.ret.EraseDue(ctx, "cli", false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Total() != 0 || len(r.Years) != 0 {
			t.Fatalf("erased %+v before any adoption was recorded", r)
		}

		// Adopted on 2027-05-01: the period ends with 2037; erasable from 2038.
		wo.clock.set("2027-06-01")
		if _, err := wo.ret.AdoptYear(ctx, "cli", 2026, "2027-07-01"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("adoption in the future: %v, want Invalid", err)
		}
		if _, err := wo.ret.AdoptYear(ctx, "cli", 2026, "2026-12-31"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("adoption before the year ended: %v, want Invalid", err)
		}
		fy, err := wo.ret.AdoptYear(ctx, "cli", 2026, "2027-05-01")
		if err != nil {
			t.Fatal(err)
		}
		if fy.ErasableFrom != "2038-01-01" {
			t.Fatalf("erasable from %s, want 2038-01-01", fy.ErasableFrom)
		}
		if _, err := wo.ret.AdoptYear(ctx, "cli", 2026, "2027-05-02"); errs.KindOf(err) != errs.InvalidState {
			t.Fatalf("a second adoption: %v, want InvalidState", err)
		}

		wo.clock.set("2037-12-31")
		if r, err := wo.ret.EraseDue(ctx, "cli", false); err != nil || r.Total() != 0 {
			t.Fatalf("erased %+v, %v on the last day of the period", r, err)
		}
		if places := found(t, d, secretName); len(places) == 0 {
			t.Fatal("the secret is gone before the period ended")
		}

		wo.clock.set("2038-01-01")
		snap := dump(t, d)
		dry, err := wo.ret.EraseDue(ctx, "cli", true)
		if err != nil {
			t.Fatal(err)
		}
		if got := dump(t, d); got != snap {
			t.Fatal("the dry run changed the database")
		}
		want := map[string]int64{retention.KindReceipts: 1, retention.KindDonors: 2, retention.KindBankLines: 2, retention.KindPaymentFiles: 1, retention.KindApplicants: 1, retention.KindUploads: 1}
		for k, n := range want {
			if counts(dry)[k] != n {
				t.Errorf("dry run: %s %d, want %d (%+v)", k, counts(dry)[k], n, dry.Counts)
			}
		}
		if counts(dry)[retention.KindMails] == 0 {
			t.Errorf("dry run: no mails to erase (%+v)", dry.Counts)
		}
		r, err = wo.ret.EraseDue(ctx, "cli", false)
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range counts(dry) {
			if counts(r)[k] != n {
				t.Errorf("erased %s %d, the dry run counted %d", k, counts(r)[k], n)
			}
		}
		if places := found(t, d, secretName, secretIBAN, "Qorblinweg", "zyxwa.qorblin"); len(places) > 0 {
			t.Errorf("after erasure the personal data is still in %v", places)
		}
		again, err := wo.ret.EraseDue(ctx, "cli", false)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range again.Counts {
			if c.N != 0 && c.Kind != retention.KindIdempotency {
				t.Errorf("a second run erased %d %s", c.N, c.Kind)
			}
		}
		if places := found(t, d, "Xylophon Later"); len(places) != 1 || places[0] != "donations.donor_name" {
			t.Errorf("the donor of 2027, a year not adopted, is in %v, want donations.donor_name", places)
		}
		var audited int
		if err := d.Get(&audited, `SELECT COUNT(*) FROM audit_log WHERE action = 'fiscal-year.erase' AND object_id = '2026'`); err != nil || audited != 1 {
			t.Errorf("%d audit records of the erasure of 2026 (two runs), want 1; %v", audited, err)
		}
		ledgertest.Verify(t, d)
		after := exports(t, d)
		for f := range before {
			if !bytes.Equal(before[f], after[f]) {
				t.Errorf("the %s export changed with the erasure", f)
			}
		}
		got, err := wo.dons.Find(ctx, ledgertest.Actor{ID: "x", Actions: []fundus.Action{fundus.ReadDonations}}, wo.received.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ErasedAt == nil || got.Donor != nil || got.Amount != wo.received.Amount || got.Reference != wo.received.Reference {
			t.Errorf("erased donation: %+v", got)
		}
	})
}

func TestEraseDonation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		wo := seed(t, d)
		if _, err := wo.ret.EraseDonation(ctx, treasurer, wo.cancelled.ID); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a treasurer erased: %v, want Forbidden", err)
		}
		// A received donation: a retention duty holds; restricted.
		_, err := wo.ret.EraseDonation(ctx, admin, wo.received.ID)
		if errs.KindOf(err) != errs.InvalidState {
			t.Fatalf("erasing a received donation: %v, want InvalidState", err)
		}
		rd := ledgertest.Actor{ID: "x", Actions: []fundus.Action{fundus.ReadDonations}}
		got, err := wo.dons.Find(ctx, rd, wo.received.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Restricted || got.ErasedAt != nil || got.Donor == nil || got.Donor.Name != secretName {
			t.Fatalf("after the refusal: restricted %v, erased %v, donor %+v", got.Restricted, got.ErasedAt, got.Donor)
		}
		var n int
		if err := d.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'donation.restrict' AND object_id = $1`, wo.received.ID); err != nil || n != 1 {
			t.Fatalf("%d restrict records, %v", n, err)
		}
		// A cancelled pledge: erased at once.
		out, err := wo.ret.EraseDonation(ctx, admin, wo.cancelled.ID)
		if err != nil {
			t.Fatal(err)
		}
		if out.Value.ErasedAt == nil || out.Value.Donor != nil || out.Value.Message != "" {
			t.Fatalf("erased pledge: %+v", out.Value)
		}
		if _, err := wo.ret.EraseDonation(ctx, admin, wo.cancelled.ID); errs.KindOf(err) != errs.InvalidState {
			t.Fatalf("erasing twice: %v, want InvalidState", err)
		}
		if err := d.Get(&n, `SELECT COUNT(*) FROM mail_outbox WHERE to_address <> ''`); err != nil || n != 0 {
			t.Fatalf("%d mails to the donor kept, %v", n, err)
		}
		ledgertest.Verify(t, d)
	})
}

// TestBookedMemoCarriesNoPersonalData: a queued line booked to an account
// takes a memo that repeats none of its name, IBAN or remittance text.
func TestBookedMemoCarriesNoPersonalData(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		wo := seed(t, d)
		var line string
		if err := d.Get(&line, `SELECT id FROM bank_lines WHERE status = 'queued'`); err != nil {
			t.Fatal(err)
		}
		for _, memo := range []string{"Spende von zyxwa qorblin", "Rückläufer DE02 1203 0000 0000 2020 51", "Gruss von " + secretName} {
			_, err := wo.bank.Book(ctx, treasurer, line, bank.Booking{Account: "income:interest", Memo: memo})
			if f := errs.FieldsOf(err); len(f) != 1 || f[0].Field != "memo" {
				t.Errorf("memo %q: %v, want a refusal naming memo", memo, err)
			}
		}
		if _, err := wo.bank.Book(ctx, treasurer, line, bank.Booking{Account: "income:interest", Memo: "Zinsen"}); err != nil {
			t.Fatal(err)
		}
	})
}
