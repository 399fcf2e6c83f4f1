package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/commit"
	"fundus/donations"
	"fundus/errs"
)

// pledge: POST /api/v1/donations. Anyone; rate-limited; idempotent.
func (s *Server) pledge(c *gin.Context) {
	var in donations.Pledge
	moneyWrite(c, s.ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*donations.PledgeResult], error) {
		return s.donations.Pledge(ctx, in)
	})
}

// listDonations: GET /api/v1/donations?status=&from=&to=&q=&limit=&cursor=.
func (s *Server) listDonations(c *gin.Context) {
	lq, err := readListQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	ds, next, err := s.donations.List(c.Request.Context(), currentUser(c), donations.Filter{
		Status: donations.Status(c.Query("status")), From: lq.From, To: lq.To, Query: c.Query("q"), AfterSeq: lq.After, Limit: lq.Limit,
	})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(ds, next))
}

// getDonation: GET /api/v1/donations/{id}.
func (s *Server) getDonation(c *gin.Context) {
	d, err := s.donations.Find(c.Request.Context(), currentUser(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

// confirmDonation: POST /api/v1/donations/{id}/confirm (treasurer; idempotent).
func (s *Server) confirmDonation(c *gin.Context) {
	var in donations.Confirmation
	moneyWrite(c, s.ledger.Writer, http.StatusOK, &in, true, func(ctx context.Context) (commit.Outcome[*donations.Donation], error) {
		return s.donations.Confirm(ctx, currentUser(c), c.Param("id"), in)
	})
}

// cancelDonation: POST /api/v1/donations/{id}/cancel (treasurer; idempotent).
func (s *Server) cancelDonation(c *gin.Context) {
	var in struct{}
	moneyWrite(c, s.ledger.Writer, http.StatusOK, &in, true, func(ctx context.Context) (commit.Outcome[*donations.Donation], error) {
		return s.donations.Cancel(ctx, currentUser(c), c.Param("id"))
	})
}

// refundDonation: POST /api/v1/donations/{id}/refund (treasurer; idempotent).
func (s *Server) refundDonation(c *gin.Context) {
	var in donations.Refund
	moneyWrite(c, s.ledger.Writer, http.StatusOK, &in, false, func(ctx context.Context) (commit.Outcome[*donations.Donation], error) {
		return s.donations.Refund(ctx, currentUser(c), c.Param("id"), in)
	})
}

// giroCode: GET /api/v1/donations/{id}/girocode.png and .svg. Public: the
// code holds the fund's account, the amount and the reference, nothing of
// the donor, and the donation's id cannot be guessed.
func (s *Server) giroCode(c *gin.Context) {
	payload, err := s.donations.GiroCodeOf(c.Request.Context(), c.Param("id"))
	if err != nil {
		writeError(c, err)
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
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=3600")
	c.Data(http.StatusOK, contentType, img)
}
