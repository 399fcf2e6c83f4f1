package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/http/httpx"
)

// register: POST /api/v1/register. Anyone; gives the applicant role only.
func (h *Handler) register(c *gin.Context) {
	var req auth.Registration
	if err := httpx.BindJSON(c, &req, false); err != nil {
		httpx.WriteError(c, err)
		return
	}
	req.Lang = requestLang(c)
	u, err := h.Auth.Register(c.Request.Context(), req)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// signIn: POST /api/v1/sessions.
func (h *Handler) signIn(c *gin.Context) {
	var req auth.Credentials
	if err := httpx.BindJSON(c, &req, false); err != nil {
		httpx.WriteError(c, err)
		return
	}
	sess, err := h.Auth.SignIn(c.Request.Context(), req, c.ClientIP())
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, sess)
}

// signOut: DELETE /api/v1/sessions/current.
func (h *Handler) signOut(c *gin.Context) {
	if err := h.Auth.SignOut(c.Request.Context(), httpx.Token(c)); err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// me: GET /api/v1/me.
func (h *Handler) me(c *gin.Context) {
	c.JSON(http.StatusOK, httpx.CurrentUser(c))
}

// createUser: POST /api/v1/users. Admins only (auth.CreateUser checks).
// Privileged roles wait for a second admin (pending_roles, role_grant_id).
func (h *Handler) createUser(c *gin.Context) {
	var req auth.NewUser
	if err := httpx.BindJSON(c, &req, false); err != nil {
		httpx.WriteError(c, err)
		return
	}
	req.Lang = requestLang(c)
	u, err := h.Auth.CreateUser(c.Request.Context(), httpx.CurrentUser(c), req)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// updateUser: PATCH /api/v1/users/{id}. Admins only.
func (h *Handler) updateUser(c *gin.Context) {
	var req auth.UserUpdate
	if err := httpx.BindJSON(c, &req, false); err != nil {
		httpx.WriteError(c, err)
		return
	}
	u, err := h.Auth.UpdateUser(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"), req)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

// listUsers: GET /api/v1/users?role=&q=. Admins only.
func (h *Handler) listUsers(c *gin.Context) {
	us, err := h.Auth.Users(c.Request.Context(), httpx.CurrentUser(c), auth.UserFilter{Role: auth.Role(c.Query("role")), Q: c.Query("q")})
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(us, 0))
}

// listRoleGrants: GET /api/v1/role-grants?status=. Admins only.
func (h *Handler) listRoleGrants(c *gin.Context) {
	gs, err := h.Auth.RoleGrants(c.Request.Context(), httpx.CurrentUser(c), c.Query("status"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, httpx.NewPage(gs, 0))
}

// confirmRoleGrant: POST /api/v1/role-grants/{id}/confirm. An admin other
// than the one who asked.
func (h *Handler) confirmRoleGrant(c *gin.Context) {
	g, err := h.Auth.ConfirmRoleGrant(c.Request.Context(), httpx.CurrentUser(c), c.Param("id"))
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, g)
}
