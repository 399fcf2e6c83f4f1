package ui

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/bank"
	"fundus/commit"
	"fundus/donations"
	"fundus/errs"
	"fundus/http/httpx"
	"fundus/ledger"
	"fundus/web"
)

// shownStatements is how many imports the bank page lists, newest first.
const shownStatements = 50

// bankPage: GET /treasurer/bank?imported={statement id}. The upload form
// and the imports; after an upload, what it did.
func (h *Handler) bankPage(c *gin.Context) {
	h.showBank(c, http.StatusOK, "", nil)
}

func (h *Handler) showBank(c *gin.Context, status int, problem string, fields []string) {
	ctx, actor := c.Request.Context(), httpx.CurrentUser(c)
	var sts []*bank.Statement
	for after := int64(0); ; {
		page, next, err := h.Bank.Statements(ctx, actor, after, 100)
		if err != nil {
			h.renderError(c, err)
			return
		}
		sts = append(sts, page...)
		if next == 0 {
			break
		}
		after = next
	}
	slices.Reverse(sts)
	data := map[string]any{"IdemKey": randomToken(), "Problem": problem, "Fields": fields}
	if id := c.Query("imported"); id != "" {
		for _, st := range sts {
			if st.ID == id {
				data["Imported"] = st
			}
		}
	}
	data["Statements"] = sts[:min(len(sts), shownStatements)]
	files, _, err := h.Bank.PaymentFiles(ctx, actor, 0, 500)
	if err != nil {
		h.renderError(c, err)
		return
	}
	slices.Reverse(files)
	data["PaymentFiles"], data["FileKey"] = files, randomToken()
	if id := c.Query("file"); id != "" {
		for _, f := range files {
			if f.ID == id {
				data["NewFile"] = f
			}
		}
		if n, _ := strconv.Atoi(c.Query("held")); n > 0 {
			data["HeldBack"] = n
		}
	}
	h.render(c, status, "bank", "bank.title", data)
}

