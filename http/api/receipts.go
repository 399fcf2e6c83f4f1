package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"fundus/commit"
	"fundus/errs"
	"fundus/http/httpx"
	"fundus/receipts"
)

// issueReceipt: POST /api/v1/donations/{id}/receipt (treasurer;
// idempotent): a single receipt for a received, accepted donation.
func (h *Handler) issueReceipt(c *gin.Context) {
	var in struct{}
	moneyWrite(c, h.Ledger.Writer, http.StatusCreated, &in, true, func(ctx context.Context) (commit.Outcome[*receipts.Receipt], error) {
		return h.Receipts.Issue(ctx, httpx.CurrentUser(c), c.Param("id"))
	})
}

// annualReceipts: POST /api/v1/receipts/annual (treasurer; idempotent).
func (h *Handler) annualReceipts(c *gin.Context) {
	var in receipts.Annual
	moneyWrite(c, h.Ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*receipts.AnnualResult], error) {
		return h.Receipts.RunAnnual(ctx, httpx.CurrentUser(c), in)
	})
}

// cancelReceipt: POST /api/v1/receipts/{id}/cancel (treasurer; idempotent).
func (h *Handler) cancelReceipt(c *gin.Context) {
	var in receipts.Cancellation
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, false, func(ctx context.Context) (commit.Outcome[*receipts.Receipt], error) {
		return h.Receipts.Cancel(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// listReceipts: GET /api/v1/receipts?year=&status=&donation_id=, the
// latest number first, in one page.
func (h *Handler) listReceipts(c *gin.Context) {
	f := receipts.Filter{Status: receipts.Status(c.Query("status")), DonationID: c.Query("donation_id")}
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil {
			httpx.WriteError(c, errs.FieldCode("api.listReceipts", "year", "year", "", "must be a year from 2000 to 2100"))
			return
		}
		f.Year = y
	}
	rs, err := h.Receipts.List(c.Request.Context(), httpx.CurrentUser(c), f)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(rs, 0))
}

// getReceipt: GET /api/v1/receipts/{id}.
func (h *Handler) getReceipt(c *gin.Context) {
	r, err := h.Receipts.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// receiptPDF: GET /api/v1/receipts/{id}/pdf: as issued, or the copy
// stamped cancelled.
func (h *Handler) receiptPDF(c *gin.Context) {
	number, body, err := h.Receipts.PDF(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="Zuwendungsbestaetigung-`+number+`.pdf"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", body)
}
