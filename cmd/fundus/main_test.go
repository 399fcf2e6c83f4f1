package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
	"fundus/receipts"
)

func lookupFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(lookupFrom(nil), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DatabaseURL != "sqlite://fundus.db" || c.Quorum != 3 || c.RateLimit != 60 ||
		c.MaxAmount.String() != "1000000" || c.BankIBAN != exampleIBAN || c.SessionTTL != 12*time.Hour ||
		c.BaseURL != "http://127.0.0.1:8080" || c.ResetTTL != time.Hour || c.RegistrationConfirm {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Bands != (donations.Bands{AdminMax: 10000, CommitteeMax: 200000}) {
		t.Fatalf("acceptance bands %+v, want 100.00 and 2000.00", c.Bands)
	}
	if eq, err := loadConfig(lookupFrom(map[string]string{"FUNDUS_ACCEPT_ADMIN_MAX": "500", "FUNDUS_ACCEPT_COMMITTEE_MAX": "500.00"}), ""); err != nil ||
		eq.Bands != (donations.Bands{AdminMax: 50000, CommitteeMax: 50000}) {
		t.Fatalf("equal bands: %+v %v", eq.Bands, err)
	}
	if _, err := loadConfig(lookupFrom(map[string]string{"FUNDUS_MAX_AMOUNT": "1000.00", "FUNDUS_MAX_GRANT": "500.00"}), ""); err == nil || !strings.Contains(err.Error(), "FUNDUS_ACCEPT_COMMITTEE_MAX") {
		t.Fatalf("a committee band above FUNDUS_MAX_AMOUNT: %v", err)
	}
	if c.MaxGrant.String() != "5000" || !c.exampleOperator() || c.ColorPrimary != "" || c.LogoURL != "" {
		t.Fatalf("site defaults: max grant %s, example operator %v", c.MaxGrant, c.exampleOperator())
	}
	set, err := loadConfig(lookupFrom(map[string]string{"FUNDUS_OPERATOR_NAME": "Stadt A", "FUNDUS_OPERATOR_ADDRESS": "Platz 1, 49074 A",
		"FUNDUS_OPERATOR_EMAIL": "a@a.example", "FUNDUS_OPERATOR_PHONE": "", "FUNDUS_OPERATOR_REPRESENTATIVE": "", "FUNDUS_OPERATOR_RESPONSIBLE": "",
		"FUNDUS_OPERATOR_DPO": "dsb@a.example", "FUNDUS_COLOR_PRIMARY": "#1d5c3a", "FUNDUS_MAX_GRANT": "2500.50"}), "")
	if err != nil || set.exampleOperator() || set.maxGrantCents() != 250050 || set.ColorPrimary != "#1d5c3a" {
		t.Fatalf("configured site: %v %+v", err, set)
	}
}

func TestConfigBadValuesNameTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"FUNDUS_ADDR":                 "8080",
		"FUNDUS_DATABASE_URL":         "mysql://x",
		"FUNDUS_QUORUM":               "0",
		"FUNDUS_MAX_AMOUNT":           "1e6",
		"FUNDUS_RATE_LIMIT":           "-1",
		"FUNDUS_TRUSTED_PROXIES":      "10.0.0.0/8, proxy.example.org",
		"FUNDUS_SESSION_TTL":          "forever",
		"FUNDUS_LOG_LEVEL":            "loud",
		"FUNDUS_LOG_FORMAT":           "xml",
		"FUNDUS_BANK_HOLDER":          "  ",
		"FUNDUS_BANK_IBAN":            "DE89370400440532013001",
		"FUNDUS_BANK_BIC":             "COBADEFF1",
		"FUNDUS_MAX_GRANT":            "1000000.01", // above FUNDUS_MAX_AMOUNT
		"FUNDUS_COLOR_PRIMARY":        "#ffbf47",    // white on it is unreadable
		"FUNDUS_LOGO_URL":             "javascript:alert(1)",
		"FUNDUS_OPERATOR_NAME":        " ",
		"FUNDUS_OPERATOR_EMAIL":       "no address",
		"FUNDUS_BASE_URL":             "fonds.example.org",
		"FUNDUS_SMTP_URL":             "imap://mail.example.org",
		"FUNDUS_MAIL_FROM":            "not an address",
		"FUNDUS_RESET_TTL":            "30s",
		"FUNDUS_REGISTRATION_CONFIRM": "maybe",
		"FUNDUS_ACCEPT_ADMIN_MAX":     "0.00",  // every donation would wait, and none could be accepted on receipt
		"FUNDUS_ACCEPT_COMMITTEE_MAX": "99.99", // below the administration's band
	} {
		_, err := loadConfig(lookupFrom(map[string]string{name: value}), "")
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: err = %v, want one naming the variable", name, value, err)
		}
	}
}

