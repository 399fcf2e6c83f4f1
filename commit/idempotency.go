package commit

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"

	"fundus/db"
	"fundus/errs"
)

// Key identifies a request that a client may send again (docs/api.md,
// "Idempotency-Key"). Scope is the caller (a user, or an anonymous client's
// address), so one caller's keys never meet another's; Name is the client's
// key; RequestHash covers what the request asks (method, path and body), so
// that the same key with another request is told apart. It is stored as
// its bytes: RequestHash makes it the 32 bytes of a SHA-256.
//
// A Key is a value the caller sets on the context (WithKey) and never
// changes; what the write path made of the request comes back from Do as an
// Outcome.
type Key struct {
	Scope       string
	Name        string
	RequestHash string
}

// Outcome is what the write path made of a call.
//
// Without a Key, Value is what the function returned. With one, the answer
// is stored under the key in the same transaction as the function's
// effect: a success as the JSON of its result, or as a reference to where
// it is kept for good (StoredRef), a refusal as its kind, message and
// fields. Body is a success's JSON: the same bytes the first time and on
// every repeat. A repeat of a success is Replayed, with the first result decoded
// into Value; a repeat of a refusal is Replayed and Do returns the same
// refusal as its error. Refusals that depend on the caller or the moment
// (Unauthenticated, Forbidden, RateLimited, Internal, and those about the
// key itself) are not stored: a repeat runs again.
type Outcome[T any] struct {
	Value    T      // the result (on a replay: the first one, decoded from Body)
	Replayed bool   // the request was done before: nothing ran now
	Stored   bool   // the answer is stored under the key (now, or by the first request)
	Body     []byte // with a key and a success: the result's JSON, as answered the first time
}

// Refuse stores err, a refusal made before the write path (a field that
// does not parse, say), under the key of ctx as the write path stores its
// own, and returns the outcome: so a request refused that way is refused
// alike on every repeat, and the key sent again with another request is
// IdempotencyKeyReused, as for any other stored answer. Without a key, or
// for a refusal that is not stored (see Outcome), it returns err as it is.
func Refuse[T any](ctx context.Context, w *Writer, err error) (Outcome[T], error) {
	if keyFrom(ctx) == nil || !storable(err) {
		return Outcome[T]{}, err
	}
	return Do(ctx, w, func(*Tx) (T, error) {
		var zero T
		return zero, err
	})
}

// RequestHash returns the hash of a request for Key.RequestHash: the 32
// bytes of its SHA-256, as a string.
func RequestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return string(h.Sum(nil))
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

type keyOfContext struct{}

// WithKey returns a context that makes the write path idempotent under key.
func WithKey(ctx context.Context, key Key) context.Context {
	return context.WithValue(ctx, keyOfContext{}, key)
}

func keyFrom(ctx context.Context) *Key {
	if k, ok := ctx.Value(keyOfContext{}).(Key); ok {
		return &k
	}
	return nil
}

// What an idempotency record holds (its status column).
const (
	storedResult    = 0 // body: the JSON of the function's result
	storedRefusal   = 1 // body: a refusal (storedError)
	storedReference = 2 // body: where a participant keeps the result (StoredRef.String)
)

// StoredRef names a result where a participant keeps it for good: the
// ledger's entry by its sequence number, say.
type StoredRef struct{ Kind, ID string }

// String is the reference as it is stored: its kind, a space, its id.
func (r StoredRef) String() string { return r.Kind + " " + r.ID }

func parseStoredRef(b []byte) (StoredRef, bool) {
	kind, id, ok := strings.Cut(string(b), " ")
	return StoredRef{Kind: kind, ID: id}, ok && kind != "" && id != ""
}

// A Referable result is stored under its idempotency key as its StoredRef
// instead of its JSON: a record that is kept for good and never changes (a
// ledger entry), so that its JSON read back on a repeat is the same, byte
// for byte, as the first answer. That keeps hundreds of bytes of JSON out
// of every record (docs/performance.md). Its JSON must then not change
// either, from one release to the next, while keys are kept (72 hours):
// a new shape needs a new kind.
type Referable interface {
	StoredRef() StoredRef
}

// A Resolver is a Part that reads back the results it keeps: for a
// reference of its kind, the JSON of the result, read in its transaction
// (ok false: not its kind).
type Resolver interface {
	Resolve(r StoredRef) (body []byte, ok bool, err error)
}

