package check_test

import (
	"testing"

	"fundus/check"
	"fundus/errs"
)

func TestHasControl(t *testing.T) {
	cases := []struct {
		s           string
		line, lines bool // refused on one line, refused in multi-line text
	}{
		{"Café Lingua e.V. – 日本語 👩‍👩‍👧", false, false},
		{"", false, false},
		{"a\nb", true, false},
		{"a\r\nb", true, false},
		{"a\tb", true, false},
		{"a\x00b", true, true},
		{"a\x07b", true, true},
		{"a\x1b[31mb", true, true},
		{"a\x7fb", true, true},
		{"a\u0085b", true, true},
		{"a\u2028b", true, true},
		{"a\u2029b", true, true},
		{"a\u202ab", true, true},
		{"a\u202eb", true, true},
		{"a\u2066b", true, true},
		{"a\u2069b", true, true},
		{"a\u200fb", false, false}, // a right-to-left mark is not an override
		{"a\xffb", true, true},
		{"a\xc0\x80b", true, true}, // an overlong NUL
	}
	for _, c := range cases {
		if got := check.HasControl(c.s, false); got != c.line {
			t.Errorf("HasControl(%q, false) = %v", c.s, got)
		}
		if got := check.HasControl(c.s, true); got != c.lines {
			t.Errorf("HasControl(%q, true) = %v", c.s, got)
		}
	}
}

func TestText(t *testing.T) {
	if err := check.Text("op", "name", "Ada", 3, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ s, code string }{{"Adam", "max"}, {"A\u202ed", "control"}} {
		err := check.Text("op", "name", c.s, 3, false)
		if f := errs.FieldsOf(err); !errs.Is(errs.Invalid, err) || len(f) != 1 || f[0].Field != "name" || f[0].Code != c.code {
			t.Errorf("%q: %v", c.s, err)
		}
	}
	type user struct {
		Name string `json:"name" validate:"text"`
		Bio  string `json:"bio" validate:"lines"`
	}
	err := check.Struct("op", user{Name: "A\u2066", Bio: "ok\nfine\x00"})
	f := errs.FieldsOf(err)
	if len(f) != 2 || f[0].Field != "name" || f[0].Code != "control" || f[1].Field != "bio" {
		t.Fatalf("%v", f)
	}
	if err := check.Struct("op", user{Name: "Ada", Bio: "ok\n\tfine"}); err != nil {
		t.Fatal(err)
	}
}
