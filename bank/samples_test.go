package bank_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fundus/bank"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger/ledgertest"
)

// TestSamplesImport imports the real banks' sample files that package
// statement keeps (bank/statement/testdata): each belongs to another
// account than the fund's, so with the fund's IBAN it is wrong-account,
// and with its own account's IBAN it imports, a second time nothing new.
// The samples whose balances do not add up (genkgo's, a DBIT balance in
// SEK) are statement-unbalanced, and MT940 unsupported-file, either way.
func TestSamplesImport(t *testing.T) {
	dir := filepath.Join("statement", "testdata")
	for _, c := range []struct {
		file, account string
		lines         int
		kind          errs.Kind // what importing it as its own account gives; Other: it imports
	}{
		{"camt.053.001.02_ing-nl_example.xml", "NL08INGB0000001234", 9, errs.Other},
		{"camt.052.001.02_vr-bank-rottal-inn.xml", "DE58740618130100033626", 2, errs.Other},
		{"own_camt.052.001.02_dk-style.xml", "", 0, errs.Other},
		{"own_camt.053.001.08_two-statements-batch.xml", "", 0, errs.Other},
		{"csv-camt_sparkasse_beancount-sparkasse.csv", "", 0, errs.WrongAccount}, // two accounts in one file
		{"camt.053.001.02_genkgo_minimal.xml", "", 0, errs.StatementUnbalanced},
		{"camt.053.001.08_genkgo_v8.xml", "", 0, errs.StatementUnbalanced},
		{"mt940_sparkasse-buxtehude.sta", "", 0, errs.UnsupportedFile},
	} {
		t.Run(c.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
				d := dbtest.Open(t, e)
				s := &bank.Service{DB: d, Writer: ledgertest.Writer(t, d, nil), IBAN: fundIBAN, MaxAmount: 100000000}
				ctx := context.Background()
				_, err := s.Import(ctx, treasurer, body)
				want := errs.WrongAccount
				if c.kind == errs.StatementUnbalanced || c.kind == errs.UnsupportedFile {
					want = c.kind
				}
				if !errs.Is(want, err) {
					t.Fatalf("as the fund's account: %v, want %v", err, want)
				}
				if c.kind != errs.Other {
					return
				}
				s.IBAN = c.account
				if s.IBAN == "" {
					s.IBAN = accountOf(t, err)
				}
				st, err := ledgertest.Value(s.Import(ctx, treasurer, body))
				if err != nil || st.NewLines == 0 || (c.lines > 0 && st.Lines != c.lines) {
					t.Fatalf("as its own account %s: %+v, %v", s.IBAN, st, err)
				}
				again, err := ledgertest.Value(s.Import(ctx, treasurer, body))
				if err != nil || again.NewLines != 0 || again.DuplicateLines != st.Lines {
					t.Fatalf("again: %+v, %v", again, err)
				}
				ledgertest.Verify(t, d)
			})
		})
	}
}

// accountOf reads the account a wrong-account refusal names ("... is of
// account X; ...").
func accountOf(t *testing.T, err error) string {
	t.Helper()
	msg := errs.Message(err)
	const marker = "is of account "
	i := strings.Index(msg, marker)
	if i < 0 {
		t.Fatalf("the refusal names no account: %q", msg)
	}
	rest := msg[i+len(marker):]
	for j, r := range rest {
		if r == ';' || r == ' ' {
			return rest[:j]
		}
	}
	return rest
}
