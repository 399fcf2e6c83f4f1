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
