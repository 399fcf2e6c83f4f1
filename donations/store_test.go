package donations

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
)

// A pledge whose reference is already given inserts nothing, so Pledge
// takes another reference instead of failing or giving one twice.
func TestInsertDonationRefusesATakenReference(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		first := &Donation{ID: db.NewID(), Reference: newReference(), Status: Pledged, Amount: ledger.EURCents(500), Currency: "EUR", CreatedAt: db.Time(time.Now())}
		again := *first
		again.ID = db.NewID()
		for i, want := range []bool{true, false} {
			d2 := first
			if i == 1 {
				d2 = &again
			}
			var inserted bool
			err := db.InTx(ctx, d, func(tx *sqlx.Tx) error {
				var err error
				inserted, err = insertDonation(ctx, tx, d2)
				return err
			})
			if err != nil || inserted != want {
				t.Fatalf("insert %d: inserted %v, %v; want %v", i+1, inserted, err, want)
			}
		}
		var n int
		if err := d.GetContext(ctx, &n, `SELECT count(*) FROM donations WHERE reference = $1`, first.Reference); err != nil || n != 1 {
			t.Fatalf("%d donations with the reference (%v), want 1", n, err)
		}
	})
}
