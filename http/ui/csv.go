package ui

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"fundus/bank"
	"fundus/errs"
	"fundus/grants"
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
	writeCSVWith(c, name, func(out io.Writer) error {
		w, err := safecsv.New(out, header, numbers...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				return err
			}
		}
		return w.Flush()
	})
}

// writeCSVWith answers a CSV download named name (without .csv) that
// write writes, for a domain package's own CSV writer
// (donations.WritePendingCSV).
func writeCSVWith(c *gin.Context, name string, write func(io.Writer) error) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := write(c.Writer); err != nil { // the status is gone: the client sees a cut file
		httpx.WriteErrorLog(c, errs.E(errs.Internal, err), httpx.RequestID(c))
	}
	c.Abort()
}

// bankLineHeader and bankLineRows are a list of bank lines as CSV; a debit
// is a negative amount.
var bankLineHeader = []string{"id", "booking_date", "value_date", "amount", "currency", "counterparty_name", "counterparty_iban",
	"remittance", "end_to_end_id", "bank_reference", "status"}

func bankLineRows(lines []*bank.Line) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		amount := l.Amount.String()
		if l.Direction == "debit" {
			amount = "-" + amount
		}
		out[i] = []string{l.ID, l.BookingDate, l.ValueDate, amount, l.Currency, l.CounterpartyName, l.CounterpartyIBAN,
			l.Remittance, l.EndToEndID, l.BankReference, l.Status}
	}
	return out
}

// grantsCSV answers a list of applications as CSV.
func grantsCSV(c *gin.Context, name string, items []*grants.Application) {
	out := make([][]string, len(items))
	for i, a := range items {
		approved := ""
		if a.ApprovedAmount != nil {
			approved = a.ApprovedAmount.String()
		}
		out[i] = []string{a.ID, a.Title, a.Organisation, string(a.Status), a.RequestedAmount.String(), approved, a.PaidAmount.String(),
			a.StartsOn, a.EndsOn, a.Payee.Holder, a.Payee.IBAN}
	}
	writeCSV(c, strings.ReplaceAll(name, ".", "-"), []string{"id", "title", "organisation", "status", "requested_amount", "approved_amount",
		"paid_amount", "starts_on", "ends_on", "payee_holder", "payee_iban"}, []string{"requested_amount", "approved_amount", "paid_amount"}, out)
}
