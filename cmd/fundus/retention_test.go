package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"fundus/db"
	"fundus/db/dbtest"
)

// TestYearAdoptedAndEraseDue: nothing is erased before a year's adoption is
// recorded; then the dry run only counts, the run erases the donor of 2014
// (adopted 2015, 10 years: erasable from 2026), and the ledger verifies.
func TestYearAdoptedAndEraseDue(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		d, _ := ledgerOfDonations(t, e, 2)
		raw := dbtest.RawURL(t, os.Getenv("FUNDUS_DATABASE_URL"))
		old := time.Date(2014, 6, 1, 10, 0, 0, 0, time.UTC)
		if _, err := raw.Exec(raw.Rebind(`INSERT INTO donations (id, reference, status, amount, currency, anonymous, receipt_requested, donor_name, donor_email, created_at, cancelled_at)
			VALUES ('don-2014', 'FUND-OLD1', 'cancelled', 500, 'EUR', false, false, 'Quibble Zorn', 'qz@example.org', ?, ?)`), old, old); err != nil {
			t.Fatal(err)
		}
		name := func() string {
			var n string
			if err := d.Get(&n, `SELECT donor_name FROM donations WHERE id = 'don-2014'`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		cmd := func(args ...string) (string, error) {
			var out bytes.Buffer
			err := run(ctx, args, strings.NewReader(""), &out, &out)
			return out.String(), err
		}

		if out, err := cmd("erase", "--due"); err != nil || !strings.Contains(out, "no year's retention period has ended") || name() != "Quibble Zorn" {
			t.Fatalf("before adoption: %v\n%s", err, out)
		}
		if _, err := cmd("erase"); err == nil {
			t.Fatal("erase without --due ran")
		}
		if out, err := cmd("year", "adopted", "2014", "--on", "2015-03-01"); err != nil || !strings.Contains(out, "from 2026-01-01") {
			t.Fatalf("year adopted: %v\n%s", err, out)
		}
		if _, err := cmd("year", "adopted", "2014", "--on", "2015-03-02"); err == nil || !strings.Contains(err.Error(), "already recorded") {
			t.Fatalf("adopted twice: %v", err)
		}
		if _, err := cmd("year", "adopted", "2020", "--on", "2099-01-01"); err == nil || !strings.Contains(err.Error(), "future") {
			t.Fatalf("adopted in the future: %v", err)
		}
		if _, err := cmd("year", "adopted", "2020"); err == nil {
			t.Fatal("adopted without --on")
		}
		out, err := cmd("erase", "--due", "--dry-run")
		if err != nil || !strings.Contains(out, "years whose retention period ended: 2014") || !strings.Contains(out, "would erase (dry run) donors: 1") || name() != "Quibble Zorn" {
			t.Fatalf("dry run: %v\n%s", err, out)
		}
		if out, err = cmd("erase", "--due"); err != nil || !strings.Contains(out, "erased donors: 1") || name() != "" {
			t.Fatalf("erase: %v\n%s", err, out)
		}
		if out, err = cmd("erase", "--due"); err != nil || !strings.Contains(out, "erased donors: 0") {
			t.Fatalf("erase again: %v\n%s", err, out)
		}
		var actor string
		if err := d.Get(&actor, `SELECT actor FROM audit_log WHERE action = 'fiscal-year.adopt'`); err != nil || actor != "cli" {
			t.Fatalf("adoption audited as %q, %v", actor, err)
		}
		if out, err = cmd("verify"); err != nil || !strings.Contains(out, "ok: 2 entries") {
			t.Fatalf("verify: %v\n%s", err, out)
		}
	})
}
