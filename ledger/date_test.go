package ledger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/internal/testtool"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// postDated posts a manual entry dated date.
func postDated(s *ledger.Service, date string, pairs ...string) (*ledger.Entry, error) {
	ne := ledger.NewEntry{Kind: ledger.KindManual, Memo: "dated " + date, Actor: treasurer.ID, Date: date}
	if slices.Contains(pairs, ledger.Bank) { // only a bank line's entry moves assets:bank
		ne.Kind, ne.FromBank = "bank", true
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		m, err := fundus.ParseAmount("amount", fundus.Amount(pairs[i+1]), fundus.EUR, fundus.NonZero, maxAmount)
		if err != nil {
			return nil, err
		}
		ne.Postings = append(ne.Postings, ledger.NewPosting{Account: pairs[i], Amount: m})
	}
	return ledgertest.Value(commit.Do(context.Background(), s.Writer, func(tx *commit.Tx) (*ledger.Entry, error) { return ledger.Post(tx, ne) }))
}

// TestEntryDates: an entry carries its date (by default the Berlin day it
// is written); ranges and the trial balance go by it, also when a later
// entry is dated earlier; the hash covers it; the exports date by it.
func TestEntryDates(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d) // its clock starts at 2026-01-01 09:00 UTC
		e1 := ledgertest.PostBank(t, s.Writer, "", "opening", ledger.Bank, "100.00", ledger.OpeningBalance, "-100.00")
		e2, err := postDated(s, "2025-12-31", ledger.Bank, "10.00", ledger.Donations, "-10.00")
		if err != nil {
			t.Fatal(err)
		}
		e3 := ledgertest.PostBank(t, s.Writer, "", "fee", ledger.BankFees, "1.00", ledger.Bank, "-1.00")
		if e1.Date != "2026-01-01" || e2.Date != "2025-12-31" || e3.Date != "2026-01-01" {
			t.Fatalf("dates %s %s %s", e1.Date, e2.Date, e3.Date)
		}
		if _, err := postDated(s, "31.12.2025", ledger.Bank, "1.00", ledger.Donations, "-1.00"); !errs.Is(errs.Internal, err) {
			t.Fatalf("a malformed date: %v", err)
		}

		// The canonical bytes carry the date only where it is not the
		// Berlin day of the time, so entries written before dates existed
		// hash as they did; changing a date either way changes the hash.
		if b := string(ledger.CanonicalBytes(e1)); strings.Contains(b, "date=") {
			t.Errorf("e1's canonical bytes:\n%s", b)
		}
		if b := string(ledger.CanonicalBytes(e2)); !strings.Contains(b, "\ntime="+e2.Time.Format(ledger.TimeLayout)+"\ndate=2025-12-31\nkind=bank\n") {
			t.Errorf("e2's canonical bytes:\n%s", b)
		}
		for _, c := range []struct {
			e    *ledger.Entry
			date string
		}{{e1, "2025-12-30"}, {e2, "2026-01-01"}, {e2, "2025-12-30"}} {
			altered := *c.e
			altered.Date = c.date
			if ledger.Hash(c.e.PrevHash, &altered) == c.e.Hash {
				t.Errorf("entry %d dated %s keeps its hash", c.e.Seq, c.date)
			}
		}

		ids := func(f ledger.EntryFilter) string {
			f.Limit = 10
			es, _, err := s.Entries(ctx, auditor, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range es {
				out = append(out, e.Memo)
			}
			return strings.Join(out, ",")
		}
		if got := ids(ledger.EntryFilter{To: "2025-12-31"}); got != "dated 2025-12-31" {
			t.Errorf("to 2025-12-31: %s", got)
		}
		if got := ids(ledger.EntryFilter{From: "2026-01-01", To: "2026-01-01"}); got != "opening,fee" {
			t.Errorf("2026-01-01: %s", got)
		}
		tb := func(at string) map[string]int64 {
			b, err := s.TrialBalance(ctx, auditor, at)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int64{}
			for _, l := range b.Items {
				if l.Balance.Minor != 0 {
					out[l.Code] = l.Balance.Minor
				}
			}
			return out
		}
		if got := tb("2025-12-31"); len(got) != 2 || got[ledger.Bank] != 1000 || got[ledger.Donations] != -1000 {
			t.Errorf("at 2025-12-31: %v", got)
		}
		if got := tb("2026-01-01"); got[ledger.Bank] != 10900 || got[ledger.OpeningBalance] != -10000 {
			t.Errorf("at 2026-01-01: %v", got)
		}
		ledgertest.Verify(t, d)

		// A date altered in the database is found.
		t.Run("tampered", func(t *testing.T) {
			d := dbtest.Open(t, d.Engine)
			s := ledgertest.Service(t, d)
			ledgertest.PostBank(t, s.Writer, "", "opening", ledger.Bank, "100.00", ledger.OpeningBalance, "-100.00")
			e, _ := postDated(s, "2025-12-31", ledger.Bank, "10.00", ledger.Donations, "-10.00")
			dropAppendOnlyTriggers(t, d)
			if _, err := dbtest.Raw(t, d).Exec(`UPDATE entries SET date = '2026-01-01' WHERE id = $1`, e.ID); err != nil {
				t.Fatal(err)
			}
			r, err := ledger.VerifyDB(ctx, d)
			if err != nil || r.OK || r.FirstBadEntry == nil || r.FirstBadEntry.Seq != 2 || !strings.Contains(r.Problem, "hash does not match") {
				t.Fatalf("%+v %v", r, err)
			}
		})

		// The exports: JSONL carries the date and verifies (also a line
		// from before dates existed, without one); hledger and Beancount
		// date by it and accept the balances.
		var jl bytes.Buffer
		if err := ledger.ExportDB(ctx, d, &jl, ledger.FormatJSONL, "", ""); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(jl.String(), "\n"), "\n")
		var first map[string]any
		json.Unmarshal([]byte(lines[0]), &first)
		if first["date"] != "2026-01-01" {
			t.Fatalf("jsonl: %s", lines[0])
		}
		if r, err := ledger.VerifyFile(strings.NewReader(jl.String()), nil); err != nil || !r.OK {
			t.Fatalf("jsonl: %+v %v", r, err)
		}
		old := append([]string(nil), lines...)
		old[0] = strings.Replace(old[0], `"date":"2026-01-01",`, "", 1)
		if r, err := ledger.VerifyFile(strings.NewReader(strings.Join(old, "\n")+"\n"), nil); err != nil || !r.OK {
			t.Fatalf("a line without a date: %+v %v", r, err)
		}
		moved := append([]string(nil), lines...)
		moved[1] = strings.Replace(moved[1], `"date":"2025-12-31"`, `"date":"2026-01-01"`, 1)
		if r, err := ledger.VerifyFile(strings.NewReader(strings.Join(moved, "\n")+"\n"), nil); err != nil || r.OK || r.FirstBadLine != 2 {
			t.Fatalf("a date moved: %+v %v", r, err)
		}

		journal := export(t, d, ledger.FormatHledger, "", "")
		if b, _ := os.ReadFile(journal); !strings.Contains(string(b), "2025-12-31 (2) ") || !strings.Contains(string(b), "2026-01-01 Closing balances") {
			t.Errorf("hledger journal:\n%s", b)
		}
		if got := hledgerBalances(t, journal); got[ledger.Bank] != "109.00" {
			t.Errorf("hledger: %v", got)
		}
		if got := hledgerBalances(t, export(t, d, ledger.FormatHledger, "2026-01-01", "")); got[ledger.Bank] != "109.00" || got[ledger.Donations] != "-10.00" {
			t.Errorf("hledger from 2026-01-01 (the opening balances hold the earlier-dated entry): %v", got)
		}
		bc := testtool.Require(t, "bean-check", "beancount")
		if out, err := exec.Command(bc, export(t, d, ledger.FormatBeancount, "", "")).CombinedOutput(); err != nil {
			t.Fatalf("bean-check: %v\n%s", err, out)
		}
	})
}

