package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/commit"
	"fundus/grants"
	"fundus/http/httpx"
)

// createApplication: POST /api/v1/applications (applicant).
func (h *Handler) createApplication(c *gin.Context) {
	var in grants.Input
	moneyWrite(c, h.Ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*grants.Application], error) {
		return h.Grants.Create(ctx, httpx.CurrentUser(c), in)
	})
}

// patchApplication: PATCH /api/v1/applications/{id} (owner, while draft).
// Fields left out keep their values.
func (h *Handler) patchApplication(c *gin.Context) {
	body, err := httpx.ReadBody(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	out, err := h.Grants.Update(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"), func(in *grants.Input) error {
		return httpx.DecodeJSON(c, body, in, false)
	})
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, out.Value)
}

// listApplications: GET /api/v1/applications?status=.
func (h *Handler) listApplications(c *gin.Context) {
	lq, err := httpx.ReadListQuery(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	as, next, err := h.Grants.List(c.Request.Context(), httpx.CurrentUser(c), grants.Filter{Status: grants.Status(c.Query("status")), AfterSeq: lq.After, Limit: lq.Limit})
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(as, next))
}

// getApplication: GET /api/v1/applications/{id}.
func (h *Handler) getApplication(c *gin.Context) {
	a, err := h.Grants.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

// submitApplication: POST /api/v1/applications/{id}/submit (owner).
func (h *Handler) submitApplication(c *gin.Context) {
	applicationStep(c, h, http.StatusOK, true, func(ctx context.Context, _ none) (commit.Outcome[*grants.Application], error) {
		return h.Grants.Submit(ctx, httpx.CurrentUser(c), c.Param("id"))
	})
}

// withdrawApplication: POST /api/v1/applications/{id}/withdraw (owner).
func (h *Handler) withdrawApplication(c *gin.Context) {
	applicationStep(c, h, http.StatusOK, true, func(ctx context.Context, _ none) (commit.Outcome[*grants.Application], error) {
		return h.Grants.Withdraw(ctx, httpx.CurrentUser(c), c.Param("id"))
	})
}

// addReview: POST /api/v1/applications/{id}/reviews (committee).
func (h *Handler) addReview(c *gin.Context) {
	applicationStep(c, h, http.StatusCreated, false, func(ctx context.Context, in grants.ReviewInput) (commit.Outcome[*grants.Application], error) {
		return h.Grants.AddReview(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// castVote: POST /api/v1/applications/{id}/votes (committee).
func (h *Handler) castVote(c *gin.Context) {
	applicationStep(c, h, http.StatusCreated, false, func(ctx context.Context, in grants.VoteInput) (commit.Outcome[*grants.Application], error) {
		return h.Grants.CastVote(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// decide: POST /api/v1/applications/{id}/decision (committee).
func (h *Handler) decide(c *gin.Context) {
	applicationStep(c, h, http.StatusOK, false, func(ctx context.Context, in grants.DecisionInput) (commit.Outcome[*grants.Application], error) {
		return h.Grants.Decide(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// createDisbursement: POST /api/v1/applications/{id}/disbursements
// (treasurer).
func (h *Handler) createDisbursement(c *gin.Context) {
	applicationStep(c, h, http.StatusCreated, false, func(ctx context.Context, in grants.DisbursementInput) (commit.Outcome[*grants.Disbursement], error) {
		return h.Grants.CreateDisbursement(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// releaseDisbursement: POST /api/v1/disbursements/{id}/release (a
// treasurer other than the one who created it).
func (h *Handler) releaseDisbursement(c *gin.Context) {
	applicationStep(c, h, http.StatusOK, true, func(ctx context.Context, _ none) (commit.Outcome[*grants.Disbursement], error) {
		return h.Grants.Release(ctx, httpx.CurrentUser(c), c.Param("id"))
	})
}

// reportOnApplication: POST /api/v1/applications/{id}/report (owner).
func (h *Handler) reportOnApplication(c *gin.Context) {
	applicationStep(c, h, http.StatusOK, false, func(ctx context.Context, in grants.ReportInput) (commit.Outcome[*grants.Application], error) {
		return h.Grants.Report(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// closeApplication: POST /api/v1/applications/{id}/close (committee or
// treasurer).
func (h *Handler) closeApplication(c *gin.Context) {
	applicationStep(c, h, http.StatusOK, true, func(ctx context.Context, in grants.CloseInput) (commit.Outcome[*grants.Application], error) {
		return h.Grants.Close(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// applicationStep runs one step of an application whose body is an In (or
// none, when optional) and whose answer, with status, is an Out (the
// application, an instalment).
func applicationStep[In, Out any](c *gin.Context, h *Handler, status int, optional bool, step func(ctx context.Context, in In) (commit.Outcome[Out], error)) {
	var in In
	moneyWrite(c, h.Ledger.Writer, status, &in, optional, func(ctx context.Context) (commit.Outcome[Out], error) { return step(ctx, in) })
}

// none is the body of a step that takes none.
type none struct{}
