package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/figures"
	"fundus/http/httpx"
)

// reportPage: GET /report?year=, the annual report for people.
func (h *Handler) reportPage(c *gin.Context) {
	year, err := httpx.ReportYear(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	r, err := figures.YearReport(c.Request.Context(), h.Ledger.DB, year)
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "report", "report.title", map[string]any{"R": r, "Prev": year - 1, "Next": year + 1})
}
