package bank_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"fundus"

	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/ledger/ledgertest"
)

// BenchmarkImport10000Lines imports a statement of 10,000 booked lines in
// one request, parse to commit: a tenth of them pay a pledge (each looked up
// and confirmed), the rest are queued. Each run imports a day of its own.
//
//	go test -bench Import10000 -run '^$' -benchtime 3x ./bank/
func BenchmarkImport10000Lines(b *testing.B) {
	const lines, pledged = 10000, 1000
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			if e == db.Postgres && os.Getenv(dbtest.PostgresURLVar) == "" {
				b.Skipf("PostgreSQL benchmarks SKIPPED: %s is not set", dbtest.PostgresURLVar)
			}
			d := dbtest.Open(b, e)
			w := ledgertest.Writer(b, d, nil)
			s := &bank.Service{DB: d, Writer: w, IBAN: fundIBAN, MaxAmount: 100000000}
			dons := &donations.Service{DB: d, Writer: w, MaxAmount: 100000000}
			ctx := context.Background()
			files := make([][]byte, b.N)
			for i := range files {
				day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly)
				st := banktest.Statement{ID: "B" + day, IBAN: fundIBAN, From: day, To: day}
				for j := 0; j < lines; j++ {
					l := banktest.Line{Date: day, Minor: int64(100 + j), Name: fmt.Sprintf("Spender %d", j), Remittance: fmt.Sprintf("Spende %d", j)}
					if j < pledged {
						p, err := ledgertest.Value(dons.Pledge(ctx, donations.Pledge{Amount: fundus.Amount(fundus.FormatMinor(l.Minor, fundus.EUR))}))
						if err != nil {
							b.Fatal(err)
						}
						l.Remittance = "Spende " + p.Reference
					}
					st.Lines = append(st.Lines, l)
				}
				files[i] = banktest.Camt053(st)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st, err := ledgertest.Value(s.Import(ctx, treasurer, files[i]))
				if err != nil || st.NewLines != lines || st.Matched != pledged {
					b.Fatalf("import: %+v, %v", st, err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
			b.ReportMetric(float64(len(files[0]))/1e6, "MB/file")
		})
	}
}
