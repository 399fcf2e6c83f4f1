package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"fundus/errs"
	"fundus/figures"
	"fundus/http/httpx"
)

// fundReport: GET /api/v1/fund/report?year=[&format=csv] (public).
func (h *Handler) fundReport(c *gin.Context) {
	year, err := httpx.ReportYear(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	format := c.Query("format")
	if format != "" && format != "json" && format != "csv" {
		httpx.WriteError(c, errs.FieldCode("api.fundReport", "format", "oneof", "", "must be json or csv"))
		return
	}
	r, err := figures.YearReport(c.Request.Context(), h.Ledger.DB, year)
	if err != nil {
		httpx.WriteError(c, err)
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
		httpx.WriteErrorLog(c, err, httpx.RequestID(c))
		c.Abort()
	}
}
