// Package check validates input structs with go-playground/validator and
// reports failures as one errs.Invalid error that names each bad field by its
// JSON name, with a message for people. Domain packages call it on the input
// of every use case, so the API and the command line refuse the same things.
package check

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"

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
	case "printascii":
		return "must be printable ASCII"
	}
	return "is not valid (" + fe.Tag() + ")"
}

// HasControl reports control characters in s; with lines, line breaks and
// tabs are allowed (messages, descriptions).
func HasControl(s string, lines bool) bool {
	for _, r := range s {
		if unicode.IsControl(r) && !(lines && (r == '\n' || r == '\r' || r == '\t')) {
			return true
		}
	}
	return false
}
