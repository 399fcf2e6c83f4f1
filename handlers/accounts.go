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
