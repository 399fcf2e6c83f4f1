package fundus_test

import (
	"testing"

	"fundus"
)

func TestValidIBAN(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"DE89 3704 0044 0532 0130 00", true}, // as people write it
		{"de89370400440532013000", true},      // lower case
		{"GB82WEST12345698765432", true},
		{"DE88370400440532013000", false}, // checksum off by one
		{"DE8937040044053201300", false},  // a digit missing
		{"D889370400440532013000", false}, // no country
		{"", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := fundus.ValidIBAN(fundus.NormalizeIBAN(c.in)); got != c.want {
				t.Errorf("ValidIBAN(NormalizeIBAN(%q)) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestValidBIC(t *testing.T) {
	for bic, want := range map[string]bool{"COBADEFF": true, "COBADEFFXXX": true, "COBADEF": false, "COBADEFFXX": false, "cobadeff": false, "1OBADEFF": false} {
		if got := fundus.ValidBIC(bic); got != want {
			t.Errorf("ValidBIC(%q) = %v, want %v", bic, got, want)
		}
	}
}

// TestNormalizeIBANCopiedFromRightToLeft: an IBAN copied from an Arabic
// or Persian text may carry invisible direction marks and non-breaking
// spaces; they are dropped.
func TestNormalizeIBANCopiedFromRightToLeft(t *testing.T) {
	for _, in := range []string{"\u2066DE89 3704 0044 0532 0130 00\u2069", "\u200fde89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000"} {
		if got := fundus.NormalizeIBAN(in); got != "DE89370400440532013000" || !fundus.ValidIBAN(got) {
			t.Errorf("%q: %q", in, got)
		}
	}
}
