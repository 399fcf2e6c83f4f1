package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The trust pages: the Impressum, the privacy policy and the contact page,
// filled from the operator's details (FUNDUS_OPERATOR_*, web.Site) and
// linked from every page's footer. The legal texts are binding in German:
// a German page shows them alone, an English page shows an English
// explanation first and then the German text (lang="de").

// trustPage shows one trust page.
func (h *Handler) trustPage(page, title string) gin.HandlerFunc {
	return func(c *gin.Context) {
		langs := []string{"de"}
		if pageLang(c) != "de" {
			langs = []string{pageLang(c), "de"}
		}
		h.render(c, http.StatusOK, page, title, map[string]any{"Langs": langs})
	}
}

// themeCSS: GET /theme.css, the configured colour (FUNDUS_COLOR_PRIMARY)
// as a style sheet, so that the pages' Content-Security-Policy can keep
// forbidding inline styles.
func (h *Handler) themeCSS(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "text/css; charset=utf-8", []byte(h.Web.Site.ThemeCSS()))
}

// pageCSP is the pages' Content-Security-Policy: the one every answer
// gets (httpx.SecurityHeaders), with the logo's host allowed for images
// when FUNDUS_LOGO_URL is an https URL.
func (h *Handler) pageCSP(c *gin.Context) {
	if origin := h.Web.Site.LogoOrigin(); origin != "" {
		c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' "+origin+"; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	}
}
