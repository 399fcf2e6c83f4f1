package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/errs"
	"fundus/figures"
	"fundus/ledger"
)

// yearReport is the public annual report: no donor data, only sums.
type yearReport struct {
	Year      int    `json:"year"`
	Currency  string `json:"currency"`
	Donations struct {
		Count int64        `json:"count"`
		Sum   fundus.Money `json:"sum"`
	} `json:"donations"`
	Projects           []figures.YearLine `json:"projects"`
	GrantsApproved     fundus.Money       `json:"grants_approved"`
	GrantsPaid         fundus.Money       `json:"grants_paid"`
	AvailableAtYearEnd fundus.Money       `json:"available_at_year_end"`
	// ChainHead is the newest entry of the ledger when the report was
	// computed, read in one snapshot with its figures: the year's figures
	// are those of the year's entries up to it. Absent while the ledger is
	// empty.
	ChainHead *ledger.ChainHead `json:"chain_head,omitempty"`
}

// reportYear reads ?year= (default: this year in Europe/Berlin, as the
// report's days are).
func reportYear(c *gin.Context) (int, error) {
	v := c.Query("year")
	if v == "" {
		return time.Now().In(fundus.Berlin).Year(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, errs.FieldCode("handlers.reportYear", "year", "year", "", "must be a year from 2000 to 2100")
	}
	return y, nil
}

func (s *Server) yearReport(ctx context.Context, year int) (*yearReport, error) {
	f, err := figures.OfYear(ctx, s.ledger.DB, year)
	if err != nil {
		return nil, err
	}
	r := &yearReport{Year: year, Currency: "EUR", Projects: f.Projects, GrantsApproved: f.GrantsApproved,
		GrantsPaid: f.GrantsPaid, AvailableAtYearEnd: f.AvailableAtYearEnd}
	if f.Head.Seq > 0 {
		r.ChainHead = &f.Head
	}
	r.Donations.Count, r.Donations.Sum = f.DonationsCount, f.DonationsSum
	return r, nil
}

// fundReport: GET /api/v1/fund/report?year=[&format=csv] (public).
func (s *Server) fundReport(c *gin.Context) {
	year, err := reportYear(c)
	if err != nil {
		writeError(c, err)
		return
	}
	r, err := s.yearReport(c.Request.Context(), year)
	if err != nil {
		writeError(c, err)
		return
	}
	switch c.Query("format") {
	case "", "json":
		c.JSON(http.StatusOK, r)
	case "csv":
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="fundus-report-`+strconv.Itoa(year)+`.csv"`)
		w, _ := ledger.NewCSV(c.Writer, []string{"year", "line", "title", "organisation", "approved", "paid", "count", "amount", "seq", "hash"},
			"year", "approved", "paid", "count", "amount", "seq")
		y := strconv.Itoa(year)
		w.Write([]string{y, "donations received", "", "", "", "", strconv.FormatInt(r.Donations.Count, 10), r.Donations.Sum.String(), "", ""})
		for _, p := range r.Projects {
			w.Write([]string{y, "project", p.Title, p.Organisation, p.Approved.String(), p.Paid.String(), "", "", "", ""})
		}
		w.Write([]string{y, "grants total", "", "", r.GrantsApproved.String(), r.GrantsPaid.String(), "", "", "", ""})
		w.Write([]string{y, "available at year end", "", "", "", "", "", r.AvailableAtYearEnd.String(), "", ""})
		if h := r.ChainHead; h != nil {
			w.Write([]string{y, "chain head", "", "", "", "", "", "", strconv.FormatInt(h.Seq, 10), h.Hash})
		}
		w.Flush()
	default:
		writeError(c, errs.FieldCode("handlers.fundReport", "format", "oneof", "", "must be json or csv"))
	}
}

// reportPage: GET /report?year=, the annual report for people.
func (s *Server) reportPage(c *gin.Context) {
	year, err := reportYear(c)
	if err != nil {
		s.renderError(c, err)
		return
	}
	r, err := s.yearReport(c.Request.Context(), year)
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.render(c, http.StatusOK, "report", "report.title", map[string]any{"R": r, "Prev": year - 1, "Next": year + 1})
}
