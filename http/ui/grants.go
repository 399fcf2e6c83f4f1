package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/auth"
	"fundus/commit"
	"fundus/errs"
	"fundus/grants"
	"fundus/http/httpx"
)

// The pages of project groups (/apply, /grants/{id}), the committee
// (/committee) and the treasurers (/treasurer/grants). One detail page
// serves everybody who may see an application; it shows each role the
// forms of its next steps.

// applyPage: GET /apply. A signed-in group sees its applications; anybody
// else can register.
func (h *Handler) applyPage(c *gin.Context) {
	h.showApply(c, http.StatusOK, nil, "", registerForm{})
}

type registerForm struct{ Name, Organisation, Email string }

func (h *Handler) showApply(c *gin.Context, status int, fieldErrs map[string]string, problem string, f registerForm) {
	u := httpx.CurrentUser(c)
	data := map[string]any{"SignedIn": u != nil, "Errors": fieldErrs, "Problem": problem, "Form": f}
	if c.Query("done") == "registered" && u != nil {
		data["Flash"] = h.Web.T(pageLang(c), "apply.registered")
	}
	if u != nil && u.HasRole(auth.Applicant) {
		data["Unconfirmed"] = h.Auth.ConfirmAddresses && !u.AddressConfirmed
		items, _, err := h.Grants.List(c.Request.Context(), u, grants.Filter{Limit: 500})
		if err != nil {
			h.renderError(c, err)
			return
		}
		data["Items"] = items
	}
	h.render(c, status, "apply", "apply.title", data)
}

