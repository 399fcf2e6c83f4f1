package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/grants"
	"fundus/http/httpx"
)

// pendingRow is an instalment waiting for release as the list shows it.
type pendingRow struct {
	grants.Pending
	PreparedByName string
}

// peopleNames returns the names of the users by id, for lists that say who
// did something. An id it does not know is shown as it is (the command
// line, "cli").
func (h *Handler) peopleNames(c *gin.Context) (func(id string) string, error) {
	people, err := h.Auth.People(c.Request.Context(), httpx.CurrentUser(c))
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(people))
	for _, p := range people {
		names[p.ID] = p.Name
	}
	return func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}, nil
}

// instalmentsPage: GET /treasurer/instalments[?format=csv]: the
// instalments waiting for a second person to release them, with the grant,
// the payee (holder, IBAN), the amount and who prepared each; the ones
// the signed-in treasurer may not release (four eyes) say so instead of
// offering the release.
func (h *Handler) instalmentsPage(c *gin.Context) {
	ps, err := h.Grants.PendingRelease(c.Request.Context(), httpx.CurrentUser(c))
	if err != nil {
		h.renderError(c, err)
		return
	}
	name, err := h.peopleNames(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	rows := make([]pendingRow, len(ps))
	var sum int64
	for i, p := range ps {
		rows[i] = pendingRow{Pending: p, PreparedByName: name(p.PreparedBy)}
		sum += p.Disbursement.Amount.Minor
	}
	if wantsCSV(c) {
		out := make([][]string, len(rows))
		for i, r := range rows {
			out[i] = []string{r.Disbursement.ID, r.Title, r.Organisation, r.Payee.Holder, r.Payee.IBAN, r.Payee.BIC,
				r.Disbursement.Amount.String(), r.PreparedByName, r.Disbursement.CreatedAt.Format("2006-01-02T15:04:05Z"), r.Disbursement.EndToEndID}
		}
		writeCSV(c, "fundus-instalments-pending", []string{"id", "grant", "organisation", "payee_holder", "payee_iban", "payee_bic",
			"amount", "prepared_by", "prepared_at", "end_to_end_id"}, []string{"amount"}, out)
		return
	}
	h.render(c, http.StatusOK, "treasurer_instalments", "treasurer.instalments_title", map[string]any{
		"Items": rows, "Count": len(rows), "Sum": fundus.EURCents(sum), "CSVURL": csvURL(c),
	})
}
