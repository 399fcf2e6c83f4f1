package ui

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/errs"
	"fundus/grants"
	"fundus/http/httpx"
	"fundus/web"
)

// renderError shows an error page in the visitor's language: the status
// and message of err's kind (pageProblem), and the translated messages of
// the fields it names. An internal error is logged; its page says nothing of
// the cause.
func (h *Handler) renderError(c *gin.Context, err error) {
	status, msg := h.pageProblem(c, err)
	var fields []string
	if status >= 500 {
		httpx.WriteErrorLog(c, err, httpx.RequestID(c))
	} else {
		fields = h.fieldList(c, err)
	}
	if status == http.StatusTooManyRequests {
		httpx.WriteProblemHeaders(c, err, status)
		c.Header("Content-Type", "text/html; charset=utf-8")
	}
	h.render(c, status, "error", "error.title", map[string]any{
		"Title":  h.Web.T(pageLang(c), "error.title"),
		"Detail": msg,
		"Fields": fields,
	})
}

// pageProblem is what a page says about err: the status of its kind and
// the message for it (problems), in the visitor's language, or the message
// for its code (errs.Code, "problem.code.<code>") where one is written; never
// the error's own message, which is English and written for the API.
func (h *Handler) pageProblem(c *gin.Context, err error) (status int, message string) {
	p, lang := httpx.ProblemTypeOf(err), pageLang(c)
	if code := errs.CodeOf(err); code != "" {
		id := "problem.code." + string(code)
		if msg := h.Web.T(lang, id); msg != id {
			return p.Status, msg
		}
	}
	return p.Status, h.Web.T(lang, p.Page)
}

// fieldMessage says in the visitor's language what is wrong with one field:
// the translation of its code, or a general "please check" where the code
// has none; never the field error's English message.
func (h *Handler) fieldMessage(c *gin.Context, f errs.FieldError) string {
	lang := pageLang(c)
	id := "error.field." + f.Code
	param := f.Param
	if f.Code == grants.MaxGrantCode { // an amount: written as the page writes amounts
		if minor, err := fundus.ParseAmount("", fundus.Amount(param), fundus.EUR, fundus.Positive, 1<<62); err == nil {
			param = web.Isolate(lang, web.FormatMoney(lang, fundus.EURCents(minor)))
		}
	}
	if f.Code == grants.NoticeTooOldCode { // a date: written as the page writes days
		param = web.IsolateText(lang, web.FormatDay(lang, param))
	}
	msg := h.Web.T(lang, id, "Param", param)
	if f.Code == "" || msg == id {
		msg = h.Web.T(lang, "error.field.invalid")
	}
	return msg
}

// fieldMessages translates the field errors of err for a form, by field.
func (h *Handler) fieldMessages(c *gin.Context, err error) map[string]string {
	out := map[string]string{}
	for _, f := range errs.FieldsOf(err) {
		if _, ok := out[f.Field]; !ok {
			out[f.Field] = h.fieldMessage(c, f)
		}
	}
	return out
}

// fieldList translates the field errors of err for a page without their
// form, in order and each message once.
func (h *Handler) fieldList(c *gin.Context, err error) []string {
	var out []string
	for _, f := range errs.FieldsOf(err) {
		if msg := h.fieldMessage(c, f); !slices.Contains(out, msg) {
			out = append(out, msg)
		}
	}
	return out
}

// NotFound answers an unknown path with the "not found" page, as any page
// would show it (pageContext).
func (h *Handler) NotFound(c *gin.Context) {
	h.pageContext(c)
	h.renderError(c, errs.E(errs.NotFound, "no such resource"))
}

// ErrorPage answers a request the shared middleware refused before any
// page saw it (httpx.RefuseUnstorableText) with the error page, in the
// visitor's language.
func (h *Handler) ErrorPage(c *gin.Context, err error) {
	langC, _ := c.Cookie(langCookie)
	c.Set(ctxLang, web.Lang(langC, c.GetHeader("Accept-Language")))
	h.renderError(c, err)
}