// register: POST /apply/register. Registers a project group and signs it in.
func (h *Handler) registerPage(c *gin.Context) {
	f := registerForm{Name: c.PostForm("name"), Organisation: c.PostForm("organisation"), Email: c.PostForm("email")}
	password := c.PostForm("password")
	if h.Auth.ConfirmAddresses {
		h.registerByMail(c, f, password)
		return
	}
	_, err := h.Auth.Register(c.Request.Context(), auth.Registration{Email: f.Email, Name: f.Name, Organisation: f.Organisation, Password: password, Lang: pageLang(c)})
	if err != nil {
		if errs.Is(errs.Invalid, err) {
			h.showApply(c, httpx.ProblemTypeOf(err).Status, h.fieldMessages(c, err), "", f)
			return
		}
		h.renderError(c, err)
		return
	}
	sess, err := h.Auth.SignIn(c.Request.Context(), auth.Credentials{Email: f.Email, Password: password}, c.ClientIP())
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.startSession(c, sess.Token, int(h.Auth.SessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, "/apply?done=registered")
}

// appForm is the application form as typed.
type appForm struct {
	Title, Organisation, Summary, Description, StartsOn, EndsOn, Requested, Holder, IBAN, BIC string
	Budget                                                                                    []budgetLine
	Recognition                                                                               grants.Recognition
}

type budgetLine struct{ Item, Amount string }

func formOf(a *grants.Application) appForm {
	f := appForm{Title: a.Title, Organisation: a.Organisation, Summary: a.Summary, Description: a.Description,
		StartsOn: a.StartsOn, EndsOn: a.EndsOn, Requested: a.RequestedAmount.String(), Holder: a.Payee.Holder, IBAN: a.Payee.IBAN, BIC: a.Payee.BIC}
	for _, b := range a.Budget {
		f.Budget = append(f.Budget, budgetLine{b.Item, b.Amount.String()})
	}
	if a.Recognition != nil {
		f.Recognition = *a.Recognition
	}
	return f
}

func (h *Handler) showAppForm(c *gin.Context, status int, id string, f appForm, fieldErrs map[string]string) {
	action := "/apply/new"
	if id != "" {
		action = "/grants/" + id + "/edit"
	}
	h.render(c, status, "application_form", "apply.new", map[string]any{"ID": id, "Action": action, "Form": f, "Errors": fieldErrs})
}

// newApplicationPage: GET /apply/new.
func (h *Handler) newApplicationPage(c *gin.Context) {
	u := httpx.CurrentUser(c)
	h.showAppForm(c, http.StatusOK, "", appForm{Organisation: u.Organisation, Holder: u.Organisation,
		Budget: []budgetLine{{}, {}}}, nil)
}

// editApplicationPage: GET /grants/{id}/edit.
func (h *Handler) editApplicationPage(c *gin.Context) {
	a, err := h.Grants.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.showAppForm(c, http.StatusOK, a.ID, formOf(a), nil)
}

// saveApplication: POST /apply/new and /grants/{id}/edit. Adds or removes
// a budget row (re-showing the form, nothing saved) or saves the draft.
func (h *Handler) saveApplication(c *gin.Context) {
	f := appForm{Title: c.PostForm("title"), Organisation: c.PostForm("organisation"), Summary: c.PostForm("summary"),
		Description: c.PostForm("description"), StartsOn: c.PostForm("starts_on"), EndsOn: c.PostForm("ends_on"),
		Requested: c.PostForm("requested_amount"), Holder: c.PostForm("payee_holder"), IBAN: c.PostForm("payee_iban"), BIC: c.PostForm("payee_bic"),
		Recognition: grants.Recognition{Kind: grants.RecognitionKind(c.PostForm("recognition_kind")), Authority: c.PostForm("recognition_authority"),
			Notice: c.PostForm("recognition_notice"), NoticeDate: c.PostForm("recognition_notice_date"), Sponsor: c.PostForm("recognition_sponsor")}}
	for i := 0; i < 50; i++ {
		item, ok1 := c.GetPostForm("budget_item_" + strconv.Itoa(i))
		amount, ok2 := c.GetPostForm("budget_amount_" + strconv.Itoa(i))
		if !ok1 && !ok2 {
			break
		}
		f.Budget = append(f.Budget, budgetLine{item, amount})
	}
	id := c.Param("id")
	if c.PostForm("add_row") != "" {
		f.Budget = append(f.Budget, budgetLine{})
		h.showAppForm(c, http.StatusOK, id, f, nil)
		return
	}
	if r := c.PostForm("remove_row"); r != "" {
		if i, err := strconv.Atoi(r); err == nil && i >= 0 && i < len(f.Budget) {
			f.Budget = append(f.Budget[:i], f.Budget[i+1:]...)
		}
		h.showAppForm(c, http.StatusOK, id, f, nil)
		return
	}
	// Empty rows are no items; dropping them here keeps the rows of the
	// form and the items the errors name in step.
	rows := f.Budget[:0]
	for _, b := range f.Budget {
		if strings.TrimSpace(b.Item) != "" || strings.TrimSpace(b.Amount) != "" {
			rows = append(rows, b)
		}
	}
	f.Budget = rows
	in := grants.Input{Title: f.Title, Organisation: f.Organisation, Summary: f.Summary, Description: f.Description,
		StartsOn: f.StartsOn, EndsOn: f.EndsOn, Payee: grants.Payee{Holder: f.Holder, IBAN: f.IBAN, BIC: f.BIC}}
	if r := f.Recognition; r != (grants.Recognition{}) {
		in.Recognition = &r
	}
	var sum int64
	sumOK := true
	for _, b := range f.Budget {
		amount := h.formAmount(c, b.Amount)
		in.Budget = append(in.Budget, grants.BudgetInput{Item: b.Item, Amount: fundus.Amount(amount)})
		minor, err := fundus.ParseAmount("", fundus.Amount(amount), fundus.EUR, fundus.Positive, 1<<50)
		sum, sumOK = sum+minor, sumOK && err == nil
	}
	switch {
	case strings.TrimSpace(f.Requested) != "":
		in.RequestedAmount = fundus.Amount(h.formAmount(c, f.Requested))
	case sumOK && sum > 0: // left empty: the budget's sum
		in.RequestedAmount = fundus.Amount(fundus.FormatMinor(sum, fundus.EUR))
	}
	var out commit.Outcome[*grants.Application]
	var err error
	if id == "" {
		out, err = h.Grants.Create(c.Request.Context(), httpx.CurrentUser(c), in)
	} else {
		out, err = h.Grants.Update(c.Request.Context(), httpx.CurrentUser(c), id, func(cur *grants.Input) error { *cur = in; return nil })
	}
	a := out.Value
	if errs.Is(errs.Invalid, err) {
		h.showAppForm(c, httpx.ProblemTypeOf(err).Status, id, f, h.fieldMessages(c, err))
		return
	}
	if err != nil {
		h.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/grants/"+a.ID+"?done=save")
}

// grantPage: GET /grants/{id}.
func (h *Handler) grantPage(c *gin.Context) {
	a, err := h.Grants.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	flash := ""
	if done := c.Query("done"); done != "" {
		flash = h.Web.T(pageLang(c), "grants.done")
		// The group's and the committee's steps say what happened and
		// what comes next.
		if id := "apply.done_" + done; h.Web.T(pageLang(c), id) != id {
			flash = h.Web.T(pageLang(c), id)
		}
		if id := "committee.done_" + done; h.Web.T(pageLang(c), id) != id {
			flash = h.Web.T(pageLang(c), id, "Status", h.Web.T(pageLang(c), "gstatus."+string(a.Status)))
		}
	}
	h.showGrant(c, http.StatusOK, a, flash, "", nil)
}

func (h *Handler) showGrant(c *gin.Context, status int, a *grants.Application, flash, problem string, fieldErrs map[string]string) {
	u := httpx.CurrentUser(c)
	c.Request.ParseForm()
	var d *grants.Deliberation
	var earlier []*grants.Application
	if u.Allowed(fundus.ReviewApplications) { // the committee's section and the group's other applications
		var err error
		if d, err = h.Grants.Deliberation(c.Request.Context(), u, a.ID); err != nil {
			h.renderError(c, err)
			return
		}
		if earlier, err = h.Grants.Earlier(c.Request.Context(), u, a.ID); err != nil {
			h.renderError(c, err)
			return
		}
	}
	h.render(c, status, "grant", "grant.title_field", map[string]any{
		"D": d, "Earlier": earlier,
		"A": a, "Flash": flash, "Problem": problem, "Errors": fieldErrs, "Scores": []int{1, 2, 3, 4, 5},
		"Form":        func(name string) string { return c.Request.PostForm.Get(name) },
		"Budget":      a.BudgetTotal(),
		"IsOwner":     u.HasRole(auth.Applicant) && !u.Allowed(fundus.ReadAllApplications),
		"IsCommittee": u.Allowed(fundus.ReviewApplications),
		"IsTreasurer": u.Allowed(fundus.CreateDisbursement) || u.Allowed(fundus.ReleaseDisbursement),
		"CanClose":    u.Allowed(fundus.CloseApplication),
		"Bank":        h.Donations.Bank, "PayBackRef": grants.PayBackReference(a), "Owed": owedBack(a),
		"MaxReceipts": grants.MaxReceipts, "MaxReceiptMiB": grants.MaxReceiptSize >> 20,
		"RecognitionWarning": grants.RecognitionWarning(a, fundus.DayOf(time.Now())),
	})
}

// grantAction: POST /grants/{id}/{action}.
func (h *Handler) grantAction(c *gin.Context) {
	ctx, u, id := c.Request.Context(), httpx.CurrentUser(c), c.Param("id")
	var err error
	switch c.Param("action") {
	case "submit":
		_, err = h.Grants.Submit(ctx, u, id)
	case "withdraw":
		_, err = h.Grants.Withdraw(ctx, u, id)
	case "report":
		var files []grants.Upload
		if files, err = uploads(c); err == nil {
			_, err = h.Grants.Report(ctx, u, id, grants.ReportInput{Spent: fundus.Amount(h.formAmount(c, c.PostForm("spent"))), Report: c.PostForm("report"), Receipts: files})
		}
	case "review":
		score, _ := strconv.Atoi(c.PostForm("score"))
		_, err = h.Grants.AddReview(ctx, u, id, grants.ReviewInput{Score: score, Comment: c.PostForm("comment"), ConflictOfInterest: c.PostForm("conflict_of_interest") != ""})
	case "vote":
		_, err = h.Grants.CastVote(ctx, u, id, grants.VoteInput{Vote: c.PostForm("vote")})
	case "decide":
		if c.PostForm("confirmed") == "" {
			h.decideConfirmPage(c, id)
			return
		}
		in := grants.DecisionInput{Decision: c.PostForm("decision"), Conditions: c.PostForm("conditions")}
		if v := strings.TrimSpace(c.PostForm("amount")); v != "" {
			in.Amount = fundus.Amount(h.formAmount(c, v))
		}
		_, err = h.Grants.Decide(ctx, u, id, in)
	case "disburse":
		_, err = h.Grants.CreateDisbursement(ctx, u, id, grants.DisbursementInput{Amount: fundus.Amount(h.formAmount(c, c.PostForm("instalment_amount")))})
	case "close":
		in := grants.CloseInput{}
		if v := strings.TrimSpace(c.PostForm("returned")); v != "" {
			in.Returned = fundus.Amount(h.formAmount(c, v))
		}
		_, err = h.Grants.Close(ctx, u, id, in)
	default:
		err = errs.E(errs.NotFound, "no such action")
	}
	h.afterGrantAction(c, id, c.Param("action"), err)
}

// releaseConfirmPage: GET /payouts/{id}/release?application=ID, the
// confirmation step before a release: how much, to whom (holder, IBAN,
// BIC), for what.
func (h *Handler) releaseConfirmPage(c *gin.Context) {
	a, err := h.Grants.Find(c.Request.Context(), httpx.CurrentUser(c), c.Query("application"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	for _, d := range a.Disbursements {
		if d.ID == c.Param("id") {
			data := map[string]any{"A": a, "D": d}
			// One who may not release it (four eyes) is told so instead of
			// being offered the button; Release refuses them anyway.
			if ps, err := h.Grants.PendingRelease(c.Request.Context(), httpx.CurrentUser(c)); err == nil {
				for _, p := range ps {
					if p.Disbursement.ID == d.ID && p.Blocked != "" {
						data["Blocked"] = string(p.Blocked)
					}
				}
			}
			h.render(c, http.StatusOK, "release_confirm", "release.title", data)
			return
		}
	}
	h.renderError(c, errs.E(errs.NotFound, "no such instalment"))
}

// releasePage: POST /payouts/{id}/release.
func (h *Handler) releasePage(c *gin.Context) {
	out, err := h.Grants.Release(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	appID := c.PostForm("application_id")
	if out.Value != nil {
		appID = out.Value.ApplicationID
	}
	h.afterGrantAction(c, appID, "release", err)
}

// afterGrantAction goes back to the application, or shows it with what went
// wrong: the message of the error's kind (pageProblem), field errors beside
// the fields of the form that was sent (keyed "<action>.<field>", since two
// forms may have an "amount"), and what was typed kept.
func (h *Handler) afterGrantAction(c *gin.Context, id, action string, err error) {
	if err == nil {
		done := action
		if action == "review" && c.PostForm("conflict_of_interest") != "" {
			done = "conflict"
		}
		c.Redirect(http.StatusSeeOther, "/grants/"+id+"?done="+url.QueryEscape(done))
		return
	}
	a, findErr := h.Grants.Find(c.Request.Context(), httpx.CurrentUser(c), id)
	if findErr != nil {
		h.renderError(c, err)
		return
	}
	switch errs.KindOf(err) {
	case errs.Invalid, errs.InsufficientFunds, errs.InvalidState, errs.Forbidden:
		fieldErrs := map[string]string{}
		for k, v := range h.fieldMessages(c, err) {
			fieldErrs[action+"."+k] = v
		}
		status, msg := h.pageProblem(c, err)
		h.showGrant(c, status, a, "", msg, fieldErrs)
	default:
		h.renderError(c, err)
	}
}

// grantsList shows the applications in the given states.
func (h *Handler) grantsList(heading string, states ...grants.Status) gin.HandlerFunc {
	return func(c *gin.Context) {
		var items []*grants.Application
		for _, st := range states {
			as, _, err := h.Grants.List(c.Request.Context(), httpx.CurrentUser(c), grants.Filter{Status: st, Limit: 500})
			if err != nil {
				h.renderError(c, err)
				return
			}
			items = append(items, as...)
		}
		if wantsCSV(c) {
			grantsCSV(c, "fundus-"+heading, items)
			return
		}
		h.render(c, http.StatusOK, "grants_list", heading, map[string]any{"Heading": heading, "Items": items, "CSVURL": csvURL(c)})
	}
}

// requireSignIn sends an anonymous visitor to the sign-in page.
func requireSignIn(c *gin.Context) {
	if httpx.CurrentUser(c) == nil {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	c.Next()
}

// owedBack is what the group must pay back, as its page says it: after the
// report, what was paid and not spent; after closing, what the committee
// recorded as owed back. Nil when nothing is owed.
func owedBack(a *grants.Application) *fundus.Money {
	var owed int64
	switch {
	case a.Status == grants.Closed && a.Returned != nil:
		owed = a.Returned.Minor
	case a.Status == grants.Reported && a.Spent != nil:
		owed = a.PaidAmount.Minor - a.Spent.Minor
	}
	if owed <= 0 {
		return nil
	}
	m := fundus.EURCents(owed)
	return &m
}
