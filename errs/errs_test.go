package errs_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"fundus/errs"
)

func TestKindIsInherited(t *testing.T) {
	inner := errs.E(errs.Op("ledger.Post"), errs.InsufficientFunds, "not enough money")
	outer := errs.E(errs.Op("grants.Approve"), inner)
	wrapped := fmt.Errorf("context: %w", outer)
	if !errs.Is(errs.InsufficientFunds, wrapped) {
		t.Fatalf("kind lost: %v", errs.KindOf(wrapped))
	}
	if got := outer.Error(); got != "grants.Approve: ledger.Post: insufficient funds: not enough money" {
		t.Fatalf("Error() = %q", got)
	}
	if errs.Message(wrapped) != "not enough money" {
		t.Fatalf("Message = %q", errs.Message(wrapped))
	}
	if !errors.Is(wrapped, inner) {
		t.Fatal("Unwrap chain broken")
	}
}

func TestForeignErrorsAreOther(t *testing.T) {
	if k := errs.KindOf(errors.New("disk full")); k != errs.Other {
		t.Fatalf("kind %v", k)
	}
	if errs.Is(errs.NotFound, nil) {
		t.Fatal("nil is NotFound")
	}
}

func TestFieldsAndRetryAfter(t *testing.T) {
	err := errs.E(errs.Op("x"), errs.Field("auth.Register", "email", "is required"))
	if f := errs.FieldsOf(err); len(f) != 1 || f[0].Field != "email" || !errs.Is(errs.Invalid, err) {
		t.Fatalf("fields %v kind %v", f, errs.KindOf(err))
	}
	err = errs.E(errs.Op("y"), errs.E(errs.RateLimited, errs.RetryAfter(3*time.Second)))
	if errs.RetryAfterOf(err) != 3*time.Second {
		t.Fatalf("retry after %v", errs.RetryAfterOf(err))
	}
}

func TestMatch(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", errs.E(errs.Op("grants.Decide"),
		errs.E(errs.Op("ledger.Post"), errs.Invalid, "some fields are not valid", errs.Code("over_limit"),
			errs.FieldError{Field: "amount", Code: "amount_max", Message: "too much"})))
	for name, c := range map[string]struct {
		template error
		want     bool
	}{
		"KindOnly":          {errs.E(errs.Invalid), true},
		"OtherKind":         {errs.E(errs.InvalidState), false},
		"Message":           {errs.E(errs.Invalid, "some fields are not valid"), true},
		"OtherMessage":      {errs.E(errs.Invalid, "no"), false},
		"InnerOp":           {errs.E(errs.Op("ledger.Post")), true},
		"OuterOp":           {errs.E(errs.Op("grants.Decide"), errs.Invalid), true},
		"OtherOp":           {errs.E(errs.Op("donations.Confirm")), false},
		"FieldAndCode":      {errs.E(errs.Invalid, errs.FieldError{Field: "amount", Code: "amount_max"}), true},
		"FieldAnyCode":      {errs.E(errs.FieldError{Field: "amount"}), true},
		"FieldOtherCode":    {errs.E(errs.FieldError{Field: "amount", Code: "required"}), false},
		"OtherField":        {errs.E(errs.FieldError{Field: "memo"}), false},
		"Code":              {errs.E(errs.Invalid, errs.Code("over_limit")), true},
		"OtherCode":         {errs.E(errs.Invalid, errs.Code("four_eyes_maker")), false},
		"NotAnErrsTemplate": {errors.New("invalid"), false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := errs.Match(c.template, err); got != c.want {
				t.Fatalf("Match(%v) = %v, want %v", c.template, got, c.want)
			}
		})
	}
	if errs.Match(errs.E(errs.Invalid), nil) {
		t.Fatal("a template matched no error")
	}
}

// TestEveryKindHasAName: a kind added without a name in kindNames would
// print as "" and not come back from KindNamed.
func TestEveryKindHasAName(t *testing.T) {
	kinds := errs.Kinds()
	if kinds[0] != errs.Other || kinds[len(kinds)-1] != errs.WrongAccount {
		t.Fatalf("Kinds() = %v, want Other ... WrongAccount", kinds)
	}
	for _, k := range kinds {
		if k.String() == "" || errs.KindNamed(k.String()) != k {
			t.Errorf("kind %d has the name %q", k, k.String())
		}
	}
}

// TestCodeIsFoundThroughWraps: the outermost code counts, and wrapping
// keeps it.
func TestCodeIsFoundThroughWraps(t *testing.T) {
	inner := errs.E(errs.Op("grants.Release"), errs.Forbidden, errs.Code("four_eyes_maker"), "four eyes")
	if got := errs.CodeOf(fmt.Errorf("page: %w", errs.E(errs.Op("x"), inner))); got != "four_eyes_maker" {
		t.Fatalf("CodeOf = %q", got)
	}
	if got := errs.CodeOf(errs.E(errs.Code("outer"), inner)); got != "outer" {
		t.Fatalf("CodeOf = %q, want the outer code", got)
	}
	if got := errs.CodeOf(errors.New("plain")); got != "" {
		t.Fatalf("CodeOf of a foreign error = %q", got)
	}
	if got := inner.Error(); got != "grants.Release: forbidden: four eyes" {
		t.Fatalf("Error() = %q: the code is not part of it", got)
	}
}
