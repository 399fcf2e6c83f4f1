package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/http/httpx"
)

// publicFigures: GET /api/v1/fund (public).
func (h *Handler) publicFigures(c *gin.Context) {
	f, err := h.Fund.Get(c.Request.Context())
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, f.Figures)
}

// fundProjects: GET /api/v1/fund/projects (public).
func (h *Handler) fundProjects(c *gin.Context) {
	f, err := h.Fund.Get(c.Request.Context())
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": f.Projects, "next_cursor": nil})
}
