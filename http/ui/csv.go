package ui

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"fundus/errs"
	"fundus/http/httpx"
	"fundus/internal/safecsv"
)

// Every list page offers its rows as CSV: the same URL with format=csv
// (csvURL) answers the whole selection, not one page of it, written as
// the API's exports write theirs: UTF-8 without a byte order mark, comma
// separated, amounts as plain decimals with a point ("1250.50") in columns
// left as numbers, and every other cell defused against formula injection
// (internal/safecsv).

// wantsCSV says the list is asked for as CSV.
func wantsCSV(c *gin.Context) bool { return c.Query("format") == "csv" }

// csvURL is the address of the page's list as CSV: its filters kept, its
// position and messages dropped.
func csvURL(c *gin.Context) string {
	q := url.Values{}
	for k, v := range c.Request.URL.Query() {
		switch k {
		case "cursor", "done", "ref", "line", "format":
		default:
			q[k] = v
		}
	}
	q.Set("format", "csv")
	return c.Request.URL.Path + "?" + q.Encode()
}

// writeCSV answers the rows as a CSV download named name (without .csv).
// numbers are the header's columns that hold amounts.
func writeCSV(c *gin.Context, name string, header []string, numbers []string, rows [][]string) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	w, err := safecsv.New(c.Writer, header, numbers...)
	if err == nil {
		for _, r := range rows {
			if err = w.Write(r); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil { // the status is gone: the client sees a cut file
		httpx.WriteErrorLog(c, errs.E(errs.Internal, err), httpx.RequestID(c))
	}
	c.Abort()
}
