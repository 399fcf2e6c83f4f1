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
	write(c, w, func(T) int { return status }, func(body []byte) error { return httpx.DecodeJSON(c, body, in, optional) },
		func(ctx context.Context, _ []byte) (commit.Outcome[T], error) { return run(ctx) })
}

// write is moneyWrite for any body: decode reads it (a JSON body, a bank
// file), run is given it, and statusOf chooses the status of a success
// from its result, so that a repeat answers with the same status too.
func write[T any](c *gin.Context, w *commit.Writer, statusOf func(T) int, decode func(body []byte) error, run func(ctx context.Context, body []byte) (commit.Outcome[T], error)) {
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
	if err = decode(body); err == nil {
		out, err = run(ctx, body)
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
		c.Data(statusOf(out.Value), "application/json; charset=utf-8", out.Body)
	default:
		c.JSON(statusOf(out.Value), out.Value)
	}
}
