package ui

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/errs"
	"fundus/http/httpx"
)

// The admins' pages: the users with search and role filter, a user's page
// whose changes (roles, deactivating, activating) each pass a confirmation
// page first, and the role grants that wait for a second admin. Every
// change goes through auth, as the API's do.

// usersPage: GET /admin/users?q=&role=.
func (h *Handler) usersPage(c *gin.Context) {
	f := auth.UserFilter{Role: auth.Role(c.Query("role")), Q: c.Query("q")}
	us, err := h.Auth.Users(c.Request.Context(), httpx.CurrentUser(c), f)
	if errs.Is(errs.Invalid, err) {
		f, us = auth.UserFilter{}, nil
	} else if err != nil {
		h.renderError(c, err)
		return
	}
	grants, err := h.Auth.RoleGrants(c.Request.Context(), httpx.CurrentUser(c), auth.GrantPending)
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "admin_users", "admin.users_title", map[string]any{
		"Users": us, "Q": f.Q, "Role": string(f.Role), "Roles": auth.Roles, "Pending": len(grants),
	})
}

// userPage: GET /admin/users/{id}.
func (h *Handler) userPage(c *gin.Context) {
	a, err := h.Auth.FindAccount(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	notice := ""
	if d := c.Query("done"); d != "" {
		notice = "admin.done_" + d
	}
	h.render(c, http.StatusOK, "admin_user", "admin.user_title", map[string]any{
		"A": a, "Roles": auth.Roles, "Self": a.ID == httpx.CurrentUser(c).ID, "Notice": notice,
	})
}

// userChange is one change to a user that an admin confirms.
type userChange struct {
	Action  string // roles, deactivate, activate
	A       *auth.Account
	From    []auth.Role
	To      []auth.Role
	Grant   bool // the new roles wait for a second admin
	Problem string
	Errors  []string
}

// rolesOf reads the roles checked in a form (or query), in the fixed order
// of auth.Roles, ignoring unknown ones.
func rolesOf(vals []string) []auth.Role {
	var out []auth.Role
	for _, r := range auth.Roles {
		if slices.Contains(vals, string(r)) {
			out = append(out, r)
		}
	}
	return out
}

// userChangeOf reads the change of the request (action in the path; roles
// from the query on GET, the form on POST) and the user it is about.
func (h *Handler) userChangeOf(c *gin.Context) (*userChange, error) {
	action := c.Param("action")
	switch action {
	case "roles", "deactivate", "activate":
	default:
		return nil, errs.E(errs.NotFound, "no such change")
	}
	a, err := h.Auth.FindAccount(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	ch := &userChange{Action: action, A: a, From: a.Roles}
	// Activated again, an account's privileged roles wait for a second
	// admin (auth.Service.UpdateUser).
	ch.Grant = action == "activate" && !a.Active && slices.ContainsFunc(a.Roles, auth.Role.Privileged)
	if action == "roles" {
		vals := c.QueryArray("roles")
		if c.Request.Method == http.MethodPost {
			vals = c.PostFormArray("roles")
		}
		ch.To = rolesOf(vals)
		for _, r := range ch.To {
			if r.Privileged() && !slices.Contains(a.Roles, r) {
				ch.Grant = true
			}
		}
	}
	return ch, nil
}

// userChangePage: GET /admin/users/{id}/{action}: what will change, and a
// button that does it.
func (h *Handler) userChangePage(c *gin.Context) {
	ch, err := h.userChangeOf(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "admin_user_change", "admin.change_title", ch)
}

// changeUser: POST /admin/users/{id}/{action}.
func (h *Handler) changeUser(c *gin.Context) {
	ch, err := h.userChangeOf(c)
	if err != nil {
		h.renderError(c, err)
		return
	}
	var up auth.UserUpdate
	switch ch.Action {
	case "roles":
		up.Roles = ch.To
		if up.Roles == nil {
			up.Roles = []auth.Role{} // none checked: refused as "at least one"
		}
	case "deactivate", "activate":
		active := ch.Action == "activate"
		up.Active = &active
	}
	if _, err := h.Auth.UpdateUser(c.Request.Context(), httpx.CurrentUser(c), ch.A.ID, up); err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid, errs.InvalidState:
			status, msg := h.pageProblem(c, err)
			ch.Problem, ch.Errors = msg, h.fieldList(c, err)
			h.render(c, status, "admin_user_change", "admin.change_title", ch)
		default:
			h.renderError(c, err)
		}
		return
	}
	done := ch.Action
	if ch.Grant {
		done = "grant"
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+url.PathEscape(ch.A.ID)+"?done="+done)
}

