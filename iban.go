package fundus

import (
	"math/big"
	"regexp"
	"strings"
)

// Bank identifiers, shared by the domains that pay in or out.

var (
	ibanShape = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)
	bicShape  = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
)

// NormalizeIBAN removes spaces (also non-breaking ones) and the invisible
// direction marks a copy from a right-to-left page may carry, and
// upper-cases.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(StripInvisible(strings.ReplaceAll(strings.TrimSpace(s), " ", "")))
}

// invisible are the characters a copy of an IBAN, a reference or an amount
// from a right-to-left text may carry without anyone seeing them: the
// direction marks and isolates (U+200E, U+200F, U+2066–U+2069), and
// non-breaking and thin spaces.
var invisible = strings.NewReplacer("\u200e", "", "\u200f", "", "\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "",
	"\u00a0", "", "\u202f", "", "\u2009", "")

// StripInvisible removes the characters of invisible from s.
func StripInvisible(s string) string { return invisible.Replace(s) }

// ValidIBAN reports whether iban (normalized) has the shape of an IBAN and
// passes its ISO 13616 checksum (mod 97 == 1).
func ValidIBAN(iban string) bool {
	if !ibanShape.MatchString(iban) {
		return false
	}
	rearranged := iban[4:] + iban[:4]
	var digits strings.Builder
	for _, r := range rearranged {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// ValidBIC reports whether bic has the shape of a BIC (8 or 11 characters).
func ValidBIC(bic string) bool { return bicShape.MatchString(bic) }
