// Package errs is Fundus's one error type. Every package may import it; it
// imports nothing of Fundus. An error carries the operation that failed (Op),
// what kind of failure it is (Kind), a message for people, the wrapped cause,
// and for validation failures the list of fields that were wrong.
//
// Code branches on kinds (errs.Is(errs.NotFound, err)); people read the ops
// and messages; only http/httpx/errors.go turns a kind into an HTTP status.
package errs

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
)

// Op names the operation that failed, as "package.Method".
type Op string

// Kind says what kind of failure an error is. New kinds go only at the end.
type Kind uint8

// The kinds follow the problem types of docs/api.md.
const (
	Other                 Kind = iota // not classified; reported as Internal
	Invalid                           // a field is missing, malformed or out of range
	Malformed                         // the request itself cannot be read
	Unauthenticated                   // no or bad credentials
	Forbidden                         // authenticated, but not allowed
	NotFound                          // no such object, or the caller may not know of it
	InvalidState                      // the object's state does not allow the action
	InsufficientFunds                 // the action would make available money negative
	IdempotencyInProgress             // the first request with this key is still running
	IdempotencyKeyReused              // the key was used with another request
	TooLarge                          // the request body is over the limit
	RateLimited                       // too many requests; retry later
	Internal                          // a bug or an outage; details are logged, not shown
	UnsupportedFile                   // an uploaded file is not a format the route reads
	StatementUnbalanced               // a bank statement's opening balance plus its lines is not its closing balance
	WrongAccount                      // a bank file belongs to another account than the fund's

	numKinds // not a kind: how many there are
)

var kindNames = [numKinds]string{
	Other:                 "other",
	Invalid:               "invalid",
	Malformed:             "malformed",
	Unauthenticated:       "unauthenticated",
	Forbidden:             "forbidden",
	NotFound:              "not found",
	InvalidState:          "invalid state",
	InsufficientFunds:     "insufficient funds",
	IdempotencyInProgress: "idempotency in progress",
	IdempotencyKeyReused:  "idempotency key reused",
	TooLarge:              "too large",
	RateLimited:           "rate limited",
	Internal:              "internal",
	UnsupportedFile:       "unsupported file",
	StatementUnbalanced:   "statement unbalanced",
	WrongAccount:          "wrong account",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Kinds returns every kind, Other first, in the order of their values.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for k := range out {
		out[k] = Kind(k)
	}
	return out
}

// KindNamed returns the Kind whose String is name, or Internal: the way
// back from a kind's name, for errors that were stored.
func KindNamed(name string) Kind {
	for k, n := range kindNames {
		if n == name {
			return Kind(k)
		}
	}
	return Internal
}

// FieldError names one request field that was wrong and why. Field is the
// field's JSON name, dotted for nested fields ("donor.email", "budget[2].amount").
//
// Code names the rule that failed ("required", "max", "amount_decimals")
// and Param its parameter ("1000"), so that pages can say it in the
// visitor's language.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
	Param   string `json:"-"`
}

// Code, given to E, names the rule that refused a request where its kind
// alone does not say it ("four_eyes_maker"), so that pages can say it in
// the visitor's language. The API does not show it.
type Code string

// RetryAfter, given to E, says when a RateLimited request may be tried again.
type RetryAfter time.Duration

// Error is the error type of Fundus.
type Error struct {
	Op     Op
	Kind   Kind
	Msg    string
	Err    error
	Fields []FieldError
	Code   Code
	Retry  time.Duration // for RateLimited: wait at least this long
}

// E builds an *Error from its arguments, sorted by type: an Op, a Kind, an
// error to wrap, a string message, a FieldError or a []FieldError, a Code,
// a RetryAfter. An error
// built without a Kind takes the Kind of the error it wraps.
func E(args ...any) error {
	e := &Error{}
	for _, a := range args {
		switch a := a.(type) {
		case Op:
			e.Op = a
		case Kind:
			e.Kind = a
		case string:
			e.Msg = a
		case FieldError:
			e.Fields = append(e.Fields, a)
		case []FieldError:
			e.Fields = append(e.Fields, a...)
		case Code:
			e.Code = a
		case RetryAfter:
			e.Retry = time.Duration(a)
		case *Error:
			e.Err = a
		case error:
			e.Err = a
		case nil:
		default:
			panic(fmt.Sprintf("errs.E: bad argument of type %T", a))
		}
	}
	if e.Kind == Other {
		e.Kind = KindOf(e.Err)
	}
	return e
}