// The mail settings: a server needs a sender's address, and a bad server
// URL is named without its password.
func TestConfigMail(t *testing.T) {
	c, err := loadConfig(lookupFrom(map[string]string{
		"FUNDUS_SMTP_URL": "smtp://fund:s3cret@mail.example.org:2525", "FUNDUS_MAIL_FROM": "Integrationsfonds <fonds@example.org>",
		"FUNDUS_BASE_URL": "https://fonds.example.org/",
	}), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Host != "mail.example.org" || c.SMTP.Port != 2525 || c.SMTP.User != "fund" || c.SMTP.Password != "s3cret" || c.SMTP.Implicit ||
		c.MailFrom.Address != "fonds@example.org" || c.BaseURL != "https://fonds.example.org" {
		t.Fatalf("mail config: %+v %+v %q", c.SMTP, c.MailFrom, c.BaseURL)
	}
	if c, err = loadConfig(lookupFrom(map[string]string{"FUNDUS_SMTP_URL": "smtps://mail.example.org", "FUNDUS_MAIL_FROM": "fonds@example.org"}), ""); err != nil ||
		!c.SMTP.Implicit || c.SMTP.Port != 465 {
		t.Fatalf("smtps: %+v %v", c, err)
	}
	if c, err = loadConfig(lookupFrom(nil), ""); err != nil || c.SMTP != nil || c.MailFrom != nil || c.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	_, err = loadConfig(lookupFrom(map[string]string{"FUNDUS_SMTP_URL": "smtp://mail.example.org"}), "")
	if err == nil || !strings.Contains(err.Error(), "FUNDUS_MAIL_FROM") {
		t.Fatalf("a server without a sender: %v", err)
	}
	_, err = loadConfig(lookupFrom(map[string]string{"FUNDUS_SMTP_URL": "smtp://fund:s3cret@mail.example.org:99999"}), "")
	if err == nil || !strings.Contains(err.Error(), "FUNDUS_SMTP_URL") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a bad server URL: %v", err)
	}
}

func TestConfigEnvironmentBeatsDotenv(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("FUNDUS_QUORUM=5\nFUNDUS_RATE_LIMIT=7\n"), 0o600)
	c, err := loadConfig(lookupFrom(map[string]string{"FUNDUS_QUORUM": "4"}), path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Quorum != 4 || c.RateLimit != 7 {
		t.Fatalf("quorum %d (want 4, from the environment), rate limit %d (want 7, from .env)", c.Quorum, c.RateLimit)
	}
}

// TestEnvExampleListsEverySetting keeps .env.example complete.
func TestEnvExampleListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(string(b), "\n"+s.name+"="+s.def+"\n") && !strings.Contains(string(b), "\n"+s.name+"=\""+s.def+"\"\n") {
			t.Errorf(".env.example lacks %s=%s", s.name, s.def)
		}
	}
}

