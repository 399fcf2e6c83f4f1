package web

import (
	"reflect"
	"testing"
)

// TestErrorSummary: the summary lists every invalid field with its label
// and message, and a message of no single field, in the page's order; a
// page without errors has none.
func TestErrorSummary(t *testing.T) {
	page := `<form><label for="title">Title <span>(short)</span></label>
<input id="title" aria-invalid="true" aria-describedby="title-hint title-error"><p class="hint" id="title-hint">h</p><p class="error" id="title-error">Required.</p>
<p class="error" id="budget-error">The items must add up to the sum.</p>
<label class="check"><input type="checkbox" name="x"> Tick</label>
<label for="iban">IBAN</label><input id="iban" aria-invalid="true" aria-describedby="iban-error">
<p class="error" id="iban-error">Not an <b>IBAN</b>.</p>
<p class="error" role="alert">no id: not a field's</p>
<label for="ok">Fine</label><input id="ok">
<fieldset class="invalid" aria-describedby="decision-error"><legend>Decision</legend>
<label class="check"><input type="radio" name="d" id="d-yes"> Yes</label>
<p class="error" id="decision-error">Choose one.</p></fieldset></form>`
	want := []SummaryItem{
		{ID: "title", Label: "Title (short)", Message: "Required."},
		{ID: "budget-error", Message: "The items must add up to the sum."},
		{ID: "iban", Label: "IBAN", Message: "Not an IBAN."},
		{ID: "decision-error", Label: "Decision", Message: "Choose one."},
	}
	if got := errorSummary([]byte(page)); !reflect.DeepEqual(got, want) {
		t.Fatalf("summary\n got %+v\nwant %+v", got, want)
	}
	if got := errorSummary([]byte(`<label for="a">A</label><input id="a">`)); len(got) != 0 {
		t.Fatalf("a page without errors has the summary %+v", got)
	}
}