// grantRow is a pending role grant with the people's names.
type grantRow struct {
	auth.RoleGrant
	User, AskedBy *auth.Account
	Mine          bool // asked by the admin looking, or about them: another admin confirms
}

// roleGrantsPage: GET /admin/role-grants. The grants that wait.
func (h *Handler) roleGrantsPage(c *gin.Context) {
	me := httpx.CurrentUser(c)
	gs, err := h.Auth.RoleGrants(c.Request.Context(), me, auth.GrantPending)
	if err != nil {
		h.renderError(c, err)
		return
	}
	rows := make([]grantRow, 0, len(gs))
	for _, g := range gs {
		row, err := h.grantRow(c, g)
		if err != nil {
			h.renderError(c, err)
			return
		}
		rows = append(rows, row)
	}
	notice := ""
	if c.Query("done") == "confirm" {
		notice = "admin.done_confirm"
	}
	h.render(c, http.StatusOK, "admin_grants", "admin.grants_title", map[string]any{"Grants": rows, "Notice": notice})
}

func (h *Handler) grantRow(c *gin.Context, g auth.RoleGrant) (grantRow, error) {
	me := httpx.CurrentUser(c)
	u, err := h.Auth.FindAccount(c.Request.Context(), g.UserID)
	if err != nil {
		return grantRow{}, err
	}
	by, err := h.Auth.FindAccount(c.Request.Context(), g.AskedBy)
	if err != nil {
		return grantRow{}, err
	}
	return grantRow{RoleGrant: g, User: u, AskedBy: by, Mine: g.AskedBy == me.ID || g.UserID == me.ID}, nil
}

// findPendingGrant returns the pending grant id as a row. Returns NotFound.
func (h *Handler) findPendingGrant(c *gin.Context, id string) (grantRow, error) {
	gs, err := h.Auth.RoleGrants(c.Request.Context(), httpx.CurrentUser(c), "")
	if err != nil {
		return grantRow{}, err
	}
	for _, g := range gs {
		if g.ID == id {
			return h.grantRow(c, g)
		}
	}
	return grantRow{}, errs.E(errs.NotFound, "no such role grant")
}

// grantConfirmPage: GET /admin/role-grants/{id}/confirm.
func (h *Handler) grantConfirmPage(c *gin.Context) {
	row, err := h.findPendingGrant(c, c.Param("id"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	h.render(c, http.StatusOK, "admin_grant_confirm", "admin.grant_confirm_title", map[string]any{"G": row})
}

// confirmGrant: POST /admin/role-grants/{id}/confirm.
func (h *Handler) confirmGrant(c *gin.Context) {
	if _, err := h.Auth.ConfirmRoleGrant(c.Request.Context(), httpx.CurrentUser(c), c.Param("id")); err != nil {
		row, ferr := h.findPendingGrant(c, c.Param("id"))
		if ferr != nil || errs.KindOf(err) == errs.NotFound {
			h.renderError(c, err)
			return
		}
		status, msg := h.pageProblem(c, err)
		h.render(c, status, "admin_grant_confirm", "admin.grant_confirm_title", map[string]any{"G": row, "Problem": msg})
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/role-grants?done=confirm")
}
