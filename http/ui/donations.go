package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/commit"
	"fundus/donations"
	"fundus/errs"
	"fundus/http/httpx"
)

// donateForm is what the donation form holds, as the visitor typed it.
type donateForm struct {
	AmountPreset, AmountOther             string
	Anonymous, Receipt                    bool
	Name, Email, Street, PostalCode, City string
	Message                               string
}

// presets are the amounts offered with one click, in euros.
var presets = []string{"10", "25", "50", "100"}

type preset struct {
	Value   string
	Amount  fundus.Money
	Checked bool
}

func (h *Handler) showDonateForm(c *gin.Context, status int, f donateForm, fieldErrs map[string]string) {
	var ps []preset
	for _, p := range presets {
		minor, _ := fundus.ParseAmount("", fundus.Amount(p), fundus.EUR, fundus.Positive, 1<<40)
		ps = append(ps, preset{Value: p, Amount: fundus.EURCents(minor), Checked: f.AmountPreset == p})
	}
	h.render(c, status, "donate", "donate.title", map[string]any{
		"Presets": ps, "Form": f, "Errors": fieldErrs, "IdemKey": randomToken(),
	})
}

// donatePage: GET /donate.
func (h *Handler) donatePage(c *gin.Context) {
	h.showDonateForm(c, http.StatusOK, donateForm{AmountPreset: "25"}, nil)
}

// donate: POST /donate. Pledges, then shows the bank details, the
// reference and the GiroCode. The form carries an idempotency key, so
// sending it twice (a reload, a double click) pledges once.
func (h *Handler) donate(c *gin.Context) {
	f := donateForm{
		AmountPreset: c.PostForm("amount_preset"), AmountOther: strings.TrimSpace(c.PostForm("amount_other")),
		Anonymous: c.PostForm("anonymous") != "", Receipt: c.PostForm("receipt_requested") != "",
		Name: c.PostForm("name"), Email: c.PostForm("email"), Street: c.PostForm("street"),
		PostalCode: c.PostForm("postal_code"), City: c.PostForm("city"), Message: c.PostForm("message"),
	}
	amount := f.AmountPreset
	if f.AmountOther != "" {
		amount = h.formAmount(c, f.AmountOther)
	}
	in := donations.Pledge{
		Amount: fundus.Amount(amount), Anonymous: f.Anonymous, ReceiptRequested: f.Receipt, Message: f.Message,
		Donor: &donations.Donor{Name: f.Name, Email: f.Email, Street: f.Street, PostalCode: f.PostalCode, City: f.City},
	}
	if amount == "" {
		in.Amount = fundus.AmountText{}
	}
	key := c.PostForm("idempotency_key")
	if !commit.ValidKey(key) {
		key = randomToken()
	}
	body, _ := json.Marshal(in)
	// The key is a random token of the form the server rendered, so it
	// needs no scope to keep donors apart: the record keeps no client
	// address either.
	ctx := commit.WithKey(c.Request.Context(), commit.Key{Scope: "donate-form", Name: key,
		RequestHash: commit.RequestHash("POST", "/donate", body)})
	out, err := h.Donations.PledgeID(ctx, in) // stores the donation's id under the key, no donor data
	switch {
	case errs.Is(errs.Invalid, err):
		h.showDonateForm(c, httpx.ProblemTypeOf(err).Status, f, h.fieldMessages(c, err))
		return
	case err != nil:
		h.renderError(c, err)
		return
	}
	// The first answer and a repeat both show the donation the key points at.
	h.showDonated(c, out.Value)
}

// thanksPage: GET /donate/thanks/{id}, the thank-you page again: the
// address the language switcher and a bookmark come back to. The id is
// the donation's, which cannot be guessed; the page shows the fund's
// account, the amount and the reference, nothing of the donor.
func (h *Handler) thanksPage(c *gin.Context) {
	h.showDonated(c, c.Param("id"))
}

