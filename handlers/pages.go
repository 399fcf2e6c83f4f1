package handlers

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/errs"
	"fundus/web"
)

// The HTML pages share the API's domain calls; they differ in how they
// sign in (a session cookie), how they guard forms (a CSRF token in every
// POST form, bound to the session) and how they show errors (next to the
// field, translated).

const (
	sessionCookie = "fundus_session"
	// csrfCookie holds an anonymous visitor's random id, from which the
	// CSRF token of its forms is derived (csrfToken); renewed at sign-in
	// and sign-out.
	csrfCookie = "fundus_csrf"
	langCookie = "fundus_lang"
	ctxLang    = "fundus.lang"
	ctxCSRF    = "fundus.csrf"
)

// securityHeaders sets the security headers of every answer, pages, API and
// "not found" alike: nothing from other hosts, no framing, no sniffing.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.Next()
}

// pageContext picks the language, signs in from the session cookie (a dead
// session is simply anonymous on pages), and sets the CSRF token of this
// browser's forms: derived from its session, or before sign-in from its
// anonymous id (made here if missing).
func (s *Server) pageContext(c *gin.Context) {
	langC, _ := c.Cookie(langCookie)
	c.Set(ctxLang, web.Lang(langC, c.GetHeader("Accept-Language")))
	if token, err := c.Cookie(sessionCookie); err == nil && token != "" {
		if u, err := s.auth.Authenticate(c.Request.Context(), token); err == nil {
			c.Set(ctxUser, u)
			c.Set(ctxToken, token)
			c.Set(ctxCSRF, csrfToken("session", token))
		} else {
			s.setCookie(c, sessionCookie, "", -1)
		}
	}
	if c.GetString(ctxCSRF) == "" {
		id, err := c.Cookie(csrfCookie)
		if err != nil || len(id) < 32 {
			id = s.renewAnonymousID(c)
		}
		c.Set(ctxCSRF, csrfToken("anonymous", id))
	}
	c.Next()
}

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
func (s *Server) renewAnonymousID(c *gin.Context) string {
	id := randomToken()
	s.setCookie(c, csrfCookie, id, 0)
	return id
}

// crossOrigin refuses unsafe requests that browsers mark as coming from
// another site (Sec-Fetch-Site, else Origin against Host), before the token
// is even looked at.
var crossOrigin = http.NewCrossOriginProtection()

// limitPage is the rate limit for pages: the refusal is a page.
func (s *Server) limitPage(c *gin.Context) {
	if err := s.limiter.check(c); err != nil {
		s.renderError(c, err)
		return
	}
	c.Next()
}

// checkCSRF refuses a POST from another site, or whose csrf_token field is
// not the token of this browser's session (pageContext); it changes
// nothing.
func (s *Server) checkCSRF(c *gin.Context) {
	if err := crossOrigin.Check(c.Request); err != nil {
		s.renderError(c, errs.E(errs.Forbidden, "a form from another site", err))
		return
	}
	want, form := c.GetString(ctxCSRF), c.PostForm("csrf_token")
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(form)) != 1 {
		s.renderError(c, errs.E(errs.Forbidden, "the form's csrf_token is missing or does not match"))
		return
	}
	c.Next()
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for the whole site,
// Secure when the request came over TLS. maxAge 0 means for the browser
// session, -1 deletes.
func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int) {
	secure := c.Request.TLS != nil || (s.cfg.TrustedProxies != nil && c.GetHeader("X-Forwarded-Proto") == "https")
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

func pageLang(c *gin.Context) string { return c.GetString(ctxLang) }

// render writes a page.
func (s *Server) render(c *gin.Context, status int, name, title string, data any) {
	p := web.Page{
		Lang: pageLang(c), Path: c.Request.URL.Path, Title: title,
		CSRFToken: c.GetString(ctxCSRF), Data: data,
	}
	if u := currentUser(c); u != nil {
		p.User, p.IsTreasurer, p.IsCommittee = u.Name, u.HasRole(auth.Treasurer), u.HasRole(auth.Committee)
	}
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := s.web.Render(c.Writer, name, p); err != nil {
		writeError(c, errs.E(errs.Internal, err))
	}
	c.Abort()
}

// renderError shows an error page in the visitor's language: the status
// and message of err's kind (pageProblem), and the translated messages of
// the fields it names. An internal error is logged; its page says nothing of
// the cause.
func (s *Server) renderError(c *gin.Context, err error) {
	status, msg := s.pageProblem(c, err)
	var fields []string
	if status >= 500 {
		writeErrorLog(c, err, requestID(c))
	} else {
		fields = s.fieldList(c, err)
	}
	if status == http.StatusTooManyRequests {
		writeProblemHeaders(c, err, status)
		c.Header("Content-Type", "text/html; charset=utf-8")
	}
	s.render(c, status, "error", "error.title", map[string]any{
		"Title":  s.web.T(pageLang(c), "error.title"),
		"Detail": msg,
		"Fields": fields,
	})
}

// pageProblem is what a page says about err: the status of its kind and
// the message for it (problems), in the visitor's language, or the message
// for its code (errs.Code, "problem.code.<code>") where one is written; never
// the error's own message, which is English and written for the API.
func (s *Server) pageProblem(c *gin.Context, err error) (status int, message string) {
	p, lang := problemTypeOf(err), pageLang(c)
	if code := errs.CodeOf(err); code != "" {
		id := "problem.code." + string(code)
		if msg := s.web.T(lang, id); msg != id {
			return p.Status, msg
		}
	}
	return p.Status, s.web.T(lang, p.Page)
}

// fieldMessage says in the visitor's language what is wrong with one field:
// the translation of its code, or a general "please check" where the code
// has none; never the field error's English message.
func (s *Server) fieldMessage(c *gin.Context, f errs.FieldError) string {
	lang := pageLang(c)
	id := "error.field." + f.Code
	msg := s.web.T(lang, id, "Param", f.Param)
	if f.Code == "" || msg == id {
		msg = s.web.T(lang, "error.field.invalid")
	}
	return msg
}

// fieldMessages translates the field errors of err for a form, by field.
func (s *Server) fieldMessages(c *gin.Context, err error) map[string]string {
	out := map[string]string{}
	for _, f := range errs.FieldsOf(err) {
		if _, ok := out[f.Field]; !ok {
			out[f.Field] = s.fieldMessage(c, f)
		}
	}
	return out
}

// fieldList translates the field errors of err for a page without their
// form, in order and each message once.
func (s *Server) fieldList(c *gin.Context, err error) []string {
	var out []string
	for _, f := range errs.FieldsOf(err) {
		if msg := s.fieldMessage(c, f); !slices.Contains(out, msg) {
			out = append(out, msg)
		}
	}
	return out
}

// setLang: GET /lang?to=de|en&back=/path. Stores the choice in a cookie and
// goes back (only to a path of this site).
func (s *Server) setLang(c *gin.Context) {
	to := c.Query("to")
	if web.Lang(to, "") == to {
		s.setCookie(c, langCookie, to, 365*24*3600)
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
			writeError(c, errs.E(errs.NotFound, "no such file"))
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(c.Writer, c.Request)
	}
}

// noRoute answers an unknown path: a problem document for the API, a page
// for people.
func (s *Server) noRoute(c *gin.Context) {
	err := errs.E(errs.NotFound, "no such resource")
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		writeError(c, err)
		return
	}
	s.pageContext(c)
	s.renderError(c, err)
}