// TestUserAddThenSignIn runs `fundus user add` and signs the user in through
// the HTTP API, on each engine.
func TestUserAddThenSignIn(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		t.Setenv("FUNDUS_DATABASE_URL", dbtest.URL(t, e))
		t.Chdir(t.TempDir()) // no .env

		var out bytes.Buffer
		stdin := strings.NewReader("  spaces are kept in passwords  \nsecond line ignored\n")
		err := run(ctx, []string{"user", "add", "--email", "admin@example.org", "--name", "Ada Admin", "--role", "admin", "--role", "auditor"}, stdin, &out, &out)
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimSpace(out.String())
		if len(id) < 32 {
			t.Fatalf("printed %q, want the user's id", id)
		}

		cfg, _ := loadConfig(os.LookupEnv, "")
		d, err := openDB(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		s := auth.NewService(d, ledgertest.Writer(t, d, nil), time.Hour)
		sess, err := s.SignIn(ctx, auth.Credentials{Email: "admin@example.org", Password: "  spaces are kept in passwords  "}, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if sess.User.ID != id || !sess.User.HasRole(auth.Admin) || !sess.User.HasRole(auth.Auditor) {
			t.Fatalf("signed in as %+v", sess.User)
		}

		out.Reset()
		err = run(ctx, []string{"user", "add", "--email", "x@example.org", "--name", "X", "--role", "boss"}, strings.NewReader("short\n"), &out, &out)
		if err == nil || !strings.Contains(err.Error(), "--role") || !strings.Contains(err.Error(), "password") {
			t.Fatalf("bad user add: %v", err)
		}

		// Separation of duties: an admin is neither treasurer nor committee.
		for _, role := range []string{"treasurer", "committee"} {
			out.Reset()
			err = run(ctx, []string{"user", "add", "--email", "both@example.org", "--name", "B", "--role", "admin", "--role", role}, strings.NewReader("a long enough password\n"), &out, &out)
			if err == nil || !strings.Contains(err.Error(), "--role an admin cannot also be") {
				t.Fatalf("user add admin and %s: %v", role, err)
			}
		}
		if _, err := s.SignIn(ctx, auth.Credentials{Email: "both@example.org", Password: "a long enough password"}, "127.0.0.1"); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("the refused user exists: %v", err)
		}
	})
}

func TestUsageErrors(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{{"frobnicate"}, {"user"}, {"user", "delete"}, {"user", "add", "--colour", "red"}} {
		err := run(context.Background(), args, strings.NewReader(""), &out, &out)
		if _, ok := err.(usageError); !ok {
			t.Errorf("fundus %v: err = %v, want a usage error", args, err)
		}
	}
}

// TestVerifyCommand runs `fundus verify` on a good ledger (exit 0) and on
// one whose posting was altered behind the triggers' back (exit 1, naming
// the entry).
func TestVerifyCommand(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		_, entries := ledgerOfDonations(t, e, 3)
		second := entries[1]

		var out bytes.Buffer
		if err := run(ctx, []string{"verify"}, strings.NewReader(""), &out, &out); err != nil || !strings.Contains(out.String(), "ok: 3 entries") {
			t.Fatalf("good ledger: %v\n%s", err, out.String())
		}

		drop := []string{"DROP TRIGGER postings_append_only_update"}
		if e == db.Postgres {
			drop = []string{"DROP TRIGGER postings_append_only ON postings"}
		}
		for _, s := range append(drop, "UPDATE postings SET amount = 100000 WHERE seq = (SELECT seq FROM entries WHERE id = '"+second.ID+"') AND line = 1") {
			if _, err := dbtest.RawURL(t, os.Getenv("FUNDUS_DATABASE_URL")).Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		out.Reset()
		err := run(ctx, []string{"verify"}, strings.NewReader(""), &out, &out)
		if err == nil || !strings.Contains(out.String(), "first bad entry: seq 2 (id "+second.ID+")") {
			t.Fatalf("tampered ledger: %v\n%s", err, out.String())
		}
	})
}

