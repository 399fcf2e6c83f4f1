package ledger_test

import (
	"context"
	"sync"
	"testing"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// TestConcurrentPosting has 50 goroutines post to the same accounts at once:
// first donations (nothing may be lost), then approvals that together ask
// for more than there is (exactly as many as fit may pass).
func TestConcurrentPosting(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		const workers, each = 50, 10

		// Phase 1: 500 donations of 1.00 to 50.00.
		var wg sync.WaitGroup
		errc := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					a := fundus.FormatMinor(int64(100*(w+1)), fundus.EUR)
					if _, err := s.PostManual(ctx, treasurer, ledgertest.Manual("donation confirmed by hand", ledger.Clearing, a, ledger.Interest, "-"+a)); err != nil {
						errc <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatalf("donation failed: %v", err)
		}
		var want int64
		for w := 0; w < workers; w++ {
			want += int64(100*(w+1)) * each
		}
		b := ledgertest.Balances(t, s)
		if b[ledger.Clearing] != want || b[ledger.Interest] != -want {
			t.Fatalf("clearing %d, want %d: donations were lost", b[ledger.Clearing], want)
		}
		if r := ledgertest.Verify(t, d); r.EntriesChecked != workers*each {
			t.Fatalf("%d entries, want %d", r.EntriesChecked, workers*each)
		}

		// Phase 2: 50 approvals of a 20th of the available money each:
		// exactly 20 pass.
		share := want / 20
		if want%20 != 0 {
			t.Fatalf("test setup: %d is not divisible by 20", want)
		}
		amount := fundus.FormatMinor(share, fundus.EUR)
		var mu sync.Mutex
		approved, refused := 0, 0
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.PostManual(ctx, treasurer, ledgertest.Manual("approval", ledger.GrantsExpense, amount, ledger.GrantsPayable, "-"+amount))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					approved++
				case errs.Is(errs.InsufficientFunds, err):
					refused++
				default:
					t.Errorf("approval: %v", err)
				}
			}()
		}
		wg.Wait()
		if approved != 20 || refused != 30 {
			t.Fatalf("%d approved, %d refused; want 20 and 30", approved, refused)
		}
		if a := available(ledgertest.Balances(t, s)); a != 0 {
			t.Fatalf("available %d, want 0", a)
		}
		ledgertest.Verify(t, d)
		t.Logf("%s: %d calls in %d commits", d.Engine, s.Writer.Calls(), s.Writer.Commits())
	})
}

// TestTwoWritersShareTheChain runs two writers on one database, as two
// Fundus instances do, posting at once. No posting may be lost from the
// stored balances: a writer must read them after it holds the chain head
// (on PostgreSQL a statement that waits for the head's lock sees other
// rows as they were before it waited).
func TestTwoWritersShareTheChain(t *testing.T) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			url := dbtest.URL(t, e)
			ctx := context.Background()
			var services []*ledger.Service
			for range 2 {
				d, err := db.Open(ctx, url, db.Options{MaxReadConns: 4})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				if err := d.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				services = append(services, ledgertest.Service(t, d))
			}
			const workers, each = 40, 10
			var wg sync.WaitGroup
			errc := make(chan error, workers*each)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						if _, err := services[w%2].PostManual(ctx, treasurer, ledgertest.Manual("donation confirmed by hand", ledger.Clearing, "1.00", ledger.Interest, "-1.00")); err != nil {
							errc <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			if b := ledgertest.Balances(t, services[0]); b[ledger.Clearing] != workers*each*100 {
				t.Fatalf("clearing %d, want %d", b[ledger.Clearing], workers*each*100)
			}
			if r := ledgertest.Verify(t, services[1].DB); r.EntriesChecked != workers*each {
				t.Fatalf("%d entries, want %d", r.EntriesChecked, workers*each)
			}
		})
	}
}
