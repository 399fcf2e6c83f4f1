package handlers

import (
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"fundus/errs"
)

// problemType is what a kind of error is called on the wire (RFC 9457).
type problemType struct {
	Slug   string
	Status int
	Title  string
}

// problems is the one mapping from error kinds to problem types, as docs/api.md
// fixes them. Every kind not listed is reported as an internal error.
var problems = map[errs.Kind]problemType{
	errs.Invalid:               {"validation", http.StatusUnprocessableEntity, "Some fields are not valid"},
	errs.Malformed:             {"malformed-request", http.StatusBadRequest, "The request cannot be read"},
	errs.Unauthenticated:       {"unauthenticated", http.StatusUnauthorized, "Sign-in required"},
	errs.Forbidden:             {"forbidden", http.StatusForbidden, "Not allowed"},
	errs.NotFound:              {"not-found", http.StatusNotFound, "Not found"},
	errs.InvalidState:          {"invalid-state", http.StatusConflict, "Not possible in the current state"},
	errs.InsufficientFunds:     {"insufficient-funds", http.StatusConflict, "Not enough money available"},
	errs.IdempotencyInProgress: {"idempotency-in-progress", http.StatusConflict, "A request with this Idempotency-Key is still running"},
	errs.IdempotencyKeyReused:  {"idempotency-key-reused", http.StatusUnprocessableEntity, "The Idempotency-Key was used for another request"},
	errs.TooLarge:              {"payload-too-large", http.StatusRequestEntityTooLarge, "The request body is too large"},
	errs.RateLimited:           {"rate-limited", http.StatusTooManyRequests, "Too many requests"},
}

var internalProblem = problemType{"internal", http.StatusInternalServerError, "Internal error"}

// problemTypeOf returns the problem type of err.
func problemTypeOf(err error) problemType {
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

// writeError answers the request with the problem document for err and
// aborts the handler chain. Internal errors are logged with their cause; the
// client gets only a generic message and the request id to quote.
func writeError(c *gin.Context, err error) {
	doc := problemOf(c, err)
	if doc.Status >= 500 {
		writeErrorLog(c, err, doc.RequestID)
	}
	writeProblemHeaders(c, err, doc.Status)
	c.AbortWithStatusJSON(doc.Status, doc)
}

// writeErrorLog logs an internal error with the request id the client got.
func writeErrorLog(c *gin.Context, err error, requestID string) {
	slog.ErrorContext(c.Request.Context(), "internal error",
		"request_id", requestID, "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
}

// problemOf is the problem document of err; an internal error's cause is
// not shown, only the request id to quote. A refusal's document depends on
// the error alone, so that a repeat under an Idempotency-Key, which the
// write path answers with the same error, gets the same bytes.
func problemOf(c *gin.Context, err error) Problem {
	p := problemTypeOf(err)
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
		doc.RequestID = requestID(c)
	}
	return doc
}

// writeProblemHeaders sets the headers of a problem response.
func writeProblemHeaders(c *gin.Context, err error, status int) {
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

// describeProblem serves a short description of a problem type, so that
// the type URIs in problem documents lead somewhere.
func describeProblem(c *gin.Context) {
	slug := c.Param("slug")
	for _, p := range append(slices.Collect(maps.Values(problems)), internalProblem) {
		if p.Slug == slug {
			c.JSON(http.StatusOK, gin.H{"type": problemURI(slug), "title": p.Title, "status": p.Status})
			return
		}
	}
	writeError(c, errs.E(errs.NotFound, "no such problem type"))
}
