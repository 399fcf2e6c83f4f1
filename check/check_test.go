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
	for _, c := range []struct{ name, s, code string }{
		{"too long", "Adam", "max"},
		{"bidi override", "A\u202ed", "control"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := check.Text("op", "name", c.s, 3, false)
			if !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "name", Code: c.code}), err) || len(errs.FieldsOf(err)) != 1 {
				t.Errorf("%q: %v %+v, want Invalid naming only name (%s)", c.s, err, errs.FieldsOf(err), c.code)
			}
		})
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

// TestFields checks that one Fields gathers tag failures, its own rules and
// the fields of other errors, keeping the first error of each field.
func TestFields(t *testing.T) {
	var f check.Fields
	if err := f.Err("op"); err != nil {
		t.Fatalf("empty: %v", err)
	}
	type donor struct {
		Name string `json:"name" validate:"max=3,text"`
	}
	f.Struct(donor{Name: "Adam"})
	f.Text("name", "A\u202ed", 3, false) // name already failed: not added
	if f.Required("title", "") {
		t.Error("Required(\"\") = true")
	}
	f.AddErr(errs.FieldCode("parse", "amount", "amount", "", "must be an amount"))
	f.AddErr(errs.E(errs.Internal, "no fields"))
	f.Add("vote", "oneof", "", "must be approve, reject or abstain")
	err := f.Err("op")
	want := []errs.FieldError{
		{Field: "name", Code: "max", Param: "3", Message: "must have at most 3 characters"},
		{Field: "title", Code: "required", Message: "is required"},
		{Field: "amount", Code: "amount", Message: "must be an amount"},
		{Field: "vote", Code: "oneof", Message: "must be approve, reject or abstain"},
	}
	got := errs.FieldsOf(err)
	if !errs.Is(errs.Invalid, err) || len(got) != len(want) {
		t.Fatalf("%v: %v", err, got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	var one check.Fields
	one.Required("reason", "")
	want1 := errs.E(errs.Op("donations.Refund"), errs.Invalid, "reason: is required", errs.FieldError{Field: "reason", Code: "required"})
	if err := one.Err("donations.Refund"); !errs.Match(want1, err) {
		t.Errorf("one field: %v", err)
	}
}