// Errorf is E(op, kind, fmt.Sprintf(format, args...)).
func Errorf(op Op, kind Kind, format string, args ...any) error {
	return E(op, kind, fmt.Sprintf(format, args...))
}

// Field reports one invalid field as an Invalid error.
func Field(op Op, field, message string) error {
	return E(op, Invalid, FieldError{Field: field, Message: message}, field+": "+message)
}

// FieldCode is Field with the code (and parameter) of the rule that failed.
func FieldCode(op Op, field, code, param, message string) error {
	return E(op, Invalid, FieldError{Field: field, Message: message, Code: code, Param: param}, field+": "+message)
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(string(e.Op))
	}
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(s)
	}
	if e.Err == nil || KindOf(e.Err) != e.Kind {
		if e.Kind != Other {
			add(e.Kind.String())
		}
	}
	add(e.Msg)
	if e.Err != nil {
		add(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// chain yields the *Error values of err's chain, outermost first: the
// one walk that KindOf, FieldsOf, Message and the others make.
func chain(err error) iter.Seq[*Error] {
	return func(yield func(*Error) bool) {
		var e *Error
		for err != nil && errors.As(err, &e) {
			if !yield(e) {
				return
			}
			err = e.Err
		}
	}
}

// KindOf returns the Kind of the outermost *Error in err's chain that has
// one, or Other.
func KindOf(err error) Kind {
	for e := range chain(err) {
		if e.Kind != Other {
			return e.Kind
		}
	}
	return Other
}

// Is reports whether err is of the given kind.
func Is(kind Kind, err error) bool {
	return err != nil && KindOf(err) == kind
}

// FieldsOf returns the field errors of err and of every *Error it wraps.
func FieldsOf(err error) []FieldError {
	var out []FieldError
	for e := range chain(err) {
		out = append(out, e.Fields...)
	}
	return out
}

// RetryAfterOf returns how long the caller should wait before trying again,
// or 0.
func RetryAfterOf(err error) time.Duration {
	for e := range chain(err) {
		if e.Retry > 0 {
			return e.Retry
		}
	}
	return 0
}

// CodeOf returns the outermost Code in err's chain, or "".
func CodeOf(err error) Code {
	for e := range chain(err) {
		if e.Code != "" {
			return e.Code
		}
	}
	return ""
}

// Message returns the outermost message written for people, or "".
func Message(err error) string {
	for e := range chain(err) {
		if e.Msg != "" {
			return e.Msg
		}
	}
	return ""
}

// Match reports whether err matches template, looking only at what the
// template sets (as upspin's errors.Match): its Kind (err's outermost kind,
// KindOf), its Msg (err's message for people, Message), its Op (any Op in
// err's chain), its Code (CodeOf) and each of its Fields (by field and,
// where the template gives one, code). Tests compare errors this way instead of by their text:
//
//	errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "amount", Code: "amount_max"}), err)
func Match(template, err error) bool {
	t, ok := template.(*Error)
	if !ok || err == nil {
		return false
	}
	if t.Kind != Other && KindOf(err) != t.Kind {
		return false
	}
	if t.Msg != "" && Message(err) != t.Msg {
		return false
	}
	if t.Code != "" && CodeOf(err) != t.Code {
		return false
	}
	if t.Op != "" && !slices.ContainsFunc(slices.Collect(chain(err)), func(e *Error) bool { return e.Op == t.Op }) {
		return false
	}
	fields := FieldsOf(err)
	for _, want := range t.Fields {
		found := false
		for _, f := range fields {
			if f.Field == want.Field && (want.Code == "" || f.Code == want.Code) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
