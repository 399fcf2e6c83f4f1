package db

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// sqliteTimeLayout is how the SQLite driver writes a time.Time (the DSN's
// _time_format=sqlite), and the first layout it tries when reading one.
const sqliteTimeLayout = "2006-01-02 15:04:05.999999999-07:00"

// sqliteTimeLayouts are the layouts the driver reads a DATETIME column's
// text with, in its order (modernc.org/sqlite's parseTimeFormats).
var sqliteTimeLayouts = []string{
	sqliteTimeLayout,
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// TimeColumn scans a time column on either engine into T: a time.Time as pgx
// gives it, or text as the SQLite driver stores it. On SQLite a query
// selects the column as an expression without a declared type, say
// COALESCE(t, t), so that the driver hands over the text instead of trying
// its layouts in turn on every row (a tenth of a walk over the ledger's
// CPU); TimeColumn reads the text Fundus writes by hand, in a few nanoseconds,
// and anything else with the driver's layouts.
type TimeColumn struct{ T *time.Time }

func (c TimeColumn) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*c.T = v
	case string:
		t, err := ParseSQLiteTime(v)
		if err != nil {
			return err
		}
		*c.T = t
	case []byte:
		return c.Scan(string(v))
	default:
		return fmt.Errorf("db: a time stored as %T", v)
	}
	return nil
}

// ScanTimestamptz is Scan for pgx (pgtype.TimestamptzScanner), which
// hands the value over without boxing it first.
func (c TimeColumn) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid || v.InfinityModifier != pgtype.Finite {
		return errors.New("db: a time is NULL or infinite")
	}
	*c.T = v.Time
	return nil
}

// ParseSQLiteTime reads a time as the SQLite driver does: UTC times in
// sqliteTimeLayout (all Fundus writes) by hand; anything else as the driver
// tries it, first as Go's Time.String writes a time (without its monotonic
// "m=" reading), then through its layouts with a trailing Z taken off.
func ParseSQLiteTime(s string) (time.Time, error) {
	if t, ok := parseUTC(s); ok {
		return t, nil
	}
	str := s
	if i := strings.Index(s, "m="); i > 0 {
		str = s[:i]
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(str)); err == nil {
		return t, nil
	}
	ts, _ := strings.CutSuffix(s, "Z")
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, ts); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("db: %q is no time the SQLite driver reads", s)
}

// parseUTC reads "2006-01-02 15:04:05[.fraction]+00:00" with one to nine
// fraction digits; false for anything else, including dates and clock
// readings out of range, which time.Parse then refuses.
func parseUTC(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02 15:04:05+00:00") || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
		!strings.HasSuffix(s, "+00:00") {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	second, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	nanos := 0
	if frac := s[19 : len(s)-len("+00:00")]; frac != "" {
		n, ok := digits(frac[1:])
		if frac[0] != '.' || !ok || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nanos = n
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.UTC)
	if t.Year() != year || t.Month() != time.Month(month) || t.Day() != day { // not normalized: 31 April is refused
		return time.Time{}, false
	}
	return t, true
}

// digits reads s, which holds only ASCII digits, as a number.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		n = n*10 + int(d)
	}
	return n, true
}
