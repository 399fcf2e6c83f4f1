package handlers

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPI is the API's OpenAPI document, written by hand and kept true by
// TestOpenAPIMatchesRoutes, which compares its paths with the router's.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPI)
}
