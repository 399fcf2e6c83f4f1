package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/commit"
	"fundus/donations"
	"fundus/errs"
	"fundus/http/httpx"
)

// pledge: POST /api/v1/donations. Anyone; rate-limited; idempotent.
func (h *Handler) pledge(c *gin.Context) {
	var in donations.Pledge
	moneyWrite(c, h.Ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*donations.PledgeResult], error) {
		in.Lang = requestLang(c)
		return h.Donations.Pledge(ctx, in)
	})
}

// listDonations: GET /api/v1/donations?status=&from=&to=&q=&limit=&cursor=.
func (h *Handler) listDonations(c *gin.Context) {
	lq, err := httpx.ReadListQuery(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	ds, next, err := h.Donations.List(c.Request.Context(), httpx.CurrentUser(c), donations.Filter{
		Status: donations.Status(c.Query("status")), From: lq.From, To: lq.To, Query: c.Query("q"), AfterSeq: lq.After, Limit: lq.Limit,
	})
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(ds, next))
}

// getDonation: GET /api/v1/donations/{id}.
func (h *Handler) getDonation(c *gin.Context) {
	d, err := h.Donations.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

// confirmDonation: POST /api/v1/donations/{id}/confirm (treasurer; idempotent).
func (h *Handler) confirmDonation(c *gin.Context) {
	var in donations.Confirmation
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, true, func(ctx context.Context) (commit.Outcome[*donations.Donation], error) {
		return h.Donations.Confirm(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// cancelDonation: POST /api/v1/donations/{id}/cancel (treasurer; idempotent).
func (h *Handler) cancelDonation(c *gin.Context) {
	var in struct{}
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, true, func(ctx context.Context) (commit.Outcome[*donations.Donation], error) {
		return h.Donations.Cancel(ctx, httpx.CurrentUser(c), c.Param("id"))
	})
}

// refundDonation: POST /api/v1/donations/{id}/refund (treasurer; idempotent).
func (h *Handler) refundDonation(c *gin.Context) {
	var in donations.Refund
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, false, func(ctx context.Context) (commit.Outcome[*donations.Donation], error) {
		return h.Donations.Refund(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// refundAccount: POST /api/v1/donations/{id}/refund-account (treasurer;
// idempotent): the account an owed refund is paid to.
func (h *Handler) refundAccount(c *gin.Context) {
	var in donations.RefundAccount
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, false, func(ctx context.Context) (commit.Outcome[*donations.Donation], error) {
		return h.Donations.SetRefundAccount(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// eraseDonation: POST /api/v1/donations/{id}/erase (admin; idempotent):
// erases the donor's data where no retention duty holds, else 409 and the
// data is restricted until its period ends.
func (h *Handler) eraseDonation(c *gin.Context) {
	var in struct{}
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, true, func(ctx context.Context) (commit.Outcome[*donations.Donation], error) {
		return h.Retention.EraseDonation(ctx, httpx.CurrentUser(c), c.Param("id"))
	})
}

// giroCode: GET /api/v1/donations/{id}/girocode.png and .svg. Public: the
// code holds the fund's account, the amount and the reference, nothing of
// the donor, and the donation's id cannot be guessed.
func (h *Handler) giroCode(c *gin.Context) {
	payload, err := h.Donations.GiroCodeOf(c.Request.Context(), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	var img []byte
	var contentType string
	switch c.Param("format") {
	case "girocode.png":
		img, err = donations.QRPNG(payload, 8)
		contentType = "image/png"
	case "girocode.svg":
		img, err = donations.QRSVG(payload)
		contentType = "image/svg+xml"
	default:
		err = errs.E(errs.NotFound, "the GiroCode comes as girocode.png or girocode.svg")
	}
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=3600")
	c.Data(http.StatusOK, contentType, img)
}
