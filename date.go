package fundus

import (
	"errors"
	"time"
	_ "time/tzdata" // Europe/Berlin on machines without a zone database
)

// Berlin is the fund's time zone: an entry's date, and every range and
// year of the ledger and the reports, is a day in Europe/Berlin.
var Berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

// DayOf returns the day t falls on in Europe/Berlin, as YYYY-MM-DD. A day
// after 9999-12-31 is 9999-12-31: days compare as text, which orders them
// only while the year has four digits (9999-12-31T23:59:59Z is already
// 10000-01-01 in Berlin), so the end of time stays the end of time.
func DayOf(t time.Time) string { return string(AppendDay(nil, t)) }

// AppendDay appends DayOf(t) to b.
func AppendDay(b []byte, t time.Time) []byte {
	d := t.In(Berlin)
	year, month, day := d.Date()
	switch {
	case year > 9999:
		return append(b, "9999-12-31"...)
	case year < 0:
		return d.AppendFormat(b, time.DateOnly)
	}
	return appendDate(b, year, month, day)
}

// InstantLayout is how an instant of the ledger is written: UTC, always
// six fraction digits (ledger.TimeLayout).
const InstantLayout = "2006-01-02T15:04:05.000000Z"

// AppendInstant appends t in InstantLayout to b, as
// t.UTC().AppendFormat(b, InstantLayout) does, without reading the layout
// each time: verification and the exports write millions of them. Years
// outside 0-9999 go through AppendFormat.
func AppendInstant(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, InstantLayout)
	}
	hour, minute, second := t.Clock()
	b = appendDate(b, year, month, day)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, second, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6) // truncated, as the layout does
	return append(b, 'Z')
}

// appendDate appends YYYY-MM-DD for a year of 0-9999.
func appendDate(b []byte, year int, month time.Month, day int) []byte {
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	return appendDigits(b, day, 2)
}

// appendDigits appends the n last decimal digits of v >= 0, zero-padded.
func appendDigits(b []byte, v, n int) []byte {
	var d [9]byte
	for i := n - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:n]...)
}

// DayStart returns the instant a day (YYYY-MM-DD) begins in
// Europe/Berlin, in UTC: when money a bank line moved counts as arrived.
func DayStart(day string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, day, Berlin)
	return t.UTC(), err
}

// IsDay reports whether s is a day as entries carry it: YYYY-MM-DD.
func IsDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == len(time.DateOnly)
}

// ParseDay reads a bound of a range of days: a date (YYYY-MM-DD) as it
// stands, or an RFC 3339 time as the day it falls on in Europe/Berlin. A
// time that ends a range is excluded, so it stands for the day of the
// instant before it (to=2027-01-01T00:00:00+01:00 ends with 31 December).
// Empty is empty (an open end).
func ParseDay(s string, end bool) (string, error) {
	if s == "" || IsDay(s) {
		return s, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", errors.New("must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z)")
	}
	if end {
		t = t.Add(-time.Microsecond)
	}
	return DayOf(t), nil
}
