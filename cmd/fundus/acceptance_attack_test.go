package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"fundus"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/ledger/ledgertest"
)

// TestAttackCLIBankImportKeepsBands: `fundus bank import` must book a
// 2,500 EUR donation as pending for the council, as the server's import
// does (FUNDUS_ACCEPT_* default 100.00 / 2000.00).
func TestAttackCLIBankImportKeepsBands(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		t.Setenv("FUNDUS_DATABASE_URL", dbtest.URL(t, e))
		t.Chdir(t.TempDir())
		cfg, err := loadConfig(os.LookupEnv, "")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Bands.AdminMax != 10000 {
			t.Fatalf("bands %+v", cfg.Bands)
		}
		d, err := openDB(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		w := ledgertest.Writer(t, d, nil)
		s := &donations.Service{DB: d, Writer: w, MaxAmount: cfg.maxAmountCents(), Bands: cfg.Bands}
		p, err := ledgertest.Value(s.Pledge(ctx, donations.Pledge{Amount: fundus.Amount("2500.00")}))
		if err != nil {
			t.Fatal(err)
		}
		w.Close()
		day := fundus.DayOf(db.Now())
		file := banktest.Camt053(banktest.Statement{ID: "S1", IBAN: cfg.BankIBAN, From: day, To: day, Lines: []banktest.Line{
			{Date: day, Minor: 250000, Name: "Erika Mustermann", IBAN: "DE02120300000000202051", Remittance: "Spende " + p.Reference}}})
		if err := os.WriteFile("s.xml", file, 0o600); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(ctx, []string{"bank", "import", "s.xml"}, strings.NewReader(""), &out, &out); err != nil {
			t.Fatalf("import: %v\n%s", err, out.String())
		}
		var acceptance, body string
		if err := d.QueryRow(`SELECT acceptance, accepting_body FROM donations WHERE id = $1`, p.ID).Scan(&acceptance, &body); err != nil {
			t.Fatal(err)
		}
		if acceptance != "pending" {
			t.Fatalf("a 2500.00 donation imported by `fundus bank import` is %q by %q; want pending for the council (%s)", acceptance, body, out.String())
		}
	})
}
