package donations

import (
	"crypto/rand"
	"math/big"
	"strings"

	"fundus"
	"fundus/errs"
)

// A reference is what a donor types into the bank transfer, and what the
// treasurer finds on the bank statement: FUND-XXXX-XXXX. Its alphabet has no
// look-alikes: none of 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V. Seven characters are
// random (24^7, about 32 bits) and the eighth is a Luhn mod 24 check
// character, which catches every single mistyped character and every swap
// of two neighbours except that of "3" and "Y" (the first and last of the
// alphabet). The alphabet's size must be even for Luhn mod N to catch every
// single typo.
const alphabet = "34679ACDEFGHJKMNPQRTUWXY"

const refPrefix = "FUND-"

// newReference returns a fresh random reference.
func newReference() string {
	var body [7]byte
	n := big.NewInt(int64(len(alphabet)))
	for i := range body {
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported systems
		}
		body[i] = alphabet[k.Int64()]
	}
	s := string(body[:]) + string(checkChar(string(body[:])))
	return refPrefix + s[:4] + "-" + s[4:]
}

// checkChar is the Luhn mod N check character of payload.
func checkChar(payload string) byte {
	n := len(alphabet)
	factor, sum := 2, 0
	for i := len(payload) - 1; i >= 0; i-- {
		addend := factor * strings.IndexByte(alphabet, payload[i])
		factor = 3 - factor
		sum += addend/n + addend%n
	}
	return alphabet[(n-sum%n)%n]
}

// ParseReference reads a reference as a person may type it (any case,
// with or without the FUND- prefix, dashes and spaces) and returns it in
// its canonical form. Returns Invalid naming "reference" when it is not a
// reference or its check character does not match (a typo).
func ParseReference(s string) (string, error) {
	const op errs.Op = "donations.ParseReference"
	t := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(fundus.StripInvisible(strings.TrimSpace(s))))
	t = strings.TrimPrefix(t, "FUND")
	if len(t) != 8 || strings.Trim(t, alphabet) != "" {
		return "", errs.FieldCode(op, "reference", "reference_format", "", "must look like FUND-XXXX-XXXX")
	}
	if checkChar(t[:7]) != t[7] {
		return "", errs.FieldCode(op, "reference", "reference_check", "", "has a typo: its check character does not match")
	}
	return refPrefix + t[:4] + "-" + t[4:], nil
}
