package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/audit"
	"fundus/errs"
	"fundus/http/httpx"
	"fundus/ledger"
)

// The auditor's pages: the ledger's entries with filters, one entry with
// its postings and what caused it, the trial balance, the exports, the
// chain's verification and the audit trail with people's names. They are
// for those who may read the audit trail (auditors and admins), signed in
// with their session like every page: no token. Every page reads only.

// requirePageAction sends an anonymous visitor to the sign-in page and
// refuses a signed-in one whose roles do not allow a.
func (h *Handler) requirePageAction(a fundus.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := httpx.CurrentUser(c)
		if u == nil {
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		if err := fundus.Authorize("ui.requirePageAction", u, a); err != nil {
			h.renderError(c, err)
			return
		}
		c.Next()
	}
}

// ledgerForm is the entries page's filter as typed.
type ledgerForm struct{ From, To, Account, Q string }

// ledgerPage: GET /auditor/ledger?from=&to=&account=&q=&cursor=[&format=csv].
func (h *Handler) ledgerPage(c *gin.Context) {
	ctx, actor := c.Request.Context(), httpx.CurrentUser(c)
	f := ledgerForm{From: c.Query("from"), To: c.Query("to"), Account: c.Query("account"), Q: c.Query("q")}
	accts, err := h.Ledger.Accounts(ctx, actor)
	if err != nil {
		h.renderError(c, err)
		return
	}
	data := map[string]any{"Form": f, "Accounts": accts}
	limit, after, err1 := httpx.ListParams(c)
	from, to, err2 := httpx.DayRange(c)
	filter := ledger.EntryFilter{From: from, To: to, Account: f.Account, Text: f.Q, AfterSeq: after, Limit: limit}
	var entries []*ledger.Entry
	var next int64
	err = errs.E(errs.Invalid, append(errs.FieldsOf(err1), errs.FieldsOf(err2)...))
	if len(errs.FieldsOf(err)) == 0 {
		if wantsCSV(c) {
			h.entriesCSV(c, filter)
			return
		}
		entries, next, err = h.Ledger.Entries(ctx, actor, filter)
	}
	if err != nil {
		if !errs.Is(errs.Invalid, err) {
			h.renderError(c, err)
			return
		}
		data["Errors"] = h.fieldMessages(c, err)
		h.render(c, http.StatusUnprocessableEntity, "auditor_ledger", "auditor.ledger_title", data)
		return
	}
	name, err := h.peopleNames(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	type row struct {
		*ledger.Entry
		ActorName string
		Total     fundus.Money // the sum of its debits
	}
	rows := make([]row, len(entries))
	for i, e := range entries {
		var debit int64
		for _, p := range e.Postings {
			if p.Amount.Minor > 0 {
				debit += p.Amount.Minor
			}
		}
		rows[i] = row{Entry: e, ActorName: name(e.Actor), Total: fundus.EURCents(debit)}
	}
	data["Items"], data["CSVURL"] = rows, csvURL(c)
	if p := httpx.NewPage(entries, next); p.NextCursor != nil {
		q := c.Request.URL.Query()
		q.Set("cursor", *p.NextCursor)
		data["NextURL"] = c.Request.URL.Path + "?" + q.Encode()
	}
	h.render(c, http.StatusOK, "auditor_ledger", "auditor.ledger_title", data)
}

// entriesCSV answers the entries a filter selects as CSV, one row per
// posting, as the ledger's own CSV export lays them out.
func (h *Handler) entriesCSV(c *gin.Context, f ledger.EntryFilter) {
	name, err := h.peopleNames(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	var rows [][]string
	f.AfterSeq, f.Limit = 0, 500
	for {
		es, next, err := h.Ledger.Entries(c.Request.Context(), httpx.CurrentUser(c), f)
		if err != nil {
			h.renderError(c, err)
			return
		}
		for _, e := range es {
			refType, refID := "", ""
			if e.Ref != nil {
				refType, refID = e.Ref.Type, e.Ref.ID
			}
			for _, p := range e.Postings {
				rows = append(rows, []string{e.ID, strconv.FormatInt(e.Seq, 10), e.Date, e.Time.UTC().Format(ledger.TimeLayout), e.Kind, e.Memo,
					refType, refID, name(e.Actor), p.Account, p.Amount.String()})
			}
		}
		if next == 0 {
			break
		}
		f.AfterSeq = next
	}
	writeCSV(c, "fundus-ledger-entries", []string{"entry_id", "seq", "date", "time", "kind", "memo", "ref_type", "ref_id", "actor", "account", "amount"},
		[]string{"seq", "amount"}, rows)
}

// entryPage: GET /auditor/ledger/entries/{id}: one entry, its postings,
// what caused it (the donation, grant, instalment or bank line, and the
// audit trail of that object) and the entry it reverses.
func (h *Handler) entryPage(c *gin.Context) {
	ctx, actor := c.Request.Context(), httpx.CurrentUser(c)
	e, err := h.Ledger.Entry(ctx, actor, c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	name, err := h.peopleNames(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	type posting struct {
		Account       string
		Debit, Credit *fundus.Money
	}
	postings := make([]posting, len(e.Postings))
	for i, p := range e.Postings {
		m := fundus.EURCents(p.Amount.Minor)
		postings[i].Account = p.Account
		if m.Minor > 0 {
			postings[i].Debit = &m
		} else {
			m.Minor = -m.Minor
			postings[i].Credit = &m
		}
	}
	data := map[string]any{"E": e, "ActorName": name(e.Actor), "Postings": postings}
	if e.Ref != nil {
		switch e.Ref.Type {
		case "donation":
			if d, err := h.Donations.Find(ctx, actor, e.Ref.ID); err == nil {
				data["Donation"] = d
			}
		case "bank_line":
			if l, err := h.Bank.Line(ctx, actor, e.Ref.ID); err == nil {
				data["Line"] = l
			}
		case "application":
			if a, err := h.Grants.Find(ctx, actor, e.Ref.ID); err == nil {
				data["Application"] = a
			}
		}
		recs, _, err := h.Audit.List(ctx, actor, audit.Filter{ObjectType: e.Ref.Type, ObjectID: e.Ref.ID, Limit: 100})
		if err != nil {
			h.renderError(c, err)
			return
		}
		data["Trail"] = auditRows(recs, name)
	}
	h.render(c, http.StatusOK, "auditor_entry", "auditor.entry_title", data)
}

// trialBalancePage: GET /auditor/ledger/trial-balance?at=[&format=csv].
func (h *Handler) trialBalancePage(c *gin.Context) {
	at := c.Query("at")
	day, err := fundus.ParseDay(at, false)
	var tb *ledger.TrialBalance
	if err != nil {
		err = errs.Field("ui.trialBalancePage", "at", err.Error())
	} else {
		tb, err = h.Ledger.TrialBalance(c.Request.Context(), httpx.CurrentUser(c), day)
	}
	data := map[string]any{"At": at}
	switch {
	case errs.Is(errs.Invalid, err):
		data["Errors"] = h.fieldMessages(c, err)
		h.render(c, http.StatusUnprocessableEntity, "auditor_trial_balance", "auditor.trial_balance_title", data)
		return
	case err != nil:
		h.renderError(c, err)
		return
	}
	if wantsCSV(c) {
		rows := make([][]string, len(tb.Items))
		for i, l := range tb.Items {
			rows[i] = []string{l.Code, l.Type, l.Debit.String(), l.Credit.String(), l.Balance.String()}
		}
		rows = append(rows, []string{"total", "", tb.TotalDebit.String(), tb.TotalCredit.String(), ""})
		writeCSV(c, "fundus-trial-balance-"+tb.At, []string{"account", "type", "debit", "credit", "balance"}, []string{"debit", "credit", "balance"}, rows)
		return
	}
	data["TB"], data["CSVURL"] = tb, csvURL(c)
	h.render(c, http.StatusOK, "auditor_trial_balance", "auditor.trial_balance_title", data)
}

// exportFormats are the ledger's export formats, in the order offered.
var exportFormats = []string{ledger.FormatCSV, "jsonl", "hledger", "beancount"}

// exportPage: GET /auditor/ledger/export[?format=&from=&to=]: the form, or
// with a format the download (the API's /api/v1/ledger/export, with the
// session instead of a token).
func (h *Handler) exportPage(c *gin.Context) {
	data := map[string]any{"Formats": exportFormats, "From": c.Query("from"), "To": c.Query("to"), "Format": c.Query("format")}
	format := c.Query("format")
	if format == "" {
		h.render(c, http.StatusOK, "auditor_export", "auditor.export_title", data)
		return
	}
	_, ok := ledger.ExportFormats[format]
	from, to, err := httpx.DayRange(c)
	if !ok {
		err = errs.E(errs.Invalid, append(errs.FieldsOf(err), errs.FieldError{Field: "format", Code: "oneof", Message: "must be csv, jsonl, hledger or beancount"}))
	}
	if err != nil {
		data["Errors"] = h.fieldMessages(c, err)
		h.render(c, http.StatusUnprocessableEntity, "auditor_export", "auditor.export_title", data)
		return
	}
	if err := fundus.Authorize("ui.exportPage", httpx.CurrentUser(c), fundus.ExportLedger); err != nil {
		h.renderError(c, err)
		return
	}
	httpx.StreamLedgerExport(c, h.Ledger, format, from, to)
}

// verifyPage: GET /auditor/ledger/verify[?run=1]: the button, or the
// result of checking the whole chain (ok, or the first broken entry).
func (h *Handler) verifyPage(c *gin.Context) {
	data := map[string]any{}
	if c.Query("run") != "" {
		r, err := h.Ledger.Verify(c.Request.Context(), httpx.CurrentUser(c))
		if err != nil {
			h.renderError(c, err)
			return
		}
		data["Result"] = r
		data["At"] = time.Now()
	}
	h.render(c, http.StatusOK, "auditor_verify", "auditor.verify_title", data)
}

// auditRow is an audit record as the pages show it: who by name,
// and, for a record about a user, whom.
type auditRow struct {
	audit.Record
	ActorName, ObjectName string
}

func auditRows(recs []audit.Record, name func(string) string) []auditRow {
	out := make([]auditRow, len(recs))
	for i, r := range recs {
		out[i] = auditRow{Record: r, ActorName: name(r.Actor)}
		if r.ObjectType == "user" {
			out[i].ObjectName = name(r.ObjectID)
		}
	}
	return out
}

// auditPage: GET /auditor/audit?actor=&action=&from=&to=&cursor=[&format=csv]:
// the audit trail with people's names, filtered by person, action (one of
// those the trail holds) and days.
func (h *Handler) auditPage(c *gin.Context) {
	ctx, actor := c.Request.Context(), httpx.CurrentUser(c)
	people, err := h.Auth.People(ctx, actor)
	if err != nil {
		h.renderError(c, err)
		return
	}
	name, _ := h.peopleNames(c)
	actions, err := h.Audit.Actions(ctx, actor)
	if err != nil {
		h.renderError(c, err)
		return
	}
	data := map[string]any{"People": people, "Actions": actions, "Actor": c.Query("actor"), "Action": c.Query("action"), "From": c.Query("from"), "To": c.Query("to")}
	lq, err := httpx.ReadListQuery(c)
	if err != nil {
		data["Errors"] = h.fieldMessages(c, err)
		h.render(c, http.StatusUnprocessableEntity, "auditor_audit", "auditor.audit_title", data)
		return
	}
	f := audit.Filter{Actor: c.Query("actor"), Action: strings.TrimSpace(c.Query("action")), From: lq.From, To: lq.To, AfterSeq: lq.After, Limit: lq.Limit}
	if wantsCSV(c) {
		var rows [][]string
		f.AfterSeq, f.Limit = 0, 500
		for {
			recs, next, err := h.Audit.List(ctx, actor, f)
			if err != nil {
				h.renderError(c, err)
				return
			}
			for _, r := range recs {
				rows = append(rows, []string{r.ID, r.Time.UTC().Format(ledger.TimeLayout), r.Actor, name(r.Actor), r.Action, r.ObjectType, r.ObjectID, string(r.Details)})
			}
			if next == 0 {
				break
			}
			f.AfterSeq = next
		}
		writeCSV(c, "fundus-audit", []string{"id", "time", "actor_id", "actor", "action", "object_type", "object_id", "details"}, nil, rows)
		return
	}
	recs, next, err := h.Audit.List(ctx, actor, f)
	if err != nil {
		h.renderError(c, err)
		return
	}
	data["Items"], data["CSVURL"] = auditRows(recs, name), csvURL(c)
	if p := httpx.NewPage(recs, next); p.NextCursor != nil {
		q := c.Request.URL.Query()
		q.Set("cursor", *p.NextCursor)
		data["NextURL"] = c.Request.URL.Path + "?" + q.Encode()
	}
	h.render(c, http.StatusOK, "auditor_audit", "auditor.audit_title", data)
}
