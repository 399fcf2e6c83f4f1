package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/audit"
	"fundus/commit"
	"fundus/errs"
	"fundus/ledger"
)

// idempotencyHeader is the request header of docs/api.md.
const idempotencyHeader = "Idempotency-Key"

// moneyWrite runs a request that moves money. It decodes the body into in
// (optional: an empty body leaves in as it is) and runs it; with an
// Idempotency-Key, the write path stores the answer with the effect and
// answers a repeat as the first time (commit.Outcome): a success with the
// stored bytes, a refusal with the same error, so the same status and body.
// A refusal made before the write path (a body that does not decode, a
// field that does not parse) is stored under the key too (ledger.Refuse).
// A body over the limit is refused before it is read whole, so it has no
// request hash to store it under.
func moneyWrite[T any](c *gin.Context, w *commit.Writer, status int, in any, optional bool, run func(ctx context.Context) (commit.Outcome[T], error)) {
	body, err := readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	if keys, ok := c.Request.Header[idempotencyHeader]; ok {
		if len(keys) != 1 || !commit.ValidKey(keys[0]) {
			writeError(c, errs.E(errs.Malformed, errs.FieldError{Field: idempotencyHeader, Message: "must be 1 to 255 visible ASCII characters"},
				"the Idempotency-Key header must be 1 to 255 visible ASCII characters"))
			return
		}
		ctx = commit.WithKey(ctx, commit.Key{Scope: idempotencyScope(c), Name: keys[0],
			RequestHash: commit.RequestHash(c.Request.Method, c.Request.URL.Path, body)})
	}
	var out commit.Outcome[T]
	if err = decodeJSON(c, body, in, optional); err == nil {
		out, err = run(ctx)
	}
	if err != nil && !out.Stored {
		out, err = commit.Refuse[T](ctx, w, err)
	}
	if out.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	switch {
	case err != nil:
		writeError(c, err)
	case out.Body != nil: // the bytes stored with the effect, the same on every repeat
		c.Data(status, "application/json; charset=utf-8", out.Body)
	default:
		c.JSON(status, out.Value)
	}
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
	limit, after, err1 := listParams(c)
	from, to, err2 := dayRange(c)
	if fields := append(errs.FieldsOf(err1), errs.FieldsOf(err2)...); len(fields) > 0 {
		writeError(c, errs.E(errs.Invalid, fields, "some query parameters are not valid"))
		return
	}
	es, next, err := s.ledger.Entries(c.Request.Context(), currentUser(c), ledger.EntryFilter{
		From: from, To: to, Account: c.Query("account"), AfterSeq: after, Limit: limit,
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
	moneyWrite(c, s.ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*ledger.Entry], error) {
		return s.ledger.PostManual(ctx, currentUser(c), in)
	})
}

// reverseEntry: POST /api/v1/ledger/entries/{id}/reverse (treasurer; idempotent).
func (s *Server) reverseEntry(c *gin.Context) {
	var in ledger.Reversal
	moneyWrite(c, s.ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*ledger.Entry], error) {
		return s.ledger.Reverse(ctx, currentUser(c), c.Param("id"), in)
	})
}

// trialBalance: GET /api/v1/ledger/trial-balance?at=.
func (s *Server) trialBalance(c *gin.Context) {
	at, err := fundus.ParseDay(c.Query("at"), false)
	if err != nil {
		writeError(c, errs.Field(errs.Op("handlers.trialBalance"), "at", err.Error()))
		return
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
	f := audit.Filter{
		Actor: c.Query("actor"), Action: c.Query("action"), ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id"),
		From: lq.From, To: lq.To, AfterSeq: lq.After, Limit: lq.Limit,
	}
	if c.Query("format") == "csv" { // the whole selection, streamed
		if err := fundus.Authorize("handlers.auditTrail", currentUser(c), fundus.ReadAudit); err != nil {
			writeError(c, err)
			return
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="fundus-audit.csv"`)
		if err := s.audit.ExportCSV(c.Request.Context(), currentUser(c), c.Writer, f); err != nil {
			writeErrorLog(c, err, requestID(c))
		}
		return
	}
	recs, next, err := s.audit.List(c.Request.Context(), currentUser(c), f)
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
	from, to, err := dayRange(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := fundus.Authorize("handlers.exportLedger", currentUser(c), fundus.ExportLedger); err != nil {
		writeError(c, err)
		return
	}
	name := "fundus-ledger"
	if from != "" {
		name += "-from-" + from
	}
	if to != "" {
		name += "-to-" + to
	}
	c.Header("Content-Type", f.ContentType)
	c.Header("Content-Disposition", `attachment; filename="`+name+"."+f.Ext+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := s.ledger.Export(c.Request.Context(), currentUser(c), c.Writer, format, from, to); err != nil {
		// The status is gone already; the client sees a cut file. Log it.
		writeErrorLog(c, err, requestID(c))
		c.Abort()
	}
}