// TestExportAndVerifyFile exports the ledger to a file with `fundus export`
// and checks it with `fundus verify --file`, untouched and tampered.
func TestExportAndVerifyFile(t *testing.T) {
	ctx := context.Background()
	t.Setenv("FUNDUS_DATABASE_URL", dbtest.URL(t, db.SQLite))
	dir := t.TempDir()
	t.Chdir(dir)
	cfg, _ := loadConfig(os.LookupEnv, "")
	d, err := openDB(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := ledgertest.Writer(t, d, nil)
	for i := 0; i < 5; i++ {
		if _, err := commit.Do(ctx, w, func(tx *commit.Tx) (*ledger.Entry, error) {
			return ledger.Post(tx, ledger.NewEntry{Kind: "test", Memo: "donation", Actor: "test", FromBank: true, // a bank line's entry: the only kind that moves assets:bank
				Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: 1000}, {Account: ledger.Donations, Amount: -1000}}})
		}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	var out bytes.Buffer
	if err := run(ctx, []string{"export", "--format", "jsonl", "-o", "ledger.jsonl"}, strings.NewReader(""), &out, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"verify", "--file", "ledger.jsonl"}, strings.NewReader(""), &out, &out); err != nil || !strings.Contains(out.String(), "ok: 5 entries") {
		t.Fatalf("verify --file: %v\n%s", err, out.String())
	}
	b, _ := os.ReadFile("ledger.jsonl")
	lines := strings.SplitAfter(string(b), "\n") // 5 entries, the trailer, ""
	for name, cut := range map[string]string{
		"at the start":                 strings.Join(lines[1:], ""),
		"at the end, with its trailer": strings.Join(append(lines[:4:4], lines[5]), ""),
		"at the end":                   strings.Join(lines[:4], ""),
	} {
		os.WriteFile("cut.jsonl", []byte(cut), 0o644)
		out.Reset()
		if err := run(ctx, []string{"verify", "--file", "cut.jsonl"}, strings.NewReader(""), &out, &out); err == nil || !strings.Contains(out.String(), "NOT OK") {
			t.Fatalf("a file cut %s verified: %v\n%s", name, err, out.String())
		}
	}
	os.WriteFile("ledger.jsonl", []byte(strings.Replace(string(b), `"amount":"10.00"`, `"amount":"11.00"`, 1)), 0o644)
	out.Reset()
	if err := run(ctx, []string{"verify", "--file", "ledger.jsonl"}, strings.NewReader(""), &out, &out); err == nil || !strings.Contains(out.String(), "first bad line: 1") {
		t.Fatalf("tampered file: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"export", "--format", "hledger", "--from", "2000-01-01", "--to", "2999-12-31"}, strings.NewReader(""), &out, &out); err != nil || !strings.Contains(out.String(), "assets:bank") {
		t.Fatalf("export to stdout: %v", err)
	}
	if err := run(ctx, []string{"export", "--format", "xml"}, strings.NewReader(""), &out, &out); err == nil {
		t.Fatal("bad format accepted")
	}
}

// TestVerifyHeadCommand: fundus verify --head SEQ:HASH exits 0 while the
// ledger holds that entry with that hash, 1 for a wrong hash, and a head
// that is not SEQ:HASH is a usage error.
func TestVerifyHeadCommand(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		_, entries := ledgerOfDonations(t, e, 3)
		kept := entries[1]
		var out bytes.Buffer
		head := ledger.ChainHead{Seq: kept.Seq, Hash: kept.Hash}.String()
		if err := run(ctx, []string{"verify", "--head", head}, strings.NewReader(""), &out, &out); err != nil || !strings.Contains(out.String(), "ok: 3 entries") {
			t.Fatalf("--head %s: %v\n%s", head, err, out.String())
		}
		out.Reset()
		wrong := fmt.Sprintf("%d:%s", kept.Seq, strings.Repeat("0", 64))
		if err := run(ctx, []string{"verify", "--head", wrong}, strings.NewReader(""), &out, &out); err == nil || !strings.Contains(out.String(), "first bad entry: seq 2") {
			t.Fatalf("--head %s: %v\n%s", wrong, err, out.String())
		}
		// With --file, the exported file must hold the head: a file cut
		// after it is fine, one cut before it is not.
		file := filepath.Join(t.TempDir(), "e.jsonl")
		if err := run(ctx, []string{"export", "--format", "jsonl", "-o", file}, strings.NewReader(""), &out, &out); err != nil {
			t.Fatal(err)
		}
		out.Reset()
		if err := run(ctx, []string{"verify", "--file", file, "--head", head}, strings.NewReader(""), &out, &out); err != nil {
			t.Fatalf("--file with the head it holds: %v\n%s", err, out.String())
		}
		later := fmt.Sprintf("%d:%s", kept.Seq+1, strings.Repeat("0", 64))
		if err := run(ctx, []string{"verify", "--file", file, "--head", later}, strings.NewReader(""), &out, &out); err == nil {
			t.Fatalf("--file with a head it does not hold passed\n%s", out.String())
		}
		for _, bad := range [][]string{{"--head", "2"}, {"--head", head, "--file"}, {"--head"}} {
			if err := run(ctx, append([]string{"verify"}, bad...), strings.NewReader(""), &out, &out); err == nil {
				t.Errorf("verify %v passed", bad)
			} else if _, ok := err.(usageError); !ok {
				t.Errorf("verify %v: %v, want a usage error", bad, err)
			}
		}
	})
}

