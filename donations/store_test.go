package donations

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"fundus/ledger/ledgertest"

	"fundus"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
)

// A pledge whose reference is already given inserts nothing, so Pledge
// takes another reference instead of failing or giving one twice. The
// insert happens at the end of the write path's batch, so a conflict there
// makes the batch run again; pairs of concurrent pledges share references
// here, and every pledge must still be stored once, with its own reference.
func TestInsertDonationRefusesATakenReference(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := ledgertest.Writer(t, d, nil)
		defer w.Close()
		pledge := func(dn *Donation) (string, error) {
			out, err := commit.Do(ctx, w, func(tx *commit.Tx) (string, error) {
				for {
					inserted, err := newDonations.Add(tx, dn)
					if err != nil || inserted {
						return dn.Reference, err
					}
					dn.Reference = newReference()
				}
			})
			return out.Value, err
		}
		first := &Donation{ID: db.NewID(), Reference: newReference(), Status: Pledged, Amount: fundus.EURCents(500), Currency: "EUR", CreatedAt: db.Time(time.Now())}
		if ref, err := pledge(first); err != nil || ref != first.Reference {
			t.Fatalf("first: %q, %v", ref, err)
		}
		again := *first
		again.ID = db.NewID()
		if ref, err := pledge(&again); err != nil || ref == first.Reference {
			t.Fatalf("again: %q, %v; want another reference", ref, err)
		}

		refs := make([]string, 40)
		var wg sync.WaitGroup
		for i := range refs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dn := *first
				dn.ID, dn.Reference = db.NewID(), fmt.Sprintf("SHARED-%d", i/2)
				var err error
				if refs[i], err = pledge(&dn); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var n, distinct int
		if err := d.QueryRowxContext(ctx, `SELECT count(*), count(DISTINCT reference) FROM donations`).Scan(&n, &distinct); err != nil {
			t.Fatal(err)
		}
		if n != 42 || distinct != 42 {
			t.Fatalf("%d donations with %d references, want 42 and 42", n, distinct)
		}
		for i := 0; i < len(refs); i += 2 {
			if refs[i] == refs[i+1] {
				t.Fatalf("pledges %d and %d were both answered with %s", i, i+1, refs[i])
			}
		}
	})
}
