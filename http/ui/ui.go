// Package ui is Fundus's pages for people: the fund page, donating, the
// treasurer's and the grant pages, signing in. One file per page group,
// every route in routes.go. The pages call the same domain packages as the
// JSON API (http/api) and answer from the same problem table
// (http/httpx); they differ in how they sign in (a session cookie), how
// they guard forms (a CSRF token in every POST form, bound to the session,
// csrf.go) and how they show errors (next to the field, translated,
// errors.go).
package ui

import (
	"crypto/rand"
	"encoding/base64"
	"fundus"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"fundus/audit"
	"fundus/auth"
	"fundus/bank"
	"fundus/donations"
	"fundus/errs"
	"fundus/grants"
	"fundus/http/httpx"
	"fundus/ledger"
	"fundus/receipts"
	"fundus/retention"
	"fundus/web"
)

// Handler holds what the pages call.
type Handler struct {
	// TrustedProxies are the proxies whose X-Forwarded-Proto is believed;
	// nil: none.
	TrustedProxies []string
	// ExampleAccount says the bank account is the built-in example, so the
	// pages warn donors not to transfer.
	ExampleAccount bool
	Auth           *auth.Service
	Ledger         *ledger.Service
	Audit          *audit.Service
	Donations      *donations.Service
	Grants         *grants.Service
	Bank           *bank.Service
	Retention      *retention.Service
	Receipts       *receipts.Service
	Web            *web.Renderer
	// Limiter guards sign-in and the public forms.
	Limiter *httpx.RateLimiter
	// Fund is the public figures, shared with the API.
	Fund *httpx.FundCache
}

const (
	sessionCookie = "fundus_session"
	// csrfCookie holds an anonymous visitor's random id, from which the
	// CSRF token of its forms is derived (csrfToken); renewed at sign-in
	// and sign-out.
	csrfCookie = "fundus_csrf"
	langCookie = "fundus_lang"
	ctxLang    = "fundus.lang"
	ctxCSRF    = "fundus.csrf"
	// ctxPath is the path a page stands for where it is not the request's
	// (a POST's answer that has its own address): the language switcher
	// goes back to it.
	ctxPath = "fundus.path"
)

// pageContext picks the language, signs in from the session cookie (a dead
// session is simply anonymous on pages), and sets the CSRF token of this
// browser's forms: derived from its session, or before sign-in from its
// anonymous id (made here if missing).
func (h *Handler) pageContext(c *gin.Context) {
	h.pageCSP(c)
	langC, _ := c.Cookie(langCookie)
	c.Set(ctxLang, web.Lang(langC, c.GetHeader("Accept-Language")))
	if token, err := c.Cookie(sessionCookie); err == nil && token != "" {
		if u, err := h.Auth.Authenticate(c.Request.Context(), token); err == nil {
			httpx.SetUser(c, u, token)
			c.Set(ctxCSRF, csrfToken("session", token))
		} else {
			h.setCookie(c, sessionCookie, "", -1)
		}
	}
	if c.GetString(ctxCSRF) == "" {
		id, err := c.Cookie(csrfCookie)
		if err != nil || len(id) < 32 {
			id = h.renewAnonymousID(c)
		}
		c.Set(ctxCSRF, csrfToken("anonymous", id))
	}
	c.Next()
}

// limitPage is the rate limit for pages: the refusal is a page.
func (h *Handler) limitPage(c *gin.Context) {
	if err := h.Limiter.Check(c); err != nil {
		h.renderError(c, err)
		return
	}
	c.Next()
}

// requirePageRole sends an anonymous visitor to the sign-in page and
// refuses a signed-in one without the role.
func (h *Handler) requirePageRole(role auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := httpx.CurrentUser(c)
		if u == nil {
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		if !u.HasRole(role) {
			h.renderError(c, errs.E(errs.Forbidden, "your role does not allow this"))
			return
		}
		c.Next()
	}
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for the whole site,
// Secure when the request came over TLS. maxAge 0 means for the browser
// session, -1 deletes.
func (h *Handler) setCookie(c *gin.Context, name, value string, maxAge int) {
	secure := c.Request.TLS != nil || (h.TrustedProxies != nil && c.GetHeader("X-Forwarded-Proto") == "https")
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

func pageLang(c *gin.Context) string { return c.GetString(ctxLang) }

// staffLang: the staff's pages are in German and English
// (web.StaffLanguages); a visitor of another language gets them, their
// messages included, in English (web.Fallback) as a whole.
func staffLang(c *gin.Context) {
	c.Set(ctxLang, web.StaffLang(pageLang(c)))
	c.Next()
}

// render writes a page.
func (h *Handler) render(c *gin.Context, status int, name, title string, data any) {
	p := web.Page{
		Lang: pageLang(c), Path: c.Request.URL.Path, Title: title,
		CSRFToken: c.GetString(ctxCSRF), Data: data,
	}
	if path := c.GetString(ctxPath); path != "" {
		p.Path = path
	}
	if u := httpx.CurrentUser(c); u != nil {
		p.User, p.IsTreasurer, p.IsCommittee = u.Name, u.HasRole(auth.Treasurer), u.HasRole(auth.Committee)
		p.IsAdmin = u.HasRole(auth.Admin)
		p.IsAuditor = u.Allowed(fundus.ReadAudit)
	}
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := h.Web.Render(c.Writer, name, p); err != nil {
		httpx.WriteError(c, errs.E(errs.Internal, err))
	}
	c.Abort()
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// setLang: GET /lang?to=LANG&back=/path (LANG one of web.Languages). Stores the choice in a cookie and
// goes back (only to a path of this site).
func (h *Handler) setLang(c *gin.Context) {
	to := c.Query("to")
	if web.Lang(to, "") == to {
		h.setCookie(c, langCookie, to, 365*24*3600)
	}
	c.Redirect(http.StatusSeeOther, localPath(c.Query("back"), "/"))
}

// localPath returns p if it is a path on this site, else def: never a
// redirect to another host.
func localPath(p, def string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return def
	}
	return p
}

// serveStatic serves the CSS and JS.
func serveStatic() gin.HandlerFunc {
	fsys := http.FS(web.Static())
	files := http.StripPrefix("/static/", http.FileServer(fsys))
	return func(c *gin.Context) {
		if _, err := fs.Stat(web.Static(), strings.TrimPrefix(c.Param("filepath"), "/")); err != nil {
			httpx.WriteError(c, errs.E(errs.NotFound, "no such file"))
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(c.Writer, c.Request)
	}
}
