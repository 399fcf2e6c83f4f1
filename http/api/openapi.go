package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// OpenAPI is the API's OpenAPI document, the machine-readable contract,
// written by hand. TestOpenAPIMatchesRoutes compares its paths with the
// router's, TestOpenAPIIsAContract checks its own rules, and every handler
// test validates the responses it receives against it (testserver.CheckContract).
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", OpenAPI)
}
