package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/errs"
	"fundus/figures"
)

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

// fundReport: GET /api/v1/fund/report?year=[&format=csv] (public).
func (s *Server) fundReport(c *gin.Context) {
	year, err := reportYear(c)
	if err != nil {
		writeError(c, err)
		return
	}
	format := c.Query("format")
	if format != "" && format != "json" && format != "csv" {
		writeError(c, errs.FieldCode("handlers.fundReport", "format", "oneof", "", "must be json or csv"))
		return
	}
	r, err := figures.YearReport(c.Request.Context(), s.ledger.DB, year)
	if err != nil {
		writeError(c, err)
		return
	}
	if format != "csv" {
		c.JSON(http.StatusOK, r)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="fundus-report-`+strconv.Itoa(year)+`.csv"`)
	c.Status(http.StatusOK)
	if err := r.WriteCSV(c.Writer); err != nil {
		// The status is gone already; the client sees a cut file. Log it.
		writeErrorLog(c, err, requestID(c))
		c.Abort()
	}
}

// reportPage: GET /report?year=, the annual report for people.
func (s *Server) reportPage(c *gin.Context) {
	year, err := reportYear(c)
	if err != nil {
		s.renderError(c, err)
		return
	}
	r, err := figures.YearReport(c.Request.Context(), s.ledger.DB, year)
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.render(c, http.StatusOK, "report", "report.title", map[string]any{"R": r, "Prev": year - 1, "Next": year + 1})
}