// storedError is a refusal as it is stored under its key: enough to give
// the same error back, so that every repeat is answered as the first.
type storedError struct {
	Kind    string            `json:"kind"`
	Message string            `json:"message"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
	Params  []string          `json:"params,omitempty"` // each field's Param (not in FieldError's JSON)
	Code    errs.Code         `json:"code,omitempty"`
}

func encodeRefusal(err error) []byte {
	fields := errs.FieldsOf(err)
	s := storedError{Kind: errs.KindOf(err).String(), Message: errs.Message(err), Fields: fields, Code: errs.CodeOf(err)}
	for _, f := range fields {
		s.Params = append(s.Params, f.Param)
	}
	b, _ := json.Marshal(s) // strings only: cannot fail
	return b
}

func decodeRefusal(b []byte) error {
	var s storedError
	if err := json.Unmarshal(b, &s); err != nil {
		return errs.E(errs.Op("commit.Do"), errs.Internal, "a stored refusal cannot be read", err)
	}
	for i := range s.Fields {
		if i < len(s.Params) {
			s.Fields[i].Param = s.Params[i]
		}
	}
	return errs.E(errs.Op("commit.Do"), errs.KindNamed(s.Kind), s.Message, s.Fields, s.Code)
}

// storable reports whether a refusal is stored under its key: not when it
// depends on the caller or the moment, and not when it is about the key.
func storable(err error) bool {
	switch errs.KindOf(err) {
	case errs.Other, errs.Internal, errs.Unauthenticated, errs.Forbidden, errs.RateLimited,
		errs.IdempotencyInProgress, errs.IdempotencyKeyReused:
		return false
	}
	return !db.IsRetryable(err)
}

// idempotency is the batch's part that stores the answers under their
// keys: a Part like the others, saved before each function and restored
// when it fails.
type idempotency struct {
	stored  map[scopedKey]idemRow // records an earlier run of the batch found stored
	records []idemRecord          // the answers of this batch
}

type idemRecord struct {
	key    Key
	status int    // storedResult, storedRefusal or storedReference
	body   []byte // as stored
	at     time.Time
}

func (p *idempotency) Save() func() {
	n := len(p.records)
	return func() { p.records = p.records[:n] }
}

// replay looks the key up among the batch's records and those an earlier
// run of the batch found stored (a key not known to be stored is taken to
// be new; if it is stored, the insert at the batch's end fails and the
// batch runs again knowing it). It reports whether the
// request was done before, and then puts the first answer into c, a
// stored reference resolved by the part of t that keeps it; it returns
// IdempotencyKeyReused when the key was used for another request.
func (p *idempotency) replay(t *Tx, c *call) (bool, error) {
	k := c.key
	rec, found := p.stored[scopedKey{k.Scope, k.Name}]
	for _, r := range p.records { // done earlier in this batch
		if r.key.Scope == k.Scope && r.key.Name == k.Name {
			rec, found = idemRow{RequestHash: r.key.RequestHash, Status: r.status, Body: r.body}, true
		}
	}
	if !found {
		return false, nil
	}
	if rec.RequestHash != k.RequestHash {
		return false, errs.E(errs.Op("commit.Do"), errs.IdempotencyKeyReused, "this Idempotency-Key was used for another request; use a new key")
	}
	c.replayed, c.stored = true, true
	switch rec.Status {
	case storedRefusal:
		return true, decodeRefusal(rec.Body)
	case storedReference:
		body, err := t.resolve(rec.Body)
		if err != nil {
			return true, err
		}
		c.body = body
	default:
		c.body = rec.Body
	}
	return true, nil
}

// isStored reports whether an earlier run of the batch found c's key
// stored: then c is replayed, not run.
func (p *idempotency) isStored(c *call) bool {
	if c.key == nil {
		return false
	}
	_, ok := p.stored[scopedKey{c.key.Scope, c.key.Name}]
	return ok
}

// remember stores the call's answer under its key: a success's result
// (runCall put its JSON into c.body, and its reference into c.ref when it
// is Referable), or a refusal that is storable.
func (p *idempotency) remember(c *call, err error, now time.Time) {
	r := idemRecord{key: *c.key, status: storedResult, body: c.body, at: db.Time(now)}
	switch {
	case err != nil:
		if !storable(err) {
			return
		}
		r.status, r.body = storedRefusal, encodeRefusal(err)
	case c.ref != "":
		r.status, r.body = storedReference, []byte(c.ref)
	}
	p.records = append(p.records, r)
	c.stored = true
}

// End inserts the records. A key stored already makes the insert fail
// (looking every key up first would cost a statement per call, or per
// batch, to find what is nearly always not there): the write path then
// looks them up (keys) and runs the batch again.
func (p *idempotency) End() ([]db.Statement, func([]db.StatementResult) error) {
	if len(p.records) == 0 {
		return nil, nil
	}
	return insertIdempotencyKeys(p.records), nil
}

// keys returns the keys of the records.
func (p *idempotency) keys() []scopedKey {
	out := make([]scopedKey, len(p.records))
	for i, r := range p.records {
		out[i] = scopedKey{r.key.Scope, r.key.Name}
	}
	return out
}

// ForgetKeys deletes the idempotency records older than keep (docs/api.md
// promises at least 24 hours) and returns how many.
func ForgetKeys(ctx context.Context, w *Writer, keep time.Duration) (int64, error) {
	out, err := Do(ctx, w, func(tx *Tx) (int64, error) {
		return deleteIdempotencyKeysBefore(tx.Context(), tx, tx.Now().Add(-keep))
	})
	if err != nil {
		return 0, errs.E(errs.Op("commit.ForgetKeys"), err)
	}
	return out.Value, nil
}
