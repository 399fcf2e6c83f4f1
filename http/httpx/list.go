package httpx

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/db"
	"fundus/errs"
)

// Page is one page of a list, as docs/api.md shapes every list.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// NewPage is the page of items; next, when not 0, is the position its
// next_cursor continues after.
func NewPage[T any](items []T, next int64) Page[T] {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if next > 0 {
		cur := base64.RawURLEncoding.EncodeToString([]byte("after:" + strconv.FormatInt(next, 10)))
		p.NextCursor = &cur
	}
	return p
}

// ListParams reads ?limit= (default 50, at most 500) and ?cursor= (opaque;
// the position after which the page starts).
func ListParams(c *gin.Context) (limit int, after int64, err error) {
	const op errs.Op = "httpx.ListParams"
	limit = 50
	var fields []errs.FieldError
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			fields = append(fields, errs.FieldError{Field: "limit", Message: "must be a whole number from 1 to 500"})
		}
		limit = n
	}
	if v := c.Query("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.ParseInt(strings.TrimPrefix(string(b), "after:"), 10, 64)
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "after:") || n < 1 {
			fields = append(fields, errs.FieldError{Field: "cursor", Message: "is not a cursor this server gave out"})
		}
		after = n
	}
	if len(fields) > 0 {
		return 0, 0, errs.E(op, errs.Invalid, fields, "some query parameters are not valid")
	}
	return limit, after, nil
}

// timeParam reads a time from the query: RFC 3339, or a date (YYYY-MM-DD,
// meaning the start of that day in Europe/Berlin, the fund's days; date
// reports which). Missing is the zero time.
func timeParam(c *gin.Context, name string) (t time.Time, date bool, err error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return db.Bound(t), false, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, fundus.Berlin); err == nil {
		return d, true, nil
	}
	return time.Time{}, false, errs.Field(errs.Op("httpx.timeParam"), name, "must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z)")
}

// timeRange reads ?from= (inclusive) and ?to= (exclusive; a date includes
// that whole day).
func timeRange(c *gin.Context) (from, to time.Time, err error) {
	from, _, err1 := timeParam(c, "from")
	to, toDate, err2 := timeParam(c, "to")
	if toDate {
		to = db.Bound(to.AddDate(0, 0, 1))
	}
	fields := append(errs.FieldsOf(err1), errs.FieldsOf(err2)...)
	if len(fields) > 0 {
		return from, to, errs.E(errs.Invalid, fields, "some query parameters are not valid")
	}
	return from, to, nil
}

// DayRange reads ?from= and ?to= of the ledger's routes, which go by the
// entries' dates: days (YYYY-MM-DD), both included; a time stands for its
// day in Europe/Berlin (fundus.ParseDay).
func DayRange(c *gin.Context) (from, to string, err error) {
	var fields []errs.FieldError
	day := func(name string, end bool) string {
		d, err := fundus.ParseDay(c.Query(name), end)
		if err != nil {
			fields = append(fields, errs.FieldError{Field: name, Message: err.Error()})
		}
		return d
	}
	from, to = day("from", false), day("to", true)
	if len(fields) > 0 {
		return "", "", errs.E(errs.Invalid, fields, "some query parameters are not valid")
	}
	return from, to, nil
}

// ListQuery is what every list reads from the query: its page and a time
// range.
type ListQuery struct {
	Limit    int
	After    int64
	From, To time.Time
}

// ReadListQuery reads ?limit=, ?cursor=, ?from= and ?to=, naming every bad
// one.
func ReadListQuery(c *gin.Context) (ListQuery, error) {
	var q ListQuery
	var err1, err2 error
	q.Limit, q.After, err1 = ListParams(c)
	q.From, q.To, err2 = timeRange(c)
	if fields := append(errs.FieldsOf(err1), errs.FieldsOf(err2)...); len(fields) > 0 {
		return q, errs.E(errs.Invalid, fields, "some query parameters are not valid")
	}
	return q, nil
}

// ReportYear reads ?year= (default: this year in Europe/Berlin, as the
// report's days are).
func ReportYear(c *gin.Context) (int, error) {
	v := c.Query("year")
	if v == "" {
		return time.Now().In(fundus.Berlin).Year(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, errs.FieldCode("httpx.ReportYear", "year", "year", "", "must be a year from 2000 to 2100")
	}
	return y, nil
}
