// Package check validates input structs with go-playground/validator and
// reports failures as one errs.Invalid error that names each bad field by its
// JSON name, with a message for people. Domain packages call it on the input
// of every use case, so the API and the command line refuse the same things.
package check

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"fundus/errs"
)

var (
	once     sync.Once
	validate *validator.Validate
)

// Validator returns the shared validator, which names fields by their JSON
// tags. Packages register their own rules on it in an init function.
func Validator() *validator.Validate {
	once.Do(func() {
		validate = validator.New(validator.WithRequiredStructEnabled())
		validate.RegisterTagNameFunc(func(f reflect.StructField) string {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				return ""
			}
			if name == "" {
				return f.Name
			}
			return name
		})
		// "text": one line of free text (names, titles); "lines": free
		// text that may hold line breaks and tabs. See HasControl.
		validate.RegisterValidation("text", func(fl validator.FieldLevel) bool { return !HasControl(fl.Field().String(), false) })
		validate.RegisterValidation("lines", func(fl validator.FieldLevel) bool { return !HasControl(fl.Field().String(), true) })
	})
	return validate
}

// Struct validates v and returns nil or an Invalid error listing every
// field that failed.
func Struct(op errs.Op, v any) error {
	err := Validator().Struct(v)
	if err == nil {
		return nil
	}
	verrs, ok := err.(validator.ValidationErrors)
	if !ok {
		return errs.E(op, errs.Internal, err)
	}
	fields := make([]errs.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		fields = append(fields, errs.FieldError{Field: fieldPath(fe.Namespace()), Message: message(fe), Code: code(fe), Param: fe.Param()})
	}
	return errs.E(op, errs.Invalid, fields, "some fields are not valid")
}

// fieldPath drops the struct's own name from a namespace such as
// "NewUser.donor.email".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

// code names the rule for translation: "required" for all its variants.
func code(fe validator.FieldError) string {
	if strings.HasPrefix(fe.Tag(), "required") {
		return "required"
	}
	if fe.Tag() == "text" || fe.Tag() == "lines" {
		return "control"
	}
	return fe.Tag()
}

func message(fe validator.FieldError) string {
	p := fe.Param()
	unit := ""
	if fe.Kind() == reflect.String {
		unit = " characters"
	} else if fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map {
		unit = " items"
	}
	switch fe.Tag() {
	case "required", "required_if", "required_with":
		return "is required"
	case "email":
		return "must be an email address"
	case "min":
		return fmt.Sprintf("must have at least %s%s", p, unit)
	case "max":
		return fmt.Sprintf("must have at most %s%s", p, unit)
	case "len":
		return fmt.Sprintf("must have exactly %s%s", p, unit)
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(p, " ", ", ")
	case "gte":
		return "must be at least " + p
	case "lte":
		return "must be at most " + p
	case "dive":
		return "has an invalid item"
	case "unique":
		return "must not repeat an item"
	case "text", "lines":
		return controlMessage
	case "printascii":
		return "must be printable ASCII"
	}
	return "is not valid (" + fe.Tag() + ")"
}

// HasControl reports what free text must not hold: bytes that are not
// UTF-8 and control characters (NUL among them: PostgreSQL refuses both in
// text), the line and paragraph
// separators U+2028/U+2029, and the bidi overrides and isolates U+202A-U+202E
// and U+2066-U+2069, which make a name read differently on screen than it
// is stored. With lines (messages, descriptions), line breaks and tabs are
// allowed.
func HasControl(s string, lines bool) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		switch {
		case lines && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r), r == '\u2028', r == '\u2029',
			r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
			return true
		}
	}
	return false
}

// Text checks a free text for field: nothing HasControl reports and at
// most max characters. It returns nil or an Invalid error naming field.
func Text(op errs.Op, field, s string, max int, lines bool) error {
	switch {
	case HasControl(s, lines):
		return errs.FieldCode(op, field, "control", "", controlMessage)
	case utf8.RuneCountInString(s) > max:
		return errs.FieldCode(op, field, "max", strconv.Itoa(max), fmt.Sprintf("must have at most %d characters", max))
	}
	return nil
}

const controlMessage = "must be UTF-8 text without control characters or bidi overrides"
