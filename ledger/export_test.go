package ledger_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/internal/testtool"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// randomLedger posts n random balanced entries and some reversals, with
// entry times spread over days.
func randomLedger(t *testing.T, d *db.DB, n int) (*ledger.Service, []*ledger.Entry) {
	t.Helper()
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	w := ledgertest.Writer(t, d, func() time.Time {
		<-mu
		defer func() { mu <- struct{}{} }()
		now = now.Add(7 * time.Hour)
		return now
	})
	t.Cleanup(w.Close)
	s := &ledger.Service{DB: d, Writer: w, MaxAmount: maxAmount}
	r := rand.New(rand.NewPCG(1, 2))
	var es []*ledger.Entry
	ledgertest.PostBank(t, s.Writer, "", "opening", ledger.Bank, "10000.00", ledger.OpeningBalance, "-10000.00")
	for i := 0; i < n; i++ {
		a := fundus.FormatMinor(r.Int64N(100000)+1, fundus.EUR)
		pair := [][2]string{{ledger.Bank, ledger.Donations}, {ledger.GrantsExpense, ledger.GrantsPayable}, {ledger.GrantsPayable, ledger.Bank}, {ledger.BankFees, ledger.Bank}}[r.IntN(4)]
		memo := fmt.Sprintf("entry %d; \"quoted\"", i)
		if pair[0] == ledger.Bank || pair[1] == ledger.Bank { // a bank line's entry
			es = append(es, ledgertest.PostBank(t, s.Writer, "", memo, pair[0], a, pair[1], "-"+a))
		} else if e, err := ledgertest.Value(s.PostManual(context.Background(), treasurer, ledgertest.Manual(memo, pair[0], a, pair[1], "-"+a))); err == nil {
			es = append(es, e)
		}
		if r.IntN(10) == 0 && len(es) > 0 {
			s.Reverse(context.Background(), treasurer, es[r.IntN(len(es))].ID, ledger.Reversal{Reason: "mistake"})
		}
	}
	return s, es
}

func export(t *testing.T, d *db.DB, format string, from, to string) string {
	t.Helper()
	var b bytes.Buffer
	if err := ledger.ExportDB(context.Background(), d, &b, format, from, to); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export."+ledger.ExportFormats[format].Ext)
	os.WriteFile(path, b.Bytes(), 0o644)
	return path
}

// hledgerBalances runs hledger on a journal and returns each account's
// balance as it computes it.
func hledgerBalances(t *testing.T, path string) map[string]string {
	t.Helper()
	hl := testtool.Require(t, "hledger", "hledger")
	out, err := exec.Command(hl, "-f", path, "balance", "--flat", "--empty", "-N", "-O", "csv").CombinedOutput()
	if err != nil {
		t.Fatalf("hledger refused the journal: %v\n%s", err, out)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		got[r[0]] = strings.TrimSuffix(strings.TrimSpace(r[1]), " EUR")
	}
	return got
}

func TestExportsCheckedByHledgerAndBeancount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, es := randomLedger(t, d, 120)
		tb, err := s.TrialBalance(context.Background(), auditor, "")
		if err != nil {
			t.Fatal(err)
		}

		got := hledgerBalances(t, export(t, d, ledger.FormatHledger, "", ""))
		for _, l := range tb.Items {
			want := l.Balance.String()
			if g, ok := got[l.Code]; (ok || want != "0.00") && g != want && !(g == "0" && want == "0.00") {
				t.Errorf("hledger says %s = %q, the trial balance %s", l.Code, g, want)
			}
		}

		bc := testtool.Require(t, "bean-check", "beancount")
		if out, err := exec.Command(bc, export(t, d, ledger.FormatBeancount, "", "")).CombinedOutput(); err != nil {
			t.Fatalf("bean-check refused the file: %v\n%s", err, out)
		}

		// A date range opens with the balances before it and still balances.
		from, to := es[len(es)/3].Date, es[2*len(es)/3].Date
		atTo, _ := s.TrialBalance(context.Background(), auditor, to)
		got = hledgerBalances(t, export(t, d, ledger.FormatHledger, from, to))
		for _, l := range atTo.Items {
			if g, want := got[l.Code], l.Balance.String(); want != "0.00" && g != want {
				t.Errorf("range: hledger says %s = %q, the trial balance at %s %s", l.Code, g, to, want)
			}
		}
		if out, err := exec.Command(bc, export(t, d, ledger.FormatBeancount, from, to)).CombinedOutput(); err != nil {
			t.Fatalf("bean-check refused the range: %v\n%s", err, out)
		}

		// CSV: a header and one row per posting, debits equal credits.
		b, _ := os.ReadFile(export(t, d, ledger.FormatCSV, "", ""))
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != "entry_id,seq,time,date,kind,memo,account,debit,credit,currency,hash" {
			t.Fatalf("header %v", rows[0])
		}
		var postings int
		d.Get(&postings, "SELECT count(*) FROM postings")
		if len(rows)-1 != postings {
			t.Fatalf("%d rows, %d postings", len(rows)-1, postings)
		}

		// JSONL verifies offline, whole and as a range.
		for _, r := range [][2]string{{}, {from, to}} {
			f, _ := os.Open(export(t, d, ledger.FormatJSONL, r[0], r[1]))
			res, err := ledger.VerifyFile(f, nil)
			f.Close()
			if err != nil || !res.OK || res.EntriesChecked == 0 {
				t.Fatalf("jsonl %v: %+v %v", r, res, err)
			}
		}
	})
}

func TestTamperedExportIsFound(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	randomLedger(t, d, 30)
	b, _ := os.ReadFile(export(t, d, ledger.FormatJSONL, "", ""))
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for name, c := range map[string]struct {
		edit func([]string) []string
		line int
	}{
		"amount changed": {func(l []string) []string {
			l[9] = strings.Replace(l[9], `"amount":"`, `"amount":"1`, 1)
			return l
		}, 10},
		"line deleted":  {func(l []string) []string { return append(l[:9:9], l[10:]...) }, 10},
		"lines swapped": {func(l []string) []string { l[9], l[10] = l[10], l[9]; return l }, 10},
		"memo changed":  {func(l []string) []string { l[4] = strings.Replace(l[4], `"memo":"`, `"memo":"x`, 1); return l }, 5},
	} {
		t.Run(name, func(t *testing.T) {
			ls := c.edit(append([]string(nil), lines...))
			res, err := ledger.VerifyFile(strings.NewReader(strings.Join(ls, "\n")+"\n"), nil)
			if err != nil || res.OK || res.FirstBadLine != c.line {
				t.Fatalf("%+v %v, want line %d", res, err, c.line)
			}
		})
	}
}