// receiptThreshold is the amount up to which the bank statement is proof
// enough for the tax office (§ 50 Abs. 4 EStDV), in cents.
const receiptThreshold = 300_00

// showDonated shows the bank details, the reference and the GiroCode of
// donation id, what happens next, what happens with a receipt, and what
// "anonymous" means.
func (h *Handler) showDonated(c *gin.Context, id string) {
	p, err := h.Donations.Instructions(c.Request.Context(), id)
	if err != nil {
		h.renderError(c, err)
		return
	}
	c.Set(ctxPath, "/donate/thanks/"+p.ID)
	h.render(c, http.StatusOK, "donated", "donated.title", map[string]any{
		"Amount": p.Payment.Amount, "Reference": p.Reference, "IBAN": p.Payment.IBAN, "BIC": p.Payment.BIC,
		"Holder": p.Payment.Holder, "QRURL": p.Payment.QRCodeURL, "SVGURL": strings.TrimSuffix(p.Payment.QRCodeURL, ".png") + ".svg",
		"Receipt": p.ReceiptRequested, "Example": h.ExampleAccount, "Anonymous": p.Anonymous,
		"OverThreshold": p.Amount.Minor > receiptThreshold, "Pledged": p.Status == donations.Pledged,
	})
}

// treasurerStatuses are the filters of the treasurer's list.
var treasurerStatuses = []string{"pledged", "received", "cancelled", "refunded"}

// treasurerPage: GET /treasurer/donations?q=&status=&cursor=&done=&ref=.
func (h *Handler) treasurerPage(c *gin.Context) {
	limit, after, err := httpx.ListParams(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	status := c.DefaultQuery("status", "pledged")
	filter := donations.Filter{Query: c.Query("q"), AfterSeq: after, Limit: limit}
	if status != "all" {
		filter.Status = donations.Status(status)
	}
	data := map[string]any{"Query": filter.Query, "Status": status, "Statuses": treasurerStatuses}
	lang := pageLang(c)
	if done, ref := c.Query("done"), c.Query("ref"); done != "" {
		if canonical, err := donations.ParseReference(ref); err == nil {
			switch done {
			case "confirmed", "cancelled", "refunded", "refund-account":
				data["Flash"] = h.Web.T(lang, "flash."+done, "Reference", canonical)
			}
		}
	}
	// A whole reference is looked up exactly, in any status; its check
	// character catches a typo.
	if q := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(filter.Query)); len(strings.TrimPrefix(q, "FUND")) == 8 {
		d, err := h.Donations.FindByReference(c.Request.Context(), httpx.CurrentUser(c), filter.Query)
		switch {
		case err == nil:
			data["Items"] = []*donations.Donation{d}
			h.render(c, http.StatusOK, "treasurer", "treasurer.title", data)
			return
		case errs.Is(errs.Invalid, err) && errs.FieldsOf(err)[0].Code == "reference_check":
			data["RefError"] = h.fieldMessages(c, err)["reference"]
			h.render(c, http.StatusOK, "treasurer", "treasurer.title", data)
			return
		}
	}
	items, next, err := h.Donations.List(c.Request.Context(), httpx.CurrentUser(c), filter)
	if err != nil {
		h.renderError(c, err)
		return
	}
	data["Items"] = items
	if p := httpx.NewPage(items, next); p.NextCursor != nil {
		data["NextURL"] = "/treasurer/donations?status=" + status + "&q=" + url.QueryEscape(filter.Query) + "&cursor=" + *p.NextCursor
	}
	h.render(c, http.StatusOK, "treasurer", "treasurer.title", data)
}

// treasurerActions are the steps a treasurer may take on a donation.
var treasurerActions = map[string]donations.Status{"confirm": donations.Pledged, "cancel": donations.Pledged, "refund": donations.Received,
	"refund-account": donations.Refunded}

// actionForm is what a treasurer typed into an action's form.
type actionForm struct {
	ReceivedAt, Reason, Name, IBAN string
}

