package db_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
)

// TestTimeColumnReadsWhatTheDriverReads: a time written through each
// engine's driver reads back through TimeColumn, from an expression without
// a declared type (COALESCE), exactly as the driver reads the typed column
// into a time.Time (the same instant): random times at every precision and zone, and on SQLite
// every text the driver's own layouts read, and Go's Time.String.
func TestTimeColumnReadsWhatTheDriverReads(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		d := dbtest.Open(t, e)
		raw := dbtest.Raw(t, d)
		typ := "DATETIME"
		if e == db.Postgres {
			typ = "TIMESTAMPTZ"
		}
		if _, err := raw.Exec(`CREATE TABLE times (n INTEGER PRIMARY KEY, t ` + typ + ` NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(18, 30))
		zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -(9*3600 + 30*60)), fundus.Berlin}
		var want []time.Time
		for n := range 2000 {
			tm := time.Unix(r.Int64N(253402300799), 0).Add(time.Duration(r.Int64N(1e9))) // 1970 to 9999
			switch n % 4 {
			case 0:
				tm = tm.Truncate(time.Second)
			case 1:
				tm = tm.Truncate(time.Microsecond)
			case 2:
				tm = tm.Truncate(time.Millisecond)
			}
			if e == db.Postgres { // it keeps microseconds, as db.Time does
				tm = tm.Truncate(time.Microsecond)
			}
			tm = tm.In(zones[n%len(zones)])
			if _, err := raw.Exec(`INSERT INTO times (n, t) VALUES ($1, $2)`, n, tm); err != nil {
				t.Fatal(err)
			}
			want = append(want, tm)
		}
		if e == db.SQLite { // texts not written by Fundus, which the driver reads all the same
			for i, s := range []string{"2026-03-01 10:20:30Z", "2026-03-01T10:20:30.5+01:00", "2026-03-01 10:20:30.123",
				"2026-03-01T10:20:30", "2026-03-01 10:20", "2026-03-01T10:20", "2026-03-01", "2024-02-29 23:59:59.999999999+00:00",
				"2026-03-01 10:20:30.25 +0100 CET", "2026-03-01 10:20:30.25 +0000 UTC m=+0.000012345"} {
				if _, err := raw.Exec(`INSERT INTO times (n, t) VALUES ($1, $2)`, 10000+i, s); err != nil {
					t.Fatal(err)
				}
				want = append(want, time.Time{})
			}
		}
		rows, err := raw.QueryContext(ctx, `SELECT t, COALESCE(t, t) FROM times ORDER BY n`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		for ; rows.Next(); i++ {
			var byDriver, byColumn time.Time
			if err := rows.Scan(&byDriver, db.TimeColumn{T: &byColumn}); err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			if !byColumn.Equal(byDriver) { // the instant; a zone's name is the driver's guess (entries are read as UTC)
				t.Fatalf("row %d: TimeColumn read %v, the driver %v", i, byColumn, byDriver)
			}
			if !want[i].IsZero() && !byColumn.Equal(want[i]) {
				t.Fatalf("row %d: read %v, wrote %v", i, byColumn, want[i])
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if i != len(want) {
			t.Fatalf("read %d rows, wrote %d", i, len(want))
		}
	})
}

// TestParseSQLiteTimeRefuses: text that is no time, or a date that does
// not exist, is an error, not a time moved to the next month.
func TestParseSQLiteTimeRefuses(t *testing.T) {
	for _, s := range []string{"", "yesterday", "2026-04-31 10:00:00+00:00", "2026-02-29 10:00:00+00:00",
		"2026-01-01 24:00:00+00:00", "2026-01-01 10:60:00+00:00", "2026-01-01 10:00:60+00:00", "2026-01-01 10:00:00.+00:00",
		"2026-1x-01 10:00:00+00:00", "2026-01-01 10:00:00+00:0"} {
		if got, err := db.ParseSQLiteTime(s); err == nil {
			t.Errorf("%q read as %v", s, got)
		}
	}
	for s, want := range map[string]time.Time{
		"2026-12-02 11:05:09+00:00":           time.Date(2026, 12, 2, 11, 5, 9, 0, time.UTC),
		"2026-12-02 11:05:09.5+00:00":         time.Date(2026, 12, 2, 11, 5, 9, 500000000, time.UTC),
		"2026-12-02 11:05:09.000001+00:00":    time.Date(2026, 12, 2, 11, 5, 9, 1000, time.UTC),
		"2026-12-02 11:05:09.123456789+00:00": time.Date(2026, 12, 2, 11, 5, 9, 123456789, time.UTC),
		"2026-12-02 12:05:09+01:00":           time.Date(2026, 12, 2, 11, 5, 9, 0, time.UTC),
	} {
		if got, err := db.ParseSQLiteTime(s); err != nil || !got.Equal(want) {
			t.Errorf("%q: %v, %v; want %v", s, got, err, want)
		}
	}
}
