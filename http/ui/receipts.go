package ui

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/commit"
	"fundus/donations"
	"fundus/errs"
	"fundus/http/httpx"
	"fundus/receipts"
)

// receiptNumber is a receipt's number as a flash message may repeat it.
var receiptNumber = regexp.MustCompile(`^ZB-[0-9]{4}-[0-9]{5}$`)

// receiptsPage: GET /treasurer/receipts?year=&status=&done=&number=&count=:
// the receipts, the annual run's form, what was just done.
func (h *Handler) receiptsPage(c *gin.Context) {
	thisYear := time.Now().In(fundus.Berlin).Year()
	h.showReceipts(c, http.StatusOK, strconv.Itoa(thisYear), nil)
}

// showReceipts renders the receipts page with the annual run's form
// holding year and its errors.
func (h *Handler) showReceipts(c *gin.Context, status int, year string, fieldErrs map[string]string) {
	f := receipts.Filter{Status: receipts.Status(c.Query("status"))}
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil {
			h.renderError(c, errs.FieldCode("ui.receiptsPage", "year", "year", "", "must be a year from 2000 to 2100"))
			return
		}
		f.Year = y
	}
	items, err := h.Receipts.List(c.Request.Context(), httpx.CurrentUser(c), f)
	if err != nil {
		h.renderError(c, err)
		return
	}
	data := map[string]any{"Items": items, "Year": year, "Errors": fieldErrs, "IdemKey": randomToken(),
		"FilterYear": c.Query("year"), "FilterStatus": string(f.Status)}
	lang := pageLang(c)
	switch c.Query("done") {
	case "issued", "cancelled":
		if n := c.Query("number"); receiptNumber.MatchString(n) {
			data["Flash"] = h.Web.T(lang, "receipts.flash_"+c.Query("done"), "Number", n)
		}
	case "annual":
		n, err1 := strconv.Atoi(c.Query("count"))
		y, err2 := strconv.Atoi(c.Query("run"))
		if err1 == nil && err2 == nil && n >= 0 {
			data["Flash"] = h.Web.T(lang, "receipts.flash_annual", "Count", n, "Year", y)
		}
	}
	h.render(c, status, "treasurer_receipts", "receipts.title", data)
}

// formKey is the idempotency key of a treasurer's form: the random token
// the form was rendered with, for this user, over what was sent.
func formKey(c *gin.Context, fields ...string) commit.Key {
	key := c.PostForm("idempotency_key")
	if !commit.ValidKey(key) {
		key = randomToken()
	}
	return commit.Key{Scope: httpx.IdempotencyScope(c), Name: "form:" + key,
		RequestHash: commit.RequestHash("POST", c.Request.URL.Path, []byte(strings.Join(fields, "\n")))}
}

