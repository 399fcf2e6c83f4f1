package ledger_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"fundus/commit"
	"fundus/ledger/ledgertest"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
)

// BenchmarkPost posts two-posting entries through the write path with
// durable commits (SQLite synchronous=FULL; PostgreSQL synchronous_commit
// on, its default) from 1 and from 16 concurrent writers, and reports
// entries per second and database commits per entry.
//
//	go test -run '^$' -bench BenchmarkPost -benchtime 20000x ./ledger/
func BenchmarkPost(b *testing.B) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		for _, writers := range []int{1, 16} {
			b.Run(string(e)+"/writers="+itoa(writers), func(b *testing.B) {
				if e == db.Postgres && os.Getenv(dbtest.PostgresURLVar) == "" {
					b.Skipf("PostgreSQL benchmarks SKIPPED: %s is not set", dbtest.PostgresURLVar)
				}
				d := dbtest.Open(b, e)
				if e == db.Postgres {
					var sc string
					d.Get(&sc, "SHOW synchronous_commit")
					if sc != "on" {
						b.Fatalf("synchronous_commit = %s, want on", sc)
					}
				}
				w := ledgertest.Writer(b, d, nil)
				entry := ledger.NewEntry{Kind: "bench", Memo: "donation", Actor: "bench", FromBank: true,
					Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: 2500}, {Account: ledger.Donations, Amount: -2500}}}
				ctx := context.Background()
				b.ResetTimer()
				var wg sync.WaitGroup
				per := b.N / writers
				for i := 0; i < writers; i++ {
					n := per
					if i == 0 {
						n += b.N % writers
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						for j := 0; j < n; j++ {
							if _, err := commit.Do(ctx, w, func(tx *commit.Tx) (*ledger.Entry, error) { return ledger.Post(tx, entry) }); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
				b.ReportMetric(float64(w.Commits())/float64(w.Calls()), "commits/entry")
			})
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
