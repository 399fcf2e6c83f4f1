package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/auth"
)

// register: POST /api/v1/register. Anyone; gives the applicant role only.
func (s *Server) register(c *gin.Context) {
	var req auth.Registration
	if err := bindJSON(c, &req, false); err != nil {
		writeError(c, err)
		return
	}
	u, err := s.auth.Register(c.Request.Context(), req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// signIn: POST /api/v1/sessions.
func (s *Server) signIn(c *gin.Context) {
	var req auth.Credentials
	if err := bindJSON(c, &req, false); err != nil {
		writeError(c, err)
		return
	}
	sess, err := s.auth.SignIn(c.Request.Context(), req, c.ClientIP())
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, sess)
}

// signOut: DELETE /api/v1/sessions/current.
func (s *Server) signOut(c *gin.Context) {
	if err := s.auth.SignOut(c.Request.Context(), c.GetString(ctxToken)); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// me: GET /api/v1/me.
func (s *Server) me(c *gin.Context) {
	c.JSON(http.StatusOK, currentUser(c))
}

// createUser: POST /api/v1/users. Admins only (auth.CreateUser checks).
// Privileged roles wait for a second admin (pending_roles, role_grant_id).
func (s *Server) createUser(c *gin.Context) {
	var req auth.NewUser
	if err := bindJSON(c, &req, false); err != nil {
		writeError(c, err)
		return
	}
	u, err := s.auth.CreateUser(c.Request.Context(), currentUser(c), req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// updateUser: PATCH /api/v1/users/{id}. Admins only.
func (s *Server) updateUser(c *gin.Context) {
	var req auth.UserUpdate
	if err := bindJSON(c, &req, false); err != nil {
		writeError(c, err)
		return
	}
	u, err := s.auth.UpdateUser(c.Request.Context(), currentUser(c), c.Param("id"), req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

// listUsers: GET /api/v1/users?role=&q=. Admins only.
func (s *Server) listUsers(c *gin.Context) {
	us, err := s.auth.Users(c.Request.Context(), currentUser(c), auth.UserFilter{Role: auth.Role(c.Query("role")), Q: c.Query("q")})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(us, 0))
}

// listRoleGrants: GET /api/v1/role-grants?status=. Admins only.
func (s *Server) listRoleGrants(c *gin.Context) {
	gs, err := s.auth.RoleGrants(c.Request.Context(), currentUser(c), c.Query("status"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(gs, 0))
}

// confirmRoleGrant: POST /api/v1/role-grants/{id}/confirm. An admin other
// than the one who asked.
func (s *Server) confirmRoleGrant(c *gin.Context) {
	g, err := s.auth.ConfirmRoleGrant(c.Request.Context(), currentUser(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, g)
}
