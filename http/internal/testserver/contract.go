package testserver

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"fundus/http/api"
)

// IsAPIRoute reports whether path is one of the API (openapi.json), not
// a page.
func IsAPIRoute(path string) bool {
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/problems/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// contract is openapi.json, loaded and validated once, with a router that
// finds the operation of a request.
var contract = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	// Bodies that are files: validated as strings.
	for _, ct := range []string{"application/x-ndjson", "image/png", "image/svg+xml", "application/pdf"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	return gorillamux.NewRouter(doc)
})

// CheckContract returns how the response to req breaks openapi.json: an
// undocumented route or status, a header or a body its schema does not
// allow. Responses outside the API (pages) are not checked; a request to a
// route the API does not have must be answered 404 with a problem.
func CheckContract(req *http.Request, status int, header http.Header, body []byte) error {
	if !IsAPIRoute(req.URL.Path) {
		return nil
	}
	router, err := contract()
	if err != nil {
		return fmt.Errorf("openapi.json: %w", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound && header.Get("Content-Type") == "application/problem+json" {
			return nil // the server refuses what the contract does not have
		}
		return fmt.Errorf("no operation in openapi.json: %w", err)
	}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}
