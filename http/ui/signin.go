package ui

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/errs"
	"fundus/http/httpx"
)

// loginPage: GET /login.
func (h *Handler) loginPage(c *gin.Context) {
	h.render(c, http.StatusOK, "login", "login.title", map[string]string{"Next": localPath(c.Query("next"), "")})
}

// login: POST /login. Signs in and sets the session cookie.
func (h *Handler) login(c *gin.Context) {
	email, next := c.PostForm("email"), localPath(c.PostForm("next"), "")
	sess, err := h.Auth.SignIn(c.Request.Context(), auth.Credentials{Email: email, Password: c.PostForm("password")}, c.ClientIP())
	if err != nil {
		status, msg := h.pageProblem(c, err)
		switch errs.KindOf(err) {
		case errs.Unauthenticated, errs.Invalid: // the same words for a wrong address and a wrong password
			msg = h.Web.T(pageLang(c), "login.wrong")
		case errs.RateLimited:
			httpx.WriteProblemHeaders(c, err, status)
		default:
			h.renderError(c, err)
			return
		}
		h.render(c, status, "login", "login.title", map[string]string{"Email": email, "Next": next, "Error": msg})
		return
	}
	h.startSession(c, sess.Token, int(time.Until(sess.ExpiresAt).Seconds()))
	if next == "" {
		next = "/"
		if sess.User.HasRole(auth.Treasurer) {
			next = "/treasurer/donations"
		}
		if sess.User.HasRole(auth.Committee) { // the queue of what waits for them
			next = "/committee"
		}
	}
	c.Redirect(http.StatusSeeOther, next)
}

// logout: POST /logout.
func (h *Handler) logout(c *gin.Context) {
	if token := httpx.Token(c); token != "" {
		h.Auth.SignOut(c.Request.Context(), token) // an already dead session is fine here
	}
	h.setCookie(c, sessionCookie, "", -1)
	h.renewAnonymousID(c)
	c.Redirect(http.StatusSeeOther, "/")
}

// startSession sets the session cookie of a sign-in and renews the
// anonymous id, so the forms' token from before sign-in is dead.
func (h *Handler) startSession(c *gin.Context, token string, maxAge int) {
	h.setCookie(c, sessionCookie, token, maxAge)
	h.renewAnonymousID(c)
}
