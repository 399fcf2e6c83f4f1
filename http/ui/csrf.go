package ui

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/errs"
)

// csrfToken derives the CSRF token of a browser's forms from a secret only
// that browser holds, in an HttpOnly cookie: its session token, or before
// sign-in its anonymous id. A page from another browser (another session,
// or this one's before sign-in) carries a token that does not match, and
// the token reveals nothing of the secret (HMAC-SHA-256 keyed with it). No
// server key is needed, so every instance checks every token.
func csrfToken(kind, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("fundus csrf v1 " + kind))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// renewAnonymousID gives the browser a new anonymous id: at its first
// page, and at sign-in and sign-out, so a token from before is dead.
func (h *Handler) renewAnonymousID(c *gin.Context) string {
	id := randomToken()
	h.setCookie(c, csrfCookie, id, 0)
	return id
}

// crossOrigin refuses unsafe requests that browsers mark as coming from
// another site (Sec-Fetch-Site, else Origin against Host), before the token
// is even looked at.
var crossOrigin = http.NewCrossOriginProtection()

// checkCSRF refuses a POST from another site, or whose csrf_token field is
// not the token of this browser's session (pageContext); it changes
// nothing.
func (h *Handler) checkCSRF(c *gin.Context) {
	if err := crossOrigin.Check(c.Request); err != nil {
		h.renderError(c, errs.E(errs.Forbidden, "a form from another site", err))
		return
	}
	want, form := c.GetString(ctxCSRF), c.PostForm("csrf_token")
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(form)) != 1 {
		h.renderError(c, errs.E(errs.Forbidden, "the form's csrf_token is missing or does not match"))
		return
	}
	c.Next()
}
