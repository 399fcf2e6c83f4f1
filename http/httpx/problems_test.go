package httpx

import (
	"testing"

	"fundus/errs"
	"fundus/grants"
	"fundus/web"
)

// TestEveryKindHasAProblem: every kind of errs has its row in the one
// table, with a page message written in both languages.
func TestEveryKindHasAProblem(t *testing.T) {
	r, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range errs.Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			p, ok := problems[k]
			if !ok {
				t.Fatalf("kind %q has no row in problems", k)
			}
			if p.Slug == "" || p.Status < 400 || p.Title == "" {
				t.Fatalf("row %+v", p)
			}
			de, en := r.T("de", p.Page), r.T("en", p.Page)
			if de == p.Page || en == p.Page || de == en {
				t.Fatalf("page message %q: de %q, en %q", p.Page, de, en)
			}
		})
	}
	// The codes domains give refusals have their messages too.
	for _, code := range []errs.Code{grants.FourEyesMaker, grants.FourEyesDecider, grants.OwnGrant, grants.FourEyesLine} {
		id := "problem.code." + string(code)
		if de, en := r.T("de", id), r.T("en", id); de == id || en == id || de == en {
			t.Errorf("code %q: de %q, en %q", code, de, en)
		}
	}
}
