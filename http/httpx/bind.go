package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"fundus/errs"
)

// BindJSON decodes the request body, one JSON object, into v. Unknown fields,
// trailing data and anything that is not JSON are Malformed; a value of the
// wrong type is Invalid naming the field; a body over the limit is TooLarge.
// An empty body is Malformed unless optional is true, when v stays as it is.
func BindJSON(c *gin.Context, v any, optional bool) error {
	body, err := ReadBody(c)
	if err != nil {
		return err
	}
	return DecodeJSON(c, body, v, optional)
}

// ReadBody reads the whole request body, within the body limit.
func ReadBody(c *gin.Context) ([]byte, error) {
	const op errs.Op = "httpx.ReadBody"
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errs.E(op, errs.TooLarge, fmt.Sprintf("the body must not exceed %d bytes", tooLarge.Limit))
		}
		return nil, errs.E(op, errs.Malformed, "the body could not be read", err)
	}
	return body, nil
}

// DecodeJSON is BindJSON on a body already read.
func DecodeJSON(c *gin.Context, body []byte, v any, optional bool) error {
	const op errs.Op = "httpx.DecodeJSON"
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return errs.E(op, errs.Malformed, "the body must be a JSON object")
	}
	if !isJSON(c.GetHeader("Content-Type")) {
		return errs.E(op, errs.Malformed, "Content-Type must be application/json")
	}
	if field, ok := nulField(body); ok {
		return errs.E(op, errs.Invalid, errs.FieldError{Field: field, Code: "control", Message: "must not contain a NUL character"}, "some fields are not valid")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.E(op, errs.Malformed, "the body must hold exactly one JSON value")
	}
	return nil
}

func decodeError(op errs.Op, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return errs.E(op, errs.Malformed, fmt.Sprintf("the body is not valid JSON (at byte %d)", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(op, errs.Malformed, "the body is not valid JSON (it ends too early)")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errs.E(op, errs.Malformed, "the body must be a JSON object")
		}
		return errs.E(op, errs.Invalid, errs.FieldError{Field: typ.Field, Message: "must be a JSON " + jsonType(typ.Type.Kind().String())}, "some fields are not valid")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.E(op, errs.Malformed, errs.FieldError{Field: field, Message: "is not a known field"}, fmt.Sprintf("unknown field %q", field))
	}
	// Fields with their own UnmarshalJSON (amounts, dates) report their own
	// errs.Error; anything else is a body we cannot read.
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	return errs.E(op, errs.Malformed, "the body is not valid JSON", err)
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// isJSON reports whether a Content-Type header names JSON.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// nulField reports whether a JSON body holds a string with a NUL (written
// \u0000), which no field may hold and PostgreSQL refuses in text, and
// names the field ("donor.name", "budget[1].item"; the key itself when a
// key holds it).
func nulField(body []byte) (string, bool) {
	found := false
	for i := 0; i < len(body)-1; i++ {
		if body[i] == '\\' {
			if body[i+1] == 'u' && bytes.HasPrefix(body[i+2:], []byte("0000")) {
				found = true
				break
			}
			i++ // the escaped character
		}
	}
	if !found {
		return "", false
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "", false // not JSON: the decoder says why
	}
	var walk func(path string, v any) (string, bool)
	walk = func(path string, v any) (string, bool) {
		switch x := v.(type) {
		case string:
			return path, strings.ContainsRune(x, 0)
		case []any:
			for i, e := range x {
				if p, ok := walk(fmt.Sprintf("%s[%d]", path, i), e); ok {
					return p, true
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				p := k
				if path != "" {
					p = path + "." + k
				}
				if strings.ContainsRune(k, 0) {
					return strings.ReplaceAll(p, "\x00", `\u0000`), true
				}
				if p, ok := walk(p, x[k]); ok {
					return p, true
				}
			}
		}
		return "", false
	}
	return walk("", v)
}
