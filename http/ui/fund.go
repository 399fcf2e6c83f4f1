package ui

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/errs"
	"fundus/http/httpx"
	"fundus/web"
)

// fundPage: GET /, the public fund page.
func (h *Handler) fundPage(c *gin.Context) {
	f, err := h.Fund.Get(c.Request.Context())
	if err != nil {
		h.renderError(c, err)
		return
	}
	data := func() map[string]any {
		return map[string]any{
			"Projects": f.Projects,
			"Received": f.Figures.DonationsReceived, "ReceivedCount": f.Figures.DonationsCount,
			"Granted": f.Figures.GrantsAwarded, "Available": f.Figures.Available, "Pending": f.Figures.DonationsPending, "Head": f.Figures.ChainHead,
			"Bank": h.Donations.Bank, "ExampleAccount": h.ExampleAccount,
		}
	}
	if httpx.CurrentUser(c) != nil {
		h.render(c, http.StatusOK, "fund", "fund.title", data())
		return
	}
	// Anonymous visitors get the page rendered once per language and
	// figures. It holds nothing of the visitor: no name, and no CSRF token
	// (the layout has a form only for a signed-in user).
	lang := pageLang(c)
	html, err := f.Page(lang, func() ([]byte, error) {
		var b bytes.Buffer
		err := h.Web.Render(&b, "fund", web.Page{Lang: lang, Path: "/", Title: "fund.title", Data: data()})
		return b.Bytes(), err
	})
	if err != nil {
		h.renderError(c, errs.E(errs.Internal, err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", html)
}
