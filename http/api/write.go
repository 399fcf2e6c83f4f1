package api

import (
	"context"

	"github.com/gin-gonic/gin"

	"fundus/commit"
	"fundus/errs"
	"fundus/http/httpx"
)

// idempotencyHeader is the request header of docs/api.md.
const idempotencyHeader = "Idempotency-Key"

// moneyWrite runs a request that moves money. It decodes the body into in
// (optional: an empty body leaves in as it is) and runs it; with an
// Idempotency-Key, the write path stores the answer with the effect and
// answers a repeat as the first time (commit.Outcome): a success with the
// stored bytes, a refusal with the same error, so the same status and body.
// A refusal made before the write path (a body that does not decode, a
// field that does not parse) is stored under the key too (commit.Refuse).
// A body over the limit is refused before it is read whole, so it has no
// request hash to store it under.
func moneyWrite[T any](c *gin.Context, w *commit.Writer, status int, in any, optional bool, run func(ctx context.Context) (commit.Outcome[T], error)) {
	body, err := httpx.ReadBody(c)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	ctx := c.Request.Context()
	if keys, ok := c.Request.Header[idempotencyHeader]; ok {
		if len(keys) != 1 || !commit.ValidKey(keys[0]) {
			httpx.WriteError(c, errs.E(errs.Malformed, errs.FieldError{Field: idempotencyHeader, Message: "must be 1 to 255 visible ASCII characters"},
				"the Idempotency-Key header must be 1 to 255 visible ASCII characters"))
			return
		}
		ctx = commit.WithKey(ctx, commit.Key{Scope: httpx.IdempotencyScope(c), Name: keys[0],
			RequestHash: commit.RequestHash(c.Request.Method, c.Request.URL.Path, body)})
	}
	var out commit.Outcome[T]
	if err = httpx.DecodeJSON(c, body, in, optional); err == nil {
		out, err = run(ctx)
	}
	if err != nil && !out.Stored {
		out, err = commit.Refuse[T](ctx, w, err)
	}
	if out.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	switch {
	case err != nil:
		httpx.WriteError(c, err)
	case out.Body != nil: // the bytes stored with the effect, the same on every repeat
		c.Data(status, "application/json; charset=utf-8", out.Body)
	default:
		c.JSON(status, out.Value)
	}
}
