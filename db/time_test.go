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
// a declared type (COALESCE), as the same instant the driver reads from the
// typed column into a time.Time: random times of the years 1 to 9999 at
// every precision and in four zones; on SQLite also texts Fundus does not
// write but the driver reads (its other layouts, Go's Time.String, more
// than nine fraction digits), and Fundus's own UTC text is read by the hand
// parser, not by a fallback. What the driver does not read as a time (text
// of no layout, a number, a blob, NULL) TimeColumn refuses too.
func TestTimeColumnReadsWhatTheDriverReads(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		d := dbtest.Open(t, e)
		raw := dbtest.Raw(t, d)
		typ := "DATETIME"
		if e == db.Postgres {
			typ = "TIMESTAMPTZ"
		}
		if _, err := raw.Exec(`CREATE TABLE times (n INTEGER PRIMARY KEY, t ` + typ + `)`); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(18, 30))
		zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -(9*3600 + 30*60)), fundus.Berlin}
		const first, last = -62135596800, 253402300799 // 0001-01-01, 9999-12-31 23:59:59 UTC
		const random = 2000                            // rows of random times; the texts below follow them
		var want []time.Time
		for n := range random {
			tm := time.Unix(first+r.Int64N(last-first), r.Int64N(1e9))
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
		if e == db.SQLite {
			for i, s := range []string{"2026-03-01 10:20:30Z", "2026-03-01T10:20:30.5+01:00", "2026-03-01 10:20:30.123",
				"2026-03-01T10:20:30", "2026-03-01 10:20", "2026-03-01T10:20", "2026-03-01", "2024-02-29 23:59:59.999999999+00:00",
				"2026-03-01 10:20:30.1234567891+00:00", "2026-03-01 10:20:30.123456789123+00:00",
				"2026-03-01 10:20:30.25 +0100 CET", "2026-03-01 10:20:30.25 +0000 UTC m=+0.000012345"} {
				if _, err := raw.Exec(`INSERT INTO times (n, t) VALUES ($1, $2)`, 10000+i, s); err != nil {
					t.Fatal(err)
				}
				want = append(want, time.Time{})
			}
		}
		rows, err := raw.QueryContext(ctx, `SELECT t, COALESCE(t, t), CAST(t AS TEXT) FROM times ORDER BY n`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		for ; rows.Next(); i++ {
			var byDriver, byColumn time.Time
			var text string
			if err := rows.Scan(&byDriver, db.TimeColumn{T: &byColumn}, &text); err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			if !byColumn.Equal(byDriver) { // the instant; a zone's name is the driver's guess (entries are read as UTC)
				t.Fatalf("row %d: TimeColumn read %v, the driver %v", i, byColumn, byDriver)
			}
			if _, offset := want[i].Zone(); !want[i].IsZero() && offset%60 == 0 && !byColumn.Equal(want[i]) { // the layout keeps an offset's minutes only (Berlin's LMT was +00:53:28)
				t.Fatalf("row %d: read %v, wrote %v", i, byColumn, want[i])
			}
			if _, ok := db.ParseUTC(text); e == db.SQLite && i < random && want[i].Location() == time.UTC && !ok {
				t.Fatalf("row %d: %q, written by the driver in UTC, missed the hand parser", i, text)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if i != len(want) {
			t.Fatalf("read %d rows, wrote %d", i, len(want))
		}

		refused := []string{`NULL`}
		if e == db.SQLite {
			refused = append(refused, `'yesterday'`, `'2026-04-31 10:00:00+00:00'`, `1764669600`, `1764669600.5`,
				`CAST('2026-03-01 10:20:30+00:00' AS BLOB)`)
		}
		for _, v := range refused {
			var byDriver, byColumn time.Time
			if _, err := raw.Exec(`UPDATE times SET t = ` + v + ` WHERE n = 0`); err != nil {
				t.Fatal(err)
			}
			errDriver := raw.QueryRowContext(ctx, `SELECT t FROM times WHERE n = 0`).Scan(&byDriver)
			errColumn := raw.QueryRowContext(ctx, `SELECT COALESCE(t, t) FROM times WHERE n = 0`).Scan(db.TimeColumn{T: &byColumn})
			if errDriver == nil || errColumn == nil {
				t.Errorf("%s: the driver read %v (%v), TimeColumn %v (%v); both should refuse", v, byDriver, errDriver, byColumn, errColumn)
			}
		}
	})
}

// TestTimeColumnOnPgx: through pgx's own rows (the walk over the ledger on
// PostgreSQL) TimeColumn takes a timestamptz as it is, and refuses NULL and
// the infinities, which are no instant.
func TestTimeColumnOnPgx(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, db.Postgres)
	tx, err := db.ReadTx(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	err = db.WithSnapshot(ctx, d, tx, 1, func(qs []db.Querier) error {
		q := qs[0]
		read := func(v string) (time.Time, error) {
			rows, err := q.Query(ctx, `SELECT `+v+`::timestamptz`)
			if err != nil {
				return time.Time{}, err
			}
			defer rows.Close()
			var got time.Time
			if !rows.Next() {
				return got, rows.Err()
			}
			err = rows.Scan(db.TimeColumn{T: &got})
			return got, err
		}
		if got, err := read(`'2026-12-02 12:05:09.123456+01'`); err != nil || !got.Equal(time.Date(2026, 12, 2, 11, 5, 9, 123456000, time.UTC)) {
			t.Errorf("read %v, %v", got, err)
		}
		for _, v := range []string{`NULL`, `'infinity'`, `'-infinity'`} {
			if got, err := read(v); err == nil {
				t.Errorf("%s read as %v", v, got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestParseSQLiteTimeRefuses: text that is no time, or a day or clock
// reading that does not exist, is an error, not a time moved on; Fundus's
// own text is read exactly.
func TestParseSQLiteTimeRefuses(t *testing.T) {
	for _, s := range []string{"", "yesterday", "2026-04-31 10:00:00+00:00", "2026-02-29 10:00:00+00:00",
		"2026-01-01 24:00:00+00:00", "2026-01-31 25:00:00+00:00", "2026-01-01 10:60:00+00:00", "2026-01-01 10:00:60+00:00",
		"2026-01-01 10:00:00.+00:00", "2026-1x-01 10:00:00+00:00", "2026-01-01 10:00:00+00:0"} {
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

// TestFundusTimeReadByHand: the text Fundus writes is read by the hand
// parser, which allocates nothing; the driver's layouts, tried after Go's
// Time.String layout has failed, would allocate that failure's error.
func TestFundusTimeReadByHand(t *testing.T) {
	for _, s := range []string{"2026-12-02 11:05:09+00:00", "2026-12-02 11:05:09.123456+00:00"} {
		var err error
		if n := testing.AllocsPerRun(100, func() { _, err = db.ParseSQLiteTime(s) }); n != 0 || err != nil {
			t.Errorf("%q: %v allocations, %v", s, n, err)
		}
	}
}
