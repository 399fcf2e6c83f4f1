package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"fundus/db"
	"fundus/errs"
)

// Idempotency identifies a request that a client may send again (API.md,
// "Idempotency-Key"). Scope is the caller (a user, or an anonymous client's
// address), so one caller's keys never meet another's; RequestHash covers
// the method, path and body; Status is the status of a success.
//
// The first response is stored in the same transaction as the effect, and
// a refusal too (RenderError turns the error into its status and body), so
// that a repeat gets the first status and body whatever they were. Only
// internal errors are not stored: a repeat runs again. Do fills in Replayed,
// Status and Body.
type Idempotency struct {
	Scope       string
	Key         string
	RequestHash string
	Status      int
	RenderError func(error) (status int, body []byte)

	Replayed bool
	Body     []byte // the first response
}

// RequestHash returns the hash of a request for Idempotency.RequestHash.
func RequestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// ValidKey reports whether key is 1 to 255 visible ASCII characters.
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < '!' || key[i] > '~' {
			return false
		}
	}
	return true
}

type idemKey struct{}

// WithIdempotency returns a context that makes Do idempotent under idem.
func WithIdempotency(ctx context.Context, idem *Idempotency) context.Context {
	return context.WithValue(ctx, idemKey{}, idem)
}

func idempotencyFrom(ctx context.Context) *Idempotency {
	idem, _ := ctx.Value(idemKey{}).(*Idempotency)
	return idem
}

// replay looks the key up among the batch's records and those an earlier
// run of the batch found stored (a key not known to be stored is taken to
// be new; the batch checks that when it stores its keys). It reports true when the request was
// already done (and fills idem with the first response), and returns
// IdempotencyKeyReused when the key was used for another request.
func (t *Tx) replay(idem *Idempotency) (bool, error) {
	rec, found := t.stored[scopedKey{idem.Scope, idem.Key}]
	for _, r := range t.idems { // done earlier in this batch
		if r.idem.Scope == idem.Scope && r.idem.Key == idem.Key {
			rec, found = idemRow{RequestHash: r.idem.RequestHash, Status: r.status, Body: r.body}, true
		}
	}
	if !found {
		return false, nil
	}
	if rec.RequestHash != idem.RequestHash {
		return false, errs.E(errs.Op("ledger.Do"), errs.IdempotencyKeyReused, "this Idempotency-Key was used for another request; use a new key")
	}
	idem.Replayed, idem.Status, idem.Body = true, rec.Status, rec.Body
	return true, nil
}

// rememberFailure stores a refusal under the key, unless it is an internal
// error or one about the key itself.
func (t *Tx) rememberFailure(idem *Idempotency, err error) {
	switch errs.KindOf(err) {
	case errs.Other, errs.Internal, errs.IdempotencyInProgress, errs.IdempotencyKeyReused:
		return
	}
	if idem.RenderError == nil || db.IsRetryable(err) {
		return
	}
	status, body := idem.RenderError(err)
	t.remember(idem, status, body)
}

// remember stores the response under the key. idem itself keeps the status
// of a success: a batch that runs again may find the call succeeding.
func (t *Tx) remember(idem *Idempotency, status int, body []byte) {
	idem.Replayed, idem.Body = false, body
	t.idems = append(t.idems, idemRecord{idem: idem, status: status, body: body, at: entryTime(t.now)})
}
