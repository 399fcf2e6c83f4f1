package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"fundus/db"
)

// healthz answers while the process runs.
func (h *Handler) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": h.Version})
}

// readyz answers 200 once the database answers and every migration is
// applied, else 503; also 503 for a database migrated further than this
// version knows (an older instance left running beside a newer one).
func (h *Handler) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	ok, err := h.DB.Migrated(ctx)
	switch {
	case errors.Is(err, db.ErrAhead):
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": err.Error()})
	case err != nil:
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "the database does not answer"})
	case !ok:
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "migrations are not applied"})
	default:
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	}
}
