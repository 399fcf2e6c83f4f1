package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/audit"
	"fundus/commit"
	"fundus/errs"
	"fundus/http/httpx"
	"fundus/ledger"
)

// ledgerAccounts: GET /api/v1/ledger/accounts.
func (h *Handler) ledgerAccounts(c *gin.Context) {
	accts, err := h.Ledger.Accounts(c.Request.Context(), httpx.CurrentUser(c))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": accts})
}

// ledgerEntries: GET /api/v1/ledger/entries?from=&to=&account=&q=&limit=&cursor=.
func (h *Handler) ledgerEntries(c *gin.Context) {
	limit, after, err1 := httpx.ListParams(c)
	from, to, err2 := httpx.DayRange(c)
	if fields := append(errs.FieldsOf(err1), errs.FieldsOf(err2)...); len(fields) > 0 {
		httpx.WriteError(c, errs.E(errs.Invalid, fields, "some query parameters are not valid"))
		return
	}
	es, next, err := h.Ledger.Entries(c.Request.Context(), httpx.CurrentUser(c), ledger.EntryFilter{
		From: from, To: to, Account: c.Query("account"), Text: c.Query("q"), AfterSeq: after, Limit: limit,
	})
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(es, next))
}

// ledgerEntry: GET /api/v1/ledger/entries/{id}.
func (h *Handler) ledgerEntry(c *gin.Context) {
	e, err := h.Ledger.Entry(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

// postEntry: POST /api/v1/ledger/entries (treasurer; idempotent).
func (h *Handler) postEntry(c *gin.Context) {
	var in ledger.ManualEntry
	moneyWrite(c, h.Ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*ledger.Entry], error) {
		return h.Ledger.PostManual(ctx, httpx.CurrentUser(c), in)
	})
}

// reverseEntry: POST /api/v1/ledger/entries/{id}/reverse (treasurer; idempotent).
func (h *Handler) reverseEntry(c *gin.Context) {
	var in ledger.Reversal
	moneyWrite(c, h.Ledger.Writer, http.StatusCreated, &in, false, func(ctx context.Context) (commit.Outcome[*ledger.Entry], error) {
		return h.Ledger.Reverse(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// trialBalance: GET /api/v1/ledger/trial-balance?at=.
func (h *Handler) trialBalance(c *gin.Context) {
	at, err := fundus.ParseDay(c.Query("at"), false)
	if err != nil {
		httpx.WriteError(c, errs.Field(errs.Op("api.trialBalance"), "at", err.Error()))
		return
	}
	tb, err := h.Ledger.TrialBalance(c.Request.Context(), httpx.CurrentUser(c), at)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, tb)
}

// verifyLedger: GET /api/v1/ledger/verify.
func (h *Handler) verifyLedger(c *gin.Context) {
	r, err := h.Ledger.Verify(c.Request.Context(), httpx.CurrentUser(c))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// auditTrail: GET /api/v1/audit?actor=&action=&object_type=&object_id=&from=&to=&limit=&cursor=.
func (h *Handler) auditTrail(c *gin.Context) {
	lq, err := httpx.ReadListQuery(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	f := audit.Filter{
		Actor: c.Query("actor"), Action: c.Query("action"), ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id"),
		From: lq.From, To: lq.To, AfterSeq: lq.After, Limit: lq.Limit,
	}
	if c.Query("format") == "csv" { // the whole selection, streamed
		if err := fundus.Authorize("api.auditTrail", httpx.CurrentUser(c), fundus.ReadAudit); err != nil {
			httpx.WriteError(c, err)
			return
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="fundus-audit.csv"`)
		if err := h.Audit.ExportCSV(c.Request.Context(), httpx.CurrentUser(c), c.Writer, f); err != nil {
			httpx.WriteErrorLog(c, err, httpx.RequestID(c))
		}
		return
	}
	recs, next, err := h.Audit.List(c.Request.Context(), httpx.CurrentUser(c), f)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(recs, next))
}

// exportLedger: GET /api/v1/ledger/export?format=&from=&to= (auditor,
// treasurer, admin). Streamed; the whole file comes from one snapshot.
func (h *Handler) exportLedger(c *gin.Context) {
	format := c.Query("format")
	_, ok := ledger.ExportFormats[format]
	if !ok {
		httpx.WriteError(c, errs.FieldCode("api.exportLedger", "format", "oneof", "", "must be csv, jsonl, hledger or beancount"))
		return
	}
	from, to, err := httpx.DayRange(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	if err := fundus.Authorize("api.exportLedger", httpx.CurrentUser(c), fundus.ExportLedger); err != nil {
		httpx.WriteError(c, err)
		return
	}
	httpx.StreamLedgerExport(c, h.Ledger, format, from, to)
}
