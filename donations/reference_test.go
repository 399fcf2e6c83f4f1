package donations

import (
	"strings"
	"testing"
)

// TestParseReferenceCopiedFromRightToLeft: a reference copied from an
// Arabic or Persian page or mail may carry invisible direction marks.
func TestParseReferenceCopiedFromRightToLeft(t *testing.T) {
	ref := newReference()
	for _, in := range []string{"\u2066" + ref + "\u2069", "\u200f" + ref, strings.ReplaceAll(ref, "-", "\u00a0")} {
		if got, err := ParseReference(in); err != nil || got != ref {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
}