// createPaymentFile: POST /treasurer/bank/payment-files. Gathers every
// released instalment and refund owed into one payment file, then shows it
// on the bank page to download; nothing to pay is said there.
func (h *Handler) createPaymentFile(c *gin.Context) {
	out, err := h.Bank.CreatePaymentFile(h.formKey(c, []byte("payment-file")), httpx.CurrentUser(c), bank.PaymentFileInput{})
	if err != nil {
		switch errs.KindOf(err) {
		case errs.InvalidState:
			h.showBank(c, http.StatusConflict, h.Web.T(pageLang(c), "bank.nothing_to_pay"), nil)
			return
		case errs.Forbidden: // separation of duties: said on the page, in the visitor's language
			status, msg := h.pageProblem(c, err)
			h.showBank(c, status, msg, nil)
			return
		}
		h.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/treasurer/bank?file="+out.Value.ID+"&held="+strconv.Itoa(len(out.Value.HeldBackRefundIDs))+"#payment-files")
}

// paymentFileDownload: GET /treasurer/bank/payment-files/{id}/pain.001.xml.
func (h *Handler) paymentFileDownload(c *gin.Context) {
	doc, err := h.Bank.PaymentFileDocument(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="pain.001-`+c.Param("id")+`.xml"`)
	c.Data(http.StatusOK, "application/xml", doc)
}

// uploadStatement: POST /treasurer/bank/statements, a multipart form with
// the bank file as "file". A refused file is said on the bank page and
// imports nothing; an imported one is shown there (a reload of that page
// imports nothing again). The form's idempotency key makes a double
// submit one import.
func (h *Handler) uploadStatement(c *gin.Context) {
	fh, err := c.FormFile("file")
	if err != nil {
		h.showBank(c, http.StatusUnprocessableEntity, h.Web.T(pageLang(c), "bank.no_file"), nil)
		return
	}
	f, err := fh.Open()
	if err != nil {
		h.renderError(c, errs.E(errs.Malformed, "the file cannot be read", err))
		return
	}
	defer f.Close()
	body, err := io.ReadAll(f)
	if err != nil {
		h.renderError(c, errs.E(errs.Malformed, "the file cannot be read", err))
		return
	}
	ctx := h.formKey(c, body)
	out, err := h.Bank.Import(ctx, httpx.CurrentUser(c), body)
	if err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid, errs.TooLarge, errs.UnsupportedFile, errs.StatementUnbalanced, errs.WrongAccount, errs.IdempotencyKeyReused:
			status, msg := h.pageProblem(c, err)
			h.showBank(c, status, msg, h.fieldList(c, err))
		default:
			h.renderError(c, err)
		}
		return
	}
	c.Redirect(http.StatusSeeOther, "/treasurer/bank?imported="+out.Value.ID)
}

// formKey is the request's context with the idempotency key of its form,
// the hidden field idempotency_key (a fresh one if it has none), bound to
// what the form sends.
func (h *Handler) formKey(c *gin.Context, sent []byte) context.Context {
	key := c.PostForm("idempotency_key")
	if !commit.ValidKey(key) {
		key = randomToken()
	}
	return commit.WithKey(c.Request.Context(), commit.Key{Scope: httpx.IdempotencyScope(c), Name: "form:" + key,
		RequestHash: commit.RequestHash("POST", c.Request.URL.Path, sent)})
}

// queuePage: GET /treasurer/bank/queue?done=&line=. Every queued line,
// oldest first, with their count and sum; after an action, what it did.
func (h *Handler) queuePage(c *gin.Context) {
	ctx, actor := c.Request.Context(), httpx.CurrentUser(c)
	var lines []*bank.Line
	for after := int64(0); ; {
		page, next, err := h.Bank.Lines(ctx, actor, bank.LineFilter{Status: bank.Queued, AfterSeq: after, Limit: 100})
		if err != nil {
			h.renderError(c, err)
			return
		}
		lines = append(lines, page...)
		if next == 0 {
			break
		}
		after = next
	}
	if wantsCSV(c) {
		writeCSV(c, "fundus-bank-queue", bankLineHeader, []string{"amount"}, bankLineRows(lines))
		return
	}
	var sum int64
	for _, l := range lines {
		if l.Direction == "debit" {
			sum -= l.Amount.Minor
		} else {
			sum += l.Amount.Minor
		}
	}
	data := map[string]any{"Lines": lines, "Count": len(lines), "Sum": fundus.EURCents(sum), "CSVURL": csvURL(c)}
	if done := c.Query("done"); bankActions[done] {
		if l, err := h.Bank.Line(ctx, actor, c.Query("line")); err == nil {
			data["Flash"] = h.Web.T(pageLang(c), "bank.flash."+done, "Amount", web.FormatMoney(pageLang(c), l.Amount), "Date", web.FormatDay(pageLang(c), l.BookingDate))
		}
	}
	h.render(c, http.StatusOK, "bank_queue", "bank.queue_title", data)
}

// bankActions are what a treasurer may do with a queued line.
var bankActions = map[string]bool{"assign": true, "book-donation": true, "book": true}

// lineForm is what the forms of a line's page hold, as typed.
type lineForm struct {
	Reference, Account, Memo string
	Anonymous                bool
}

// suggestion is a suggested donation as the line's page shows it.
type suggestion struct {
	D      *donations.Donation
	Reason string // a translation id
}

// linePage: GET /treasurer/bank/lines/{id}.
func (h *Handler) linePage(c *gin.Context) {
	l, err := h.Bank.Line(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.showLine(c, http.StatusOK, l, lineForm{}, nil, "")
}

func (h *Handler) showLine(c *gin.Context, status int, l *bank.Line, f lineForm, fieldErrs map[string]string, problem string) {
	ctx, actor := c.Request.Context(), httpx.CurrentUser(c)
	var sugs []suggestion
	for _, s := range l.Suggestions {
		if s.Type != "donation" {
			continue
		}
		d, err := h.Donations.Find(ctx, actor, s.ID)
		if err != nil {
			h.renderError(c, err)
			return
		}
		sg := suggestion{D: d}
		if s.Code != "" {
			sg.Reason = "bank.reason." + s.Code
		}
		sugs = append(sugs, sg)
	}
	accounts, err := h.bookableAccounts(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, status, "bank_line", "bank.line_title", map[string]any{
		"L": l, "Suggestions": sugs, "Accounts": accounts, "Form": f, "Errors": fieldErrs, "Problem": problem,
	})
}

// bookableAccounts are the accounts a line may be booked to
// (bank.Bookable).
func (h *Handler) bookableAccounts(c *gin.Context) ([]ledger.Account, error) {
	all, err := h.Ledger.Accounts(c.Request.Context(), httpx.CurrentUser(c))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(a ledger.Account) bool { return !slices.Contains(bank.Bookable, a.Code) }), nil
}

// bankConfirmPage: GET /treasurer/bank/lines/{id}/{action}?donation=&reference=&anonymous=&account=&memo=:
// the confirmation step, saying what will be booked. What the line's
// forms sent is checked here already, and said beside its field.
func (h *Handler) bankConfirmPage(c *gin.Context) {
	action := c.Param("action")
	if !bankActions[action] {
		h.renderError(c, errs.E(errs.NotFound, "no such action"))
		return
	}
	ctx, actor := c.Request.Context(), httpx.CurrentUser(c)
	l, err := h.Bank.Line(ctx, actor, c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	f := lineForm{Reference: strings.TrimSpace(c.Query("reference")), Account: c.Query("account"),
		Memo: strings.TrimSpace(c.Query("memo")), Anonymous: c.Query("anonymous") != ""}
	if l.Status != bank.Queued || (action != "book" && l.Direction != "credit") {
		status, msg := h.pageProblem(c, errs.E(errs.InvalidState, "the line is not queued, or a debit offered as a donation"))
		h.showLine(c, status, l, f, nil, msg)
		return
	}
	data := map[string]any{"Action": action, "L": l, "Form": f, "IdemKey": randomToken()}
	switch action {
	case "assign":
		var d *donations.Donation
		if id := c.Query("donation"); id != "" {
			d, err = h.Donations.Find(ctx, actor, id)
		} else {
			d, err = h.Donations.FindByReference(ctx, actor, f.Reference)
			if errs.Is(errs.NotFound, err) {
				err = errs.E(errs.Invalid, errs.FieldError{Field: "reference", Code: "reference_unknown", Message: "no donation has this reference"})
			}
		}
		if errs.Is(errs.Invalid, err) {
			fe := h.fieldMessages(c, err)
			h.showLine(c, http.StatusUnprocessableEntity, l, f, map[string]string{"reference": fe["reference"]}, "")
			return
		}
		if err != nil {
			h.renderError(c, err)
			return
		}
		data["D"], data["Account"] = d, h.Donations.Bands.AccountFor(l.Amount.Minor)
		if d.Status != donations.Pledged { // confirmed by hand: its money leaves clearing
			data["Account"] = ledger.Clearing
		}
	case "book-donation":
		data["Account"] = h.Donations.Bands.AccountFor(l.Amount.Minor)
	case "book":
		accounts, err := h.bookableAccounts(c)
		if err != nil {
			h.renderError(c, err)
			return
		}
		fieldErrs := map[string]string{}
		i := slices.IndexFunc(accounts, func(a ledger.Account) bool { return a.Code == f.Account })
		if i < 0 {
			fieldErrs["account"] = h.Web.T(pageLang(c), "error.field.oneof")
		}
		if f.Memo == "" {
			fieldErrs["memo"] = h.Web.T(pageLang(c), "error.field.required")
		}
		if len(fieldErrs) > 0 {
			h.showLine(c, http.StatusUnprocessableEntity, l, f, fieldErrs, "")
			return
		}
		data["Account"], data["AccountName"] = f.Account, accounts[i].Name
	}
	h.render(c, http.StatusOK, "bank_confirm", "bank."+action+"_title", data)
}

// doBankAction: POST /treasurer/bank/lines/{id}/{action}. Books what the
// confirmation step said, then goes back to the queue. The form's
// idempotency key makes a double submit one booking; a line resolved
// since is an invalid state, said on the line's page.
func (h *Handler) doBankAction(c *gin.Context) {
	action, id := c.Param("action"), c.Param("id")
	if !bankActions[action] {
		h.renderError(c, errs.E(errs.NotFound, "no such action"))
		return
	}
	f := lineForm{Account: c.PostForm("account"), Memo: c.PostForm("memo"), Anonymous: c.PostForm("anonymous") != ""}
	donation := c.PostForm("donation_id")
	sent := strings.Join([]string{action, donation, f.Account, f.Memo, map[bool]string{true: "anonymous"}[f.Anonymous]}, "\n")
	ctx, actor := h.formKey(c, []byte(sent)), httpx.CurrentUser(c)
	var err error // a repeat of a refused request is refused again, with the same error
	switch action {
	case "assign":
		_, err = h.Bank.Assign(ctx, actor, id, bank.Assignment{DonationID: donation})
	case "book-donation":
		_, err = h.Bank.BookDonation(ctx, actor, id, bank.DonationBooking{Anonymous: f.Anonymous})
	case "book":
		_, err = h.Bank.Book(ctx, actor, id, bank.Booking{Account: f.Account, Memo: f.Memo})
	}
	if err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid, errs.InvalidState, errs.InsufficientFunds, errs.IdempotencyKeyReused:
			l, findErr := h.Bank.Line(c.Request.Context(), actor, id)
			if findErr != nil {
				h.renderError(c, findErr)
				return
			}
			status, msg := h.pageProblem(c, err)
			h.showLine(c, status, l, f, h.fieldMessages(c, err), msg)
		default:
			h.renderError(c, err)
		}
		return
	}
	c.Redirect(http.StatusSeeOther, "/treasurer/bank/queue?done="+action+"&line="+id)
}

// reconciliationPage: GET /treasurer/bank/reconciliation.
func (h *Handler) reconciliationPage(c *gin.Context) {
	r, err := h.Bank.Reconcile(c.Request.Context(), httpx.CurrentUser(c))
	switch {
	case errs.Is(errs.NotFound, err):
		h.render(c, http.StatusOK, "bank_reconciliation", "bank.reconciliation_title", map[string]any{"None": true})
		return
	case err != nil:
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "bank_reconciliation", "bank.reconciliation_title", map[string]any{
		"R": r, "Unexplained": fundus.EURCents(r.Difference.Minor - r.QueuedAmount.Minor),
	})
}