// fundPage: GET /, the public fund page.
func (s *Server) fundPage(c *gin.Context) {
	f, err := s.fund.get(c.Request.Context())
	if err != nil {
		s.renderError(c, err)
		return
	}
	data := func() map[string]any {
		return map[string]any{
			"Projects": f.Projects,
			"Received": f.Figures.DonationsReceived, "ReceivedCount": f.Figures.DonationsCount,
			"Granted": f.Figures.GrantsAwarded, "Available": f.Figures.Available, "Head": f.Figures.ChainHead,
			"Bank": s.donations.Bank, "ExampleAccount": s.cfg.ExampleAccount,
		}
	}
	if currentUser(c) != nil {
		s.render(c, http.StatusOK, "fund", "fund.title", data())
		return
	}
	// Anonymous visitors get the page rendered once per language and
	// figures. It holds nothing of the visitor: no name, and no CSRF token
	// (the layout has a form only for a signed-in user).
	lang := pageLang(c)
	html, err := f.page(lang, func() ([]byte, error) {
		var b bytes.Buffer
		err := s.web.Render(&b, "fund", web.Page{Lang: lang, Path: "/", Title: "fund.title", Data: data()})
		return b.Bytes(), err
	})
	if err != nil {
		s.renderError(c, errs.E(errs.Internal, err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", html)
}

// loginPage: GET /login.
func (s *Server) loginPage(c *gin.Context) {
	s.render(c, http.StatusOK, "login", "login.title", map[string]string{"Next": localPath(c.Query("next"), "")})
}

// login: POST /login. Signs in and sets the session cookie.
func (s *Server) login(c *gin.Context) {
	email, next := c.PostForm("email"), localPath(c.PostForm("next"), "")
	sess, err := s.auth.SignIn(c.Request.Context(), auth.Credentials{Email: email, Password: c.PostForm("password")}, c.ClientIP())
	if err != nil {
		status, msg := s.pageProblem(c, err)
		switch errs.KindOf(err) {
		case errs.Unauthenticated, errs.Invalid: // the same words for a wrong address and a wrong password
			msg = s.web.T(pageLang(c), "login.wrong")
		case errs.RateLimited:
			writeProblemHeaders(c, err, status)
		default:
			s.renderError(c, err)
			return
		}
		s.render(c, status, "login", "login.title", map[string]string{"Email": email, "Next": next, "Error": msg})
		return
	}
	s.startSession(c, sess.Token, int(time.Until(sess.ExpiresAt).Seconds()))
	if next == "" {
		next = "/"
		if sess.User.HasRole(auth.Treasurer) {
			next = "/treasurer/donations"
		}
	}
	c.Redirect(http.StatusSeeOther, next)
}

// logout: POST /logout.
func (s *Server) logout(c *gin.Context) {
	if token := c.GetString(ctxToken); token != "" {
		s.auth.SignOut(c.Request.Context(), token) // an already dead session is fine here
	}
	s.setCookie(c, sessionCookie, "", -1)
	s.renewAnonymousID(c)
	c.Redirect(http.StatusSeeOther, "/")
}

// startSession sets the session cookie of a sign-in and renews the
// anonymous id, so the forms' token from before sign-in is dead.
func (s *Server) startSession(c *gin.Context, token string, maxAge int) {
	s.setCookie(c, sessionCookie, token, maxAge)
	s.renewAnonymousID(c)
}

// requirePageRole sends an anonymous visitor to the sign-in page and
// refuses a signed-in one without the role.
func (s *Server) requirePageRole(role auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := currentUser(c)
		if u == nil {
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		if !u.HasRole(role) {
			s.renderError(c, errs.E(errs.Forbidden, "your role does not allow this"))
			return
		}
		c.Next()
	}
}
