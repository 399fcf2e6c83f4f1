package ui

import (
	"html"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"fundus/errs"
	"fundus/http/httpx"
	"fundus/web"
)

// TestErrorPageOfEveryKindInGerman: the error page of each kind answers
// with the kind's status and says the kind's German message, not the
// error's English one; field errors are listed in German, also when their
// code has no translation.
func TestErrorPageOfEveryKindInGerman(t *testing.T) {
	gin.SetMode(gin.TestMode) // no debug warnings from the test contexts
	r, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	s := &Handler{Web: r}
	for _, k := range errs.Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			english := "an English message for " + k.String()
			err := errs.E(k, english,
				errs.FieldError{Field: "year", Code: "year", Message: "must be a year from 2000 to 2100"},
				errs.FieldError{Field: "x", Code: "no_such_code", Message: "English words about x"})
			rec := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(rec)
			c.Request = httptest.NewRequest("GET", "/somewhere", nil)
			c.Set(ctxLang, "de")
			s.renderError(c, err)
			p, body := httpx.ProblemTypeOf(err), rec.Body.String()
			if rec.Code != p.Status {
				t.Errorf("status %d, want %d", rec.Code, p.Status)
			}
			if want := html.EscapeString(r.T("de", p.Page)); !strings.Contains(body, want) {
				t.Errorf("the page lacks %q:\n%s", want, body)
			}
			for _, en := range []string{english, "English words", "must be a year", r.T("en", p.Page)} {
				if strings.Contains(body, html.EscapeString(en)) {
					t.Errorf("the German page says %q", en)
				}
			}
			fieldsShown := strings.Contains(body, r.T("de", "error.field.year")) && strings.Contains(body, r.T("de", "error.field.invalid"))
			if fieldsShown != (p.Status < 500) {
				t.Errorf("field messages shown: %v, status %d", fieldsShown, p.Status)
			}
		})
	}
}
