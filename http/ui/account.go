package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/errs"
	"fundus/http/httpx"
)

// The pages of one's own account: forgetting the password (a mailed link),
// choosing a new one from that link, confirming a group's address, and
// "my account" (change the password, sign out everywhere).

// forgotPage: GET /password-reset. Linked from /login.
func (h *Handler) forgotPage(c *gin.Context) {
	h.render(c, http.StatusOK, "password_forgot", "reset.title", map[string]any{"Email": ""})
}

// askReset: POST /password-reset. Shows the same page whether or not the
// address is registered.
func (h *Handler) askReset(c *gin.Context) {
	email := c.PostForm("email")
	err := h.Auth.RequestPasswordReset(c.Request.Context(), auth.PasswordReset{Email: email})
	if errs.Is(errs.Invalid, err) {
		h.render(c, httpx.ProblemTypeOf(err).Status, "password_forgot", "reset.title", map[string]any{
			"Email": email, "Errors": h.fieldMessages(c, err)})
		return
	}
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "password_forgot", "reset.title", map[string]any{"Sent": true,
		"Minutes": int(h.Auth.ResetLinkTTL().Minutes())})
}

// The link in a mail carries its token in the path: the page must not hand
// it on to another site.
func noReferrer(c *gin.Context) { c.Header("Referrer-Policy", "no-referrer") }

// newPasswordPage: GET /password-reset/{token}, from the mailed link.
func (h *Handler) newPasswordPage(c *gin.Context) {
	noReferrer(c)
	token := c.Param("token")
	if err := h.Auth.CheckResetToken(c.Request.Context(), token); err != nil {
		h.deadLink(c, err, "/password-reset")
		return
	}
	h.render(c, http.StatusOK, "password_new", "reset.new_title", map[string]any{"Token": token})
}

// deadLink shows that a mailed link is unknown, used or expired, and where
// to ask for a new one (again).
func (h *Handler) deadLink(c *gin.Context, err error, again string) {
	if !errs.Is(errs.NotFound, err) {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusNotFound, "link_dead", "link.dead_title", map[string]any{"Again": again})
}

// resetPassword: POST /password-reset/{token}. Sets the password and sends
// to the sign-in page.
func (h *Handler) resetPassword(c *gin.Context) {
	noReferrer(c)
	token, password := c.Param("token"), c.PostForm("password")
	if password != c.PostForm("password_again") {
		if err := h.Auth.CheckResetToken(c.Request.Context(), token); err != nil {
			h.deadLink(c, err, "/password-reset")
			return
		}
		h.render(c, http.StatusUnprocessableEntity, "password_new", "reset.new_title", map[string]any{
			"Token": token, "Errors": map[string]string{"password_again": h.Web.T(pageLang(c), "error.field.mismatch")}})
		return
	}
	err := h.Auth.ResetPassword(c.Request.Context(), token, auth.NewPassword{Password: password})
	if errs.Is(errs.Invalid, err) {
		h.render(c, httpx.ProblemTypeOf(err).Status, "password_new", "reset.new_title", map[string]any{
			"Token": token, "Errors": h.fieldMessages(c, err)})
		return
	}
	if err != nil {
		h.deadLink(c, err, "/password-reset")
		return
	}
	// Every session ended, this browser's too.
	h.setCookie(c, sessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/login?done=reset")
}

// confirmAddressPage: GET /confirm-address/{token}, from the mailed link.
// A button confirms: a mail program that opens links to look at them
// confirms nothing.
func (h *Handler) confirmAddressPage(c *gin.Context) {
	noReferrer(c)
	h.render(c, http.StatusOK, "confirm_address", "confirm.title", map[string]any{"Token": c.Param("token")})
}

// confirmAddress: POST /confirm-address/{token}.
func (h *Handler) confirmAddress(c *gin.Context) {
	noReferrer(c)
	if err := h.Auth.ConfirmAddress(c.Request.Context(), c.Param("token")); err != nil {
		again := "/account"
		h.deadLink(c, err, again)
		return
	}
	h.render(c, http.StatusOK, "confirm_address", "confirm.title", map[string]any{"Done": true})
}

// accountData is what the account page shows.
type accountData struct {
	User        *auth.User
	Sessions    int
	Unconfirmed bool // the address must be confirmed before submitting
	Notice      string
	Errors      map[string]string
}

// accountPage: GET /account.
func (h *Handler) accountPage(c *gin.Context) {
	notice := ""
	switch c.Query("done") {
	case "password":
		notice = "account.password_changed"
	case "confirmation":
		notice = "account.confirmation_sent"
	}
	h.showAccount(c, http.StatusOK, notice, nil)
}

func (h *Handler) showAccount(c *gin.Context, status int, notice string, fieldErrs map[string]string) {
	u := httpx.CurrentUser(c)
	n, err := h.Auth.Sessions(c.Request.Context(), u.ID)
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, status, "account", "account.title", accountData{
		User: u, Sessions: n, Unconfirmed: h.Auth.ConfirmAddresses && u.HasRole(auth.Applicant) && !u.AddressConfirmed,
		Notice: notice, Errors: fieldErrs,
	})
}

// changePassword: POST /account/password. This browser stays signed in;
// every other session ends.
func (h *Handler) changePassword(c *gin.Context) {
	pc := auth.PasswordChange{CurrentPassword: c.PostForm("current_password"), NewPassword: c.PostForm("new_password")}
	if pc.NewPassword != c.PostForm("new_password_again") {
		h.showAccount(c, http.StatusUnprocessableEntity, "", map[string]string{
			"new_password_again": h.Web.T(pageLang(c), "error.field.mismatch")})
		return
	}
	err := h.Auth.ChangePassword(c.Request.Context(), httpx.CurrentUser(c), httpx.Token(c), pc, c.ClientIP())
	if errs.Is(errs.Invalid, err) {
		h.showAccount(c, httpx.ProblemTypeOf(err).Status, "", h.fieldMessages(c, err))
		return
	}
	if err != nil {
		h.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/account?done=password")
}

// signOutEverywhere: POST /account/sign-out-everywhere. Every session of
// the user ends, this browser's too.
func (h *Handler) signOutEverywhere(c *gin.Context) {
	if err := h.Auth.SignOutEverywhere(c.Request.Context(), httpx.CurrentUser(c)); err != nil {
		h.renderError(c, err)
		return
	}
	h.setCookie(c, sessionCookie, "", -1)
	h.renewAnonymousID(c)
	c.Redirect(http.StatusSeeOther, "/login?done=everywhere")
}

// resendConfirmation: POST /account/confirm-address. Mails a new link.
func (h *Handler) resendConfirmation(c *gin.Context) {
	if err := h.Auth.ResendConfirmation(c.Request.Context(), httpx.CurrentUser(c)); err != nil {
		h.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/account?done=confirmation")
}

// registerByMail registers a group whose address is confirmed by mail
// (FUNDUS_REGISTRATION_CONFIRM): the same page follows for a new and a
// known address, and nobody is signed in.
func (h *Handler) registerByMail(c *gin.Context, f registerForm, password string) {
	err := h.Auth.RegisterByMail(c.Request.Context(), auth.Registration{Email: f.Email, Name: f.Name, Organisation: f.Organisation,
		Password: password, Lang: pageLang(c)})
	if errs.Is(errs.Invalid, err) {
		h.showApply(c, httpx.ProblemTypeOf(err).Status, h.fieldMessages(c, err), "", f)
		return
	}
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "registered", "registered.title", map[string]any{"Email": f.Email})
}