// TestDatesBackfilledFromTime: migration 00009 dates the entries written
// before it by the Berlin day of their time, across the turn of the year
// and both changes of summer time, and they keep verifying: the first is
// the README's example, hashed before entries had dates.
func TestDatesBackfilledFromTime(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, engine db.Engine) {
		ctx := context.Background()
		d := dbtest.OpenUnmigrated(t, engine)
		if err := d.MigrateTo(ctx, 7); err != nil {
			t.Fatal(err)
		}
		readme := &ledger.Entry{ID: "4b00108b-3ee0-4464-b5ba-2a901fac178b", Seq: 1, Time: time.Date(2026, 11, 25, 13, 5, 14, 689997000, time.UTC),
			Kind: "manual", Memo: "Opening balance", Actor: "5d349c50-7ca3-4b03-97ff-8adf224ed598", PrevHash: ledger.GenesisHash,
			Hash: "d8aff2ed43cd942719eaffbb2ea5e69f58e1434959dc8c4872eba32dffb4e9ca"}
		es := []*ledger.Entry{readme}
		for i, ts := range []string{
			"2025-12-31T22:59:59.999999Z", "2025-12-31T23:00:00Z", // the turn of the year
			"2026-03-28T22:30:00Z", "2026-03-29T00:59:59Z", "2026-03-29T22:30:00Z", // summer time from 29 March, 01:00 UTC
			"2026-06-30T21:59:59Z", "2026-06-30T22:00:00Z",
			"2026-10-24T22:30:00Z", "2026-10-25T00:59:59Z", "2026-10-25T22:30:00Z", // winter time from 25 October, 01:00 UTC
			"2027-03-27T23:30:00Z",
		} {
			at, _ := time.Parse(time.RFC3339Nano, ts)
			e := &ledger.Entry{ID: db.NewID(), Seq: int64(i + 2), Time: at, Kind: "manual", Memo: ts, Actor: "a", PrevHash: es[len(es)-1].Hash}
			e.Date = fundus.DayOf(at) // as the canonical bytes were before dates: no date line
			e.Postings = []ledger.Posting{{Account: ledger.Bank, Amount: fundus.EURCents(100), Currency: "EUR"}, {Account: ledger.OpeningBalance, Amount: fundus.EURCents(-100), Currency: "EUR"}}
			e.Hash = ledger.Hash(e.PrevHash, e)
			es = append(es, e)
		}
		var bank int64
		for _, e := range es {
			amount := int64(100)
			if e == readme {
				amount = 150000
			}
			bank += amount
			stmts := []struct {
				q    string
				args []any
			}{
				{`INSERT INTO entries (id, seq, time, kind, memo, actor, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
					[]any{e.ID, e.Seq, e.Time, e.Kind, e.Memo, e.Actor, e.PrevHash, e.Hash}},
				{`INSERT INTO postings (entry_id, line, account, amount, currency) VALUES ($1, 1, 'assets:bank', $2, 'EUR'), ($1, 2, 'equity:opening-balance', $3, 'EUR')`,
					[]any{e.ID, amount, -amount}},
				{`UPDATE ledger_head SET seq = $1, hash = $2, last_time = $3`, []any{e.Seq, e.Hash, e.Time}},
			}
			for _, st := range stmts {
				if _, err := dbtest.Raw(t, d).ExecContext(ctx, st.q, st.args...); err != nil {
					t.Fatal(err)
				}
			}
		}
		for code, balance := range map[string]int64{ledger.Bank: bank, ledger.OpeningBalance: -bank} {
			if _, err := dbtest.Raw(t, d).ExecContext(ctx, `UPDATE accounts SET balance = $1 WHERE code = $2`, balance, code); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		ledgertest.Verify(t, d)
		s := &ledger.Service{DB: d}
		got, _, err := s.Entries(ctx, auditor, ledger.EntryFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(es) {
			t.Fatalf("%d entries", len(got))
		}
		for i, e := range got {
			if want := fundus.DayOf(es[i].Time); e.Date != want {
				t.Errorf("entry %d at %s: dated %s, want %s", e.Seq, e.Time.Format(time.RFC3339Nano), e.Date, want)
			}
		}
		if got[0].Date != "2026-11-25" || got[2].Date != "2026-01-01" || got[1].Date != "2025-12-31" {
			t.Errorf("dates %s %s %s", got[0].Date, got[1].Date, got[2].Date)
		}
	})
}
