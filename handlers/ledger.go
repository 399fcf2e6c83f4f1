package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"fundus/db"
	"fundus/errs"
	"fundus/ledger"
)

// idempotencyHeader is the request header of API.md.
const idempotencyHeader = "Idempotency-Key"

// moneyWrite runs a request that moves money. It decodes the body into in
// (optional: an empty body leaves in as it is), and when the request has an
// Idempotency-Key, makes the ledger's writer replay the first response or
// store this one with its effect. The response body is then the stored
// bytes, identical on every repeat.
func (s *Server) moneyWrite(c *gin.Context, status int, in any, optional bool, run func(ctx context.Context) (any, error)) {
	body, err := readBody(c)
	if err == nil {
		err = decodeJSON(c, body, in, optional)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	var idem *ledger.Idempotency
	if keys, ok := c.Request.Header[idempotencyHeader]; ok {
		if len(keys) != 1 || !ledger.ValidKey(keys[0]) {
			writeError(c, errs.E(errs.Malformed, errs.FieldError{Field: idempotencyHeader, Message: "must be 1 to 255 visible ASCII characters"},
				"the Idempotency-Key header must be 1 to 255 visible ASCII characters"))
			return
		}
		idem = &ledger.Idempotency{
			Scope: idempotencyScope(c), Key: keys[0], Status: status,
			RequestHash: ledger.RequestHash(c.Request.Method, c.Request.URL.Path, body),
			RenderError: func(err error) (int, []byte) {
				doc := problemOf(c, err)
				b, _ := json.Marshal(doc)
				return doc.Status, b
			},
		}
		ctx = ledger.WithIdempotency(ctx, idem)
	}
	result, err := run(ctx)
	if idem != nil && idem.Body != nil { // stored with the effect: the same bytes on every repeat
		if idem.Replayed {
			c.Header("Idempotent-Replayed", "true")
		}
		contentType := "application/json; charset=utf-8"
		if idem.Status >= 400 {
			writeProblemHeaders(c, err, idem.Status)
			contentType = "application/problem+json"
		}
		c.Data(idem.Status, contentType, idem.Body)
		return
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(status, result)
}

// idempotencyScope is whose keys a request's key is among: the signed-in
// user's, or for the public those of the client's address (an IPv6 /64),
// so that two donors who happen to send the same key never meet.
func idempotencyScope(c *gin.Context) string {
	if u := currentUser(c); u != nil {
		return "user:" + u.ID
	}
	return "anonymous:" + clientKey(c.ClientIP())
}

// ledgerAccounts: GET /api/v1/ledger/accounts.
func (s *Server) ledgerAccounts(c *gin.Context) {
	accts, err := s.ledger.Accounts(c.Request.Context(), currentUser(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": accts})
}

// ledgerEntries: GET /api/v1/ledger/entries?from=&to=&account=&limit=&cursor=.
func (s *Server) ledgerEntries(c *gin.Context) {
	lq, err := readListQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	es, next, err := s.ledger.Entries(c.Request.Context(), currentUser(c), ledger.EntryFilter{
		From: lq.From, To: lq.To, Account: c.Query("account"), AfterSeq: lq.After, Limit: lq.Limit,
	})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(es, next))
}

// ledgerEntry: GET /api/v1/ledger/entries/{id}.
func (s *Server) ledgerEntry(c *gin.Context) {
	e, err := s.ledger.Entry(c.Request.Context(), currentUser(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

// postEntry: POST /api/v1/ledger/entries (treasurer; idempotent).
func (s *Server) postEntry(c *gin.Context) {
	var in ledger.ManualEntry
	s.moneyWrite(c, http.StatusCreated, &in, false, func(ctx context.Context) (any, error) {
		return s.ledger.PostManual(ctx, currentUser(c), in)
	})
}

// reverseEntry: POST /api/v1/ledger/entries/{id}/reverse (treasurer; idempotent).
func (s *Server) reverseEntry(c *gin.Context) {
	var in ledger.Reversal
	s.moneyWrite(c, http.StatusCreated, &in, false, func(ctx context.Context) (any, error) {
		return s.ledger.Reverse(ctx, currentUser(c), c.Param("id"), in)
	})
}

// trialBalance: GET /api/v1/ledger/trial-balance?at=.
func (s *Server) trialBalance(c *gin.Context) {
	at, date, err := timeParam(c, "at")
	if err != nil {
		writeError(c, err)
		return
	}
	if date {
		at = db.Bound(at.AddDate(0, 0, 1).Add(-time.Microsecond)) // the end of that day
	}
	tb, err := s.ledger.TrialBalance(c.Request.Context(), currentUser(c), at)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, tb)
}

// verifyLedger: GET /api/v1/ledger/verify.
func (s *Server) verifyLedger(c *gin.Context) {
	r, err := s.ledger.Verify(c.Request.Context(), currentUser(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// auditTrail: GET /api/v1/audit?actor=&action=&object_type=&object_id=&from=&to=&limit=&cursor=.
func (s *Server) auditTrail(c *gin.Context) {
	lq, err := readListQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	f := ledger.AuditFilter{
		Actor: c.Query("actor"), Action: c.Query("action"), ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id"),
		From: lq.From, To: lq.To, AfterSeq: lq.After, Limit: lq.Limit,
	}
	if c.Query("format") == "csv" { // the whole selection, streamed
		if err := ledger.Authorize("handlers.auditTrail", currentUser(c), ledger.ActionReadAudit); err != nil {
			writeError(c, err)
			return
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="fundus-audit.csv"`)
		if err := s.ledger.ExportAuditCSV(c.Request.Context(), currentUser(c), c.Writer, f); err != nil {
			writeErrorLog(c, err, requestID(c))
		}
		return
	}
	recs, next, err := s.ledger.AuditTrail(c.Request.Context(), currentUser(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(recs, next))
}

// exportLedger: GET /api/v1/ledger/export?format=&from=&to= (auditor,
// treasurer, admin). Streamed; the whole file comes from one snapshot.
func (s *Server) exportLedger(c *gin.Context) {
	format := c.Query("format")
	f, ok := ledger.ExportFormats[format]
	if !ok {
		writeError(c, errs.FieldCode("handlers.exportLedger", "format", "oneof", "", "must be csv, jsonl, hledger or beancount"))
		return
	}
	lq, err := readListQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := ledger.Authorize("handlers.exportLedger", currentUser(c), ledger.ActionExport); err != nil {
		writeError(c, err)
		return
	}
	name := "fundus-ledger"
	if !lq.From.IsZero() {
		name += "-from-" + lq.From.Format("2006-01-02")
	}
	if !lq.To.IsZero() {
		name += "-to-" + lq.To.Format("2006-01-02")
	}
	c.Header("Content-Type", f.ContentType)
	c.Header("Content-Disposition", `attachment; filename="`+name+"."+f.Ext+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := s.ledger.Export(c.Request.Context(), currentUser(c), c.Writer, format, lq.From, lq.To); err != nil {
		// The status is gone already; the client sees a cut file. Log it.
		writeErrorLog(c, err, requestID(c))
		c.Abort()
	}
}