// runAnnual: POST /treasurer/receipts/annual: the annual run of a year.
func (h *Handler) runAnnual(c *gin.Context) {
	year := strings.TrimSpace(c.PostForm("year"))
	y, err := strconv.Atoi(year)
	if err != nil {
		h.showReceipts(c, http.StatusUnprocessableEntity, year, map[string]string{"year": h.Web.T(pageLang(c), "error.field.receipt_year")})
		return
	}
	ctx := commit.WithKey(c.Request.Context(), formKey(c, year))
	out, err := h.Receipts.RunAnnual(ctx, httpx.CurrentUser(c), receipts.Annual{Year: y})
	switch {
	case errs.Is(errs.Invalid, err):
		h.showReceipts(c, httpx.ProblemTypeOf(err).Status, year, h.fieldMessages(c, err))
		return
	case err != nil:
		h.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/treasurer/receipts?done=annual&run="+strconv.Itoa(y)+"&count="+strconv.Itoa(len(out.Value.Created)))
}

// receiptDownloadPage: GET /treasurer/receipts/{id}/pdf.
func (h *Handler) receiptDownloadPage(c *gin.Context) {
	number, body, err := h.Receipts.PDF(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="Zuwendungsbestaetigung-`+number+`.pdf"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", body)
}

// receiptCancelPage: GET /treasurer/receipts/{id}/cancel, the
// confirmation step with the reason.
func (h *Handler) receiptCancelPage(c *gin.Context) {
	r, err := h.Receipts.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "treasurer_receipt_cancel", "receipts.cancel_title", map[string]any{"R": r, "IdemKey": randomToken()})
}

// cancelReceiptPage: POST /treasurer/receipts/{id}/cancel.
func (h *Handler) cancelReceiptPage(c *gin.Context) {
	reason := c.PostForm("reason")
	ctx := commit.WithKey(c.Request.Context(), formKey(c, reason))
	r, err := h.Receipts.Cancel(ctx, httpx.CurrentUser(c), c.Param("id"), receipts.Cancellation{Reason: reason})
	if err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid, errs.InvalidState:
			found, ferr := h.Receipts.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
			if ferr != nil {
				h.renderError(c, ferr)
				return
			}
			status, msg := h.pageProblem(c, err)
			h.render(c, status, "treasurer_receipt_cancel", "receipts.cancel_title", map[string]any{"R": found, "IdemKey": randomToken(),
				"Reason": reason, "Errors": h.fieldMessages(c, err), "Problem": msg})
		default:
			h.renderError(c, err)
		}
		return
	}
	c.Redirect(http.StatusSeeOther, "/treasurer/receipts?done=cancelled&number="+r.Value.Number)
}

// receiptStep: GET /treasurer/donations/{id}/receipt: the donation, its
// receipts, and the button that issues one, or why it cannot be issued.
func (h *Handler) receiptStep(c *gin.Context) {
	h.showReceiptStep(c, http.StatusOK, "")
}

func (h *Handler) showReceiptStep(c *gin.Context, status int, problem string) {
	ctx, u, id := c.Request.Context(), httpx.CurrentUser(c), c.Param("id")
	d, err := h.Donations.Find(ctx, u, id)
	if err != nil {
		h.renderError(c, err)
		return
	}
	refused, err := h.Receipts.Refusal(ctx, u, id)
	if err != nil {
		h.renderError(c, err)
		return
	}
	rs, err := h.Receipts.List(ctx, u, receipts.Filter{DonationID: id})
	if err != nil {
		h.renderError(c, err)
		return
	}
	data := map[string]any{"D": d, "Receipts": rs, "IdemKey": randomToken(), "Problem": problem,
		"SmallDonation": d.Status == donations.Received && arrived(d).Minor <= receipts.ProofLimit, "Arrived": arrived(d)}
	if refused != nil {
		data["Refusal"] = h.refusalMessage(c, refused)
	}
	h.render(c, status, "treasurer_receipt", "receipts.issue_title", data)
}

// arrived is what arrived of d (its pledged amount unless another came).
func arrived(d *donations.Donation) fundus.Money {
	if d.ReceivedAmount != nil {
		return *d.ReceivedAmount
	}
	return d.Amount
}

// refusalMessage says in the page's language why a receipt cannot be
// issued: the rule's message, or that the donor's name or address is
// missing (the page shows what there is).
func (h *Handler) refusalMessage(c *gin.Context, err error) string {
	if errs.Is(errs.Invalid, err) {
		return h.Web.T(pageLang(c), "receipts.refused_address")
	}
	_, msg := h.pageProblem(c, err)
	return msg
}

// issueReceiptPage: POST /treasurer/donations/{id}/receipt.
func (h *Handler) issueReceiptPage(c *gin.Context) {
	ctx := commit.WithKey(c.Request.Context(), formKey(c))
	r, err := h.Receipts.Issue(ctx, httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid, errs.InvalidState:
			status, _ := h.pageProblem(c, err)
			h.showReceiptStep(c, status, h.refusalMessage(c, err))
		default:
			h.renderError(c, err)
		}
		return
	}
	c.Redirect(http.StatusSeeOther, "/treasurer/receipts?done=issued&number="+r.Value.Number)
}
