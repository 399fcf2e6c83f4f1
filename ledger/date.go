package ledger

import (
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

// DayOf returns the day t falls on in Europe/Berlin, as YYYY-MM-DD.
func DayOf(t time.Time) string { return t.In(Berlin).Format(time.DateOnly) }
