package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/http/httpx"
)

// register: POST /api/v1/register. Anyone; gives the applicant role only.
// While addresses are confirmed by mail it answers 202 without a body,
// alike for a new and a known address.
func (h *Handler) register(c *gin.Context) {
	var req auth.Registration
	if err := httpx.BindJSON(c, &req, false); err != nil {
		httpx.WriteError(c, err)
		return
	}
	req.Lang = requestLang(c)
	if h.Auth.ConfirmAddresses {
		if err := h.Auth.RegisterByMail(c.Request.Context(), req); err != nil {
			httpx.WriteError(c, err)
			return
		}
		c.Status(http.StatusAccepted)
		return
	}
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

// askPasswordReset: POST /api/v1/password-resets. Anyone; 202 whether or
// not the address is known.
func (h *Handler) askPasswordReset(c *gin.Context) {
	var req auth.PasswordReset
	if err := httpx.BindJSON(c, &req, false); err != nil {
		httpx.WriteError(c, err)
		return
	}
	if err := h.Auth.RequestPasswordReset(c.Request.Context(), req); err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Status(http.StatusAccepted)
}

// resetPassword: POST /api/v1/password-resets/{token}. Whoever holds the
// token.
func (h *Handler) resetPassword(c *gin.Context) {
	var req auth.NewPassword
	if err := httpx.BindJSON(c, &req, false); err != nil {
		httpx.WriteError(c, err)
		return
	}
	if err := h.Auth.ResetPassword(c.Request.Context(), c.Param("token"), req); err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// changePassword: POST /api/v1/me/password. Other sessions end.
func (h *Handler) changePassword(c *gin.Context) {
	var req auth.PasswordChange
	if err := httpx.BindJSON(c, &req, false); err != nil {
		httpx.WriteError(c, err)
		return
	}
	if err := h.Auth.ChangePassword(c.Request.Context(), httpx.CurrentUser(c), httpx.Token(c), req, c.ClientIP()); err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// signOutEverywhere: DELETE /api/v1/sessions. Every session of the caller
// ends, this one included.
func (h *Handler) signOutEverywhere(c *gin.Context) {
	if err := h.Auth.SignOutEverywhere(c.Request.Context(), httpx.CurrentUser(c)); err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// confirmAddress: POST /api/v1/address-confirmations/{token}. Whoever
// holds the token.
func (h *Handler) confirmAddress(c *gin.Context) {
	if err := h.Auth.ConfirmAddress(c.Request.Context(), c.Param("token")); err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// resendConfirmation: POST /api/v1/me/address-confirmation. Mails a new
// confirmation link.
func (h *Handler) resendConfirmation(c *gin.Context) {
	if err := h.Auth.ResendConfirmation(c.Request.Context(), httpx.CurrentUser(c)); err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Status(http.StatusAccepted)
}
