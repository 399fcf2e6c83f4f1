// Package check validates the input of use cases and reports failures as one
// errs.Invalid error that names each bad field by its JSON name, with a code
// for translation and a message for people. Domain packages gather a use
// case's failures in a Fields, so the API and the command line refuse the
// same things: rules that a struct's fields declare alone are validator
// tags (Fields.Struct), the rest are Fields' methods.
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

// Struct validates v by its tags alone, as Fields.Struct does, and returns
// nil or an Invalid error listing every field that failed.
func Struct(op errs.Op, v any) error {
	var f Fields
	f.Struct(v)
	return f.Err(op)
}

// Fields gathers the field errors of one input, the first of each field
// only, in the order they were found. The zero value is empty and ready.
type Fields struct {
	list []errs.FieldError
}

// Add records that field broke the rule code (with param) unless field
// already has an error.
func (f *Fields) Add(field, code, param, message string) {
	for _, e := range f.list {
		if e.Field == field {
			return
		}
	}
	f.list = append(f.list, errs.FieldError{Field: field, Message: message, Code: code, Param: param})
}

// AddErr records the field errors that err carries, such as those of
// fundus.ParseAmount; an error without fields adds nothing.
func (f *Fields) AddErr(err error) {
	for _, e := range errs.FieldsOf(err) {
		f.Add(e.Field, e.Code, e.Param, e.Message)
	}
}

// Required records "required" for field when v is empty and reports
// whether v is there.
func (f *Fields) Required(field, v string) bool {
	if v == "" {
		f.Add(field, "required", "", "is required")
	}
	return v != ""
}

// Text records "control" for field when s holds what HasControl reports
// (lines allows line breaks and tabs), and "max" when s has more than max
// characters.
func (f *Fields) Text(field, s string, max int, lines bool) {
	switch {
	case HasControl(s, lines):
		f.Add(field, "control", "", controlMessage)
	case utf8.RuneCountInString(s) > max:
		f.Add(field, "max", strconv.Itoa(max), fmt.Sprintf("must have at most %d characters", max))
	}
}

// Struct records the failures of the validator tags of struct v. Passing
// anything but a struct or a pointer to one is a programming error and
// panics.
func (f *Fields) Struct(v any) {
	err := Validator().Struct(v)
	if err == nil {
		return
	}
	verrs, ok := err.(validator.ValidationErrors)
	if !ok {
		panic(err)
	}
	for _, fe := range verrs {
		f.Add(fieldPath(fe.Namespace()), code(fe), fe.Param(), message(fe))
	}
}

// Err returns nil when no field failed, else an Invalid error of op that
// lists the fields; its text names the field when there is only one.
func (f *Fields) Err(op errs.Op) error {
	switch len(f.list) {
	case 0:
		return nil
	case 1:
		return errs.E(op, errs.Invalid, f.list, f.list[0].Field+": "+f.list[0].Message)
	}
	return errs.E(op, errs.Invalid, f.list, "some fields are not valid")
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

// Text checks a free text for field as Fields.Text does and returns nil or
// an Invalid error naming field.
func Text(op errs.Op, field, s string, max int, lines bool) error {
	var f Fields
	f.Text(field, s, max, lines)
	return f.Err(op)
}

const controlMessage = "must be UTF-8 text without control characters or bidi overrides"
