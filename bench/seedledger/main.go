// Command seedledger fills a database's ledger with many two-posting
// entries through the write path, for measuring exports and verification:
//
//	go run ./bench/seedledger -db sqlite:///tmp/big.db -n 1000000
//
// Each write-path call posts a batch of entries, so a million take a minute
// or two rather than the hours one commit per entry would.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"fundus/commit"
	"fundus/db"
	"fundus/ledger"
)

func main() {
	url := flag.String("db", "", "database URL (sqlite://PATH or postgres://...)")
	n := flag.Int("n", 1000000, "entries to post")
	batch := flag.Int("batch", 2000, "entries per write-path call")
	flag.Parse()
	ctx := context.Background()
	d, err := db.Open(ctx, *url, db.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	// Entry times spread over 2026, a few minutes apart.
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	step := 365 * 24 * time.Hour / time.Duration(*n)
	i := 0
	w, err := commit.NewWriter(d, func() time.Time { return start.Add(time.Duration(i) * step) }, ledger.Book)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	began := time.Now()
	pairs := [][2]string{{ledger.Bank, ledger.Donations}, {ledger.GrantsExpense, ledger.GrantsPayable}, {ledger.GrantsPayable, ledger.Bank}}
	for i < *n {
		_, err := commit.Do(ctx, w, func(tx *commit.Tx) (int, error) {
			for j := 0; j < *batch && i < *n; j, i = j+1, i+1 {
				p := pairs[i%3]
				amount := int64(100 + i%9000)
				available, err := ledger.Available(tx)
				if err != nil {
					return 0, err
				}
				if i%3 != 0 && available < amount {
					p = pairs[0] // money first, so that nothing is refused
				}
				if _, err := ledger.Post(tx, ledger.NewEntry{Kind: "seed", Memo: fmt.Sprintf("entry %d", i), Actor: "seed",
					FromBank: p[0] == ledger.Bank || p[1] == ledger.Bank, // what the bank's lines book
					Postings: []ledger.NewPosting{{Account: p[0], Amount: amount}, {Account: p[1], Amount: -amount}}}); err != nil {
					return 0, err
				}
			}
			return 0, nil
		})
		if err != nil {
			log.Fatal(err)
		}
		if i%100000 == 0 {
			log.Printf("%d entries, %.0f/s", i, float64(i)/time.Since(began).Seconds())
		}
	}
	log.Printf("done: %d entries in %s", i, time.Since(began).Round(time.Second))
	// Fresh statistics, as autovacuum would gather them in time: without
	// them PostgreSQL plans the postings lookups of a bulk-loaded ledger as
	// full scans.
	_, err = commit.Do(ctx, w, func(tx *commit.Tx) (int, error) {
		_, err := tx.ExecContext(ctx, "ANALYZE")
		return 0, err
	})
	if err != nil {
		log.Fatal(err)
	}
}
