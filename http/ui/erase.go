package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"fundus/errs"
	"fundus/http/httpx"
)

// adminDonationsPage: GET /admin/donations?q=REFERENCE. The admin finds a
// donation by its reference, to erase its donor's data on request.
func (h *Handler) adminDonationsPage(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	data := map[string]any{"Q": q}
	if done := c.Query("done"); done == "erased" || done == "restricted" {
		data["Notice"] = "admin.erase_done_" + done
	}
	if q != "" {
		d, err := h.Donations.FindByReference(c.Request.Context(), httpx.CurrentUser(c), q)
		switch {
		case err == nil:
			data["D"] = d
		case errs.KindOf(err) == errs.NotFound || errs.KindOf(err) == errs.Invalid:
			data["NotFound"] = true
		default:
			h.renderError(c, err)
			return
		}
	}
	h.render(c, http.StatusOK, "admin_donations", "admin.donations_title", data)
}

// eraseConfirmPage: GET /admin/donations/{id}/erase, the confirmation step.
func (h *Handler) eraseConfirmPage(c *gin.Context) {
	d, err := h.Donations.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "admin_erase", "admin.erase_title", map[string]any{"D": d})
}

// eraseDonation: POST /admin/donations/{id}/erase. Erases the donor's data,
// or, where a retention duty holds, restricts it; back to the search with
// what became of it.
func (h *Handler) eraseDonation(c *gin.Context) {
	_, err := h.Retention.EraseDonation(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	done := "erased"
	if errs.KindOf(err) == errs.InvalidState {
		d, ferr := h.Donations.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
		if ferr != nil {
			h.renderError(c, ferr)
			return
		}
		if d.ErasedAt == nil {
			c.Redirect(http.StatusSeeOther, "/admin/donations?done=restricted&q="+url.QueryEscape(d.Reference))
			return
		}
		status, msg := h.pageProblem(c, err)
		h.render(c, status, "admin_erase", "admin.erase_title", map[string]any{"D": d, "Problem": msg})
		return
	}
	if err != nil {
		h.renderError(c, err)
		return
	}
	d, err := h.Donations.Find(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/donations?done="+done+"&q="+url.QueryEscape(d.Reference))
}
