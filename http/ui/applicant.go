package ui

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/errs"
	"fundus/grants"
	"fundus/http/httpx"
)

// The applicant's steps that need more than a button: withdrawing (with a
// confirmation step first), and the report with its receipts (a multipart
// form, larger than other forms, ReportBodyLimit).

// ReportBodyLimit is the largest body of the report form: every receipt at
// its largest, and room for the form's fields.
const ReportBodyLimit = grants.MaxReceipts*grants.MaxReceiptSize + 1<<20

// withdrawConfirmPage: GET /grants/{id}/withdraw, the step before a
// withdrawal: what it means (final; a new application is possible) and a
// button that does it, and a way back.
func (h *Handler) withdrawConfirmPage(c *gin.Context) {
	a, err := h.Grants.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "withdraw_confirm", "apply.withdraw_title", map[string]any{"A": a})
}

// parseUpload reads the report form (multipart, up to ReportBodyLimit) before
// its CSRF token is checked, so that a file too large is refused with its
// own message rather than as a form without a token.
func (h *Handler) parseUpload(c *gin.Context) {
	err := c.Request.ParseMultipartForm(8 << 20) // larger files wait on disk
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.afterGrantAction(c, c.Param("id"), "report", errs.E(errs.Invalid, errs.FieldError{Field: "receipts", Code: grants.ReceiptSize, Message: "too large"}))
	case err != nil && !errors.Is(err, http.ErrNotMultipart):
		h.renderError(c, errs.E(errs.Malformed, "the form could not be read", err))
	default:
		c.Next()
	}
}

// reportAction: POST /grants/{id}/report, the report with its receipts,
// as grantAction does the other steps.
func (h *Handler) reportAction(c *gin.Context) {
	c.Params = append(c.Params, gin.Param{Key: "action", Value: "report"})
	h.grantAction(c)
}

// uploads reads the files of the form's "receipts" field.
func uploads(c *gin.Context) ([]grants.Upload, error) {
	if c.Request.MultipartForm == nil {
		return nil, nil
	}
	var out []grants.Upload
	for _, fh := range c.Request.MultipartForm.File["receipts"] {
		if fh.Size == 0 && fh.Filename == "" { // the empty file input
			continue
		}
		if len(out) >= grants.MaxReceipts+1 {
			break // one more than allowed is enough to refuse
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, grants.MaxReceiptSize+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, grants.Upload{Name: fh.Filename, Data: data})
	}
	return out, nil
}

// receiptDownload: GET /grants/{id}/receipts/{rid}, a receipt as a
// download, to whoever may see the application. It is never shown inline:
// an attachment, in a sandbox, with its checked type.
func (h *Handler) receiptDownload(c *gin.Context) {
	r, data, err := h.Grants.Receipt(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"), c.Param("rid"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": r.Name}))
	c.Header("Content-Security-Policy", "sandbox; default-src 'none'")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, r.ContentType, data)
}