// A build without VCS stamping (go test is one) still names its commit
// when the linker was given it.
func TestVersionNamesCommitFromLdflags(t *testing.T) {
	old := revision
	t.Cleanup(func() { revision = old })
	revision = "0123456789ab"
	if v := version(); !strings.Contains(v, "(0123456789ab)") {
		t.Fatalf("version() = %q, want the commit from -ldflags", v)
	}
}

// TestExportToTheEndOfTime: --to 9999-12-31 exports every entry on SQLite
// as on PostgreSQL.
func TestExportToTheEndOfTime(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		ledgerOfDonations(t, e, 1)
		for _, to := range []string{"9999-12-31", "9999-12-31T23:59:59-05:00"} {
			var out bytes.Buffer
			if err := run(ctx, []string{"export", "--format", "csv", "--from", "0001-01-01", "--to", to}, strings.NewReader(""), &out, &out); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(out.String(), "assets:bank"); n != 1 {
				t.Fatalf("--to %s: %d bank postings:\n%s", to, n, out.String())
			}
		}
	})
}

// ledgerOfDonations points the command line (FUNDUS_DATABASE_URL, a fresh
// working directory) at a new database of engine e holding n entries of a
// 10.00 donation, and returns the database and the entries.
func ledgerOfDonations(t *testing.T, e db.Engine, n int) (*db.DB, []*ledger.Entry) {
	t.Helper()
	ctx := context.Background()
	t.Setenv("FUNDUS_DATABASE_URL", dbtest.URL(t, e))
	t.Chdir(t.TempDir())
	cfg, err := loadConfig(os.LookupEnv, "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w := ledgertest.Writer(t, d, nil)
	var entries []*ledger.Entry
	for range n {
		e, err := ledgertest.Value(commit.Do(ctx, w, func(tx *commit.Tx) (*ledger.Entry, error) {
			return ledger.Post(tx, ledger.NewEntry{Kind: "test", Memo: "donation", Actor: "test", FromBank: true, // a bank line's entry: the only kind that moves assets:bank
				Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: 1000}, {Account: ledger.Donations, Amount: -1000}}})
		}))
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	return d, entries
}

// The receipts' settings: the default purpose, a signature line, the place
// taken from the operator's address unless set.
func TestConfigReceipts(t *testing.T) {
	c, err := loadConfig(lookupFrom(nil), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.DonationPurpose != receipts.DefaultPurpose || c.ReceiptMachineNote != "" || c.ReceiptPlace != "Musterstadt (BEISPIEL)" {
		t.Fatalf("defaults: purpose %q, note %q, place %q", c.DonationPurpose, c.ReceiptMachineNote, c.ReceiptPlace)
	}
	c, err = loadConfig(lookupFrom(map[string]string{"FUNDUS_OPERATOR_ADDRESS": "Bierstraße 28, 49074 Osnabrück",
		"FUNDUS_RECEIPT_MACHINE_NOTE": "Mitteilung an das Finanzamt Osnabrück-Stadt vom 02.01.2026"}), "")
	if err != nil || c.ReceiptPlace != "Osnabrück" || c.ReceiptMachineNote != "Mitteilung an das Finanzamt Osnabrück-Stadt vom 02.01.2026" {
		t.Fatalf("from the operator's address: %v %+v", err, c)
	}
	if c, err = loadConfig(lookupFrom(map[string]string{"FUNDUS_RECEIPT_PLACE": "Osnabrück-Haste"}), ""); err != nil || c.ReceiptPlace != "Osnabrück-Haste" {
		t.Fatalf("a place set: %v %+v", err, c)
	}
	for name, value := range map[string]string{
		"FUNDUS_DONATION_PURPOSE":     strings.Repeat("Zweck ", 100),
		"FUNDUS_RECEIPT_MACHINE_NOTE": "zwei\nZeilen",
		"FUNDUS_RECEIPT_PLACE":        strings.Repeat("Ort", 40),
	} {
		if _, err := loadConfig(lookupFrom(map[string]string{name: value}), ""); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: err = %v, want one naming the variable", name, value, err)
		}
	}
}
