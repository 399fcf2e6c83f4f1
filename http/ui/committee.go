package ui

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/errs"
	"fundus/grants"
	"fundus/http/httpx"
)

// The committee's pages: its queue (/committee, a member's start page) and
// the confirmation step before a decision. What the committee sees on an
// application (reviews, the tally, the quorum) is worked out by
// grants.Deliberation; the grant page (grants.go) shows it.

// committeePage: GET /committee. What waits for the signed-in member: their
// review, their vote, a decision; then what waits for others, reported
// grants to close, and decided ones.
func (h *Handler) committeePage(c *gin.Context) {
	q, err := h.Grants.Queue(c.Request.Context(), httpx.CurrentUser(c))
	if err != nil {
		h.renderError(c, err)
		return
	}
	type queue struct {
		ID, Heading string
		Items       []grants.QueueItem
	}
	type list struct {
		ID, Heading string
		Items       []*grants.Application
	}
	h.render(c, http.StatusOK, "committee", "committee.title", map[string]any{
		"Mine": len(q.Review) + len(q.Vote) + len(q.Decide),
		"Queues": []queue{{"to-review", "committee.q_review", q.Review}, {"to-vote", "committee.q_vote", q.Vote},
			{"to-decide", "committee.q_decide", q.Decide}, {"waiting", "committee.q_waiting", q.Waiting}},
		"Lists": []list{{"to-close", "committee.q_close", q.Close}, {"decided", "committee.q_decided", q.Decided}},
	})
}

// decideConfirmPage: POST /grants/{id}/decide without "confirmed": checks
// the form as far as it can without writing, then asks to confirm what
// will be recorded. The confirmation posts the same fields with
// confirmed=1.
func (h *Handler) decideConfirmPage(c *gin.Context, id string) {
	const op errs.Op = "ui.decideConfirm"
	u := httpx.CurrentUser(c)
	a, err := h.Grants.Find(c.Request.Context(), u, id)
	if err != nil {
		h.renderError(c, err)
		return
	}
	decision, conditions := c.PostForm("decision"), strings.TrimSpace(c.PostForm("conditions"))
	typed := strings.TrimSpace(c.PostForm("amount"))
	var f []errs.FieldError
	if decision != string(grants.Approved) && decision != string(grants.Rejected) {
		f = append(f, errs.FieldError{Field: "decision", Code: "oneof", Message: "must be approved or rejected"})
	}
	amount := a.RequestedAmount
	if decision == string(grants.Approved) && typed != "" {
		minor, err := fundus.ParseAmount("amount", fundus.Amount(h.formAmount(c, typed)), fundus.EUR, fundus.Positive, a.RequestedAmount.Minor)
		f = append(f, errs.FieldsOf(err)...)
		amount = fundus.EURCents(minor)
	}
	if len(f) > 0 {
		h.afterGrantAction(c, id, "decide", errs.E(op, errs.Invalid, f))
		return
	}
	h.render(c, http.StatusOK, "grant_decide_confirm", "committee.confirm_title", map[string]any{
		"A": a, "Decision": decision, "Amount": amount, "Typed": typed, "Conditions": conditions,
	})
}