// actionPage: GET /treasurer/donations/{id}/{action}: the confirmation step.
func (h *Handler) actionPage(c *gin.Context) {
	action := c.Param("action")
	if _, ok := treasurerActions[action]; !ok {
		h.renderError(c, errs.E(errs.NotFound, "no such action"))
		return
	}
	d, err := h.Donations.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	form := actionForm{ReceivedAt: c.Query("received_at")}
	if p := d.RefundPayee; p != nil {
		form.Name, form.IBAN = p.Name, p.IBAN
	} else if d.Donor != nil {
		form.Name = d.Donor.Name
	}
	h.showAction(c, http.StatusOK, action, d, nil, "", form)
}

func (h *Handler) showAction(c *gin.Context, status int, action string, d *donations.Donation, fieldErrs map[string]string, problem string, form actionForm) {
	today := time.Now().In(fundus.Berlin).Format(time.DateOnly)
	if form.ReceivedAt == "" {
		form.ReceivedAt = today
	}
	h.render(c, status, "treasurer_action", "action."+action+"_title", map[string]any{
		"Action": action, "D": d, "Errors": fieldErrs, "Problem": problem, "IdemKey": randomToken(),
		"Today": today, "ReceivedAt": form.ReceivedAt, "Reason": form.Reason, "Name": form.Name, "IBAN": form.IBAN,
	})
}

// doAction: POST /treasurer/donations/{id}/{action}.
func (h *Handler) doAction(c *gin.Context) {
	action, id := c.Param("action"), c.Param("id")
	if _, ok := treasurerActions[action]; !ok {
		h.renderError(c, errs.E(errs.NotFound, "no such action"))
		return
	}
	form := actionForm{ReceivedAt: c.PostForm("received_at"), Reason: c.PostForm("reason"), Name: c.PostForm("name"), IBAN: c.PostForm("iban")}
	receivedAt, reason := form.ReceivedAt, form.Reason
	key := c.PostForm("idempotency_key")
	if !commit.ValidKey(key) {
		key = randomToken()
	}
	ctx := commit.WithKey(c.Request.Context(), commit.Key{Scope: httpx.IdempotencyScope(c), Name: "form:" + key,
		RequestHash: commit.RequestHash("POST", c.Request.URL.Path, []byte(receivedAt+"\n"+reason+"\n"+form.Name+"\n"+form.IBAN))})
	var err error // a repeat of a refused request is refused again, with the same error
	switch action {
	case "confirm":
		_, err = h.Donations.Confirm(ctx, httpx.CurrentUser(c), id, donations.Confirmation{ReceivedAt: receivedAt})
	case "cancel":
		_, err = h.Donations.Cancel(ctx, httpx.CurrentUser(c), id)
	case "refund":
		_, err = h.Donations.Refund(ctx, httpx.CurrentUser(c), id, donations.Refund{Reason: reason})
	case "refund-account":
		_, err = h.Donations.SetRefundAccount(ctx, httpx.CurrentUser(c), id, donations.RefundAccount{Name: form.Name, IBAN: form.IBAN})
	}
	if err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid, errs.InsufficientFunds, errs.InvalidState: // said on the form, with what was typed
			d, findErr := h.Donations.Find(c.Request.Context(), httpx.CurrentUser(c), id)
			if findErr != nil {
				h.renderError(c, findErr)
				return
			}
			status, msg := h.pageProblem(c, err)
			h.showAction(c, status, action, d, h.fieldMessages(c, err), msg, form)
		default:
			h.renderError(c, err)
		}
		return
	}
	d, err := h.Donations.Find(c.Request.Context(), httpx.CurrentUser(c), id)
	if err != nil {
		h.renderError(c, err)
		return
	}
	done := map[string]string{"confirm": "confirmed", "cancel": "cancelled", "refund": "refunded", "refund-account": "refund-account"}[action]
	c.Redirect(http.StatusSeeOther, "/treasurer/donations?status=all&done="+done+"&ref="+d.Reference)
}
