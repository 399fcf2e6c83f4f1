package api

import (
	"context"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/bank"
	"fundus/commit"
	"fundus/errs"
	"fundus/http/httpx"
)

// statementTypes are the content types a bank file may be sent as.
var statementTypes = map[string]bool{"application/xml": true, "text/xml": true, "application/zip": true, "text/csv": true}

// importStatement: POST /api/v1/bank/statements (treasurer; idempotent).
// The body is the file; 201 when it brought new lines, 200 when every line
// was imported before.
func (h *Handler) importStatement(c *gin.Context) {
	decode := func([]byte) error {
		mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
		if !statementTypes[mt] {
			return errs.E(errs.Malformed, "Content-Type must be application/xml, application/zip or text/csv: the bank file as it came")
		}
		return nil
	}
	status := func(st *bank.Statement) int {
		if st != nil && st.NewLines == 0 {
			return http.StatusOK
		}
		return http.StatusCreated
	}
	write(c, h.Ledger.Writer, status, decode, func(ctx context.Context, body []byte) (commit.Outcome[*bank.Statement], error) {
		return h.Bank.Import(ctx, httpx.CurrentUser(c), body)
	})
}

// listStatements: GET /api/v1/bank/statements.
func (h *Handler) listStatements(c *gin.Context) {
	limit, after, err := httpx.ListParams(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	sts, next, err := h.Bank.Statements(c.Request.Context(), httpx.CurrentUser(c), after, limit)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(sts, next))
}

// listBankLines: GET /api/v1/bank/transactions?status=&statement=&from=&to=.
func (h *Handler) listBankLines(c *gin.Context) {
	limit, after, err := httpx.ListParams(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	ls, next, err := h.Bank.Lines(c.Request.Context(), httpx.CurrentUser(c), bank.LineFilter{
		Status: c.Query("status"), StatementID: c.Query("statement"), From: c.Query("from"), To: c.Query("to"), AfterSeq: after, Limit: limit,
	})
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(ls, next))
}

// getBankLine: GET /api/v1/bank/transactions/{id}, with suggestions while
// it is queued.
func (h *Handler) getBankLine(c *gin.Context) {
	l, err := h.Bank.Line(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, l)
}

// assignBankLine: POST /api/v1/bank/transactions/{id}/assign (treasurer; idempotent).
func (h *Handler) assignBankLine(c *gin.Context) {
	var in bank.Assignment
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, false, func(ctx context.Context) (commit.Outcome[*bank.Line], error) {
		return h.Bank.Assign(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// bookBankLineAsDonation: POST /api/v1/bank/transactions/{id}/book-donation (treasurer; idempotent).
func (h *Handler) bookBankLineAsDonation(c *gin.Context) {
	var in bank.DonationBooking
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, true, func(ctx context.Context) (commit.Outcome[*bank.Line], error) {
		return h.Bank.BookDonation(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// bookBankLine: POST /api/v1/bank/transactions/{id}/book (treasurer; idempotent).
func (h *Handler) bookBankLine(c *gin.Context) {
	var in bank.Booking
	moneyWrite(c, h.Ledger.Writer, http.StatusOK, &in, false, func(ctx context.Context) (commit.Outcome[*bank.Line], error) {
		return h.Bank.Book(ctx, httpx.CurrentUser(c), c.Param("id"), in)
	})
}

// reconciliation: GET /api/v1/bank/reconciliation.
func (h *Handler) reconciliation(c *gin.Context) {
	r, err := h.Bank.Reconcile(c.Request.Context(), httpx.CurrentUser(c))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// createPaymentFile: POST /api/v1/payment-files (treasurer; idempotent).
func (h *Handler) createPaymentFile(c *gin.Context) {
	var in bank.PaymentFileInput
	moneyWrite(c, h.Ledger.Writer, http.StatusCreated, &in, true, func(ctx context.Context) (commit.Outcome[*bank.PaymentFile], error) {
		return h.Bank.CreatePaymentFile(ctx, httpx.CurrentUser(c), in)
	})
}

// listPaymentFiles: GET /api/v1/payment-files.
func (h *Handler) listPaymentFiles(c *gin.Context) {
	limit, after, err := httpx.ListParams(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	fs, next, err := h.Bank.PaymentFiles(c.Request.Context(), httpx.CurrentUser(c), after, limit)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(fs, next))
}

// paymentFileDocument: GET /api/v1/payment-files/{id}/pain.001.xml.
func (h *Handler) paymentFileDocument(c *gin.Context) {
	doc, err := h.Bank.PaymentFileDocument(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="pain.001-`+c.Param("id")+`.xml"`)
	c.Data(http.StatusOK, "application/xml", doc)
}
