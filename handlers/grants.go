package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/commit"
	"fundus/grants"
)

// createApplication: POST /api/v1/applications (applicant).
func (s *Server) createApplication(c *gin.Context) {
	var in grants.Input
	moneyWrite(c, s.ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*grants.Application], error) {
		return s.grants.Create(ctx, currentUser(c), in)
	})
}

// patchApplication: PATCH /api/v1/applications/{id} (owner, while draft).
// Fields left out keep their values.
func (s *Server) patchApplication(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := s.grants.Update(c.Request.Context(), currentUser(c), c.Param("id"), func(in *grants.Input) error {
		return decodeJSON(c, body, in, false)
	})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out.Value)
}

// listApplications: GET /api/v1/applications?status=.
func (s *Server) listApplications(c *gin.Context) {
	lq, err := readListQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	as, next, err := s.grants.List(c.Request.Context(), currentUser(c), grants.Filter{Status: grants.Status(c.Query("status")), AfterSeq: lq.After, Limit: lq.Limit})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(as, next))
}

// getApplication: GET /api/v1/applications/{id}.
func (s *Server) getApplication(c *gin.Context) {
	a, err := s.grants.Find(c.Request.Context(), currentUser(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

// submitApplication: POST /api/v1/applications/{id}/submit (owner).
func (s *Server) submitApplication(c *gin.Context) {
	applicationStep(c, s, http.StatusOK, true, func(ctx context.Context, _ none) (commit.Outcome[*grants.Application], error) {
		return s.grants.Submit(ctx, currentUser(c), c.Param("id"))
	})
}

// withdrawApplication: POST /api/v1/applications/{id}/withdraw (owner).
func (s *Server) withdrawApplication(c *gin.Context) {
	applicationStep(c, s, http.StatusOK, true, func(ctx context.Context, _ none) (commit.Outcome[*grants.Application], error) {
		return s.grants.Withdraw(ctx, currentUser(c), c.Param("id"))
	})
}

// addReview: POST /api/v1/applications/{id}/reviews (committee).
func (s *Server) addReview(c *gin.Context) {
	applicationStep(c, s, http.StatusCreated, false, func(ctx context.Context, in grants.ReviewInput) (commit.Outcome[*grants.Application], error) {
		return s.grants.AddReview(ctx, currentUser(c), c.Param("id"), in)
	})
}

// castVote: POST /api/v1/applications/{id}/votes (committee).
func (s *Server) castVote(c *gin.Context) {
	applicationStep(c, s, http.StatusCreated, false, func(ctx context.Context, in grants.VoteInput) (commit.Outcome[*grants.Application], error) {
		return s.grants.CastVote(ctx, currentUser(c), c.Param("id"), in)
	})
}

// decide: POST /api/v1/applications/{id}/decision (committee).
func (s *Server) decide(c *gin.Context) {
	applicationStep(c, s, http.StatusOK, false, func(ctx context.Context, in grants.DecisionInput) (commit.Outcome[*grants.Application], error) {
		return s.grants.Decide(ctx, currentUser(c), c.Param("id"), in)
	})
}

// createDisbursement: POST /api/v1/applications/{id}/disbursements
// (treasurer).
func (s *Server) createDisbursement(c *gin.Context) {
	applicationStep(c, s, http.StatusCreated, false, func(ctx context.Context, in grants.DisbursementInput) (commit.Outcome[*grants.Disbursement], error) {
		return s.grants.CreateDisbursement(ctx, currentUser(c), c.Param("id"), in)
	})
}

// releaseDisbursement: POST /api/v1/disbursements/{id}/release (a
// treasurer other than the one who created it).
func (s *Server) releaseDisbursement(c *gin.Context) {
	applicationStep(c, s, http.StatusOK, true, func(ctx context.Context, _ none) (commit.Outcome[*grants.Disbursement], error) {
		return s.grants.Release(ctx, currentUser(c), c.Param("id"))
	})
}

// reportOnApplication: POST /api/v1/applications/{id}/report (owner).
func (s *Server) reportOnApplication(c *gin.Context) {
	applicationStep(c, s, http.StatusOK, false, func(ctx context.Context, in grants.ReportInput) (commit.Outcome[*grants.Application], error) {
		return s.grants.Report(ctx, currentUser(c), c.Param("id"), in)
	})
}

// closeApplication: POST /api/v1/applications/{id}/close (committee or
// treasurer).
func (s *Server) closeApplication(c *gin.Context) {
	applicationStep(c, s, http.StatusOK, true, func(ctx context.Context, in grants.CloseInput) (commit.Outcome[*grants.Application], error) {
		return s.grants.Close(ctx, currentUser(c), c.Param("id"), in)
	})
}

// applicationStep runs one step of an application whose body is an In (or
// none, when optional) and whose answer, with status, is an Out (the
// application, an instalment).
func applicationStep[In, Out any](c *gin.Context, s *Server, status int, optional bool, step func(ctx context.Context, in In) (commit.Outcome[Out], error)) {
	var in In
	moneyWrite(c, s.ledger.Writer, status, &in, optional, func(ctx context.Context) (commit.Outcome[Out], error) { return step(ctx, in) })
}

// none is the body of a step that takes none.
type none struct{}

// publicFigures: GET /api/v1/fund (public).
func (s *Server) publicFigures(c *gin.Context) {
	f, err := s.fund.get(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, f.Figures)
}

// fundProjects: GET /api/v1/fund/projects (public).
func (s *Server) fundProjects(c *gin.Context) {
	f, err := s.fund.get(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": f.Projects, "next_cursor": nil})
}
