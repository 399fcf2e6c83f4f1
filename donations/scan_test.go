package donations

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/db/dbtest"
)

// TestDonationRowScansAsSQLXDoes: a confirm reads the donations it marked
// from the rows its statement returned (donationRow.scanValues, in the
// order of donationColumns), not through sqlx; both must read the same
// donation, with every column set and with every column that may be NULL
// left NULL, on both engines.
func TestDonationRowScansAsSQLXDoes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		raw := dbtest.Raw(t, d)
		at := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
		if _, err := raw.ExecContext(ctx, `INSERT INTO donations (id, reference, status, amount, currency, anonymous, receipt_requested,
			donor_name, donor_email, donor_street, donor_postal_code, donor_city, message, created_at, received_at, cancelled_at,
			refunded_at, refund_reason, received_amount, refund_status, refund_payee_name, refund_payee_iban, refund_payee_set_by,
			refund_returns, lang, acceptance, accepting_body, accepted_at, restricted_at, erased_at)
			VALUES ('full', 'FUND-FULL-0001', 'refunded', 2500, 'EUR', true, true, 'Erika', 'erika@example.org', 'Hauptstr. 1', '49074',
			'Osnabrück', 'Für das Sprachcafé', $1, $2, $3, $4, 'asked back', 2400, 'returned', 'Erika Example', 'DE89370400440532013000',
			'k1', 2, 'uk', 'accepted', 'council', $5, $6, $7)`,
			at, at.Add(time.Hour), at.Add(2*time.Hour), at.Add(3*time.Hour), at.Add(4*time.Hour), at.Add(5*time.Hour), at.Add(6*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO donations (id, reference, status, amount, currency, anonymous, receipt_requested, created_at)
			VALUES ('bare', 'FUND-BARE-0001', 'pledged', 1, 'EUR', false, false, $1)`, at); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"full", "bare"} {
			var err error
			var want donationRow
			if err := sqlx.GetContext(ctx, raw, &want, `SELECT `+donationColumns+` FROM donations WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			// PostgreSQL's statements go through a connection's pipeline,
			// SQLite's through raw (which may have one connection).
			var conn *sql.Conn
			if d.Engine == db.Postgres {
				if conn, err = raw.Conn(ctx); err != nil {
					t.Fatal(err)
				}
			}
			res, err := db.RunStatements(ctx, d.Engine, conn, raw, []db.Statement{{Query: `SELECT ` + donationColumns + ` FROM donations WHERE id = $1`, Args: []any{id}, Rows: true}})
			if conn != nil {
				conn.Close()
			}
			if err != nil || len(res[0].Rows) != 1 {
				t.Fatalf("%s: %v", id, err)
			}
			var got donationRow
			if err := got.scanValues(res[0].Rows[0]); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: scanValues read\n%+v\nsqlx read\n%+v", id, got, want)
			}
		}
	})
}
