package statement

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// maxMinor is the largest amount read, 99,999,999,999.99: anything larger
// on a city fund's statement is a broken file.
const maxMinor = 1e13 - 1

// parseAmount reads a camt amount ("1234.5", "200000") exactly into
// hundredths. It refuses signs, exponents, more than two decimals and
// absurd sizes.
func parseAmount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") || !digits(intPart) || !digits(frac) {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than two decimals", s)
	}
	return minorOf(intPart, frac, s)
}

// parseGermanAmount reads a CSV amount ("-1.234,56", "2500,5", "-68") into
// hundredths and its sign.
func parseGermanAmount(s string) (minor int64, negative bool, err error) {
	s = strings.TrimSpace(s)
	orig := s
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		negative, s = true, rest
	}
	intPart, frac, hasComma := strings.Cut(s, ",")
	if strings.Contains(intPart, ".") {
		groups := strings.Split(intPart, ".")
		for i, g := range groups {
			if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return 0, false, fmt.Errorf("%q is not an amount", orig)
			}
		}
		intPart = strings.Join(groups, "")
	}
	if intPart == "" || (hasComma && frac == "") || !digits(intPart) || !digits(frac) {
		return 0, false, fmt.Errorf("%q is not an amount", orig)
	}
	if len(frac) > 2 {
		return 0, false, fmt.Errorf("%q has more than two decimals", orig)
	}
	minor, err = minorOf(intPart, frac, orig)
	return minor, negative, err
}

func minorOf(intPart, frac, orig string) (int64, error) {
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 11 {
		return 0, fmt.Errorf("%q is too large to be an amount", orig)
	}
	frac += strings.Repeat("0", 2-len(frac))
	var v int64
	for _, c := range intPart + frac {
		v = v*10 + int64(c-'0')
	}
	if v > maxMinor {
		return 0, fmt.Errorf("%q is too large to be an amount", orig)
	}
	return v, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// addMinor adds two amounts and reports whether the sum fits.
func addMinor(a, b int64) (int64, bool) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, false
	}
	return a + b, true
}

// formatMinor writes hundredths as a decimal: -1234 → "-12.34".
func formatMinor(v int64) string {
	sign := ""
	u := uint64(v)
	if v < 0 {
		sign, u = "-", uint64(-v)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// isoDate takes the date of a camt Dt ("2014-12-31") or DtTm
// ("2014-12-31T13:15:00+01:00"): the date as the bank wrote it.
func isoDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", fmt.Errorf("%q is not a date", s)
	}
	return s, nil
}

// germanDate reads "15.02.26" or "15.02.2026" as "2026-02-15".
func germanDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02.01.06", "02.01.2006"} {
		if len(s) == len(layout) {
			if t, err := time.Parse(layout, s); err == nil {
				if layout == "02.01.06" && t.Year() < 2000 { // Go reads 69-99 as 19xx
					t = t.AddDate(100, 0, 0)
				}
				return t.Format(time.DateOnly), nil
			}
		}
	}
	return "", fmt.Errorf("%q is not a date", s)
}
