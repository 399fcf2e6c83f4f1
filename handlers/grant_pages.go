package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/auth"
	"fundus/commit"
	"fundus/errs"
	"fundus/grants"
)

// The pages of project groups (/apply, /grants/{id}), the committee
// (/committee) and the treasurers (/treasurer/grants). One detail page
// serves everybody who may see an application; it shows each role the
// forms of its next steps.

// applyPage: GET /apply. A signed-in group sees its applications; anybody
// else can register.
func (s *Server) applyPage(c *gin.Context) {
	s.showApply(c, http.StatusOK, nil, "", registerForm{})
}

type registerForm struct{ Name, Organisation, Email string }

func (s *Server) showApply(c *gin.Context, status int, fieldErrs map[string]string, problem string, f registerForm) {
	u := currentUser(c)
	data := map[string]any{"SignedIn": u != nil, "Errors": fieldErrs, "Problem": problem, "Form": f}
	if u != nil && u.HasRole(auth.Applicant) {
		items, _, err := s.grants.List(c.Request.Context(), u, grants.Filter{Limit: 500})
		if err != nil {
			s.renderError(c, err)
			return
		}
		data["Items"] = items
	}
	s.render(c, status, "apply", "apply.title", data)
}

// register: POST /apply/register. Registers a project group and signs it in.
func (s *Server) registerPage(c *gin.Context) {
	f := registerForm{Name: c.PostForm("name"), Organisation: c.PostForm("organisation"), Email: c.PostForm("email")}
	password := c.PostForm("password")
	_, err := s.auth.Register(c.Request.Context(), auth.Registration{Email: f.Email, Name: f.Name, Organisation: f.Organisation, Password: password})
	if err != nil {
		if errs.Is(errs.Invalid, err) {
			s.showApply(c, problemTypeOf(err).Status, s.fieldMessages(c, err), "", f)
			return
		}
		s.renderError(c, err)
		return
	}
	sess, err := s.auth.SignIn(c.Request.Context(), auth.Credentials{Email: f.Email, Password: password}, c.ClientIP())
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.startSession(c, sess.Token, int(s.auth.SessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, "/apply")
}

// appForm is the application form as typed.
type appForm struct {
	Title, Organisation, Summary, Description, StartsOn, EndsOn, Requested, Holder, IBAN, BIC string
	Budget                                                                                    []budgetLine
}

type budgetLine struct{ Item, Amount string }

func formOf(a *grants.Application) appForm {
	f := appForm{Title: a.Title, Organisation: a.Organisation, Summary: a.Summary, Description: a.Description,
		StartsOn: a.StartsOn, EndsOn: a.EndsOn, Requested: a.RequestedAmount.String(), Holder: a.Payee.Holder, IBAN: a.Payee.IBAN, BIC: a.Payee.BIC}
	for _, b := range a.Budget {
		f.Budget = append(f.Budget, budgetLine{b.Item, b.Amount.String()})
	}
	return f
}

func (s *Server) showAppForm(c *gin.Context, status int, id string, f appForm, fieldErrs map[string]string) {
	action := "/apply/new"
	if id != "" {
		action = "/grants/" + id + "/edit"
	}
	s.render(c, status, "application_form", "apply.new", map[string]any{"ID": id, "Action": action, "Form": f, "Errors": fieldErrs})
}

// newApplicationPage: GET /apply/new.
func (s *Server) newApplicationPage(c *gin.Context) {
	u := currentUser(c)
	s.showAppForm(c, http.StatusOK, "", appForm{Organisation: u.Organisation, Holder: u.Organisation,
		Budget: []budgetLine{{}, {}}}, nil)
}

// editApplicationPage: GET /grants/{id}/edit.
func (s *Server) editApplicationPage(c *gin.Context) {
	a, err := s.grants.Find(c.Request.Context(), currentUser(c), c.Param("id"))
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.showAppForm(c, http.StatusOK, a.ID, formOf(a), nil)
}

// decimalComma is how people write an amount in German: 25,50.
var decimalComma = regexp.MustCompile(`^[0-9]+,[0-9]{1,2}$`)

// formAmount reads an amount typed on a form: German visitors may use a
// decimal comma ("25,50" -> "25.50"); anything else goes to the domain's
// strict parser as typed. The API accepts only the dot.
func (s *Server) formAmount(c *gin.Context, v string) string {
	v = strings.TrimSpace(v)
	if pageLang(c) == "de" && decimalComma.MatchString(v) {
		return strings.Replace(v, ",", ".", 1)
	}
	return v
}

// saveApplication: POST /apply/new and /grants/{id}/edit. Adds or removes
// a budget row (re-showing the form, nothing saved) or saves the draft.
func (s *Server) saveApplication(c *gin.Context) {
	f := appForm{Title: c.PostForm("title"), Organisation: c.PostForm("organisation"), Summary: c.PostForm("summary"),
		Description: c.PostForm("description"), StartsOn: c.PostForm("starts_on"), EndsOn: c.PostForm("ends_on"),
		Requested: c.PostForm("requested_amount"), Holder: c.PostForm("payee_holder"), IBAN: c.PostForm("payee_iban"), BIC: c.PostForm("payee_bic")}
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
		s.showAppForm(c, http.StatusOK, id, f, nil)
		return
	}
	if r := c.PostForm("remove_row"); r != "" {
		if i, err := strconv.Atoi(r); err == nil && i >= 0 && i < len(f.Budget) {
			f.Budget = append(f.Budget[:i], f.Budget[i+1:]...)
		}
		s.showAppForm(c, http.StatusOK, id, f, nil)
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
	var sum int64
	sumOK := true
	for _, b := range f.Budget {
		amount := s.formAmount(c, b.Amount)
		in.Budget = append(in.Budget, grants.BudgetInput{Item: b.Item, Amount: fundus.Amount(amount)})
		minor, err := fundus.ParseAmount("", fundus.Amount(amount), fundus.EUR, fundus.Positive, 1<<50)
		sum, sumOK = sum+minor, sumOK && err == nil
	}
	switch {
	case strings.TrimSpace(f.Requested) != "":
		in.RequestedAmount = fundus.Amount(s.formAmount(c, f.Requested))
	case sumOK && sum > 0: // left empty: the budget's sum
		in.RequestedAmount = fundus.Amount(fundus.FormatMinor(sum, fundus.EUR))
	}
	var out commit.Outcome[*grants.Application]
	var err error
	if id == "" {
		out, err = s.grants.Create(c.Request.Context(), currentUser(c), in)
	} else {
		out, err = s.grants.Update(c.Request.Context(), currentUser(c), id, func(cur *grants.Input) error { *cur = in; return nil })
	}
	a := out.Value
	if errs.Is(errs.Invalid, err) {
		s.showAppForm(c, problemTypeOf(err).Status, id, f, s.fieldMessages(c, err))
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/grants/"+a.ID)
}

// grantPage: GET /grants/{id}.
func (s *Server) grantPage(c *gin.Context) {
	a, err := s.grants.Find(c.Request.Context(), currentUser(c), c.Param("id"))
	if err != nil {
		s.renderError(c, err)
		return
	}
	flash := ""
	if c.Query("done") != "" {
		flash = s.web.T(pageLang(c), "grants.done")
	}
	s.showGrant(c, http.StatusOK, a, flash, "", nil)
}

func (s *Server) showGrant(c *gin.Context, status int, a *grants.Application, flash, problem string, fieldErrs map[string]string) {
	u := currentUser(c)
	c.Request.ParseForm()
	s.render(c, status, "grant", "grant.title_field", map[string]any{
		"A": a, "Flash": flash, "Problem": problem, "Errors": fieldErrs, "Scores": []int{5, 4, 3, 2, 1},
		"Form":        func(name string) string { return c.Request.PostForm.Get(name) },
		"IsOwner":     u.HasRole(auth.Applicant) && !u.Allowed(fundus.ReadAllApplications),
		"IsCommittee": u.Allowed(fundus.ReviewApplications),
		"IsTreasurer": u.Allowed(fundus.CreateDisbursement) || u.Allowed(fundus.ReleaseDisbursement),
		"CanClose":    u.Allowed(fundus.CloseApplication),
	})
}

// grantAction: POST /grants/{id}/{action}.
func (s *Server) grantAction(c *gin.Context) {
	ctx, u, id := c.Request.Context(), currentUser(c), c.Param("id")
	var err error
	switch c.Param("action") {
	case "submit":
		_, err = s.grants.Submit(ctx, u, id)
	case "withdraw":
		_, err = s.grants.Withdraw(ctx, u, id)
	case "report":
		_, err = s.grants.Report(ctx, u, id, grants.ReportInput{Spent: fundus.Amount(s.formAmount(c, c.PostForm("spent"))), Report: c.PostForm("report")})
	case "review":
		score, _ := strconv.Atoi(c.PostForm("score"))
		_, err = s.grants.AddReview(ctx, u, id, grants.ReviewInput{Score: score, Comment: c.PostForm("comment"), ConflictOfInterest: c.PostForm("conflict_of_interest") != ""})
	case "vote":
		_, err = s.grants.CastVote(ctx, u, id, grants.VoteInput{Vote: c.PostForm("vote")})
	case "decide":
		in := grants.DecisionInput{Decision: c.PostForm("decision"), Conditions: c.PostForm("conditions")}
		if v := strings.TrimSpace(c.PostForm("amount")); v != "" {
			in.Amount = fundus.Amount(s.formAmount(c, v))
		}
		_, err = s.grants.Decide(ctx, u, id, in)
	case "disburse":
		_, err = s.grants.CreateDisbursement(ctx, u, id, grants.DisbursementInput{Amount: fundus.Amount(s.formAmount(c, c.PostForm("instalment_amount")))})
	case "close":
		in := grants.CloseInput{}
		if v := strings.TrimSpace(c.PostForm("returned")); v != "" {
			in.Returned = fundus.Amount(s.formAmount(c, v))
		}
		_, err = s.grants.Close(ctx, u, id, in)
	default:
		err = errs.E(errs.NotFound, "no such action")
	}
	s.afterGrantAction(c, id, c.Param("action"), err)
}

// releasePage: POST /payouts/{id}/release.
func (s *Server) releasePage(c *gin.Context) {
	out, err := s.grants.Release(c.Request.Context(), currentUser(c), c.Param("id"))
	appID := c.PostForm("application_id")
	if out.Value != nil {
		appID = out.Value.ApplicationID
	}
	s.afterGrantAction(c, appID, "release", err)
}

// afterGrantAction goes back to the application, or shows it with what went
// wrong: the message of the error's kind (pageProblem), field errors beside
// the fields of the form that was sent (keyed "<action>.<field>", since two
// forms may have an "amount"), and what was typed kept.
func (s *Server) afterGrantAction(c *gin.Context, id, action string, err error) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/grants/"+id+"?done=1")
		return
	}
	a, findErr := s.grants.Find(c.Request.Context(), currentUser(c), id)
	if findErr != nil {
		s.renderError(c, err)
		return
	}
	switch errs.KindOf(err) {
	case errs.Invalid, errs.InsufficientFunds, errs.InvalidState, errs.Forbidden:
		fieldErrs := map[string]string{}
		for k, v := range s.fieldMessages(c, err) {
			fieldErrs[action+"."+k] = v
		}
		status, msg := s.pageProblem(c, err)
		s.showGrant(c, status, a, "", msg, fieldErrs)
	default:
		s.renderError(c, err)
	}
}

// grantsList shows the applications in the given states.
func (s *Server) grantsList(heading string, states ...grants.Status) gin.HandlerFunc {
	return func(c *gin.Context) {
		var items []*grants.Application
		for _, st := range states {
			as, _, err := s.grants.List(c.Request.Context(), currentUser(c), grants.Filter{Status: st, Limit: 500})
			if err != nil {
				s.renderError(c, err)
				return
			}
			items = append(items, as...)
		}
		s.render(c, http.StatusOK, "grants_list", heading, map[string]any{"Heading": heading, "Items": items})
	}
}

// requireSignIn sends an anonymous visitor to the sign-in page.
func requireSignIn(c *gin.Context) {
	if currentUser(c) == nil {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	c.Next()
}
