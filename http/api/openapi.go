package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// OpenAPI is the API's OpenAPI document, the machine-readable contract,
// written by hand. TestOpenAPIMatchesRoutes compares its paths with those
// of Routes, TestOpenAPIIsAContract checks its own rules, and every test
// of the HTTP layer validates the API responses it receives against it
// (testserver.CheckContract).
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", OpenAPI)
}
