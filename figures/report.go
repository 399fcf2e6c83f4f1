package figures

import (
	"context"
	"io"
	"strconv"

	"fundus/internal/safecsv"

	"fundus"
	"fundus/db"
	"fundus/ledger"
)

// Report is the public annual report: no donor data, only sums. It is
// published as JSON (its fields) and as CSV (WriteCSV).
type Report struct {
	Year      int    `json:"year"`
	Currency  string `json:"currency"`
	Donations struct {
		Count int64        `json:"count"`
		Sum   fundus.Money `json:"sum"`
	} `json:"donations"`
	Projects           []YearLine   `json:"projects"`
	GrantsApproved     fundus.Money `json:"grants_approved"`
	GrantsPaid         fundus.Money `json:"grants_paid"`
	AvailableAtYearEnd fundus.Money `json:"available_at_year_end"`
	// ChainHead is the newest entry of the ledger when the report was
	// computed, read in one snapshot with its figures: the year's figures
	// are those of the year's entries up to it. Absent while the ledger is
	// empty.
	ChainHead *ledger.ChainHead `json:"chain_head,omitempty"`
}

// YearReport returns the annual report of year, from its figures (OfYear).
func YearReport(ctx context.Context, d *db.DB, year int) (*Report, error) {
	y, err := OfYear(ctx, d, year)
	if err != nil {
		return nil, err
	}
	r := &Report{Year: year, Currency: Currency, Projects: y.Projects, GrantsApproved: y.GrantsApproved,
		GrantsPaid: y.GrantsPaid, AvailableAtYearEnd: y.AvailableAtYearEnd}
	if y.Head.Seq > 0 {
		r.ChainHead = &y.Head
	}
	r.Donations.Count, r.Donations.Sum = y.DonationsCount, y.DonationsSum
	return r, nil
}

// WriteCSV writes the report to w as CSV, one line per figure: the
// donations, each project, the grants' total, what was available at the
// year's end and the chain head (if any). Text cells are defused for
// spreadsheets (safecsv.Writer).
func (r *Report) WriteCSV(w io.Writer) error {
	cw, err := safecsv.New(w, []string{"year", "line", "title", "organisation", "approved", "paid", "count", "amount", "seq", "hash"},
		"year", "approved", "paid", "count", "amount", "seq")
	if err != nil {
		return err
	}
	y := strconv.Itoa(r.Year)
	rows := [][]string{{y, "donations received", "", "", "", "", strconv.FormatInt(r.Donations.Count, 10), r.Donations.Sum.String(), "", ""}}
	for _, p := range r.Projects {
		rows = append(rows, []string{y, "project", p.Title, p.Organisation, p.Approved.String(), p.Paid.String(), "", "", "", ""})
	}
	rows = append(rows,
		[]string{y, "grants total", "", "", r.GrantsApproved.String(), r.GrantsPaid.String(), "", "", "", ""},
		[]string{y, "available at year end", "", "", "", "", "", r.AvailableAtYearEnd.String(), "", ""})
	if h := r.ChainHead; h != nil {
		rows = append(rows, []string{y, "chain head", "", "", "", "", "", "", strconv.FormatInt(h.Seq, 10), h.Hash})
	}
	for _, row := range rows {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}
