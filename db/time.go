package db

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The SQLite driver (modernc.org/sqlite v1.62.0, with the DSN's
// _time_format=sqlite and neither _loc nor _texttotime, as openSQLite sets
// it) writes a time.Time in sqliteTimeLayout. Reading a DATETIME column's
// text, it tries Go's Time.String layout (stringTimeLayout) first, then
// sqliteTimeLayouts in order, with a trailing Z taken off (its parseTime and
// parseTimeFormats, copied here: they are not exported).
const (
	sqliteTimeLayout = "2006-01-02 15:04:05.999999999-07:00"
	stringTimeLayout = "2006-01-02 15:04:05.999999999 -0700 MST"
)

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
// its layouts in turn on every row (8 % of a walk over the ledger's CPU
// on SQLite). TimeColumn reads the text Fundus writes by hand, in a few
// nanoseconds, and any other text as the driver does; whatever the driver
// would not turn into a time (a number, a blob, NULL, text of no layout)
// is an error, as it was.
type TimeColumn struct{ T *time.Time }

func (c TimeColumn) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*c.T = v
	case string:
		t, err := parseSQLiteTime(v)
		if err != nil {
			return err
		}
		*c.T = t
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

// parseSQLiteTime reads a time as the SQLite driver does: UTC times in
// sqliteTimeLayout (all Fundus writes) by hand, any other text as the
// driver tries it.
func parseSQLiteTime(s string) (time.Time, error) {
	if t, ok := parseUTC(s); ok {
		return t, nil
	}
	str := s
	if i := strings.Index(s, "m="); i > 0 { // Time.String's monotonic clock reading
		str = s[:i]
	}
	if t, err := time.Parse(stringTimeLayout, strings.TrimSpace(str)); err == nil {
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
// fraction digits; false for anything else, including days and clock
// readings that do not exist, which time.Parse then refuses.
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
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	nanos := 0
	if frac := s[19 : len(s)-len("+00:00")]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nanos = n
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.UTC)
	// time.Date moves what does not exist on (31 April to 1 May, 10:60 to
	// 11:00): a time that reads back otherwise did not exist.
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	if y != year || int(mo) != month || d != day || h != hour || mi != minute || sec != second {
		return time.Time{}, false
	}
	return t, true
}

// digits reads s as a decimal number; false unless s is one or more ASCII
// digits.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
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
