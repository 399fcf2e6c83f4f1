package api

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"fundus/commit"
	"fundus/donations"
	"fundus/errs"
	"fundus/http/httpx"
)

// pendingAcceptance: GET /api/v1/acceptance/pending?body=committee|council
// (admin, treasurer): the list for the body's next session.
func (h *Handler) pendingAcceptance(c *gin.Context) {
	list, err := h.Donations.PendingAcceptance(c.Request.Context(), httpx.CurrentUser(c), donations.Body(c.Query("body")))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": list})
}

// decideAcceptance: POST /api/v1/acceptance/decisions (admin; idempotent).
func (h *Handler) decideAcceptance(c *gin.Context) {
	var in donations.Decision
	moneyWrite(c, h.Ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*donations.RecordedDecision], error) {
		return h.Donations.Decide(ctx, httpx.CurrentUser(c), in)
	})
}

// acceptanceReport: GET /api/v1/acceptance/report?year=&format=json|csv
// (admin, auditor): every donation received in the year, for the yearly
// report to the supervisory authority.
func (h *Handler) acceptanceReport(c *gin.Context) {
	const op errs.Op = "api.acceptanceReport"
	year, err := strconv.Atoi(c.Query("year"))
	if err != nil {
		httpx.WriteError(c, errs.FieldCode(op, "year", "required", "", "must be a year, such as 2026"))
		return
	}
	format := c.Query("format")
	if format != "" && format != "json" && format != "csv" {
		httpx.WriteError(c, errs.FieldCode(op, "format", "oneof", "", "must be json or csv"))
		return
	}
	lines, err := h.Donations.AcceptanceReport(c.Request.Context(), httpx.CurrentUser(c), year)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	if format != "csv" {
		c.JSON(http.StatusOK, gin.H{"year": year, "items": lines})
		return
	}
	var b bytes.Buffer
	if err := donations.WriteReportCSV(&b, lines); err != nil {
		httpx.WriteError(c, errs.E(op, err))
		return
	}
	c.Header("Content-Disposition", `attachment; filename="fundus-acceptance-`+strconv.Itoa(year)+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}
