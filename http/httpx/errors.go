package httpx

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"fundus/errs"
)

// ProblemType is what a kind of error is called on the wire (RFC 9457) and
// what a page says about it.
type ProblemType struct {
	Slug   string
	Status int
	Title  string
	// Page is the translation id (web/i18n) of the message a page shows,
	// in the visitor's language.
	Page string
}

// problems is the one mapping from error kinds to statuses, problem types
// (as docs/api.md fixes them) and the messages of pages; the API and the
// pages both answer from it. Every kind has a row (TestEveryKindHasAProblem).
var problems = map[errs.Kind]ProblemType{
	errs.Other:                 internalProblem,
	errs.Invalid:               {"validation", http.StatusUnprocessableEntity, "Some fields are not valid", "problem.validation"},
	errs.Malformed:             {"malformed-request", http.StatusBadRequest, "The request cannot be read", "problem.malformed_request"},
	errs.Unauthenticated:       {"unauthenticated", http.StatusUnauthorized, "Sign-in required", "problem.unauthenticated"},
	errs.Forbidden:             {"forbidden", http.StatusForbidden, "Not allowed", "problem.forbidden"},
	errs.NotFound:              {"not-found", http.StatusNotFound, "Not found", "problem.not_found"},
	errs.InvalidState:          {"invalid-state", http.StatusConflict, "Not possible in the current state", "problem.invalid_state"},
	errs.InsufficientFunds:     {"insufficient-funds", http.StatusConflict, "Not enough money available", "problem.insufficient_funds"},
	errs.IdempotencyInProgress: {"idempotency-in-progress", http.StatusConflict, "A request with this Idempotency-Key is still running", "problem.idempotency_in_progress"},
	errs.IdempotencyKeyReused:  {"idempotency-key-reused", http.StatusUnprocessableEntity, "The Idempotency-Key was used for another request", "problem.idempotency_key_reused"},
	errs.TooLarge:              {"payload-too-large", http.StatusRequestEntityTooLarge, "The request body is too large", "problem.payload_too_large"},
	errs.RateLimited:           {"rate-limited", http.StatusTooManyRequests, "Too many requests", "problem.rate_limited"},
	errs.Internal:              internalProblem,
	errs.UnsupportedFile:       {"unsupported-file", http.StatusUnprocessableEntity, "The file is not in a format this accepts", "problem.unsupported_file"},
	errs.StatementUnbalanced:   {"statement-unbalanced", http.StatusUnprocessableEntity, "The statement does not add up", "problem.statement_unbalanced"},
	errs.WrongAccount:          {"wrong-account", http.StatusUnprocessableEntity, "The file belongs to another account", "problem.wrong_account"},
}

var internalProblem = ProblemType{"internal", http.StatusInternalServerError, "Internal error", "problem.internal"}

// ProblemTypeOf returns the problem type of err; a kind without a row
// (which a test forbids) is internal.
func ProblemTypeOf(err error) ProblemType {
	if p, ok := problems[errs.KindOf(err)]; ok {
		return p
	}
	return internalProblem
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// problemURI is where a problem type is described (served by this server).
func problemURI(slug string) string { return "/problems/" + slug }

// WriteError answers the request with the problem document for err and
// aborts the handler chain. Internal errors are logged with their cause; the
// client gets only a generic message and the request id to quote.
func WriteError(c *gin.Context, err error) {
	doc := problemOf(c, err)
	if doc.Status >= 500 {
		WriteErrorLog(c, err, doc.RequestID)
	}
	WriteProblemHeaders(c, err, doc.Status)
	c.AbortWithStatusJSON(doc.Status, doc)
}

// WriteErrorLog logs an internal error with the request id the client got.
func WriteErrorLog(c *gin.Context, err error, requestID string) {
	slog.ErrorContext(c.Request.Context(), "internal error",
		"request_id", requestID, "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
}

// problemOf is the problem document of err; an internal error's cause is
// not shown, only the request id to quote. A refusal's document depends on
// the error alone, so that a repeat under an Idempotency-Key, which the
// write path answers with the same error, gets the same bytes.
func problemOf(c *gin.Context, err error) Problem {
	p := ProblemTypeOf(err)
	doc := Problem{
		Type:   problemURI(p.Slug),
		Title:  p.Title,
		Status: p.Status,
		Detail: errs.Message(err),
		Errors: errs.FieldsOf(err),
	}
	if p.Status >= 500 {
		doc.Detail = "Something went wrong on our side. Quote the request id when you report it."
		doc.Errors = nil
		doc.RequestID = RequestID(c)
	}
	return doc
}

// WriteProblemHeaders sets the headers of a problem response.
func WriteProblemHeaders(c *gin.Context, err error, status int) {
	switch status {
	case http.StatusUnauthorized:
		c.Header("WWW-Authenticate", `Bearer realm="fundus"`)
	case http.StatusTooManyRequests:
		secs := int(errs.RetryAfterOf(err).Round(time.Second) / time.Second)
		c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
}

// DescribeProblem serves a short description of a problem type, so that
// the type URIs in problem documents lead somewhere.
func DescribeProblem(c *gin.Context) {
	slug := c.Param("slug")
	for _, p := range problems {
		if p.Slug == slug {
			c.JSON(http.StatusOK, gin.H{"type": problemURI(slug), "title": p.Title, "status": p.Status})
			return
		}
	}
	WriteError(c, errs.E(errs.NotFound, "no such problem type"))
}
